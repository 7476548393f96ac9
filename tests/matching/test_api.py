"""The matching API: token auth (401), roles (403), scope (404), rounds through solve,
override and accept, and the postings."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fupin.accounts.services import api_token_create
from fupin.areas.models import Area
from fupin.matching.models import MatchRound, Posting
from tests.matching.conftest import COUNTY, START, V1, V2, V3, World, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(users: dict[str, Any]) -> Any:
    def make(key: str) -> Client:
        _, secret = api_token_create(actor=None, user=users[key], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=body, content_type="application/json")


ENDPOINTS = [
    ("get", "/api/matching/rounds"),
    ("post", "/api/matching/rounds"),
    ("get", "/api/matching/rounds/{id}"),
    ("post", "/api/matching/rounds/{id}/solve"),
    ("post", f"/api/matching/rounds/{{id}}/proposals/{V1}/override"),
    ("post", "/api/matching/rounds/{id}/accept"),
    ("get", "/api/matching/postings"),
]


def call(client: Client, method: str, url: str, r: MatchRound, body: dict[str, Any] | None = None) -> Any:  # fmt: skip
    url = url.replace("{id}", str(r.pk))
    return client.get(url) if method == "get" else post(client, url, body or {})


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_needs_a_token(world: World, method: str, url: str) -> None:
    response = call(Client(), method, url, make_round(world))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


BODIES = {
    "/api/matching/rounds": {"area_code": COUNTY, "title": "t", "starts_on": "2026-09-01"},
    f"/api/matching/rounds/{{id}}/proposals/{V1}/override": {"candidate_id": None, "reason": "x"},
}


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
@pytest.mark.parametrize("key", ["village_secretary", "cadre", "outsider"])
def test_roles_without_matching_get_403(world: World, api: Any, key: str, method: str, url: str) -> None:  # fmt: skip
    r = make_round(world)
    response = call(api(key), method, url, r, BODIES.get(url))
    assert response.status_code == 403, response.content


@pytest.mark.parametrize(("method", "url"), [e for e in ENDPOINTS if e[1] != "/api/matching/rounds" and "postings" not in e[1]])  # fmt: skip
def test_a_round_outside_the_scope_is_404(world: World, api: Any, method: str, url: str) -> None:
    Area.objects.create(code="422823000000", name="巴东县", level="county")
    r = MatchRound.objects.create(area_code="422823000000", title="x", starts_on=START, villages=["422823100001"])  # fmt: skip
    assert call(api("county_admin"), method, url, r, BODIES.get(url)).status_code == 404


@pytest.mark.parametrize("key", ["township_officer", "auditor"])
def test_readers_cannot_write(world: World, api: Any, key: str) -> None:
    r = make_round(world)
    assert post(api(key), f"/api/matching/rounds/{r.pk}/solve", {}).status_code == 403
    assert post(api(key), "/api/matching/rounds", BODIES["/api/matching/rounds"]).status_code == (404 if key == "township_officer" else 403)  # fmt: skip
    assert api(key).get(f"/api/matching/rounds/{r.pk}").status_code == 200


def test_a_round_through_the_api(world: World, api: Any) -> None:
    admin = api("county_admin")
    created = post(admin, "/api/matching/rounds", {"area_code": COUNTY, "title": "秋季", "starts_on": "2026-09-01", "village_codes": [V1, V2, V3]})  # fmt: skip
    assert created.status_code == 201, created.content
    rid = created.json()["id"]
    assert post(admin, "/api/matching/rounds", {"area_code": COUNTY, "title": "x", "starts_on": "2026-09-01", "bogus": 1}).status_code == 400  # fmt: skip
    solved = post(admin, f"/api/matching/rounds/{rid}/solve", {}).json()
    assert solved["status"] == "solved" and solved["total_score"] == "97.00"
    by = {p["area_code"]: p for p in solved["proposals"]}
    assert by[V3]["candidate"]["name"] == "张农"
    assert by[V3]["candidate"]["reasons"][0]["text"].startswith("专长“茶叶”")
    assert len(by[V1]["alternatives"]) == 3
    zhao = world.candidates["赵教"].pk
    bad = post(admin, f"/api/matching/rounds/{rid}/proposals/{V1}/override", {"candidate_id": world.candidates["张农"].pk, "reason": "x"})  # fmt: skip
    assert bad.status_code == 400 and "candidate" in bad.json()["error"]["fields"]
    done = post(admin, f"/api/matching/rounds/{rid}/proposals/{V3}/override", {"candidate_id": zhao, "reason": "熟悉村情"}).json()  # fmt: skip
    p = {x["area_code"]: x for x in done["proposals"]}[V3]
    assert p["source"] == "override" and p["override_reason"] == "熟悉村情"
    assert p["solver_candidate_id"] == world.candidates["张农"].pk
    stale = post(admin, f"/api/matching/rounds/{rid}/accept", {"version": 1})
    assert stale.status_code == 409
    accepted = post(admin, f"/api/matching/rounds/{rid}/accept", {}).json()
    assert accepted["status"] == "accepted"
    postings = admin.get("/api/matching/postings?status=active").json()
    assert {x["area_code"] for x in postings} == {V1, V2, V3}
    township = api("township_officer").get("/api/matching/postings").json()
    assert {x["area_code"] for x in township} == {V1, V2}
    assert Posting.objects.filter(round_id=rid).count() == 3
    # the township officer sees the county's round, only its own villages in it
    seen = api("township_officer").get(f"/api/matching/rounds/{rid}").json()
    assert {x["area_code"] for x in seen["proposals"]} == {V1, V2}
