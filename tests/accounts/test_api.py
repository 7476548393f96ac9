"""/api/me, authentication, and the public schema and docs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from fupin.accounts.models import ApiToken
from fupin.accounts.services import api_token_create, api_token_revoke
from tests import factories


@pytest.fixture
def api(users: dict[str, Any]) -> Callable[[str], Client]:
    def make(key: str) -> Client:
        _, secret = api_token_create(actor=None, user=users[key], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


def assert_401(response: Any) -> None:
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "not_authenticated"
    assert "令牌" in response.json()["error"]["message"]


def test_me(api: Any) -> None:
    body = api("village_secretary").get("/api/me").json()
    assert body["username"] == "village_secretary"
    assert body["roles"] == [
        {
            "role": "village_secretary",
            "role_label": "村党组织书记",
            "area_code": factories.VILLAGE,
            "area_name": "东门村",
        }
    ]
    assert body["prefixes"] == [factories.VILLAGE]
    assert body["write_prefixes"] == [factories.VILLAGE]
    assert body["pii_prefixes"] == []


def test_me_for_read_only_and_roleless_users(api: Any) -> None:
    auditor = api("auditor").get("/api/me").json()
    assert auditor["prefixes"] == ["422822"]
    assert auditor["write_prefixes"] == []
    assert auditor["pii_prefixes"] == ["422822"]
    outsider = api("outsider").get("/api/me").json()
    assert outsider["roles"] == []
    assert outsider["prefixes"] == []


def test_me_needs_a_valid_token(users: dict[str, Any]) -> None:
    assert_401(Client().get("/api/me"))
    assert_401(Client(HTTP_AUTHORIZATION="Bearer fp_wrong").get("/api/me"))
    assert_401(Client(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz").get("/api/me"))
    token, key = api_token_create(actor=None, user=users["cadre"], name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/me").json()["username"] == "cadre"
    api_token_revoke(actor=users["cadre"], token_id=token.pk)
    assert_401(client.get("/api/me"))


def test_token_of_inactive_user_is_refused(users: dict[str, Any]) -> None:
    _, key = api_token_create(actor=None, user=users["cadre"], name="t")
    users["cadre"].is_active = False
    users["cadre"].save()
    assert_401(Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/me"))


def test_token_use_is_recorded(users: dict[str, Any]) -> None:
    token, key = api_token_create(actor=None, user=users["cadre"], name="t")
    assert token.last_used_at is None
    Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/me")
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_session_login_works_for_reads(client_for: Any) -> None:
    assert client_for("county_admin").get("/api/me").json()["username"] == "county_admin"


def test_openapi_schema_is_public_and_lists_the_paths(db: Any) -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "精准扶贫" in schema["info"]["title"]
    assert {
        "/api/me",
        "/api/areas",
        "/api/areas/{code}",
        "/api/households",
        "/api/households/{household_id}",
        "/api/households/{household_id}/members",
        "/api/households/{household_id}/history",
        "/api/members/{member_id}",
        "/api/households/{household_id}/incomes/{year}",
    } <= set(schema["paths"])
    assert set(schema["paths"]["/api/households"]) == {"get", "post"}
    assert set(schema["paths"]["/api/households/{household_id}"]) == {"get", "patch"}
    assert set(schema["paths"]["/api/members/{member_id}"]) == {"get", "patch", "delete"}
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["BearerTokenAuth"].items()
    assert "ErrorOut" in schema["components"]["schemas"]


def test_docs_page_is_served(db: Any) -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
