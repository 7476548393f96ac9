"""Assistance reads: each norm's shortfalls with exact values at their boundaries, a
county's override of the norms, the actor's scope, and query counts that stay flat.

The fixture is built directly with the ORM (no assistance services): as of TODAY
(2026-07-10), residence judged for June 2026 (30 days)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from fupin.accounts.scope import Scope, scope_for
from fupin.areas.models import Area
from fupin.areas.services import areas_load
from fupin.assistance import selectors as S
from fupin.assistance.models import (
    Cadre,
    Concern,
    Leave,
    Measure,
    MeasureType,
    Notification,
    Pairing,
    Plan,
    PlannedMeasure,
    Presence,
    TeamMember,
    Unit,
    Visit,
    WorkTeam,
)
from fupin.core.errors import InvalidInput, NotFound
from fupin.policy import engine
from fupin.policy.models import EvaluationRun, HouseholdVerdict
from fupin.policy.services import standard_save
from fupin.registry.models import Household
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 7, 10)
JUNE = dt.date(2026, 6, 1)
NORTH_VILLAGE = "422822100003"  # 北门村: a registered poor village without a team
BADONG_VILLAGE = "422823100001"  # 云沱村, in another county (巴东县)
TOWNSHIP = "422822100000"
TOWNSHIP_PREFIX = "422822100"
OTHER_TOWNSHIP = "422822101000"


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def june(day: int) -> dt.date:
    return dt.date(2026, 6, day)


def presence(member: TeamMember, days: list[dt.date]) -> None:
    Presence.objects.bulk_create(
        Presence(member=member, area_code=member.team.area_code, day=d) for d in days
    )


def june_days(n: int, start: int = 1) -> list[dt.date]:
    return [june(d) for d in range(start, start + n)]


@pytest.fixture
def world(users: dict[str, Any]) -> SimpleNamespace:
    areas_load(
        actor=None,
        rows=[
            {"code": NORTH_VILLAGE, "name": "北门村"},
            {"code": "422823000000", "name": "巴东县"},
            {"code": "422823100000", "name": "信陵镇"},
            {"code": BADONG_VILLAGE, "name": "云沱村"},
        ],
    )
    Area.objects.filter(code__in=[factories.VILLAGE, NORTH_VILLAGE]).update(poverty_status="poor")
    w = SimpleNamespace(users=users)
    h = factories.household
    V, V2, G = factories.VILLAGE, factories.OTHER_VILLAGE_SAME_TOWNSHIP, "422822100001001"
    # 东门村
    w.h1 = h(number="D01")
    w.h2 = h(number="D02")
    w.h3 = h(number="D03")
    w.h4 = h(number="D04", status="exited", exited_year=2021)  # within 5 years: needs one
    w.h5 = h(number="D05", status="exited", exited_year=2020)  # just outside: needs none
    w.h6 = h(number="D06", status="returned", exited_year=2019)
    w.h7 = h(number="D07", status="monitored", area_code=G)  # in a village group
    w.h8 = h(number="D08", status="unregistered", identified_year=None)
    w.h9 = h(number="D09", status="risk_cleared", exited_year=2019)
    w.h10 = h(number="D10")
    Household.objects.filter(pk=w.h10.pk).update(is_active=False)
    w.h11 = h(number="D11", status="exited", exited_year=2022)
    w.h12 = h(number="D12")
    # 南门村: the households of a cadre with 5 and one with 6
    w.south = [h(number=f"N{i:02d}", area_code=V2) for i in range(11)]
    # 高坪村 (another township)
    w.g1 = h(number="G01", area_code=factories.OTHER_TOWNSHIP_VILLAGE)
    # 巴东县 (another county, with its own norms)
    w.b1 = h(number="B01", area_code=BADONG_VILLAGE)
    w.b2 = h(number="B02", area_code=BADONG_VILLAGE)
    w.b3 = h(number="B03", area_code=BADONG_VILLAGE)
    w.b4 = h(number="B04", area_code=BADONG_VILLAGE)
    w.b5 = h(number="B05", area_code=BADONG_VILLAGE, status="exited", exited_year=2022)

    county = "422822000000"
    w.water = Unit.objects.create(
        name="县水利局", kind="department", area_code=county, handles_concerns=True
    )
    w.bank = Unit.objects.create(name="县农商行", kind="enterprise", area_code=county)
    w.badong_unit = Unit.objects.create(
        name="巴东县民政局", kind="department", area_code="422823000000"
    )

    def cadre(name: str, unit: Unit, *, party: bool = True, **kw: Any) -> Cadre:
        kw.setdefault("area_code", county)
        return Cadre.objects.create(name=name, unit=unit, is_party_member=party, **kw)

    w.wang = cadre("王书记", w.water, user=users["cadre"])
    w.zhao = cadre("赵干部", w.bank, party=False)
    w.qian = cadre("钱干部", w.water)
    w.sun = cadre("孙干部", w.bank)
    w.zhou = cadre("周干部", w.water, left_on=dt.date(2026, 6, 30))
    w.liu = cadre("刘干部", w.badong_unit, area_code="422823000000")

    def pair(c: Cadre, hh: Any, starts_on: dt.date, **kw: Any) -> Pairing:
        return Pairing.objects.create(
            cadre=c, household=hh, area_code=hh.area_code, starts_on=starts_on, **kw
        )

    def visit(c: Cadre, hh: Any, on: dt.date, mode: str = "home") -> Visit:
        return Visit.objects.create(
            cadre=c, household=hh, area_code=hh.area_code, visited_on=on, mode=mode, seen="好"
        )

    w.p1 = pair(w.wang, w.h1, dt.date(2026, 6, 1))
    w.p2 = pair(w.wang, w.h2, dt.date(2026, 6, 1))
    w.p3 = pair(w.zhao, w.h3, dt.date(2026, 1, 1))
    w.p6 = pair(w.wang, w.h6, ago(7))
    w.p7 = pair(w.wang, w.h7, ago(8))
    w.p12 = pair(w.wang, w.h12, dt.date(2026, 6, 1))
    # 帮扶干部调离: h4 is waiting for a new cadre; an older pairing ended before that
    pair(w.qian, w.h4, dt.date(2021, 1, 1), ends_on=dt.date(2023, 5, 1), end_reason="replaced")
    pair(w.zhou, w.h4, dt.date(2023, 5, 1), ends_on=dt.date(2026, 6, 30), end_reason="cadre_left")
    for hh in w.south[:5]:
        pair(w.qian, hh, dt.date(2026, 1, 1))
        visit(w.qian, hh, ago(2))
    for hh in w.south[5:]:
        pair(w.sun, hh, dt.date(2026, 1, 1))
        visit(w.sun, hh, ago(2))
    for hh in (w.b1, w.b2, w.b3, w.b4):
        pair(w.liu, hh, dt.date(2026, 1, 1))
        visit(w.liu, hh, ago(10))  # short of 7 days, within Badong's 14

    w.v1 = visit(w.wang, w.h1, ago(7), mode="phone")  # exactly 7 days: in time
    visit(w.wang, w.h2, ago(8))  # 8 days: short
    visit(w.zhao, w.h2, ago(1))  # another cadre's visit is no contact of wang's
    visit(w.wang, w.h7, ago(20))  # before the pairing began: not a contact of it
    visit(w.zhao, w.h6, ago(30))  # 30 days: not unvisited
    visit(w.zhao, w.h3, ago(31))  # 31 days: unvisited
    visit(w.wang, w.h12, ago(2))
    visit(w.wang, w.h1, ago(400))

    # work teams
    w.t1 = WorkTeam.objects.create(
        area_code=V, unit=w.water, starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2027, 3, 1)
    )
    w.t2 = WorkTeam.objects.create(
        area_code=V2, unit=w.bank, starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2027, 2, 28)
    )
    w.t3 = WorkTeam.objects.create(
        area_code=factories.OTHER_TOWNSHIP_VILLAGE,
        starts_on=dt.date(2025, 3, 1),
        ends_on=dt.date(2027, 3, 1),
    )
    WorkTeam.objects.create(
        area_code=NORTH_VILLAGE,
        starts_on=dt.date(2023, 3, 1),
        ends_on=dt.date(2025, 3, 1),
        is_active=False,
    )

    def member(team: WorkTeam, name: str, unit: Unit, starts_on: dt.date, **kw: Any) -> TeamMember:
        c = cadre(name, unit, area_code=team.area_code)
        return TeamMember.objects.create(team=team, cadre=c, starts_on=starts_on, **kw)

    start = dt.date(2025, 3, 1)
    w.m1 = member(w.t1, "第一书记甲", w.water, start, is_leader=True)
    w.m2 = member(w.t1, "队员乙", w.water, start)
    w.m3 = member(w.t1, "队员丙", w.bank, start)
    w.m4 = member(w.t1, "队员丁", w.bank, start, ends_on=june(15))  # left mid-June
    w.m5 = member(w.t1, "队员戊", w.bank, june(16))  # came mid-June
    presence(w.m1, june_days(20))
    presence(w.m2, june_days(19))
    presence(w.m2, [dt.date(2026, 7, d) for d in (1, 2, 3)])
    presence(w.m3, june_days(20, start=11))
    presence(w.m4, june_days(9))  # needs ceil(20 × 15 ÷ 30) = 10
    presence(w.m5, june_days(10, start=16))  # needs 10: enough
    Presence.objects.create(member=w.m3, area_code=V, day=dt.date(2026, 5, 31))
    for starts_on, ends_on, days, status in (
        (june(29), dt.date(2026, 7, 2), 4, "approved"),  # 2 days in June
        (june(3), june(4), 2, "refused"),
        (dt.date(2026, 5, 30), june(1), 3, "approved"),  # 1 day in June
    ):
        Leave.objects.create(
            member=w.m2,
            area_code=V,
            starts_on=starts_on,
            ends_on=ends_on,
            days=days,
            reason="家事",
            status=status,
            approver_level="township",
        )
    later = dt.date(2026, 7, 1)
    member(w.t2, "第一书记己", w.bank, later, is_leader=True)
    member(w.t2, "队员庚", w.bank, later)
    for name in ("队员辛", "队员壬", "队员癸"):
        member(w.t3, name, w.water, later)

    # concerns
    def concern(text: str, raised_on: dt.date, **kw: Any) -> Concern:
        kw.setdefault("area_code", V)
        return Concern.objects.create(text=text, raised_on=raised_on, **kw)

    w.k1 = concern(
        "饮水管破裂",
        ago(20),
        status="routed",
        level="village",
        due_on=ago(1),
        household=w.h1,
        visit=w.v1,
    )
    w.k2 = concern("路灯不亮", ago(20), status="routed", level="village", due_on=TODAY)
    w.k3 = concern("低保申请", ago(4), raised_by=users["cadre"], household=w.h2)
    w.k4 = concern("危房鉴定", ago(3))
    w.k5 = concern("学生资助", ago(30), status="routed", level="township", due_on=ago(9))
    w.k6 = concern(
        "灌溉渠",
        ago(5),
        status="routed",
        level="department",
        department=w.water,
        due_on=dt.date(2026, 8, 1),
    )
    w.k7 = concern(
        "医保报销",
        ago(40),
        status="resolved",
        level="village",
        due_on=ago(30),
        resolved_on=ago(31),
        raised_by=users["cadre"],
    )
    w.k8 = concern("道路", ago(40), status="told", level="village", due_on=ago(30), visit=w.v1)
    w.k9 = concern(
        "桥梁",
        ago(20),
        status="routed",
        level="village",
        due_on=ago(9),
        area_code=factories.OTHER_TOWNSHIP_VILLAGE,
    )

    # Badong's own norms, from this year
    standard_save(
        actor=None,
        region="422823",
        year=2026,
        params={
            "contact_interval_days": 14,
            "pairing_stability_years": 3,
            "cadre_max_households": 3,
        },
    )
    return w


def county_scope(w: SimpleNamespace) -> Scope:
    return scope_for(w.users["county_admin"])


def numbers(rows: list[Any]) -> list[str]:
    return [r.number for r in rows]


# --- who needs a cadre, coverage ------------------------------------------------------------


def test_needing_cadre_statuses_and_stability_years(world: SimpleNamespace) -> None:
    w = world
    qs = S.needing_cadre(scope=county_scope(w), area=factories.VILLAGE, today=TODAY)
    assert [h.number for h in qs] == ["D01", "D02", "D03", "D04", "D06", "D11", "D12", "D07"]
    # a year later, 2021 is outside the five years
    later = S.needing_cadre(
        scope=county_scope(w), area=factories.VILLAGE, today=dt.date(2027, 1, 1)
    )
    assert "D04" not in [h.number for h in later]
    assert "D11" in [h.number for h in later]


def test_coverage_per_village_and_total(world: SimpleNamespace) -> None:
    rows = S.coverage(scope=county_scope(world), today=TODAY)
    assert [(r.code, r.name, r.needing, r.covered, r.gaps, r.share) for r in rows] == [
        (factories.VILLAGE, "东门村", 8, 6, 2, 0.75),
        (factories.OTHER_VILLAGE_SAME_TOWNSHIP, "南门村", 11, 11, 0, 1.0),
        (factories.OTHER_TOWNSHIP_VILLAGE, "高坪村", 1, 0, 1, 0.0),
    ]
    total = S.coverage_total(rows)
    assert (total.code, total.name, total.needing, total.covered, total.gaps) == (
        "",
        "合计",
        20,
        17,
        3,
    )
    assert total.share == 0.85
    assert S.coverage_total([]).share is None


def test_coverage_gaps_show_the_last_pairing(world: SimpleNamespace) -> None:
    w = world
    gaps = S.coverage_gaps(scope=county_scope(w), area=TOWNSHIP_PREFIX, today=TODAY)
    assert [
        (
            g.number,
            g.village_name,
            g.head_name,
            g.last_end_reason,
            g.last_ended_on,
            g.last_cadre_name,
        )
        for g in gaps
    ] == [
        ("D04", "东门村", "张三", "cadre_left", dt.date(2026, 6, 30), "周干部"),
        ("D11", "东门村", "张三", "", None, ""),
    ]
    assert gaps[0].last_end_reason_label == "帮扶干部调离"
    assert gaps[0].household_id == w.h4.pk and gaps[0].status == "exited"


# --- loads ------------------------------------------------------------------------------------


def test_cadre_loads_against_the_limit_of_their_area(world: SimpleNamespace) -> None:
    w = world
    rows = S.cadre_loads(scope=county_scope(w), today=TODAY)
    loads = {r.name: (r.unit_name, r.households, r.limit, r.over_limit) for r in rows}
    assert loads["王书记"] == ("县水利局", 5, 5, False)
    assert loads["钱干部"] == ("县水利局", 5, 5, False)
    assert loads["孙干部"] == ("县农商行", 6, 5, True)
    assert loads["赵干部"] == ("县农商行", 1, 5, False)
    assert loads["队员乙"] == ("县水利局", 0, 5, False)
    assert "周干部" not in loads  # left
    assert "刘干部" not in loads  # Badong's
    assert len(rows) == 14  # 4 pairing cadres and 10 team members
    # Badong allows 3: its cadre with 4 is over, seen from the prefecture
    wide = S.cadre_loads(scope=Scope(user_id=None, prefixes=("4228",)), today=TODAY)
    liu = next(r for r in wide if r.name == "刘干部")
    assert (liu.households, liu.limit, liu.over_limit) == (4, 3, True)
    # a township officer sees the county's cadres paired in the township
    township = S.cadre_loads(scope=scope_for(w.users["township_officer"]), today=TODAY)
    assert {"王书记", "钱干部", "孙干部", "赵干部"} <= {r.name for r in township}
    assert "队员辛" not in {r.name for r in township}  # a team member in the other township


# --- contacts and visits --------------------------------------------------------------------


def test_contact_shortfalls_boundaries(world: SimpleNamespace) -> None:
    w = world
    rows = S.contact_shortfalls(scope=county_scope(w), today=TODAY)
    assert [
        (r.household_number, r.cadre_name, r.unit_name, r.head_name, r.last_contact, r.days_since)
        for r in rows
    ] == [
        ("D02", "王书记", "县水利局", "张三", ago(8), 8),
        ("D07", "王书记", "县水利局", "张三", None, 8),
    ]
    assert rows[0].pairing_id == w.p2.pk and rows[1].pairing_id == w.p7.pk
    assert rows[0].interval_days == 7
    # D01 (7 days ago), D06 (paired 7 days ago, no contact) are in time; D03's cadre is
    # not a party member; another cadre's visit to D02 does not count
    a_day_later = S.contact_shortfalls(scope=county_scope(w), today=TODAY + dt.timedelta(days=1))
    assert [r.household_number for r in a_day_later] == ["D02", "D07", "D01", "D06"]


def test_unvisited_households(world: SimpleNamespace) -> None:
    w = world
    rows = S.unvisited_households(scope=county_scope(w), area=TOWNSHIP_PREFIX, today=TODAY)
    assert [(r.number, r.last_visit, r.days_since, r.cadre_name, r.village_name) for r in rows] == [
        ("D04", None, None, "", "东门村"),
        ("D11", None, None, "", "东门村"),
        ("D03", ago(31), 31, "赵干部", "东门村"),
    ]
    assert rows[0].gap_days == 30 and rows[0].head_name == "张三"


# --- overrides and scope ------------------------------------------------------------------


def test_a_county_override_changes_results_only_under_it(world: SimpleNamespace) -> None:
    wide = Scope(user_id=None, prefixes=("4228",))
    # Badong: contact within 14 days, stability of 3 years (exited 2022 no longer needs one)
    needing = {h.number for h in S.needing_cadre(scope=wide, today=TODAY)}
    assert "B05" not in needing and {"B01", "B02", "B03", "B04"} <= needing
    assert "D11" in needing  # exited 2022 in Jianshi: within the national 5 years
    contact = S.contact_shortfalls(scope=wide, today=TODAY)
    assert [r.household_number for r in contact] == ["D02", "D07"]
    # Badong's 10-day silences are in time there; 16 days are not
    badong = S.contact_shortfalls(scope=wide, area="422823", today=dt.date(2026, 7, 16))
    assert [(r.household_number, r.interval_days) for r in badong] == [
        ("B01", 14),
        ("B02", 14),
        ("B03", 14),
        ("B04", 14),
    ]
    # before the override's year the national norms apply there
    assert "B05" in {h.number for h in S.needing_cadre(scope=wide, today=dt.date(2025, 12, 31))}
    coverage = {r.code: (r.needing, r.covered) for r in S.coverage(scope=wide, today=TODAY)}
    assert coverage[BADONG_VILLAGE] == (4, 4)


def test_another_township_sees_nothing_of_this_one(world: SimpleNamespace) -> None:
    w = world
    other = scope_for(w.users["other_secretary"])
    assert [h.number for h in S.needing_cadre(scope=other, today=TODAY)] == ["G01"]
    assert [r.code for r in S.coverage(scope=other, today=TODAY)] == [
        factories.OTHER_TOWNSHIP_VILLAGE
    ]
    assert S.contact_shortfalls(scope=other, today=TODAY) == []
    assert [r.number for r in S.coverage_gaps(scope=other, today=TODAY)] == ["G01"]
    assert [r.number for r in S.unvisited_households(scope=other, today=TODAY)] == ["G01"]
    assert S.residence_shortfalls(scope=other, month=JUNE) == []
    assert [c.concern.text for c in S.overdue_concerns(scope=other, today=TODAY)] == ["桥梁"]
    teams = S.team_shortfalls(scope=other, today=TODAY)
    assert [t.village_code for t in teams.teams] == [factories.OTHER_TOWNSHIP_VILLAGE]
    assert teams.villages_without_team == []
    assert {r.name for r in S.cadre_loads(scope=other, today=TODAY)} == {
        "队员辛",
        "队员壬",
        "队员癸",
    }
    # an area outside the actor's scope narrows to nothing
    assert S.coverage(scope=other, area=TOWNSHIP_PREFIX, today=TODAY) == []
    with pytest.raises(NotFound):
        S.agenda(scope=other, area_code=factories.VILLAGE, today=TODAY)
    outsider = scope_for(w.users["outsider"])
    assert S.coverage(scope=outsider, today=TODAY) == []
    assert S.shortfalls_by_area(scope=outsider, today=TODAY) == []


# --- work teams -------------------------------------------------------------------------------


def test_residence_shortfalls_prorated_with_leave(world: SimpleNamespace) -> None:
    w = world
    rows = S.residence_shortfalls(scope=county_scope(w), month=dt.date(2026, 6, 15))
    assert [
        (
            r.cadre_name,
            r.village_name,
            r.presence_days,
            r.required_days,
            r.missing,
            r.leave_days,
            r.days_in_post,
        )
        for r in rows
    ] == [
        ("队员乙", "东门村", 19, 20, 1, 3, 30),
        ("队员丁", "东门村", 9, 10, 1, 0, 15),
    ]
    assert rows[1].in_post_from == june(1) and rows[1].in_post_to == june(15)
    assert rows[0].month == JUNE and rows[0].unit_name == "县水利局"
    assert S.required_days(20, 15, 31) == 10 and S.required_days(20, 16, 31) == 11
    # July so far: everyone is short (a month in progress)
    july = S.residence_shortfalls(scope=county_scope(w), area=factories.VILLAGE, month=TODAY)
    assert {r.cadre_name: r.presence_days for r in july} == {
        "第一书记甲": 0,
        "队员乙": 3,
        "队员丙": 0,
        "队员戊": 0,
    }


def test_team_shortfalls(world: SimpleNamespace) -> None:
    w = world
    result = S.team_shortfalls(scope=county_scope(w), today=TODAY)
    assert [
        (
            t.village_name,
            t.active_members,
            t.few_members,
            t.no_leader,
            t.short_term,
            t.min_members,
            t.term_years,
        )
        for t in result.teams
    ] == [
        ("南门村", 2, True, False, True, 3, 2),
        ("高坪村", 3, False, True, False, 3, 2),
    ]
    assert result.teams[0].unit_name == "县农商行"
    assert [(v.code, v.name) for v in result.villages_without_team] == [(NORTH_VILLAGE, "北门村")]


# --- concerns ---------------------------------------------------------------------------------


def test_overdue_concerns(world: SimpleNamespace) -> None:
    rows = S.overdue_concerns(scope=county_scope(world), today=TODAY)
    assert [(r.concern.text, r.due_on, r.deadline_set, r.days_overdue) for r in rows] == [
        ("学生资助", ago(9), True, 9),
        ("桥梁", ago(9), True, 9),
        ("饮水管破裂", ago(1), True, 1),  # due yesterday; 路灯不亮 due today is not
        ("低保申请", ago(1), False, 1),  # raised 4 days ago, never routed; 3 days is not
    ]
    assert rows[2].household_number == "D01" and rows[2].head_name == "张三"
    assert rows[1].village_name == "高坪村"


def test_agenda_per_level(world: SimpleNamespace) -> None:
    w = world
    scope = county_scope(w)
    village = S.agenda(scope=scope, area_code=factories.VILLAGE, today=TODAY)
    assert (village.level, village.area_name, village.meeting_interval_days) == (
        "village",
        "东门村",
        15,
    )
    assert [(i.concern.text, i.overdue) for i in village.items] == [
        ("饮水管破裂", True),
        ("低保申请", True),
        ("路灯不亮", False),
        ("危房鉴定", False),
    ]
    township = S.agenda(scope=scope, area_code=TOWNSHIP, today=TODAY)
    assert [(i.concern.text, i.overdue) for i in township.items] == [("学生资助", True)]
    assert township.meeting_interval_days == 30
    county = S.agenda(scope=scope, area_code="422822000000", today=TODAY)
    assert [(i.concern.text, i.overdue) for i in county.items] == [("灌溉渠", False)]
    assert county.meeting_interval_days == 90
    with pytest.raises(InvalidInput):
        S.agenda(scope=scope, area_code="420000000000", today=TODAY)
    with pytest.raises(NotFound):  # the village secretary does not hold the county meeting
        S.agenda(scope=scope_for(w.users["village_secretary"]), area_code="422822000000")


# --- summaries --------------------------------------------------------------------------------


def test_shortfalls_by_area(world: SimpleNamespace) -> None:
    rows = S.shortfalls_by_area(scope=county_scope(world), today=TODAY)
    assert [
        (r.code, r.name, r.coverage_gaps, r.contact, r.unvisited, r.residence, r.overdue_concerns)
        for r in rows
    ] == [
        (TOWNSHIP, "业州镇", 2, 2, 3, 2, 3),
        (OTHER_TOWNSHIP, "高坪镇", 1, 0, 1, 0, 1),
    ]
    assert rows[0].total == 12
    village = S.shortfalls_by_area(
        scope=scope_for(world.users["village_secretary"]), today=TODAY, month=JUNE
    )
    assert [(r.code, r.coverage_gaps, r.residence, r.overdue_concerns) for r in village] == [
        (TOWNSHIP, 2, 2, 3)
    ]


def test_shortfalls_by_unit(world: SimpleNamespace) -> None:
    rows = S.shortfalls_by_unit(scope=county_scope(world), today=TODAY, month=JUNE)
    assert [(r.name, r.contact, r.over_limit, r.residence) for r in rows] == [
        ("县农商行", 0, 1, 1),
        ("县水利局", 2, 0, 1),
    ]


# --- a cadre's to-do list ----------------------------------------------------------------------


def test_cadre_todo(world: SimpleNamespace) -> None:
    w = world
    mt = MeasureType.objects.get(code="skills_training")
    plan = Plan.objects.create(
        household=w.h1, area_code=w.h1.area_code, year=2026, income_target=Decimal("4500")
    )
    delivered = Measure.objects.create(
        household=w.h1, area_code=w.h1.area_code, type=mt, delivered_on=ago(6), description="培训"
    )
    for text, due, measure in (
        ("十四天内", TODAY + dt.timedelta(days=14), None),
        ("十五天后", TODAY + dt.timedelta(days=15), None),
        ("已过期", ago(1), None),
        ("已落实", ago(5), delivered),
    ):
        PlannedMeasure.objects.create(
            plan=plan, type=mt, description=text, due_on=due, delivered=measure
        )
    todo = S.cadre_todo(cadre=w.wang, today=TODAY)
    assert [
        (h.number, h.last_contact, h.contact_by, h.contact_due, h.contact_overdue)
        for h in todo.households
    ] == [
        ("D01", ago(7), TODAY, True, False),
        ("D02", ago(8), ago(1), True, True),
        ("D06", None, TODAY, True, False),
        ("D12", ago(2), TODAY + dt.timedelta(days=5), False, False),
        ("D07", None, ago(1), True, True),
    ]
    assert todo.households[0].head_name == "张三"
    assert [c.text for c in todo.to_tell] == ["医保报销"]
    assert [c.text for c in todo.open_concerns] == ["饮水管破裂", "低保申请"]
    assert [(p.item.description, p.overdue) for p in todo.planned] == [
        ("已过期", True),
        ("十四天内", False),
    ]
    assert todo.residence is None
    # a non-party cadre's contacts are due within the visit gap
    zhao = S.cadre_todo(cadre=w.zhao, today=TODAY)
    assert [(h.number, h.interval_days, h.contact_due) for h in zhao.households] == [
        ("D03", 30, True)
    ]
    # a team member: this month's presence against the month's requirement
    member = S.cadre_todo(cadre=w.m2.cadre, today=TODAY)
    assert member.residence is not None
    assert (
        member.residence.month,
        member.residence.presence_days,
        member.residence.required_days,
    ) == (dt.date(2026, 7, 1), 3, 20)
    assert member.households == [] and member.planned == []


# --- plans -----------------------------------------------------------------------------------


def _run(prefix: str, finished: dt.datetime, verdicts: list[tuple[Any, str, int]]) -> EvaluationRun:
    run = EvaluationRun.objects.create(
        year=2026, scope_prefix=prefix, status="done", finished_at=finished
    )
    for household, per_capita, fails in verdicts:
        HouseholdVerdict.objects.create(
            run=run,
            household_id=household.pk,
            area_code=household.area_code,
            status_group=engine.G_POOR,
            people=2,
            per_capita=Decimal(per_capita),
            danger_grade="",
            facts=0,
            exit_fails=fails,
            risks=0,
            category="",
        )
    return run


def test_plan_progress_in_fixed_queries(
    world: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    w = world
    mt = MeasureType.objects.get(code="medical_aid")
    tz = dt.UTC
    _run("422822", dt.datetime(2026, 3, 1, tzinfo=tz), [(w.h1, "2000", engine.C_INCOME)])
    latest = _run(
        "422822100",
        dt.datetime(2026, 6, 1, tzinfo=tz),
        [(w.h1, "5000", engine.C_HOUSING), (w.h2, "3000", 0)],
    )
    EvaluationRun.objects.create(
        year=2026, scope_prefix="4228", status="failed", finished_at=timezone.now()
    )
    p1 = Plan.objects.create(
        household=w.h1,
        area_code=w.h1.area_code,
        year=2026,
        income_target=Decimal("4500"),
        needs=["income", "housing"],
    )
    p2 = Plan.objects.create(
        household=w.h2, area_code=w.h2.area_code, year=2026, income_target=Decimal("4000")
    )
    p3 = Plan.objects.create(
        household=w.b1, area_code=w.b1.area_code, year=2026, income_target=Decimal("4000")
    )
    measure = Measure.objects.create(
        household=w.h1, area_code=w.h1.area_code, type=mt, delivered_on=ago(3), description="x"
    )
    for due, delivered in ((ago(1), None), (ago(2), measure), (TODAY, None)):
        PlannedMeasure.objects.create(
            plan=p1, type=mt, description="救助", due_on=due, delivered=delivered
        )
    plans = list(Plan.objects.filter(pk__in=[p1.pk, p2.pk, p3.pk]))
    with django_assert_max_num_queries(3):
        progress = S.plan_progress(plans=plans, today=TODAY)
    one = progress[p1.pk]
    assert (one.items_total, one.items_delivered, one.items_overdue) == (3, 1, 1)
    assert (one.run_id, one.run_year, one.per_capita, one.income_met) == (
        latest.pk,
        2026,
        Decimal("5000"),
        True,
    )
    assert (one.failing, one.needs_failing, one.needs_met) == (
        ["housing"],
        ["housing"],
        ["income"],
    )
    two = progress[p2.pk]
    assert (two.items_total, two.per_capita, two.income_met, two.exit_fails) == (
        0,
        Decimal("3000"),
        False,
        0,
    )
    three = progress[p3.pk]
    assert (three.run_id, three.per_capita, three.income_met, three.needs_failing) == (
        None,
        None,
        None,
        [],
    )
    assert S.plan_progress(plans=[]) == {}


# --- notifications ------------------------------------------------------------------------------


def test_notifications_for(world: SimpleNamespace) -> None:
    user = world.users["cadre"]
    first = Notification.objects.create(user=user, kind="pairing", text="新的结对户")
    second = Notification.objects.create(
        user=user, kind="concern", text="民情问题已交办", read_at=timezone.now()
    )
    Notification.objects.create(user=world.users["auditor"], kind="pairing", text="别人的")
    assert list(S.notifications_for(user=user)) == [second, first]
    assert list(S.notifications_for(user=user, unread_only=True)) == [first]


# --- query counts ---------------------------------------------------------------------------------


def test_reports_take_a_fixed_number_of_queries(
    areas: None, users: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    unit = Unit.objects.create(name="县扶贫办", kind="department", area_code="422822000000")
    households = [factories.household(number=f"Q{i:02d}") for i in range(30)]
    cadres = [
        Cadre.objects.create(
            name=f"干部{i}", unit=unit, is_party_member=True, area_code="422822000000"
        )
        for i in range(6)
    ]
    for i, hh in enumerate(households[:24]):
        Pairing.objects.create(
            cadre=cadres[i % 6], household=hh, area_code=hh.area_code, starts_on=ago(60)
        )
        Visit.objects.create(
            cadre=cadres[i % 6],
            household=hh,
            area_code=hh.area_code,
            visited_on=ago(i),
            seen="好",
        )
    scope = scope_for(users["county_admin"])
    # the standards in force take 4 queries, whatever the number of rows
    with django_assert_max_num_queries(6):
        rows = S.coverage(scope=scope, today=TODAY)
    assert [(r.needing, r.covered) for r in rows] == [(30, 24)]
    with django_assert_max_num_queries(6):
        contact = S.contact_shortfalls(scope=scope, today=TODAY)
    assert len(contact) == 16  # visited 8 to 23 days ago
    with django_assert_max_num_queries(7):
        unvisited = S.unvisited_households(scope=scope, today=TODAY)
    assert len(unvisited) == 6  # the unpaired, never visited
    with django_assert_max_num_queries(7):
        gaps = S.coverage_gaps(scope=scope, today=TODAY)
    assert len(gaps) == 6
    with django_assert_max_num_queries(5):
        loads = S.cadre_loads(scope=scope, today=TODAY)
    assert [r.households for r in loads] == [4] * 6
    with django_assert_max_num_queries(11):
        by_area = S.shortfalls_by_area(scope=scope, today=TODAY)
    assert [(r.coverage_gaps, r.contact, r.unvisited) for r in by_area] == [(6, 16, 6), (0, 0, 0)]
