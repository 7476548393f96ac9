"""The leadership API: token auth (401), roles (403), scope (404), masked phones."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from fupin.accounts.services import api_token_create
from fupin.audit.models import AuditEvent
from fupin.leadership.models import BuildingAssignment, Course, WeakCase
from tests import factories
from tests.leadership.conftest import TOWNSHIP, World, official, reserve

pytestmark = pytest.mark.django_db

V1, V3 = factories.VILLAGE, factories.OTHER_TOWNSHIP_VILLAGE


@pytest.fixture
def api(users: dict[str, Any]) -> Any:
    def make(key: str) -> Client:
        _, secret = api_token_create(actor=None, user=users[key], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=body, content_type="application/json")


ENDPOINTS = [
    ("get", f"/api/leadership/villages/{V1}/officials"),
    ("get", "/api/leadership/reserve-gaps"),
    ("get", "/api/leadership/structure"),
    ("get", "/api/leadership/weak-cases"),
    ("get", "/api/leadership/weak-cases/1"),
    ("post", "/api/leadership/weak-cases"),
    ("post", "/api/leadership/weak-cases/1/team"),
    ("post", "/api/leadership/weak-cases/1/items"),
    ("post", "/api/leadership/weak-cases/1/close"),
    ("get", "/api/leadership/building/check"),
    ("get", "/api/leadership/trainings"),
    ("post", "/api/leadership/trainings"),
    ("post", "/api/leadership/trainings/1/attendance"),
    ("get", "/api/leadership/untrained"),
]
READS = [url for method, url in ENDPOINTS if method == "get" and not url.endswith("/1")]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_needs_a_token(users: dict[str, Any], method: str, url: str) -> None:
    client = Client()
    response = client.get(url) if method == "get" else post(client, url, {})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("url", READS)
def test_a_user_without_areas_is_refused(api: Any, url: str) -> None:
    response = api("outsider").get(url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "access_denied"


def test_officials_phones_masked_by_role(api: Any, users: dict[str, Any]) -> None:
    o = official(V1, phone="13912345678")
    official(V1, name="离任", ends_on=dt.date(2020, 1, 1))
    url = f"/api/leadership/villages/{V1}/officials"
    listed = api("township_officer").get(url).json()
    assert [(r["id"], r["phone"]) for r in listed] == [(o.pk, "13912345678")]
    assert AuditEvent.objects.filter(
        action="pii.view", object_type="village_official", actor=users["township_officer"]
    ).exists()
    assert api("village_secretary").get(url).json()[0]["phone"] == "139****5678"
    assert api("cadre").get(url).json()[0]["phone"] == "139****5678"
    assert api("other_secretary").get(url).status_code == 404
    assert (
        api("township_officer").get("/api/leadership/villages/422822999999/officials").status_code
        == 404
    )


def test_reserve_gaps_and_structure(api: Any, users: dict[str, Any]) -> None:
    reserve(V1)
    official(V1, birth_date=dt.date(1960, 1, 1))
    gaps = api("township_officer").get("/api/leadership/reserve-gaps").json()
    assert [(g["area_code"], g["reserves"], g["required"]) for g in gaps] == [
        (V1, 1, 2),
        (factories.OTHER_VILLAGE_SAME_TOWNSHIP, 0, 2),
    ]
    assert [
        g["area_code"] for g in api("other_secretary").get("/api/leadership/reserve-gaps").json()
    ] == [V3]
    rows = api("county_admin").get("/api/leadership/structure").json()
    assert [(r["area_code"], r["officials"], r["share_young"]) for r in rows] == [
        (TOWNSHIP, 1, 0.0),
        ("422822000000", 1, 0.0),
    ]
    assert api("other_secretary").get("/api/leadership/structure").json() == []


def test_weak_case_transitions(api: Any, users: dict[str, Any], world: World) -> None:
    county, officer = api("county_admin"), api("township_officer")
    body = {"organisation_id": world.branch.pk, "criteria": ["secretary"], "finding": "涣散"}
    assert post(officer, "/api/leadership/weak-cases", body).status_code == 403
    assert post(api("other_secretary"), "/api/leadership/weak-cases", body).status_code == 404
    bad = post(county, "/api/leadership/weak-cases", {**body, "criteria": []})
    assert bad.status_code == 400 and "criteria" in bad.json()["error"]["fields"]
    extra = post(county, "/api/leadership/weak-cases", {**body, "colour": "red"})
    assert extra.status_code == 400
    created = post(county, "/api/leadership/weak-cases", body)
    assert created.status_code == 201, created.content
    case = created.json()
    assert case["status"] == "flagged" and case["criteria"] == ["secretary"]
    cid = case["id"]
    assert post(county, "/api/leadership/weak-cases", body).status_code == 409

    team = {
        "county_leader_id": world.leader.pk,
        "first_secretary_id": world.cadres[0].pk,
        "township_lead": "赵镇长",
        "version": case["version"],
    }
    assert post(officer, f"/api/leadership/weak-cases/{cid}/team", team).status_code == 403
    assert (
        post(api("other_secretary"), f"/api/leadership/weak-cases/{cid}/team", team).status_code
        == 404
    )
    stale = post(county, f"/api/leadership/weak-cases/{cid}/team", {**team, "version": 99})
    assert stale.status_code == 409
    assigned = post(county, f"/api/leadership/weak-cases/{cid}/team", team)
    assert assigned.status_code == 200 and assigned.json()["status"] == "rectifying"
    assert assigned.json()["county_leader"] == "李县长"

    item = {"text": "选优配强书记", "due_on": "2020-01-01"}
    assert (
        post(api("village_secretary"), f"/api/leadership/weak-cases/{cid}/items", item).status_code
        == 403
    )
    assert (
        post(officer, f"/api/leadership/weak-cases/{cid}/items", item).status_code == 400
    )  # before flagging
    added = post(
        officer, f"/api/leadership/weak-cases/{cid}/items", {**item, "due_on": "2099-01-01"}
    )
    assert added.status_code == 201 and len(added.json()["items"]) == 1
    refused = post(county, f"/api/leadership/weak-cases/{cid}/close", {})
    assert refused.status_code == 400 and "items" in refused.json()["error"]["fields"]
    assert post(officer, f"/api/leadership/weak-cases/{cid}/close", {}).status_code == 403

    listed = api("village_secretary").get("/api/leadership/weak-cases").json()
    assert [c["id"] for c in listed] == [cid] and listed[0]["items"][0]["overdue"] is False
    assert api("other_secretary").get("/api/leadership/weak-cases").json() == []
    assert api("other_secretary").get(f"/api/leadership/weak-cases/{cid}").status_code == 404
    assert api("cadre").get(f"/api/leadership/weak-cases/{cid}").status_code == 200
    assert WeakCase.objects.get(pk=cid).status == "rectifying"


def test_building_check(api: Any, world: World) -> None:
    BuildingAssignment.objects.create(
        kind="instructor", cadre=world.cadres[0], area_code=V1, starts_on=dt.date(2025, 1, 1)
    )
    for i in range(9):
        BuildingAssignment.objects.create(
            kind="supervisor", cadre=world.cadres[1], area_code=f"42282210{i + 1}001",
            starts_on=dt.date(2025, 1, 1),
        )  # fmt: skip
    check = api("county_admin").get("/api/leadership/building/check").json()
    assert [v["area_code"] for v in check["without_instructor"]] == [
        factories.OTHER_VILLAGE_SAME_TOWNSHIP,
        V3,
    ]
    assert [(s["name"], s["villages"], s["over"]) for s in check["supervisors"]] == [
        ("干部2", 9, True)
    ]
    mine = api("village_secretary").get("/api/leadership/building/check").json()
    assert mine["villages"] == 1 and mine["without_instructor"] == [] and mine["supervisors"] == []


def test_trainings_and_untrained(api: Any, world: World) -> None:
    officer = api("township_officer")
    body = {
        "title": "专题培训", "kind": "themed", "area_code": TOWNSHIP, "organiser": "镇党委",
        "starts_on": "2026-03-01", "ends_on": "2026-03-01", "hours": "4",
    }  # fmt: skip
    secretary = api("village_secretary")
    assert post(secretary, "/api/leadership/trainings", body).status_code == 404
    assert (
        post(secretary, "/api/leadership/trainings", {**body, "area_code": V1}).status_code == 403
    )
    assert post(api("other_secretary"), "/api/leadership/trainings", body).status_code == 404
    created = post(officer, "/api/leadership/trainings", body)
    assert created.status_code == 201, created.content
    cid = created.json()["id"]
    o = official(V1)
    url = f"/api/leadership/trainings/{cid}/attendance"
    assert post(api("village_secretary"), url, {"official_ids": [o.pk]}).status_code == 403
    assert post(api("other_secretary"), url, {"official_ids": [o.pk]}).status_code == 404
    done = post(officer, url, {"official_ids": [o.pk], "member_ids": [world.member.pk]})
    assert done.status_code == 200 and done.json()["attendees"] == 2
    assert [c["id"] for c in api("village_secretary").get("/api/leadership/trainings").json()] == [
        cid
    ]
    assert api("other_secretary").get("/api/leadership/trainings").json() == []
    official(V3, name="高坪")
    rows = api("county_admin").get("/api/leadership/untrained?year=2026").json()
    assert [(r["area_code"], r["officials"]) for r in rows] == [(V3, ["高坪"])]
    assert Course.objects.count() == 1
