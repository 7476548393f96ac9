"""The procedures API: scope, roles, the notice rule, objections."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from fupin.accounts.services import api_token_create
from tests import factories
from tests.procedures.helpers import candidate_run
from tests.procedures.test_services import TODAY, on

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(users: dict[str, Any]) -> Any:
    def make(key: str) -> Client:
        _, secret = api_token_create(actor=None, user=users[key], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=body, content_type="application/json")


def test_exit_through_the_api(api: Any) -> None:
    h = factories.household(status="not_exited")
    run_id = candidate_run(h, "exit")
    secretary, cadre, officer = api("village_secretary"), api("cadre"), api("township_officer")
    assert Client().get("/api/procedures").status_code == 401
    with on(TODAY):
        refused = post(
            cadre, "/api/procedures", {"kind": "exit", "household_id": h.pk, "run_id": run_id}
        )
        assert refused.status_code == 403
        outside = post(
            api("other_secretary"),
            "/api/procedures",
            {"kind": "exit", "household_id": h.pk, "run_id": run_id},
        )
        assert outside.status_code == 404
        opened = post(
            secretary,
            "/api/procedures",
            {"kind": "exit", "household_id": h.pk, "note": "稳定增收", "run_id": run_id},
        )
        assert opened.status_code == 201, opened.content
        pid = opened.json()["id"]
        assert opened.json()["next_step"] == "village_reviewed"
        post(secretary, f"/api/procedures/{pid}/advance", {"step": "village_reviewed"})
        post(cadre, f"/api/procedures/{pid}/advance", {"step": "verified"})
        again = post(cadre, f"/api/procedures/{pid}/advance", {"step": "verified"})
        assert again.status_code == 409
        post(
            secretary,
            "/api/procedures/advance",
            {"procedure_ids": [pid], "step": "agreement_signed"},
        )
        notice = post(secretary, "/api/notices", {"procedure_ids": [pid]})
        assert notice.status_code == 201 and notice.json()["ends_on"] == "2026-06-07"
        objection = post(
            cadre,
            f"/api/procedures/{pid}/objections",
            {"notice_id": notice.json()["id"], "text": "收入不实"},
        )
        assert objection.status_code == 201
    with on(TODAY + dt.timedelta(days=7)):
        blocked = post(officer, f"/api/procedures/{pid}/advance", {"step": "exited"})
        assert blocked.status_code == 400
        assert "异议" in blocked.json()["error"]["message"]
        resolved = post(
            secretary,
            f"/api/objections/{objection.json()['id']}/resolve",
            {"upheld": False, "finding": "核实收入属实"},
        )
        assert resolved.json()["status"] == "dismissed"
        done = post(officer, f"/api/procedures/{pid}/advance", {"step": "exited"})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "done"
    assert [s["step"] for s in done.json()["steps"]] == [
        "proposed",
        "village_reviewed",
        "verified",
        "agreement_signed",
        "village_notice",
        "exited",
    ]
    assert api("other_secretary").get(f"/api/procedures/{pid}").status_code == 404
    listed = api("county_admin").get("/api/procedures?state=done").json()
    assert [p["id"] for p in listed] == [pid]


def test_village_exit_through_the_api(api: Any) -> None:
    from fupin.areas.models import Area

    Area.objects.filter(code=factories.VILLAGE).update(
        poverty_status="poor", poverty_identified_year=2014
    )
    body = {"kind": "village_exit", "area_code": factories.VILLAGE}
    with on(TODAY):
        refused = post(api("village_secretary"), "/api/procedures", body)
        assert refused.status_code == 403
        opened = post(api("township_officer"), "/api/procedures", body)
    assert opened.status_code == 201, opened.content
    out = opened.json()
    assert (out["household_id"], out["household_number"], out["area_code"]) == (
        None,
        None,
        factories.VILLAGE,
    )
    assert out["next_step"] == "township_notice"
    listed = api("county_admin").get("/api/procedures?kind=village_exit").json()
    assert [p["id"] for p in listed] == [out["id"]]
    assert api("other_secretary").get("/api/procedures?kind=village_exit").json() == []
