"""Identification and exit read different years' income (POLICY.md §2, §4): a 2020 exit
compares 2020 income with 4,000 元; identification (and monitoring) for 2020 reads 2019.
Two standard parameters, editable, added to existing databases by migration 0007."""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps

from fupin.policy import engine, services
from fupin.policy import params as P
from fupin.policy.models import HouseholdVerdict, PolicyStandard, StandardVersion
from fupin.registry.services import income_record_set
from tests import factories

pytestmark = pytest.mark.django_db
COUNTY = "422822000000"


def _household(status: str) -> Any:
    h = factories.household(
        status=status, identified_year=2015 if status != "unregistered" else None
    )
    # two people: 2019 3,500 元 each (below the 2020 line of 4,000), 2020 4,500 元 each
    for year, wage in ((2019, "7000"), (2020, "9000")):
        income_record_set(
            actor=None, household_id=h.pk, year=year, data={"wage": wage, "household_size": 2}
        )
    return h


def _verdict(run: Any, h: Any) -> HouseholdVerdict:
    return HouseholdVerdict.objects.get(run_id=run.pk, household_id=h.pk)


def test_exit_judges_the_year_itself_and_identification_the_year_before(
    areas: None, run_now: Any
) -> None:
    poor = _household("not_exited")  # judged for exit
    outside = _household("unregistered")  # judged as identification and monitoring do
    run = run_now(COUNTY, year=2020)
    assert run.params["422822"]["poverty_line"] == "4000"
    exit_verdict, other = _verdict(run, poor), _verdict(run, outside)
    assert (exit_verdict.per_capita, exit_verdict.exit_fails) == (Decimal("4500.00"), 0)
    assert (other.per_capita, other.exit_fails) == (Decimal("3500.00"), engine.C_INCOME)
    assert other.category == "marginal"  # 3,500 below the 2020 monitoring threshold 6,000
    assert engine.income_year(2020, run.params["422822"], for_exit=True) == 2020
    assert engine.income_year(2020, run.params["422822"], for_exit=False) == 2019


def test_the_offsets_are_editable_standard_parameters(areas: None, run_now: Any) -> None:
    poor = _household("not_exited")
    outside = _household("unregistered")
    current = StandardVersion.objects.filter(standard__region="", standard__year=2020).order_by(
        "-number"
    )[0]
    assert current.params["identification_income_year_offset"] == -1
    assert current.params["exit_income_year_offset"] == 0
    services.standard_save(
        actor=None,
        region="422822",
        year=2020,
        params={"exit_income_year_offset": -1, "identification_income_year_offset": 0},
    )
    run = run_now(COUNTY, year=2020)
    assert _verdict(run, poor).exit_fails == engine.C_INCOME  # 2019 income now
    assert _verdict(run, outside).exit_fails == 0  # 2020 income now


def test_both_parameters_are_shown_under_the_standards(client_for: Any) -> None:
    standard = PolicyStandard.objects.get(region="", year=2020)
    page = client_for("county_admin").get(f"/policy/standards/{standard.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "识别、监测收入年度（相对评估年度）" in text and "退出收入年度（相对评估年度）" in text


def test_migration_splits_the_old_offset_into_a_new_version(areas: None) -> None:
    migration = importlib.import_module("fupin.policy.migrations.0007_income_years")
    national = PolicyStandard.objects.get(region="", year=2020)
    latest = national.versions.order_by("-number")[0]
    old = dict(latest.params)
    old.pop("identification_income_year_offset")
    old.pop("exit_income_year_offset")
    old["income_year_offset"] = -1
    StandardVersion.objects.create(standard=national, number=latest.number + 1, params=old)
    county = PolicyStandard.objects.create(region="422822", year=2020, region_name="建始县")
    StandardVersion.objects.create(standard=county, number=1, params={"income_year_offset": -2})
    migration.split(apps, None)
    migration.split(apps, None)  # a second pass changes nothing
    newest = national.versions.order_by("-number")[0]
    assert newest.number == latest.number + 2
    assert "income_year_offset" not in newest.params
    assert newest.params["identification_income_year_offset"] == -1
    assert newest.params["exit_income_year_offset"] == 0
    assert P.clean_params(newest.params, complete=True) == newest.params
    override = county.versions.order_by("-number")[0]
    assert override.params == {"identification_income_year_offset": -2}
    untouched = PolicyStandard.objects.get(region="", year=2019).versions.count()
    assert untouched == 1
