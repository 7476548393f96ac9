"""The assistance API: pairings, measures, visits, concerns, coverage — token auth, scope,
roles, the one error shape, masked cadre phones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fupin.accounts.services import api_token_create
from fupin.assistance import services
from fupin.assistance.models import Cadre, Concern, Unit
from fupin.audit.models import AuditEvent
from fupin.registry.models import Household
from tests import factories

pytestmark = pytest.mark.django_db

COUNTY = "422822000000"


@dataclass
class World:
    unit: Unit
    department: Unit
    cadre: Cadre  # the ``cadre`` user's own record
    other: Cadre  # a cadre of the township without a login
    household: Household
    other_household: Household


def world(users: dict[str, Any]) -> World:
    """A unit, a department that handles concerns, the ``cadre`` user's Cadre record
    paired with a household of the village, and a household of the other township."""
    unit = services.unit_save(actor=None, name="县农业农村局", kind="department", area_code=COUNTY)
    department = services.unit_save(
        actor=None, name="县水利局", kind="department", area_code=COUNTY, handles_concerns=True
    )
    cadre = services.cadre_save(
        actor=None,
        unit_id=unit.pk,
        name="王帮扶",
        area_code=factories.VILLAGE,
        phone="13912345678",
        user_id=users["cadre"].pk,
    )
    other = services.cadre_save(
        actor=None, unit_id=unit.pk, name="刘干部", area_code="422822100000", phone="13800001111"
    )
    household = factories.household()
    services.pairing_create(actor=None, cadre_id=cadre.pk, household_id=household.pk)
    return World(
        unit=unit,
        department=department,
        cadre=cadre,
        other=other,
        household=household,
        other_household=factories.household(area_code=factories.OTHER_TOWNSHIP_VILLAGE),
    )


@pytest.fixture
def api(users: dict[str, Any]) -> Any:
    def make(key: str) -> Client:
        _, secret = api_token_create(actor=None, user=users[key], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=body, content_type="application/json")


ENDPOINTS = [
    ("get", "/api/pairings"),
    ("post", "/api/pairings"),
    ("post", "/api/pairings/1/end"),
    ("get", "/api/measures"),
    ("post", "/api/measures"),
    ("get", "/api/visits"),
    ("post", "/api/visits"),
    ("get", "/api/concerns"),
    ("post", "/api/concerns"),
    ("get", "/api/concerns/1"),
    ("post", "/api/concerns/1/route"),
    ("post", "/api/concerns/1/resolve"),
    ("post", "/api/concerns/1/tell"),
    ("get", "/api/assistance/coverage"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_needs_a_token(users: dict[str, Any], method: str, url: str) -> None:
    client = Client()
    response = client.get(url) if method == "get" else post(client, url, {})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_pairings(api: Any, users: dict[str, Any]) -> None:
    w = world(users)
    officer, cadre = api("township_officer"), api("cadre")
    listed = officer.get("/api/pairings").json()
    assert [p["household_id"] for p in listed] == [w.household.pk]
    assert listed[0]["cadre_phone"] == "13912345678"  # the township sees personal data
    assert AuditEvent.objects.filter(action="pii.view", object_type="cadre").exists()
    masked = cadre.get("/api/pairings").json()
    assert masked[0]["cadre_phone"] == "139****5678"
    assert api("other_secretary").get("/api/pairings").json() == []
    assert api("outsider").get("/api/pairings").json() == []

    body = {"cadre_id": w.other.pk, "household_id": w.household.pk}
    assert post(cadre, "/api/pairings", body).status_code == 403
    assert post(api("other_secretary"), "/api/pairings", body).status_code == 404
    outside = post(officer, "/api/pairings", {**body, "household_id": w.other_household.pk})
    assert outside.status_code == 404
    created = post(officer, "/api/pairings", body)
    assert created.status_code == 201, created.content
    assert created.json()["cadre_name"] == "刘干部"
    again = post(officer, "/api/pairings", body)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"

    pid = created.json()["id"]
    bad = post(officer, f"/api/pairings/{pid}/end", {"reason": "whatever"})
    assert bad.status_code == 400 and "reason" in bad.json()["error"]["fields"]
    assert post(cadre, f"/api/pairings/{pid}/end", {"reason": "replaced"}).status_code == 403
    ended = post(officer, f"/api/pairings/{pid}/end", {"reason": "no_longer_needed"})
    assert ended.status_code == 200 and ended.json()["ends_on"] == str(timezone.localdate())
    assert officer.get("/api/pairings").json() == []
    assert len(officer.get("/api/pairings?active=false").json()) == 2


def test_measures(api: Any, users: dict[str, Any]) -> None:
    w = world(users)
    today = str(timezone.localdate())
    body = {
        "household_id": w.household.pk,
        "type_code": "skills_training",
        "delivered_on": today,
        "description": "参加电工培训",
        "amount": "800.00",
    }
    assert post(api("auditor"), "/api/measures", body).status_code == 403
    assert post(api("other_secretary"), "/api/measures", body).status_code == 404
    unknown = post(api("cadre"), "/api/measures", {**body, "type_code": "nope"})
    assert unknown.status_code == 400 and "type" in unknown.json()["error"]["fields"]
    typo = post(api("cadre"), "/api/measures", {**body, "amout": 1})
    assert typo.status_code == 400
    created = post(api("cadre"), "/api/measures", body)
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["cadre_id"] == w.cadre.pk and out["category"] == "labour"
    assert out["amount"] == "800.00"
    ledger = api("auditor").get(f"/api/measures?household_id={w.household.pk}").json()
    assert [m["id"] for m in ledger] == [out["id"]]
    assert api("other_secretary").get("/api/measures").json() == []


def test_visits(api: Any, users: dict[str, Any]) -> None:
    w = world(users)
    body = {
        "household_id": w.household.pk,
        "visited_on": str(timezone.localdate()),
        "seen": "房屋漏雨，已联系维修",
        "latitude": "30.6012",
        "longitude": "109.7234",
        "concerns": ["自来水经常停水", ""],
    }
    # the secretary has no cadre record: refused, politely
    refused = post(api("village_secretary"), "/api/visits", body)
    assert refused.status_code == 403 and "帮扶干部" in refused.json()["error"]["message"]
    assert post(api("auditor"), "/api/visits", body).status_code == 403
    outside = post(api("cadre"), "/api/visits", {**body, "household_id": w.other_household.pk})
    assert outside.status_code == 404
    late = post(
        api("cadre"),
        "/api/visits",
        {**body, "visited_on": str(timezone.localdate() + dt.timedelta(days=1))},
    )
    assert late.status_code == 400 and "visited_on" in late.json()["error"]["fields"]
    created = post(api("cadre"), "/api/visits", body)
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["cadre_name"] == "王帮扶" and len(out["concern_ids"]) == 1
    assert out["latitude"] == "30.601200"
    listed = api("township_officer").get("/api/visits").json()
    assert [v["id"] for v in listed] == [out["id"]]
    assert api("other_secretary").get("/api/visits").json() == []


def test_concerns_from_raising_to_telling(api: Any, users: dict[str, Any]) -> None:
    w = world(users)
    cadre, secretary = api("cadre"), api("village_secretary")
    raised = post(cadre, "/api/concerns", {"text": "村道路灯不亮", "household_id": w.household.pk})
    assert raised.status_code == 201, raised.content
    cid = raised.json()["id"]
    assert raised.json()["status"] == "raised" and raised.json()["events"][0]["action"] == "raised"
    assert (
        post(
            api("auditor"), "/api/concerns", {"text": "x", "area_code": factories.VILLAGE}
        ).status_code
        == 403
    )
    assert api("other_secretary").get(f"/api/concerns/{cid}").status_code == 404
    assert api("outsider").get(f"/api/concerns/{cid}").status_code == 404
    assert api("other_secretary").get("/api/concerns").json() == []

    assert post(cadre, f"/api/concerns/{cid}/route", {"level": "village"}).status_code == 403
    outside = post(api("other_secretary"), f"/api/concerns/{cid}/route", {"level": "village"})
    assert outside.status_code == 404
    # the village routes within the village only
    up = post(secretary, f"/api/concerns/{cid}/route", {"level": "township"})
    assert up.status_code == 403
    no_dept = post(api("township_officer"), f"/api/concerns/{cid}/route", {"level": "department"})
    assert no_dept.status_code == 400 and "department" in no_dept.json()["error"]["fields"]
    routed = post(
        api("township_officer"),
        f"/api/concerns/{cid}/route",
        {"level": "department", "department_id": w.department.pk, "note": "请水利局处理"},
    )
    assert routed.status_code == 200, routed.content
    assert routed.json()["department_name"] == "县水利局" and routed.json()["due_on"]
    stale = post(
        api("county_admin"), f"/api/concerns/{cid}/resolve", {"resolution": "x", "version": 1}
    )
    assert stale.status_code == 409
    # only the county (or the department's cadres) handles a department's concern
    assert post(secretary, f"/api/concerns/{cid}/resolve", {"resolution": "x"}).status_code == 403
    early = post(cadre, f"/api/concerns/{cid}/tell", {"note": "已告知"})
    assert early.status_code == 400
    resolved = post(api("county_admin"), f"/api/concerns/{cid}/resolve", {"resolution": "已修复"})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    told = post(cadre, f"/api/concerns/{cid}/tell", {"note": "已当面告知户主"})
    assert told.status_code == 200, told.content
    detail = cadre.get(f"/api/concerns/{cid}").json()
    assert detail["status"] == "told"
    assert [e["action"] for e in detail["events"]] == ["raised", "routed", "resolved", "told"]
    assert [c["id"] for c in secretary.get("/api/concerns?status=told").json()] == [cid]
    assert secretary.get("/api/concerns?status=raised").json() == []


def test_overdue_concerns_are_flagged(api: Any, users: dict[str, Any]) -> None:
    w = world(users)
    concern = services.concern_raise(actor=None, text="低保未到账", household_id=w.household.pk)
    services.concern_route(actor=None, concern_id=concern.pk, level="village")
    Concern.objects.filter(pk=concern.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    rows = api("township_officer").get("/api/concerns?overdue=true").json()
    assert [(r["id"], r["overdue"]) for r in rows] == [(concern.pk, True)]


def test_coverage(api: Any, users: dict[str, Any]) -> None:
    world(users)
    factories.household()  # not paired: a gap
    rows = api("township_officer").get("/api/assistance/coverage").json()
    assert rows, rows
    village = next(r for r in rows if r["area_code"] == factories.VILLAGE)
    assert village["needing"] == 2 and village["covered"] == 1 and village["gaps"] == 1
    assert api("outsider").get("/api/assistance/coverage").json() == []
