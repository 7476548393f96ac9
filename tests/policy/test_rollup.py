"""Villages at 1.99% / 2.00% / 2.01%, a western village at 2.5%, and the county's vetoes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fupin.areas.models import Area
from fupin.policy import services
from fupin.policy.models import AreaResult
from fupin.policy.reasons import area_reason_text
from fupin.registry.models import Household, Member
from tests import factories
from tests.policy.conftest import GUIZHOU_VILLAGE

pytestmark = pytest.mark.django_db

V1, V2, V3 = "422822100001", "422822100002", "422822101001"


def poor_people(village: str, count: int) -> None:
    """One registered poor household of ``count`` people without an income: all remain poor."""
    h = Household.objects.create(
        number=f"P{village}",
        area_id=Area.objects.get(code=village).pk,
        area_code=village,
        main_cause="illness",
        status="not_exited",
        identified_year=2015,
    )
    Member.objects.bulk_create(
        Member(
            household=h,
            name=f"成员{i}",
            sex="male",
            id_number=factories.id_number(),
            relation="head" if i == 0 else "other",
        )
        for i in range(count)
    )


def setup_village(code: str, *, population: int, poor: int, income: str | None = "50000") -> None:
    Area.objects.filter(code=code).update(rural_population=population)
    poor_people(code, poor)
    if income is not None:
        services.village_facts_set(
            actor=None, area_code=code, year=2026, data={"collective_income": income}
        )


def result(run: Any, code: str) -> AreaResult:
    return AreaResult.objects.get(run=run, area_code=code)


def test_village_incidence_boundaries(areas: None, run_now: Any) -> None:
    setup_village(V1, population=10000, poor=199)
    setup_village(V2, population=10000, poor=200)
    setup_village(V3, population=10000, poor=201)
    run = run_now("422822000000")
    assert result(run, V1).verdict == "pass"
    assert result(run, V2).verdict == "fail"
    assert result(run, V3).verdict == "fail"
    reasons = result(run, V1).reasons
    assert reasons[0] == {
        "code": "incidence",
        "state": "pass",
        "value": "0.0199",
        "limit": "0.02",
        "people": 199,
        "population": 10000,
    }
    assert area_reason_text(result(run, V2).reasons[0]) == (
        "贫困发生率 2%（200 / 10000 人），标准 低于 2%：未达标"
    )
    assert result(run, V3).reasons[0]["value"] == "0.0201"


def test_western_province_exits_below_three_percent(provinces: None, run_now: Any) -> None:
    setup_village(GUIZHOU_VILLAGE, population=10000, poor=250)
    setup_village(V1, population=10000, poor=250)
    guizhou = run_now("520000000000")
    hubei = run_now("420000000000")
    assert result(guizhou, GUIZHOU_VILLAGE).verdict == "pass"
    assert result(guizhou, GUIZHOU_VILLAGE).reasons[0]["limit"] == "0.03"
    assert result(hubei, V1).verdict == "fail"


def test_collective_income_below_minimum_fails_and_missing_is_pending(
    areas: None, run_now: Any
) -> None:
    setup_village(V1, population=1000, poor=0, income="39999.99")
    setup_village(V2, population=1000, poor=0, income=None)
    setup_village(V3, population=1000, poor=0, income="40000")
    run = run_now("422822000000")
    assert result(run, V1).verdict == "fail"
    assert area_reason_text(result(run, V1).reasons[1]) == (
        "村集体经济收入 39,999.99 元，标准 不低于 40,000 元：未达标"
    )
    assert result(run, V2).verdict == "pending"
    assert area_reason_text(result(run, V2).reasons[1]) == "村集体经济收入：缺少数据，不能判定"
    assert result(run, V3).verdict == "pass"


def test_township_and_county_figures_are_sums(areas: None, run_now: Any) -> None:
    setup_village(V1, population=1000, poor=3)
    setup_village(V2, population=2000, poor=4)
    setup_village(V3, population=500, poor=5)
    run = run_now("422822000000")
    township = result(run, "422822100000")
    assert (township.people, township.remaining_poor_people, township.rural_population) == (
        7,
        7,
        3000,
    )
    assert township.verdict == "none"
    county = result(run, "422822000000")
    assert (county.households, county.people, county.rural_population) == (3, 12, 3500)
    assert county.clause_counts["income"] == 3


def test_county_vetoes_missing_then_pass_then_fail(areas: None, run_now: Any) -> None:
    setup_village(V1, population=10000, poor=50)
    run = run_now("422822000000")
    county = result(run, "422822000000")
    assert county.verdict == "pending"
    assert [r["state"] for r in county.reasons] == ["missing"] * 4
    assert area_reason_text(county.reasons[0]).startswith("综合贫困发生率：已知部分 0.5%")
    services.county_assessment_set(
        actor=None,
        area_code="422822000000",
        year=2026,
        data={
            "wrong_exit_rate": "0.01",
            "miss_rate": "0.015",
            "approval_rate": "0.95",
            "missed_people": 20,
            "wrongly_exited_people": 10,
        },
    )
    county = result(run_now("422822000000"), "422822000000")
    assert county.verdict == "pass"
    assert county.reasons[0]["value"] == "0.0080"  # (50 + 20 + 10) / 10000
    services.county_assessment_set(
        actor=None, area_code="422822000000", year=2026, data={"approval_rate": "0.90"}
    )
    county = result(run_now("422822000000"), "422822000000")
    assert county.verdict == "fail"
    assert [r["state"] for r in county.reasons] == ["pass", "pass", "pass", "fail"]


def test_county_over_the_limit_fails_even_with_figures_missing(areas: None, run_now: Any) -> None:
    setup_village(V1, population=1000, poor=30)
    county = result(run_now("422822000000"), "422822000000")
    assert county.reasons[0]["state"] == "fail"
    assert county.verdict == "fail"
    assert Decimal(county.reasons[0]["value"]) == Decimal("0.03")
