"""The command API: token auth (401), reading roles (403), scope (404), masked and
audited phones, the chart as JSON, leaders' figures, contact points and violations."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from fupin.accounts.services import api_token_create
from fupin.audit.models import AuditEvent
from fupin.command import services
from fupin.command.models import ContactPoint
from tests.command.conftest import BT1, COUNTY, T1, T2, TODAY, V1, V2, V3

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/command/hqs"),
    ("get", f"/api/command/hqs/{COUNTY}"),
    ("get", "/api/command/leaders"),
    ("get", "/api/command/leaders/1"),
    ("get", "/api/command/contact-points"),
    ("post", "/api/command/contact-points"),
    ("post", "/api/command/contact-points/1/end"),
    ("get", "/api/command/violations"),
]
READS = [url for method, url in ENDPOINTS if method == "get"]


@pytest.fixture(autouse=True)
def today() -> Any:
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        yield


@pytest.fixture
def api(users: dict[str, Any]) -> Any:
    def make(key: str) -> Client:
        _, secret = api_token_create(actor=None, user=users[key], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=body, content_type="application/json")


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_needs_a_token(users: dict[str, Any], method: str, url: str) -> None:
    client = Client()
    response = client.get(url) if method == "get" else post(client, url, {})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("url", READS)
def test_reading_needs_a_reading_role(world: SimpleNamespace, api: Any, url: str) -> None:
    services.command_create(actor=None, area_code=COUNTY)
    url = url.replace("/leaders/1", f"/leaders/{world.jia.pk}")
    for key in ("outsider", "cadre", "village_secretary", "other_secretary"):
        response = api(key).get(url)
        assert response.status_code == 403, (key, url)
        assert response.json()["error"]["code"] == "access_denied"
    for key in ("county_admin", "auditor"):
        assert api(key).get(url).status_code == 200, (key, url)


def test_hqs_and_the_chart(world: SimpleNamespace, api: Any) -> None:
    hq = services.command_create(actor=None, area_code=COUNTY)
    services.post_assign(actor=None, command_id=hq.pk, leader_id=world.jia.pk, role="commander")
    services.command_create(actor=None, area_code=T1)
    rows = api("auditor").get("/api/command/hqs").json()
    assert [(r["area_code"], r["commander"], r["groups"]) for r in rows] == [
        (COUNTY, "甲", 5),
        (T1, "", 5),
    ]
    assert [r["area_code"] for r in api("township_officer").get("/api/command/hqs").json()] == [T1]
    chart = api("county_admin").get(f"/api/command/hqs/{COUNTY}").json()
    assert chart["name"] == "建始县脱贫攻坚指挥部"
    assert [(p["leader_name"], p["role"]) for p in chart["posts"]] == [("甲", "commander")]
    assert [g["line"] for g in chart["groups"]] == [
        "production",
        "relocation",
        "ecology",
        "education",
        "security",
    ]
    assert [t["area_code"] for t in chart["townships"]][:2] == [T1, T2]
    officer = api("township_officer")
    assert officer.get(f"/api/command/hqs/{COUNTY}").status_code == 404
    assert officer.get(f"/api/command/hqs/{T1}").status_code == 200
    assert officer.get(f"/api/command/hqs/{T2}").status_code == 404
    assert api("county_admin").get(f"/api/command/hqs/{T2}").status_code == 404  # none yet


def test_leaders_phones_masked_and_audited(world: SimpleNamespace, api: Any) -> None:
    rows = api("county_admin").get("/api/command/leaders").json()
    jia = next(r for r in rows if r["name"] == "甲")
    assert jia["phone"] == "13912345678" and jia["townships"] == 2 and jia["key_villages"] == 1
    assert AuditEvent.objects.filter(action="pii.view", object_type="leader").count() == 1
    masked = api("township_officer").get("/api/command/leaders").json()
    assert {r["phone"] for r in masked} == {"139****5678"}
    assert AuditEvent.objects.filter(action="pii.view", object_type="leader").count() == 1

    detail = api("county_admin").get(f"/api/command/leaders/{world.jia.pk}").json()
    v1 = next(a for a in detail["areas"] if a["area_code"] == V1)
    assert (v1["households"], v1["poor_people"], v1["incidence"]) == (4, 4, "0.2000")
    assert (v1["needing"], v1["covered"], v1["open_concerns"], v1["weak_villages"]) == (2, 1, 1, 1)
    assert detail["townships"] == 2
    assert api("county_admin").get(f"/api/command/leaders/{world.badong.pk}").status_code == 404
    assert api("county_admin").get("/api/command/leaders/999999").status_code == 404


def test_contact_points(world: SimpleNamespace, api: Any) -> None:
    admin = api("county_admin")
    rows = admin.get("/api/command/contact-points").json()
    assert rows[0]["area_code"] == T1 and rows[0]["leader_name"] == "甲"
    narrowed = admin.get(f"/api/command/contact-points?area={V2}").json()
    assert {(r["kind"], r["leader_name"]) for r in narrowed} == {
        ("key_village", "乙"),
        ("weak_village", "庚"),
    }
    body = {"leader_id": world.ding.pk, "kind": "key_village", "area_code": V3}
    assert post(api("auditor"), "/api/command/contact-points", body).status_code == 403
    assert post(api("township_officer"), "/api/command/contact-points", body).status_code == 403
    assert post(api("other_secretary"), "/api/command/contact-points", body).status_code == 404
    outside = post(admin, "/api/command/contact-points", {**body, "area_code": BT1})
    assert outside.status_code == 404
    wrong = post(admin, "/api/command/contact-points", {**body, "kind": "township"})
    assert wrong.status_code == 400 and "area_code" in wrong.json()["error"]["fields"]
    assert post(admin, "/api/command/contact-points", {**body, "kidn": "x"}).status_code == 400
    created = post(admin, "/api/command/contact-points", body)
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["area_name"] == "北门村" and out["leader_name"] == "丁"
    again = post(admin, "/api/command/contact-points", body)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    cid = out["id"]
    assert post(api("auditor"), f"/api/command/contact-points/{cid}/end", {}).status_code == 403
    assert (
        post(api("other_secretary"), f"/api/command/contact-points/{cid}/end", {}).status_code
        == 404
    )
    assert post(admin, "/api/command/contact-points/999999/end", {}).status_code == 404
    ended = post(admin, f"/api/command/contact-points/{cid}/end", {})
    assert ended.status_code == 200 and ended.json()["ends_on"] == str(TODAY)
    assert ContactPoint.objects.get(pk=cid).ends_on == TODAY


def test_violations(world: SimpleNamespace, api: Any) -> None:
    rows = api("auditor").get("/api/command/violations").json()
    assert [(r["rule"], r["area_code"], r["count"]) for r in rows] == [
        ("township_few", T1, 1),
        ("township_many", T2, 5),
        ("key_village_uncovered", V3, 0),
        ("leader_key_villages", COUNTY, 2),
        ("weak_village_uncovered", V3, 0),
        ("leader_weak_villages", COUNTY, 4),
        ("listed_missing", V2, 3),
    ]
    assert rows[-1]["incidence"] == "0.3000" and rows[-1]["population"] == 10
    narrowed = api("county_admin").get(f"/api/command/violations?area={T2}").json()
    assert narrowed[0]["rule"] == "township_many"
