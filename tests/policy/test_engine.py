"""Hand-built households for every clause and its boundary, judged by a 2026 run.

The 2026 run uses the national standard in force (from 2021: line 4,000 元, monitoring
threshold 6,000 元), incomes of 2026 for exit (registered poor households) and of 2025
for identification and monitoring (the others), and ages on 1 September 2026.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from fupin.policy import engine, services
from fupin.policy import selectors as S
from fupin.policy.models import HouseholdVerdict
from fupin.registry.models import Household
from fupin.registry.services import (
    expense_record_set,
    hardship_event_record,
    income_record_set,
)
from tests import factories
from tests.policy.conftest import HUNAN_VILLAGE

pytestmark = pytest.mark.django_db
COUNTY = "422822000000"


def make(
    *,
    per_capita: Decimal | str | None = "8000",
    size: int = 2,
    members: list[dict[str, Any]] | None = None,
    area_code: str = factories.VILLAGE,
    **fields: Any,
) -> Household:
    members = members or [
        factories.member_data(name="户主"),
        factories.member_data(name="配偶", relation="spouse", sex="female"),
    ]
    h = factories.household(area_code=area_code, members=members, **fields)
    if per_capita is not None:
        income_record_set(
            actor=None,
            household_id=h.pk,
            year=income_year(h.status),
            data={"wage": Decimal(per_capita) * size, "household_size": size},
        )
    return h


def income_year(status: str, run_year: int = 2026) -> int:
    """The year a run of ``run_year`` reads: exit (registered poor households) the year
    judged, identification and monitoring (the others) the year before."""
    return run_year if status in engine.POOR_STATUSES else run_year - 1


def child(name: str, born: dt.date, schooling: str = "非在校生") -> dict[str, Any]:
    return factories.member_data(
        name=name, relation="son", born=born, schooling=schooling, education="primary"
    )


def verdict(run: Any, h: Household) -> HouseholdVerdict:
    return HouseholdVerdict.objects.get(run_id=run.pk, household_id=h.pk)


def texts(run: Any, h: Household) -> list[str]:
    view = S.household_verdict(scope=_all(), household=h, run=run)
    assert view is not None
    return [r.text for r in view.reasons]


def _all() -> Any:
    from fupin.accounts.scope import Scope

    return Scope(user_id=None, prefixes=("42", "43", "52"))


def test_income_exactly_at_the_line_fails_and_above_meets(areas: None, run_now: Any) -> None:
    at = make(per_capita="4000")
    above = make(per_capita="4000.01")
    below = make(per_capita="3512")
    missing = make(per_capita=None)
    run = run_now(COUNTY)
    assert verdict(run, at).exit_fails == engine.C_INCOME
    assert texts(run, at) == ["人均纯收入 4,000 元 未超过标准 4,000 元"]
    assert verdict(run, above).exit_fails == 0
    assert texts(run, below) == ["人均纯收入 3,512 元 低于标准 4,000 元"]
    assert verdict(run, missing).exit_fails == engine.C_INCOME
    assert verdict(run, missing).facts & engine.F_NO_INCOME
    assert texts(run, missing) == ["无 2026 年收入记录，不能判定收入达标"]


def test_compulsory_school_age_boundaries(areas: None, run_now: Any) -> None:
    # ages on 2026-09-01
    six = make(members=[factories.member_data(), child("小六", dt.date(2020, 9, 1))])
    fifteen = make(members=[factories.member_data(), child("十五", dt.date(2011, 9, 1))])
    five = make(members=[factories.member_data(), child("小五", dt.date(2020, 9, 2))])
    sixteen = make(members=[factories.member_data(), child("十六", dt.date(2010, 9, 1))])
    at_school = make(
        members=[factories.member_data(), child("在校", dt.date(2014, 3, 1), "小学6年级")]
    )
    run = run_now(COUNTY)
    assert verdict(run, six).exit_fails == engine.C_SCHOOLING
    assert texts(run, six) == ["成员 小六 6 岁 非在校生（义务教育年龄 6–15 岁）"]
    assert verdict(run, fifteen).exit_fails == engine.C_SCHOOLING
    assert texts(run, fifteen) == ["成员 十五 15 岁 非在校生（义务教育年龄 6–15 岁）"]
    for h in (five, sixteen, at_school):
        assert verdict(run, h).exit_fails == 0


def test_one_uninsured_member_fails_medical_and_is_named(areas: None, run_now: Any) -> None:
    h = make(
        members=[
            factories.member_data(name="户主"),
            factories.member_data(name="王五", relation="son", medical_insurance=False),
        ]
    )
    run = run_now(COUNTY)
    assert verdict(run, h).exit_fails == engine.C_MEDICAL
    assert texts(run, h) == ["成员 王五 未参加基本医疗保险"]


def test_house_grade_c_fails_and_b_meets(areas: None, run_now: Any) -> None:
    c = make(danger_grade="C")
    d = make(danger_grade="D")
    b = make(danger_grade="B")
    run = run_now(COUNTY)
    assert verdict(run, c).exit_fails == engine.C_HOUSING
    assert texts(run, c) == ["住房为 C 级危房"]
    assert verdict(run, d).exit_fails == engine.C_HOUSING
    assert verdict(run, b).exit_fails == 0


def test_safe_water_only_where_the_region_requires_it(provinces: None, run_now: Any) -> None:
    hubei = make(safe_water=False)
    hunan = make(safe_water=False, area_code=HUNAN_VILLAGE)
    services.standard_save(actor=None, region="43", year=2021, params={"require_safe_water": True})
    hubei_run = run_now("420000000000")
    hunan_run = run_now("430000000000")
    assert verdict(hubei_run, hubei).exit_fails == 0
    assert verdict(hubei_run, hubei).facts & engine.F_UNSAFE_WATER  # seen, not required
    assert verdict(hunan_run, hunan).exit_fails == engine.C_WATER
    assert texts(hunan_run, hunan) == ["饮水不安全（本地标准要求安全饮水）"]


def test_several_failures_are_all_given(areas: None, run_now: Any) -> None:
    h = make(
        per_capita="2000",
        danger_grade="D",
        members=[
            factories.member_data(name="户主", medical_insurance=False),
            child("小明", dt.date(2014, 1, 1)),
        ],
    )
    run = run_now(COUNTY)
    v = verdict(run, h)
    assert (
        v.exit_fails == engine.C_INCOME | engine.C_SCHOOLING | engine.C_MEDICAL | engine.C_HOUSING
    )
    assert texts(run, h) == [
        "人均纯收入 2,000 元 低于标准 4,000 元",
        "成员 小明 12 岁 非在校生（义务教育年龄 6–15 岁）",
        "成员 户主 未参加基本医疗保险",
        "住房为 D 级危房",
    ]
    assert v.category == ""  # a registered poor household is not a monitoring case


def test_monitoring_categories(areas: None, run_now: Any) -> None:
    exited_low = make(per_capita="5000", status="exited", exited_year=2019)
    exited_ok = make(per_capita="6000", status="exited", exited_year=2019)
    marginal = make(per_capita="5500", status="unregistered", identified_year=None)
    sudden = make(per_capita="9000", status="unregistered", identified_year=None)
    hardship_event_record(
        actor=None, household_id=sudden.pk, kind="serious_illness", occurred_on="2026-07-02"
    )
    old_event = make(per_capita="9000", status="unregistered", identified_year=None)
    hardship_event_record(
        actor=None, household_id=old_event.pk, kind="disaster", occurred_on="2025-06-30"
    )
    expensive = make(per_capita="5000", size=2, status="unregistered", identified_year=None)
    expense_record_set(
        actor=None,
        household_id=expensive.pk,
        year=2025,
        data={"medical": "3000", "schooling": "2001"},
    )
    # 5,001 of a 10,000 net income: above half
    affordable = make(per_capita="5000", size=2, status="unregistered", identified_year=None)
    expense_record_set(actor=None, household_id=affordable.pk, year=2025, data={"medical": "5000"})
    for h in (expensive, affordable):  # keep income above the monitoring line
        income_record_set(
            actor=None, household_id=h.pk, year=2025, data={"wage": "10000", "household_size": 1}
        )
    run = run_now(COUNTY)
    assert verdict(run, exited_low).category == "unstable"
    assert texts(run, exited_low) == ["人均纯收入 5,000 元 低于监测标准 6,000 元"]
    assert verdict(run, exited_ok).category == ""  # exactly at the threshold is not below
    assert verdict(run, marginal).category == "marginal"
    assert verdict(run, sudden).category == "hardship"
    assert texts(run, sudden) == ["2026-07-02 发生重大疾病"]
    assert verdict(run, old_event).category == ""  # more than 12 months before
    assert verdict(run, expensive).risks == engine.R_RIGID_EXPENSE
    assert verdict(run, expensive).category == "hardship"
    assert texts(run, expensive) == ["刚性支出 5,001 元 超过家庭纯收入 10,000 元的 50%"]
    assert verdict(run, affordable).category == ""


def test_a_run_changes_no_household(areas: None, run_now: Any) -> None:
    h = make(per_capita="9000")
    before = Household.objects.values().get(pk=h.pk)
    run = run_now(COUNTY)
    assert verdict(run, h).exit_fails == 0
    assert Household.objects.values().get(pk=h.pk) == before


def test_provincial_override_changes_verdicts_only_under_that_province(
    provinces: None, run_now: Any
) -> None:
    hubei = make(per_capita="4500")
    hunan = make(per_capita="4500", area_code=HUNAN_VILLAGE)
    runs_before = (run_now("420000000000"), run_now("430000000000"))
    services.standard_save(actor=None, region="43", year=2021, params={"poverty_line": "5000"})
    runs_after = (run_now("420000000000"), run_now("430000000000"))
    assert verdict(runs_before[0], hubei).exit_fails == 0
    assert verdict(runs_after[0], hubei).exit_fails == 0
    assert verdict(runs_before[1], hunan).exit_fails == 0
    assert verdict(runs_after[1], hunan).exit_fails == engine.C_INCOME
    assert texts(runs_after[1], hunan) == ["人均纯收入 4,500 元 低于标准 5,000 元"]
    hubei_diff = S.run_diff(scope=_all(), before_id=runs_before[0].pk, after_id=runs_after[0].pk)
    hunan_diff = S.run_diff(scope=_all(), before_id=runs_before[1].pk, after_id=runs_after[1].pk)
    assert hubei_diff.total == 0
    assert hunan_diff.total == 1
    assert hunan_diff.counts["now_fail"] == 1
    assert [r.household_id for r in hunan_diff.rows] == [hunan.pk]


def test_a_county_override_inside_a_run_splits_it(provinces: None, run_now: Any) -> None:
    in_county = make(per_capita="4500")
    other_county_village = "433101100001"
    outside = make(per_capita="4500", area_code=other_county_village)
    services.standard_save(actor=None, region="422822", year=2021, params={"poverty_line": "4600"})
    hubei = run_now("420000000000")
    assert verdict(hubei, in_county).exit_fails == engine.C_INCOME
    assert set(hubei.params) == {"42", "422822"}
    assert hubei.params["422822"]["poverty_line"] == "4600"
    assert hubei.params["42"]["poverty_line"] == "4000"
    hunan = run_now("430000000000")
    assert verdict(hunan, outside).exit_fails == 0


def test_earlier_year_uses_that_years_line(areas: None, run_now: Any) -> None:
    # exit: 2026 at line 4,000 元 on 2026 incomes; 2019 at line 3,218 元 on 2019 incomes
    h = make(per_capita="3300")
    run = run_now(COUNTY, year=2026)
    assert verdict(run, h).exit_fails == engine.C_INCOME
    income_record_set(
        actor=None, household_id=h.pk, year=2019, data={"wage": "6600", "household_size": 2}
    )
    old = run_now(COUNTY, year=2019)
    assert old.params["422822"]["poverty_line"] == "3218"
    assert verdict(old, h).exit_fails == 0
    assert verdict(old, h).per_capita == Decimal("3300.00")


@pytest.mark.parametrize(
    ("as_of", "first"),
    [
        (dt.date(2025, 12, 31), dt.date(2025, 1, 1)),
        (dt.date(2026, 7, 15), dt.date(2025, 7, 16)),
        (dt.date(2025, 3, 31), dt.date(2024, 4, 1)),  # 2024-03-31 + 1 day
        (dt.date(2024, 2, 29), dt.date(2023, 3, 1)),  # no 29 February in 2023: its last day
    ],
)
def test_hardship_window_is_the_twelve_months_before(as_of: dt.date, first: dt.date) -> None:
    assert engine.hardship_window(as_of, {"hardship_window_months": 12}) == (first, as_of)


def test_people_are_counted_alike_for_a_small_and_a_large_part(
    provinces: None, run_now: Any
) -> None:
    # Hunan holds one household in six: PostgreSQL counts its members per household,
    # Hubei's five by one pass over all members; SQLite always per household.
    hubei = [make() for _ in range(5)]
    hunan = make(
        area_code=HUNAN_VILLAGE,
        members=[
            factories.member_data(name="户主"),
            factories.member_data(name="甲", relation="son"),
            factories.member_data(name="乙", relation="daughter", sex="female"),
        ],
    )
    from fupin.registry.services import member_remove

    removed = hunan.members.get(name="乙")
    member_remove(actor=None, member_id=removed.pk, version=removed.version, reason="出嫁")
    assert verdict(run_now("430000000000"), hunan).people == 2
    hubei_run = run_now("420000000000")
    assert [verdict(hubei_run, h).people for h in hubei] == [2] * 5
