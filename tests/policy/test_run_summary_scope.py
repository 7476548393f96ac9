"""The run API gives each caller the totals of the part of the run they see, the same
figures as the run's page — a village secretary never gets the county's."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fupin.accounts.scope import scope_for
from fupin.accounts.services import api_token_create
from fupin.policy import selectors
from fupin.registry.services import income_record_set
from tests import factories

pytestmark = pytest.mark.django_db
COUNTY = "422822000000"


def _client(user: Any) -> Client:
    _, secret = api_token_create(actor=None, user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_village_secretary_gets_the_figures_of_the_village(
    users: dict[str, Any], run_now: Any
) -> None:
    mine = factories.household()
    others = [factories.household(area_code=factories.OTHER_TOWNSHIP_VILLAGE) for _ in range(2)]
    for h in (mine, *others):
        income_record_set(
            actor=None, household_id=h.pk, year=2026, data={"wage": "20000", "household_size": 2}
        )
    run = run_now(COUNTY)
    assert run.summary["households"] == 3
    secretary = users["village_secretary"]
    body = _client(secretary).get(f"/api/policy/runs/{run.pk}").json()
    assert body["summary"]["households"] == 1
    assert body["summary"]["people"] == 2
    assert body["summary"]["exit_candidates"] == 1
    page = selectors.run_summary(scope=scope_for(secretary), run=run)
    assert {k: body["summary"][k] for k in page} == page
    listed = _client(secretary).get("/api/policy/runs").json()
    assert [r["summary"]["households"] for r in listed if r["id"] == run.pk] == [1]
    county = _client(users["county_admin"]).get(f"/api/policy/runs/{run.pk}").json()
    assert county["summary"]["households"] == 3
