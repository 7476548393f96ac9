"""The party API: token auth (401), roles (403), scope (404), masked phones with the
unmasked views audited, the vanguard items with their facts, the writes."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from fupin.accounts.services import api_token_create
from fupin.audit.models import AuditEvent
from fupin.party.models import Meeting, MemberRecord
from tests.party.conftest import HAND, YEAR

pytestmark = pytest.mark.django_db

READS = [
    "/api/party/organisations",
    "/api/party/members",
    "/api/party/vanguard",
    "/api/party/bodies/uncovered",
]


@pytest.fixture
def api(users: dict[str, Any]) -> Any:
    def make(key: str) -> Client:
        _, secret = api_token_create(actor=None, user=users[key], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=body, content_type="application/json")


def test_anonymous_gets_401(world: SimpleNamespace) -> None:
    client = Client()
    for url in [*READS, f"/api/party/members/{world.a.pk}/vanguard"]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "not_authenticated"
    response = post(client, f"/api/party/members/{world.a.pk}/records", {})
    assert response.status_code == 401


@pytest.mark.parametrize("key", ["cadre", "outsider"])
def test_roles_without_the_party_roll_get_403(world: SimpleNamespace, api: Any, key: str) -> None:
    client = api(key)
    for url in [*READS, f"/api/party/members/{world.a.pk}/vanguard"]:
        assert client.get(url).status_code == 403, url


def test_outside_the_scope_is_404(world: SimpleNamespace, api: Any) -> None:
    client = api("other_secretary")
    assert client.get(f"/api/party/members/{world.a.pk}/vanguard").status_code == 404
    response = post(client, f"/api/party/organisations/{world.east.pk}/meetings",
                    {"kind": "general", "held_on": "2025-05-01", "topic": "党员大会"})  # fmt: skip
    assert response.status_code == 404
    names = {m["name"] for m in client.get("/api/party/members").json()}
    assert names == {"己", "庚", "辛"}


def test_member_phones_masked_for_the_secretary_and_audited_for_the_township(
    world: SimpleNamespace, api: Any
) -> None:
    rows = {m["name"]: m for m in api("village_secretary").get("/api/party/members").json()}
    assert rows["甲"]["phone"] == "139****1111"
    assert not AuditEvent.objects.filter(action="pii.view").exists()
    rows = {m["name"]: m for m in api("township_officer").get("/api/party/members").json()}
    assert rows["甲"]["phone"] == "13900001111"
    event = AuditEvent.objects.get(action="pii.view")
    assert event.object_type == "party_member" and world.a.pk in event.object_ids
    assert world.c.pk not in event.object_ids  # no phone: nothing shown


def test_vanguard_of_a_member_with_facts(world: SimpleNamespace, api: Any) -> None:
    response = api("auditor").get(f"/api/party/members/{world.a.pk}/vanguard?year={YEAR}")
    assert response.status_code == 200
    body = response.json()
    assert Decimal(body["total"]) == HAND["甲"][0] and body["rank"] == 1
    items = {i["key"]: i for i in body["items"]}
    assert items["meetings"]["capped"] is True and Decimal(items["meetings"]["points"]) == 24
    assert len(items["meetings"]["facts"]) == 15
    assert Decimal(items["visits"]["unit_points"]) == Decimal("0.5")


def test_ranking_and_uncovered(world: SimpleNamespace, api: Any) -> None:
    client = api("county_admin")
    rows = client.get(f"/api/party/vanguard?year={YEAR}").json()
    assert {r["name"]: (Decimal(r["total"]), r["rank"]) for r in rows} == {
        k: v
        for k, v in HAND.items()
        if k not in ("壬", "癸")  # 巴东县 is not the admin's
    }
    rows = client.get(f"/api/party/vanguard?year={YEAR}&organisation_id={world.gaoping.pk}")
    assert [r["name"] for r in rows.json()] == ["辛", "己", "庚"]
    names = [b["name"] for b in client.get("/api/party/bodies/uncovered").json()]
    assert names == ["南门村魔芋专业合作社", "高坪村烟叶专业合作社"]
    orgs = {o["name"]: o["member_count"] for o in client.get("/api/party/organisations").json()}
    assert orgs["东门村党支部"] == 4


def test_record_a_meeting(world: SimpleNamespace, api: Any) -> None:
    client = api("village_secretary")
    url = f"/api/party/organisations/{world.east.pk}/meetings"
    body = {"kind": "lecture", "held_on": "2025-06-20", "topic": "党课",
            "attendee_ids": [world.a.pk, world.b.pk]}  # fmt: skip
    response = post(client, url, body)
    assert response.status_code == 201, response.content
    assert response.json()["attendee_ids"] == sorted([world.a.pk, world.b.pk])
    assert Meeting.objects.filter(topic="党课").count() == 1
    bad = post(client, url, {**body, "attendee_ids": [world.f.pk]})
    assert bad.status_code == 400 and "attendees" in bad.json()["error"]["fields"]
    assert post(client, url, {**body, "extra": 1}).status_code in (400, 422)
    assert post(api("auditor"), url, body).status_code == 403


def test_add_a_record(world: SimpleNamespace, api: Any) -> None:
    url = f"/api/party/members/{world.a.pk}/records"
    body = {"kind": "commendation", "on": "2025-10-01", "title": "先进个人", "grounds": "脱贫攻坚"}
    response = post(api("township_officer"), url, body)
    assert response.status_code == 201
    assert MemberRecord.objects.filter(title="先进个人").count() == 1
    no_grounds = post(api("township_officer"), url, {**body, "grounds": ""})
    assert no_grounds.status_code == 400
    assert post(api("village_secretary"), url, body).status_code == 403
    assert post(api("other_secretary"), url, body).status_code == 404


def test_cover_a_body(world: SimpleNamespace, api: Any) -> None:
    url = f"/api/party/organisations/{world.gaoping.pk}/bodies"
    assert post(api("township_officer"), url, {"body_id": world.coop3.pk}).status_code == 404
    response = post(api("county_admin"), url, {"body_id": world.coop3.pk})
    assert response.status_code == 201
    assert response.json()["organisation_ids"] == [world.gaoping.pk]
