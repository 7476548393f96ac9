"""Standards (versioned, checked, who may edit), runs (rerun after failure, one
transaction), the what-if against a real rerun, and the CLI."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from fupin.accounts.scope import Scope
from fupin.audit.models import AuditEvent
from fupin.core.errors import AccessDenied, InvalidInput, NotFound
from fupin.policy import engine, selectors, services, standards
from fupin.policy.models import AreaResult, EvaluationRun, HouseholdVerdict, StandardVersion
from fupin.registry.services import income_record_set
from tests import factories

pytestmark = pytest.mark.django_db
COUNTY = "422822000000"
ALL = Scope(user_id=None, prefixes=("42",))


def household_at(per_capita: str, **fields: Any) -> Any:
    h = factories.household(**fields)
    income_record_set(
        actor=None,
        household_id=h.pk,
        # a 2026 run reads 2026 for exit, 2025 for identification and monitoring
        year=2026 if h.status in engine.POOR_STATUSES else 2025,
        data={"wage": Decimal(per_capita) * 2, "household_size": 2},
    )
    return h


def test_national_defaults_ship_for_every_line_year(db: Any) -> None:
    for year, line in ((2014, "2800"), (2019, "3218"), (2020, "4000"), (2030, "4000")):
        assert standards.effective("42", standards.in_force(year))["poverty_line"] == line
    assert standards.effective("52", standards.in_force(2026))["village_incidence_limit"] == "0.03"
    assert standards.effective("42", standards.in_force(2026))["village_incidence_limit"] == "0.02"
    with pytest.raises(NotFound):
        standards.plan("42", 2009)


def test_every_edit_is_a_new_version_with_an_audit_row(users: dict[str, Any]) -> None:
    admin = users["county_admin"]
    first = services.standard_save(
        actor=admin, region="422822", year=2026, params={"monitoring_threshold": "6500"}
    )
    second = services.standard_save(
        actor=admin,
        region="422822",
        year=2026,
        params={"monitoring_threshold": "6800", "require_safe_water": "是"},
        note="县里提高监测线",
        expected_number=1,
    )
    assert (first.number, second.number) == (1, 2)
    assert StandardVersion.objects.get(pk=first.pk).params == {"monitoring_threshold": "6500"}
    assert second.params == {"monitoring_threshold": "6800", "require_safe_water": True}
    assert AuditEvent.objects.filter(action="policy.standard_save").count() == 2
    effective = standards.effective("422822", standards.in_force(2026))
    assert effective["monitoring_threshold"] == "6800"


def test_standard_checks(users: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.standard_save(
            actor=None,
            region="422822",
            year=2026,
            params={"school_age_min": 12, "school_age_max": 10},
        )
    assert "school_age_max" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        services.standard_save(actor=None, region="", year=2027, params={"poverty_line": "4200"})
    assert "monitoring_threshold" in exc.value.fields  # a national standard holds everything
    with pytest.raises(InvalidInput):
        services.standard_save(
            actor=None, region="4228", year=2026, params={"dangerous_grades": "E"}
        )
    with pytest.raises(InvalidInput):
        services.standard_save(actor=None, region="42282", year=2026, params={})
    with pytest.raises(AccessDenied):  # a county admin may not set another county's
        services.standard_save(
            actor=users["county_admin"], region="433101", year=2026, params={"poverty_line": "1"}
        )
    with pytest.raises(AccessDenied):
        services.standard_save(
            actor=users["auditor"], region="422822", year=2026, params={"poverty_line": "1"}
        )


def test_a_failed_run_keeps_nothing_and_can_be_rerun(users: dict[str, Any]) -> None:
    h = household_at("5000")
    run = services.evaluation_run_create(actor=users["county_admin"], area_code=COUNTY, year=2026)
    with mock.patch("fupin.policy.services.rollup", side_effect=RuntimeError("disk full")):
        failed = services.evaluation_run_execute(run_id=run.pk)
    assert failed.status == EvaluationRun.Status.FAILED
    assert "重新运行" in failed.error
    assert not HouseholdVerdict.objects.filter(run_id=run.pk).exists()
    assert not AreaResult.objects.filter(run_id=run.pk).exists()
    with pytest.raises(NotFound):  # a cadre's village does not contain the county's run
        services.evaluation_run_retry(actor=users["cadre"], run_id=run.pk)
    services.evaluation_run_retry(actor=users["county_admin"], run_id=run.pk)
    done = services.evaluation_run_execute(run_id=run.pk)
    assert done.status == EvaluationRun.Status.DONE
    assert HouseholdVerdict.objects.get(run_id=run.pk, household_id=h.pk).exit_fails == 0
    # a finished run is not run again
    assert services.evaluation_run_execute(run_id=run.pk).status == EvaluationRun.Status.DONE
    with pytest.raises(InvalidInput):
        services.evaluation_run_retry(actor=users["county_admin"], run_id=run.pk)


def test_what_if_predicts_what_a_rerun_finds(users: dict[str, Any]) -> None:
    poor = [household_at(v) for v in ("3900", "4050", "4200", "4400")]
    exited = [
        household_at(v, status="exited", exited_year=2018) for v in ("5500", "6500", "6900", "7200")
    ]
    run = services.evaluation_run_create(actor=None, area_code=COUNTY, year=2026)
    run = services.evaluation_run_execute(run_id=run.pk)
    preview = selectors.what_if(
        scope=ALL,
        run_id=run.pk,
        region="",
        changes={"poverty_line": "4300", "monitoring_threshold": "7000"},
    )
    assert preview.totals["now_fail"] == 2  # 4,050 and 4,200 fall under 4,300
    assert preview.totals["into_monitoring"] == 2  # 6,500 and 6,900 fall under 7,000
    services.standard_save(
        actor=None,
        region="",
        year=2026,
        params={
            **standards.effective("", standards.in_force(2026)),
            "poverty_line": "4300",
            "monitoring_threshold": "7000",
        },
    )
    again = services.evaluation_run_execute(
        run_id=services.evaluation_run_create(actor=None, area_code=COUNTY, year=2026).pk
    )
    diff = selectors.run_diff(scope=ALL, before_id=run.pk, after_id=again.pk)
    assert diff.total == preview.totals["changed"] == 4
    changed = {r.household_id for r in diff.rows}
    assert changed == {poor[1].pk, poor[2].pk, exited[1].pk, exited[2].pk}
    assert HouseholdVerdict.objects.get(run=again, household_id=poor[1].pk).exit_fails == (
        engine.C_INCOME
    )


def test_what_if_respects_a_narrower_override(users: dict[str, Any]) -> None:
    household_at("4200")
    services.standard_save(actor=None, region="422822", year=2021, params={"poverty_line": "4000"})
    run = services.evaluation_run_execute(
        run_id=services.evaluation_run_create(actor=None, area_code=COUNTY, year=2026).pk
    )
    national = selectors.what_if(
        scope=ALL, run_id=run.pk, region="", changes={"poverty_line": "4500"}
    )
    assert national.totals["changed"] == 0  # the county sets its own line
    county = selectors.what_if(
        scope=ALL, run_id=run.pk, region="422822", changes={"poverty_line": "4500"}
    )
    assert county.totals["changed"] == 1


def test_village_limit_what_if_counts_villages(users: dict[str, Any]) -> None:
    from fupin.areas.models import Area

    Area.objects.filter(code=factories.VILLAGE).update(rural_population=100)
    factories.household()  # two people without an income: 2% incidence
    services.village_facts_set(
        actor=None, area_code=factories.VILLAGE, year=2026, data={"collective_income": "50000"}
    )
    run = services.evaluation_run_execute(
        run_id=services.evaluation_run_create(actor=None, area_code=COUNTY, year=2026).pk
    )
    assert AreaResult.objects.get(run=run, area_code=factories.VILLAGE).verdict == "fail"
    preview = selectors.what_if(
        scope=ALL, run_id=run.pk, region="", changes={"village_incidence_limit": "0.03"}
    )
    assert preview.totals["villages_changed"] == 1
    assert [
        (v.verdict_before, v.verdict_after) for v in preview.villages if v.code == factories.VILLAGE
    ] == [("fail", "pass")]


def test_evaluate_command(users: dict[str, Any]) -> None:
    household_at("5000")
    out = StringIO()
    call_command("evaluate", COUNTY, "2026", stdout=out)
    assert "1 户 2 人" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("evaluate", "999999000000", "2026", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("evaluate", COUNTY, "1999", stdout=StringIO())
