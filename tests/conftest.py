from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from fupin.accounts.models import RoleAssignment
from fupin.areas.services import areas_load
from tests import factories

PASSWORD = "correct-horse-battery-staple"

# role -> (username, area code); the fixed users every access test runs against.
USERS = {
    "county_admin": ("county_admin", "422822000000"),
    "township_officer": ("township_officer", "422822100000"),
    "village_secretary": ("village_secretary", factories.VILLAGE),
    "cadre": ("cadre", factories.VILLAGE),
    "auditor": ("auditor", "422822000000"),
    "other_secretary": ("other_secretary", factories.OTHER_TOWNSHIP_VILLAGE),
    "outsider": ("outsider", None),
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Seven fixed users per test: the production hasher would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def areas(db: Any) -> None:
    areas_load(actor=None, rows=[{"code": c, "name": n} for c, n in factories.AREAS])


@pytest.fixture
def users(areas: None) -> dict[str, Any]:
    from fupin.areas.models import Area

    User = get_user_model()
    out = {}
    for key, (username, code) in USERS.items():
        user = User.objects.create_user(username=username, password=PASSWORD)
        if code:
            role = "village_secretary" if key == "other_secretary" else key
            RoleAssignment.objects.create(user=user, role=role, area=Area.objects.get(code=code))
        out[key] = user
    return out


@pytest.fixture
def client_for(users: dict[str, Any]) -> Any:
    def make(key: str) -> Client:
        client = Client()
        client.force_login(users[key])
        return client

    return make


@pytest.fixture
def household(areas: None) -> Any:
    return factories.household()


@pytest.fixture
def other_household(areas: None) -> Any:
    return factories.household(area_code=factories.OTHER_TOWNSHIP_VILLAGE)
