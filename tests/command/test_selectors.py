"""Command reads on the hand-built county (see conftest): the exact violations of the
contact-point rules, a county's override changing them only under its prefix, the leaders'
figures, the charts, the contact points, scope, and query counts that stay flat."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from fupin.accounts.scope import Scope, scope_for
from fupin.command import selectors as S
from fupin.command import services
from fupin.command.models import ContactPoint, Leader
from fupin.core.errors import NotFound
from tests.command.conftest import (
    BT1,
    BV1,
    COUNTY,
    START,
    T1,
    T2,
    T3,
    TODAY,
    V1,
    V2,
    V3,
    V4,
    V5,
    V6,
)

pytestmark = pytest.mark.django_db


def county(w: SimpleNamespace) -> Scope:
    return scope_for(w.users["county_admin"])


def found(rows: list[S.Violation]) -> list[tuple[str, str, str, int, str]]:
    return [(v.rule, v.area_code, v.leader_name, v.count, v.norm) for v in rows]


JIANSHI = [
    ("township_few", T1, "", 1, "2"),
    ("township_many", T2, "", 5, "4"),
    ("key_village_uncovered", V3, "", 0, "1"),
    ("leader_key_villages", COUNTY, "乙", 2, "1"),
    ("weak_village_uncovered", V3, "", 0, "1"),
    ("leader_weak_villages", COUNTY, "庚", 4, "3"),
    ("listed_missing", V2, "", 3, "10.0%"),
]


def test_the_violations_of_the_county(world: SimpleNamespace) -> None:
    rows = S.violations(scope=county(world), today=TODAY)
    assert found(rows) == JIANSHI
    few = rows[0]
    assert few.area_name == "业州镇" and few.township_name == "业州镇"
    assert few.label == "乡镇联系县领导少于规定" and "1 名" in few.message
    listed = rows[-1]
    assert listed.area_name == "南门村" and listed.township_name == "业州镇"
    assert listed.incidence == Decimal("0.3000") and listed.population == 10
    assert "30.0%" in listed.message and "10.0%" in listed.message
    assert rows[3].leader_id == world.yi.pk


def test_a_leader_who_retires_leaves_gaps(world: SimpleNamespace) -> None:
    services.leader_retire(actor=None, leader_id=world.jia.pk, on=START)
    rows = found(S.violations(scope=county(world), today=TODAY))
    assert ("township_few", T1, "", 0, "2") in rows
    assert ("township_few", T3, "", 1, "2") in rows
    assert ("key_village_uncovered", V1, "", 0, "1") in rows


def test_a_county_override_changes_the_result_only_under_it(world: SimpleNamespace) -> None:
    wide = Scope(user_id=None, prefixes=("4228",))
    rows = found(S.violations(scope=wide, today=TODAY))
    # 巴东县: one leader per township is enough there, and 15 % is under its 20 %
    assert [r for r in rows if r[1].startswith("422823")] == [
        ("key_village_uncovered", BV1, "", 0, "1")
    ]
    assert [r for r in rows if r[1].startswith("422822")] == JIANSHI
    # before the override's year the national norms apply there too
    ContactPoint.objects.update(starts_on=dt.date(2025, 1, 1))
    before = found(S.violations(scope=wide, today=dt.date(2025, 12, 31)))
    assert ("township_few", BT1, "", 1, "2") in before
    assert ("listed_missing", BV1, "", 3, "10.0%") in before


def test_the_township_sees_its_own_violations(world: SimpleNamespace) -> None:
    township = scope_for(world.users["township_officer"])
    rows = found(S.violations(scope=township, today=TODAY))
    # 乙 has a key village in 业州镇: the leader's load counts everywhere
    assert rows == [
        ("township_few", T1, "", 1, "2"),
        ("key_village_uncovered", V3, "", 0, "1"),
        ("leader_key_villages", COUNTY, "乙", 2, "1"),
        ("weak_village_uncovered", V3, "", 0, "1"),
        ("leader_weak_villages", COUNTY, "庚", 4, "3"),
        ("listed_missing", V2, "", 3, "10.0%"),
    ]
    other = scope_for(world.users["other_secretary"])
    assert found(S.violations(scope=other, today=TODAY)) == [
        ("leader_key_villages", COUNTY, "乙", 2, "1"),
        ("leader_weak_villages", COUNTY, "庚", 4, "3"),
    ]
    assert S.violations(scope=scope_for(world.users["outsider"]), today=TODAY) == []
    narrowed = found(S.violations(scope=county(world), area=T2, today=TODAY))
    assert narrowed[0] == ("township_many", T2, "", 5, "4")


def test_violations_queries_do_not_grow(
    world: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(16):
        before = S.violations(scope=county(world), today=TODAY)
    for i in range(6):
        extra = Leader.objects.create(name=f"新{i}", post="常委", level="county", area_code=COUNTY)
        for code in (T1, V3, V5, V6, "422822102002"):
            ContactPoint.objects.create(
                leader=extra,
                kind="township" if code == T1 else "weak_village",
                area_code=code,
                starts_on=START,
            )
    with django_assert_max_num_queries(16):
        after = S.violations(scope=county(world), today=TODAY)
    assert len(after) > len(before)


def test_leader_figures(world: SimpleNamespace) -> None:
    detail = S.leader_detail(scope=county(world), leader_id=world.jia.pk, today=TODAY)
    assert detail.leader == world.jia
    by = {(a.kind, a.area_code): a for a in detail.areas}
    assert list(by) == [("township", T1), ("township", T3), ("key_village", V1)]
    v1 = by[("key_village", V1)]
    assert (v1.area_name, v1.level, v1.villages) == ("东门村", "village", 1)
    assert (v1.households, v1.poor_households, v1.poor_people) == (4, 2, 4)
    assert v1.rural_population == 20 and v1.incidence == Decimal("0.2000")
    assert v1.incidence_percent == "20.0%"
    assert (v1.needing, v1.covered, v1.gaps) == (2, 1, 1)
    assert v1.open_concerns == 1 and v1.is_weak and v1.weak_villages == 1
    t1 = by[("township", T1)]
    # 东门 + 南门 + 北门: households 4 + 2, poor people 4 + 3, population 20 + 10
    assert (t1.villages, t1.households, t1.poor_households, t1.poor_people) == (3, 6, 4, 7)
    assert t1.rural_population == 30 and t1.incidence == Decimal("0.2333")
    assert (t1.needing, t1.covered) == (4, 1)
    assert t1.weak_villages == 3 and not t1.is_weak and t1.open_concerns == 1
    t3 = by[("township", T3)]
    assert (t3.villages, t3.households, t3.rural_population, t3.incidence) == (2, 0, None, None)
    assert t3.weak_villages == 1  # 石垭村's case is closed


def test_leader_pages_are_scoped(world: SimpleNamespace) -> None:
    other = scope_for(world.users["other_secretary"])
    # 乙 answers for 高坪村: the other township's secretary sees that village only
    detail = S.leader_detail(scope=other, leader_id=world.yi.pk, today=TODAY)
    assert [(a.kind, a.area_code) for a in detail.areas] == [("key_village", V4)]
    assert detail.areas[0].incidence == Decimal("0.0200")
    with pytest.raises(NotFound):
        S.leader_detail(scope=other, leader_id=world.jia.pk, today=TODAY)
    with pytest.raises(NotFound):
        S.leader_detail(scope=county(world), leader_id=world.badong.pk, today=TODAY)
    with pytest.raises(NotFound):
        S.leader_detail(scope=scope_for(world.users["outsider"]), leader_id=world.jia.pk)


def test_leader_figures_queries_do_not_grow(
    world: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(20):
        S.leader_detail(scope=county(world), leader_id=world.geng.pk, today=TODAY)
    for code in (V3, V5, "422822102002"):
        ContactPoint.objects.create(
            leader=world.geng, kind="listed", area_code=code, starts_on=START
        )
    with django_assert_max_num_queries(20):
        detail = S.leader_detail(scope=county(world), leader_id=world.geng.pk, today=TODAY)
    assert len(detail.areas) == 8


def test_leaders_list(world: SimpleNamespace, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(4):
        rows = S.leaders(scope=county(world), today=TODAY)
    names = [r.name for r in rows]
    assert names == ["市领导", "甲", "乙", "丙", "丁", "戊", "己", "庚"]
    jia = rows[1]
    assert (jia.townships, jia.key_villages, jia.weak_villages, jia.listed) == (2, 1, 0, 0)
    assert rows[0].listed == 1 and rows[-1].weak_villages == 4
    assert "退休" in [r.name for r in S.leaders(scope=county(world), include_retired=True)]
    # a township sees the county leaders who answer for something in it
    officer = scope_for(world.users["township_officer"])
    township = [r.name for r in S.leaders(scope=officer, today=TODAY)]
    assert township == ["市领导", "甲", "乙", "庚"]  # 丙's point has ended, 丁's not begun
    assert S.leaders(scope=scope_for(world.users["outsider"])) == []


def test_contact_points(world: SimpleNamespace) -> None:
    rows = S.contact_points(scope=county(world), today=TODAY)
    groups = S.by_township(rows)
    assert [g.code for g in groups] == [T1, T2, T3]
    first = groups[0].rows
    assert [(r.kind, r.area_code, r.leader_name) for r in first][:3] == [
        ("township", T1, "甲"),
        ("township", T1, "退休"),
        ("key_village", V1, "甲"),
    ]
    assert groups[0].name == "业州镇" and first[2].area_name == "东门村"
    everything = S.contact_points(scope=county(world), today=TODAY, current=False)
    assert len(everything) == len(rows) + 2
    other = S.contact_points(scope=scope_for(world.users["other_secretary"]), today=TODAY)
    assert {r.area_code for r in other} == {V4}


def test_charts_and_hqs(world: SimpleNamespace) -> None:
    hq = services.command_create(actor=None, area_code=COUNTY)
    services.post_assign(actor=None, command_id=hq.pk, leader_id=world.jia.pk, role="commander")
    services.post_assign(actor=None, command_id=hq.pk, leader_id=world.yi.pk, role="deputy")
    services.command_create(actor=None, area_code=T1)
    chart = S.hq_chart(scope=county(world), area_code=COUNTY)
    assert chart.command == hq and [p.leader.name for p in chart.commanders] == ["甲"]
    assert [p.leader.name for p in chart.deputies] == ["乙"]
    assert len(chart.groups) == 5
    assert [(t.area_code, bool(t.command_id)) for t in chart.townships] == [
        (T1, True),
        (T2, False),
        (T3, False),
    ]
    rows = S.hqs(scope=county(world))
    assert [(r.area_code, r.commander, r.groups) for r in rows] == [
        (COUNTY, "甲", 5),
        (T1, "", 5),
    ]
    township = scope_for(world.users["township_officer"])
    assert [r.area_code for r in S.hqs(scope=township)] == [T1]
    with pytest.raises(NotFound):
        S.hq_chart(scope=township, area_code=COUNTY)
    with pytest.raises(NotFound):
        S.hq_chart(scope=county(world), area_code=V1)
    empty = S.hq_chart(scope=county(world), area_code=T2)
    assert empty.command is None and empty.parent_code == COUNTY
    assert V5 and V6  # (the fixture's villages)
