"""The policy API: who may reach what, and that each endpoint answers what the selectors
and services give."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from fupin.accounts.services import api_token_create
from fupin.policy import services
from fupin.policy.models import CountyAssessment, EvaluationRun, StandardVersion
from fupin.registry.services import income_record_set
from tests import factories

pytestmark = pytest.mark.django_db
COUNTY = "422822000000"


@pytest.fixture
def api(users: dict[str, Any]) -> Callable[[str], Client]:
    def make(key: str) -> Client:
        _, secret = api_token_create(actor=None, user=users[key], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


def json_call(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, data=body, content_type="application/json")


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code


@pytest.fixture
def judged(users: dict[str, Any], household: Any) -> EvaluationRun:
    """The county judged once, with the household below the line."""
    income_record_set(
        actor=None, household_id=household.pk, year=2026, data={"wage": "7000", "household_size": 2}
    )
    run = services.evaluation_run_create(actor=users["county_admin"], area_code=COUNTY, year=2026)
    return services.evaluation_run_execute(run_id=run.pk)


def test_anonymous_is_refused_everywhere(db: Any) -> None:
    client = Client()
    for url in ("/api/policy/standards", "/api/policy/runs", "/api/policy/params"):
        assert_error(client.get(url), 401, "not_authenticated")


def test_standards_are_readable_by_every_role(api: Any) -> None:
    body = api("cadre").get("/api/policy/standards").json()
    national_2021 = next(s for s in body if s["region"] == "" and s["year"] == 2021)
    assert national_2021["current"]["params"]["poverty_line"] == "4000"
    guizhou = next(s for s in body if s["region"] == "52")
    assert guizhou["effective"]["village_incidence_limit"] == "0.03"
    assert guizhou["effective"]["poverty_line"] == "2536"  # the 2011 national line beneath


def test_saving_a_standard_needs_the_right_and_the_latest_version(api: Any) -> None:
    url = "/api/policy/standards"
    body = {"region": "422822", "year": 2021, "params": {"monitoring_threshold": "6500"}}
    assert_error(json_call(api("cadre"), "post", url, body), 403, "access_denied")
    assert_error(json_call(api("township_officer"), "post", url, body), 403, "access_denied")
    national = {"region": "", "year": 2021, "params": {"poverty_line": "4100"}}
    assert_error(json_call(api("county_admin"), "post", url, national), 403, "access_denied")
    created = json_call(api("county_admin"), "post", url, body)
    assert created.status_code == 201, created.content
    assert created.json()["current"]["number"] == 1
    assert created.json()["effective"]["monitoring_threshold"] == "6500"
    stale = {**body, "params": {"monitoring_threshold": "7000"}, "expected_number": 0}
    assert_error(json_call(api("county_admin"), "post", url, stale), 409, "conflict")
    fresh = {**stale, "expected_number": 1}
    assert json_call(api("county_admin"), "post", url, fresh).json()["current"]["number"] == 2
    wrong = {**body, "params": {"monitoring_threshold": "lots", "no_such": 1}}
    response = json_call(api("county_admin"), "post", url, wrong)
    assert_error(response, 400, "invalid")
    assert set(response.json()["error"]["fields"]) == {"monitoring_threshold", "no_such"}
    assert StandardVersion.objects.filter(standard__region="422822").count() == 2


def test_runs_scope_and_roles(api: Any, household: Any, other_household: Any) -> None:
    url = "/api/policy/runs"
    body = {"area_code": COUNTY, "year": 2026}
    own_village = {"area_code": factories.VILLAGE, "year": 2026}
    assert_error(json_call(api("cadre"), "post", url, own_village), 403, "access_denied")
    assert_error(
        json_call(api("village_secretary"), "post", url, own_village), 403, "access_denied"
    )
    assert_error(json_call(api("village_secretary"), "post", url, body), 404, "not_found")
    assert_error(json_call(api("outsider"), "post", url, body), 404, "not_found")
    created = json_call(api("county_admin"), "post", url, body)
    assert created.status_code == 202, created.content
    run_id = created.json()["id"]
    assert created.json()["status"] == "queued"
    services.evaluation_run_execute(run_id=run_id)
    done = api("county_admin").get(f"{url}/{run_id}").json()
    assert done["status"] == "done"
    assert done["summary"]["households"] == 2
    # a township officer sees the county run, cut down to the township
    officer = api("township_officer")
    assert officer.get(f"{url}/{run_id}").status_code == 200
    areas = officer.get(f"{url}/{run_id}/areas?level=village").json()
    assert {a["area_code"][:9] for a in areas} == {"422822100"}
    items = officer.get(f"{url}/{run_id}/households").json()["items"]
    assert [i["household_id"] for i in items] == [household.pk]
    other = api("other_secretary").get(f"{url}/{run_id}/households").json()["items"]
    assert [i["household_id"] for i in other] == [other_household.pk]
    assert_error(api("outsider").get(f"{url}/{run_id}"), 404, "not_found")


def test_household_verdict_with_reasons(api: Any, judged: EvaluationRun, household: Any) -> None:
    body = api("village_secretary").get(f"/api/households/{household.pk}/verdict").json()
    assert body["run_id"] == judged.pk
    assert body["meets_exit"] is False
    assert body["failed_clauses"] == ["income"]
    assert [r["text"] for r in body["reasons"]] == ["人均纯收入 3,500 元 低于标准 4,000 元"]
    assert_error(
        api("other_secretary").get(f"/api/households/{household.pk}/verdict"), 404, "not_found"
    )


def test_household_without_a_run_answers_204(api: Any, household: Any) -> None:
    assert api("county_admin").get(f"/api/households/{household.pk}/verdict").status_code == 204


def test_what_if_counts_and_saves_nothing(api: Any, judged: EvaluationRun) -> None:
    url = f"/api/policy/runs/{judged.pk}/what-if"
    before = StandardVersion.objects.count()
    body = {"region": "", "changes": {"poverty_line": "3400"}}
    result = json_call(api("auditor"), "post", url, body).json()
    assert result["totals"]["changed"] == 1
    assert result["totals"]["now_meet"] == 1
    assert [v["code"] for v in result["villages"]] == [factories.VILLAGE]
    assert StandardVersion.objects.count() == before
    wrong = {"region": "", "changes": {"exit_notice_days": 9}}
    assert_error(json_call(api("auditor"), "post", url, wrong), 400, "invalid")
    assert_error(json_call(api("outsider"), "post", url, body), 404, "not_found")


def test_diff_between_runs(api: Any, judged: EvaluationRun, household: Any) -> None:
    income_record_set(actor=None, household_id=household.pk, year=2026, data={"wage": "9000"})
    again = services.evaluation_run_create(actor=None, area_code=COUNTY, year=2026)
    services.evaluation_run_execute(run_id=again.pk)
    body = api("county_admin").get(f"/api/policy/diff?before={judged.pk}&after={again.pk}").json()
    assert body["counts"]["now_meet"] == 1
    assert body["items"][0]["before_failed"] == ["income"]
    assert body["items"][0]["after_failed"] == []


def test_village_facts_and_county_assessment(api: Any) -> None:
    facts = {"year": 2026, "collective_income": "52000", "hard_road": True}
    url = f"/api/policy/villages/{factories.VILLAGE}/facts"
    assert_error(json_call(api("cadre"), "put", url, facts), 403, "access_denied")
    assert_error(json_call(api("other_secretary"), "put", url, facts), 404, "not_found")
    saved = json_call(api("township_officer"), "put", url, facts)
    assert saved.status_code == 200, saved.content
    assert saved.json()["version"] == 1
    stale = json_call(api("county_admin"), "put", url, {**facts, "version": 0})
    assert_error(stale, 409, "conflict")
    county = f"/api/policy/counties/{COUNTY}/assessment"
    bad = json_call(api("county_admin"), "put", county, {"year": 2026, "miss_rate": "1.5"})
    assert_error(bad, 400, "invalid")
    ok = json_call(api("county_admin"), "put", county, {"year": 2026, "miss_rate": "0.012"})
    assert ok.status_code == 200
    assert_error(
        json_call(api("township_officer"), "put", county, {"year": 2026}), 404, "not_found"
    )
    assert CountyAssessment.objects.get().miss_rate == Decimal("0.012")
