"""The areas API: only the part of the tree the caller covers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from fupin.accounts.services import api_token_create, api_token_revoke
from tests import factories


@pytest.fixture
def api(users: dict[str, Any]) -> Callable[[str], Client]:
    def make(key: str) -> Client:
        _, secret = api_token_create(actor=None, user=users[key], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


def error_code(response: Any, status: int) -> str:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["message"]
    return str(body["error"]["code"])


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [a["code"] for a in response.json()]


URLS = ["/api/areas", f"/api/areas?parent={factories.VILLAGE}", f"/api/areas/{factories.VILLAGE}"]


@pytest.mark.parametrize("url", URLS)
def test_without_or_with_bad_token_is_401(users: dict[str, Any], url: str) -> None:
    assert error_code(Client().get(url), 401) == "not_authenticated"
    bad = Client(HTTP_AUTHORIZATION="Bearer fp_wrong").get(url)
    assert error_code(bad, 401) == "not_authenticated"
    token, key = api_token_create(actor=None, user=users["county_admin"], name="t")
    api_token_revoke(actor=users["county_admin"], token_id=token.pk)
    revoked = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(url)
    assert error_code(revoked, 401) == "not_authenticated"


def test_village_secretary_sees_their_village_and_its_groups(api: Any) -> None:
    client = api("village_secretary")
    assert codes(client.get("/api/areas")) == [factories.VILLAGE, "422822100001001"]
    assert codes(client.get(f"/api/areas?parent={factories.VILLAGE}")) == ["422822100001001"]


def test_county_admin_sees_the_county(api: Any) -> None:
    client = api("county_admin")
    assert codes(client.get("/api/areas")) == [
        "422822000000",
        "422822100000",
        "422822100001",
        "422822100001001",
        "422822100002",
        "422822101000",
        "422822101001",
    ]
    assert codes(client.get("/api/areas?parent=422822000000")) == ["422822100000", "422822101000"]


def test_area_fields(api: Any) -> None:
    body = api("county_admin").get("/api/areas/422822100001001").json()
    assert body == {
        "code": "422822100001001",
        "name": "东门村一组",
        "level": "group",
        "level_label": "村民小组",
        "parent_code": factories.VILLAGE,
    }
    county = api("county_admin").get("/api/areas/422822000000").json()
    assert county["parent_code"] == "422800000000"
    assert county["level_label"] == "县"


@pytest.mark.parametrize("who", ["other_secretary", "outsider"])
def test_areas_out_of_scope_are_404_or_absent(api: Any, who: str) -> None:
    client = api(who)
    assert error_code(client.get(f"/api/areas/{factories.VILLAGE}"), 404) == "not_found"
    assert error_code(client.get(f"/api/areas?parent={factories.VILLAGE}"), 404) == "not_found"
    assert factories.VILLAGE not in codes(client.get("/api/areas"))


def test_outsider_sees_no_areas(api: Any) -> None:
    assert codes(api("outsider").get("/api/areas")) == []


def test_other_secretary_sees_only_their_village(api: Any) -> None:
    assert codes(api("other_secretary").get("/api/areas")) == [factories.OTHER_TOWNSHIP_VILLAGE]


def test_province_above_the_scope_is_404(api: Any) -> None:
    assert error_code(api("county_admin").get("/api/areas/420000000000"), 404) == "not_found"
    assert error_code(api("county_admin").get("/api/areas/nonsense"), 404) == "not_found"
