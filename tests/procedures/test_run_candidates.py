"""An exit, a monitoring or a risk clearing opens only for a candidate of an evaluation
run, the run recorded as its source: the service refuses anyone else (the API, the web,
the system itself) with a clear message."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.core.errors import InvalidInput
from fupin.procedures import services
from fupin.procedures.models import Procedure
from tests import factories
from tests.procedures.api_helpers import api_client, post
from tests.procedures.helpers import evaluated

pytestmark = pytest.mark.django_db


def test_the_api_refuses_an_exit_without_a_run_or_for_a_household_failing_it(
    users: dict[str, Any],
) -> None:
    poor = factories.household(status="not_exited")
    secretary = api_client(users["village_secretary"])
    body = {"kind": "exit", "household_id": poor.pk}
    response = post(secretary, "/api/procedures", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "run_required"
    assert "评估批次" in response.json()["error"]["message"]
    failing = evaluated(low=[poor])
    response = post(secretary, "/api/procedures", {**body, "run_id": failing})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "not_a_candidate"
    assert f"评估批次 {failing}" in error["message"] and "退出标准" in error["message"]
    assert not Procedure.objects.filter(household=poor).exists()
    meets = evaluated(high=[poor])
    response = post(secretary, "/api/procedures", {**body, "run_id": meets})
    assert response.status_code == 201, response.content
    assert Procedure.objects.get(household=poor).source == f"policy_run:{meets}"


def test_a_later_run_that_finds_the_household_failing_prevails(users: dict[str, Any]) -> None:
    poor = factories.household(status="not_exited")
    earlier = evaluated(high=[poor])
    later = evaluated(low=[poor])
    with pytest.raises(InvalidInput) as err:
        services.procedure_open(actor=None, kind="exit", household_id=poor.pk, run_id=earlier)
    assert err.value.code == "not_a_candidate" and f"评估批次 {later}" in str(err.value.message)


def test_a_run_outside_the_actors_areas_is_not_found(users: dict[str, Any]) -> None:
    poor = factories.household(status="not_exited")
    other = factories.household(status="not_exited", area_code=factories.OTHER_TOWNSHIP_VILLAGE)
    run_id = evaluated(high=[poor, other], area_code=factories.OTHER_TOWNSHIP_VILLAGE)
    response = post(
        api_client(users["village_secretary"]),
        "/api/procedures",
        {"kind": "exit", "household_id": poor.pk, "run_id": run_id},
    )
    assert response.status_code == 404


def test_monitoring_opens_only_for_a_household_in_a_monitoring_category(
    users: dict[str, Any],
) -> None:
    exited = factories.household(status="exited", exited_year=2019)
    stable = evaluated(high=[exited])
    with pytest.raises(InvalidInput) as err:
        services.procedure_open(
            actor=users["cadre"], kind="monitoring", household_id=exited.pk, run_id=stable
        )
    assert "监测对象" in str(err.value.message)
    at_risk = evaluated(low=[exited])
    opened = services.procedure_open(
        actor=users["cadre"], kind="monitoring", household_id=exited.pk, run_id=at_risk
    )
    assert opened.source == f"policy_run:{at_risk}"


def test_risk_clearing_opens_only_when_the_run_finds_no_risk(users: dict[str, Any]) -> None:
    monitored = factories.household(status="monitored", exited_year=2019)
    at_risk = evaluated(low=[monitored])
    with pytest.raises(InvalidInput) as err:
        services.procedure_open(
            actor=users["village_secretary"],
            kind="risk_clearing",
            household_id=monitored.pk,
            run_id=at_risk,
        )
    assert "仍有风险" in str(err.value.message)
    cleared = evaluated(high=[monitored])
    opened = services.procedure_open(
        actor=users["village_secretary"],
        kind="risk_clearing",
        household_id=monitored.pk,
        run_id=cleared,
    )
    assert opened.kind == "risk_clearing"


def test_identification_and_return_need_no_run(users: dict[str, Any]) -> None:
    new = factories.household(status="unregistered", identified_year=None)
    exited = factories.household(status="exited", exited_year=2019)
    assert services.procedure_open(
        actor=users["village_secretary"], kind="identification", household_id=new.pk
    )
    assert services.procedure_open(
        actor=users["village_secretary"], kind="return", household_id=exited.pk
    )
