"""Party reads: the vanguard index and ranking against hand-computed values (see the
fixture in conftest.py), a county's override of one weight, every point traced to its
facts on the member's file, coverage of cooperatives, scope, and flat query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.accounts.scope import Scope, scope_for
from fupin.core.errors import NotFound
from fupin.party import selectors as S
from fupin.party.models import PartyMember
from tests.party.conftest import HAND, HAND_ITEMS, YEAR, meeting, member

pytestmark = pytest.mark.django_db

WIDE = Scope(user_id=None, prefixes=("4228",))


def test_the_index_and_ranking_equal_the_hand_computed_values(world: SimpleNamespace) -> None:
    rows = S.vanguard(scope=WIDE, year=YEAR)
    assert {r.name: (r.total, r.rank) for r in rows} == HAND
    for r in rows:
        expected = {k: Decimal(v) for k, v in HAND_ITEMS[r.name].items()}
        got = {k: v for k, v in r.points.items() if v}
        assert got == expected, r.name
        assert sum(r.points.values()) == r.total
    # ordered by organisation (area code), then rank
    assert [r.name for r in rows] == ["甲", "乙", "丁", "丙", "辛", "己", "庚", "癸", "壬"]
    # the transferred-out member is not ranked
    assert "戊" not in {r.name for r in rows}


def test_fact_counts_behind_the_points(world: SimpleNamespace) -> None:
    rows = {r.name: r for r in S.vanguard(scope=WIDE, year=YEAR)}
    assert rows["甲"].counts == {
        "meetings": 15,
        "absences": 0,
        "trainings": 2,
        "pairings": 6,
        "visits": 9,
        "concerns": 3,
        "demonstration": 0,
        "business_leader": 0,
        "commendations": 1,
        "sanctions": 0,
    }
    assert (rows["乙"].counts["meetings"], rows["乙"].counts["absences"]) == (12, 2)
    assert (rows["丙"].counts["meetings"], rows["丙"].counts["absences"]) == (5, 9)
    # 丁 joined in July: the meetings before do not count as missed
    assert (rows["丁"].counts["meetings"], rows["丁"].counts["absences"]) == (6, 1)
    assert rows["丙"].counts["sanctions"] == 1


def test_a_county_override_changes_only_its_members(world: SimpleNamespace) -> None:
    rows = {r.name: r for r in S.vanguard(scope=WIDE, year=YEAR)}
    # 壬's 9 home visits are worth 1 point each in 巴东县, 甲's 9 are worth 0.5 in 建始县
    assert rows["壬"].points["visits"] == Decimal("9.00")
    assert rows["甲"].points["visits"] == Decimal("4.50")
    # before the override's year the national weight applies in 巴东县 too
    earlier = {r.name: r for r in S.vanguard(scope=WIDE, year=2024)}
    assert earlier["壬"].points["visits"] == Decimal("0.00")  # no visits in 2024
    member(world.yuntuo, "子", cadre=None)
    from fupin.assistance.models import Visit

    hb = Visit.objects.filter(cadre=world.cadre_k).first().household  # type: ignore[union-attr]
    for i in range(4):
        Visit.objects.create(
            cadre=world.cadre_k, household=hb, area_code=hb.area_code,
            visited_on=dt.date(2024, 3, 1 + i), seen="看望",
        )  # fmt: skip
    earlier = {r.name: r for r in S.vanguard(scope=WIDE, year=2024)}
    assert earlier["壬"].points["visits"] == Decimal("2.00")  # 4 × 0.5


def test_ranking_for_one_organisation_and_by_area(world: SimpleNamespace) -> None:
    rows = S.vanguard(scope=WIDE, year=YEAR, organisation_id=world.gaoping.pk)
    assert [(r.name, r.rank) for r in rows] == [("辛", 1), ("己", 2), ("庚", 2)]
    rows = S.vanguard(scope=WIDE, year=YEAR, area="422823")
    assert [r.name for r in rows] == ["癸", "壬"]


def test_the_scope_limits_the_index(world: SimpleNamespace) -> None:
    secretary = scope_for(world.users["village_secretary"])
    assert [r.name for r in S.vanguard(scope=secretary, year=YEAR)] == ["甲", "乙", "丁", "丙"]
    other = scope_for(world.users["other_secretary"])
    assert [r.name for r in S.vanguard(scope=other, year=YEAR)] == ["辛", "己", "庚"]
    assert S.vanguard(scope=scope_for(world.users["outsider"]), year=YEAR) == []


def test_the_index_query_count_does_not_grow_with_members(world: SimpleNamespace) -> None:
    with CaptureQueriesContext(connection) as before:
        S.vanguard(scope=WIDE, year=YEAR)
    for i in range(15):
        m = member(world.east, f"新{i}")
        meeting(world.gaoping, dt.date(YEAR, 10, 1 + i), [])
        assert m.pk
    with CaptureQueriesContext(connection) as after:
        rows = S.vanguard(scope=WIDE, year=YEAR)
    assert len(rows) == 9 + 15
    assert len(after.captured_queries) == len(before.captured_queries)
    assert len(after.captured_queries) <= 12


def test_member_file_traces_every_point(world: SimpleNamespace) -> None:
    f = S.member_file(scope=WIDE, member_id=world.a.pk, year=YEAR)
    items = {i.key: i for i in f.items}
    assert f.total == Decimal("77.50") and f.rank == 1 and f.ranked == 4
    assert sum(i.points for i in f.items) == f.total
    meetings = items["meetings"]
    assert (meetings.count, meetings.unit_points, meetings.cap, meetings.points) == (
        15, Decimal("2.00"), Decimal("24.00"), Decimal("24.00"),
    )  # fmt: skip
    assert meetings.capped is True
    assert [x.on for x in meetings.facts] == sorted(m.held_on for m in world.east_meetings)
    assert items["pairings"].capped and items["pairings"].points == Decimal("20.00")
    assert len(items["pairings"].facts) == 6  # the household paired twice is listed once
    assert [x.on for x in items["visits"].facts] == [v.visited_on for v in world.visits]
    assert items["visits"].capped is False
    assert [x.text.split("：")[1] for x in items["concerns"].facts] == [
        "饮水管道破损",
        "危房改造补助",
        "医疗报销",
    ]
    assert [x.text for x in items["trainings"].facts] == [
        "培训0（县委组织部）",
        "培训1（县委组织部）",
    ]
    assert len(items["commendations"].facts) == 1
    assert "优秀共产党员" in items["commendations"].facts[0].text
    # every item with points lists as many facts as it counted
    for item in f.items:
        assert len(item.facts) == item.count, item.key


def test_member_file_lists_meetings_missed_and_records(world: SimpleNamespace) -> None:
    f = S.member_file(scope=WIDE, member_id=world.c.pk, year=YEAR)
    assert len(f.attended) == 5 and len(f.missed) == 9
    items = {i.key: i for i in f.items}
    assert items["absences"].points == Decimal("-18.00")
    assert items["sanctions"].points == Decimal("-20.00")
    assert [x.on for x in items["sanctions"].facts] == [dt.date(YEAR, 9, 1)]
    assert len(f.records) == 2  # the file keeps every year's records
    d = S.member_file(scope=WIDE, member_id=world.d.pk, year=YEAR)
    assert [m.held_on for m in d.missed] == [dt.date(YEAR, 12, 15)]
    b = S.member_file(scope=WIDE, member_id=world.b.pk, year=YEAR)
    demo = {i.key: i for i in b.items}["demonstration"]
    assert demo.points == Decimal("10.00") and demo.facts[0].text.startswith("D08")
    # the override is shown on the member's page of 巴东县
    k = S.member_file(scope=WIDE, member_id=world.k.pk, year=YEAR)
    visits = {i.key: i for i in k.items}["visits"]
    assert visits.unit_points == Decimal("1.00") and k.standard_region == "422823"


def test_member_file_query_count_is_fixed(world: SimpleNamespace) -> None:
    with CaptureQueriesContext(connection) as q:
        S.member_file(scope=WIDE, member_id=world.a.pk, year=YEAR)
    assert len(q.captured_queries) <= 25


def test_member_file_outside_scope_is_not_found(world: SimpleNamespace) -> None:
    other = scope_for(world.users["other_secretary"])
    with pytest.raises(NotFound):
        S.member_file(scope=other, member_id=world.a.pk, year=YEAR)


def test_organisations_with_member_counts(world: SimpleNamespace) -> None:
    county = scope_for(world.users["county_admin"])
    rows = {o.name: (o.member_count, o.body_count) for o in S.organisations(scope=county)}
    assert rows == {
        "业州镇党委": (0, 1),
        "东门村党支部": (4, 1),
        "高坪村党支部": (3, 0),
    }
    villages = S.organisations(scope=county, base="village")
    assert [o.name for o in villages] == ["东门村党支部", "高坪村党支部"]
    assert [o.name for o in S.organisations(scope=county, kind="committee")] == ["业州镇党委"]


def test_uncovered_bodies_and_coverage_by_township(world: SimpleNamespace) -> None:
    county = scope_for(world.users["county_admin"])
    assert [b.name for b in S.uncovered_bodies(scope=county)] == [
        "南门村魔芋专业合作社",
        "高坪村烟叶专业合作社",
    ]
    rows = [(r.code, r.bodies, r.covered, r.uncovered, r.share) for r in
            S.coverage_by_township(scope=county)]  # fmt: skip
    assert rows == [
        ("422822100000", 3, 2, 1, 0.6667),
        ("422822101000", 1, 0, 1, 0.0),
        ("", 4, 2, 2, 0.5),
    ]
    # a closed organisation covers nothing
    world.east.is_active = False
    world.east.save()
    assert "东门村茶叶专业合作社" in {b.name for b in S.uncovered_bodies(scope=county)}
    bodies = {b.name: b for b in S.bodies(scope=county)}
    assert [o.name for o in bodies["业州镇富硒农业有限公司"].covering] == ["业州镇党委"]


def test_lists_query_counts_do_not_grow(world: SimpleNamespace) -> None:
    county = scope_for(world.users["county_admin"])
    with CaptureQueriesContext(connection) as q:
        list(S.organisations(scope=county))
        list(S.bodies(scope=county))
        S.coverage_by_township(scope=county)
        list(S.members(scope=county))
    assert len(q.captured_queries) <= 6
    assert PartyMember.objects.count() == 10
