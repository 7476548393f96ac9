"""Leadership reads on hand-built fixtures with exact, hand-computed values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fupin.accounts.scope import scope_for
from fupin.leadership import selectors
from fupin.leadership.models import (
    BuildingAssignment,
    Course,
    CourseAttendance,
    GoalProgress,
    RectificationItem,
    WeakCase,
)
from fupin.party.models import PartyMember
from tests import factories
from tests.leadership.conftest import OTHER_TOWNSHIP, TOWNSHIP, World, official, reserve

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)
V1, V2, V3 = (
    factories.VILLAGE,
    factories.OTHER_VILLAGE_SAME_TOWNSHIP,
    factories.OTHER_TOWNSHIP_VILLAGE,
)


def structure_fixture() -> None:
    """Township 业州镇 (V1, V2): ages 35 (birthday today: not under 35), 34 (birthday
    tomorrow), 56, 65. Township 高坪镇 (V3): 26 (born on 29 Feb), 46 (birthday
    yesterday), 50 (birthday next month). Plus one who left and one not yet in post."""
    official(V1, birth_date=dt.date(1991, 6, 15), gender="female", education="college")
    official(V1, birth_date=dt.date(1991, 6, 16), education="senior", is_party_member=False)
    official(V2, birth_date=dt.date(1970, 1, 1), education="junior")
    official(V2, birth_date=dt.date(1960, 12, 31), gender="female", education="primary")
    official(V3, birth_date=dt.date(2000, 2, 29), gender="female", is_party_member=False)
    official(V3, birth_date=dt.date(1980, 6, 14), education="college")
    official(V3, birth_date=dt.date(1975, 7, 1), education="senior")
    # not in post on TODAY: left yesterday, starts tomorrow
    official(V1, birth_date=dt.date(2001, 1, 1), ends_on=dt.date(2026, 6, 14))
    official(V3, birth_date=dt.date(2002, 1, 1), starts_on=dt.date(2026, 6, 16))


def test_structure_equals_hand_computed_values(users: dict[str, Any]) -> None:
    structure_fixture()
    rows = selectors.structure(scope=scope_for(users["county_admin"]), today=TODAY)
    assert [(r.code, r.level) for r in rows] == [
        (TOWNSHIP, "township"),
        (OTHER_TOWNSHIP, "township"),
        ("422822000000", "county"),
    ]
    a, b, county = rows
    assert a.name == "业州镇" and county.name == "建始县"
    # 业州镇: 35 + 34 + 56 + 65 = 190 over 4
    assert (a.officials, a.young, a.educated, a.women, a.party) == (4, 1, 2, 2, 3)
    assert (a.share_young, a.share_educated, a.share_women, a.share_party) == (0.25, 0.5, 0.5, 0.75)
    assert a.age_sum == 190 and a.average_age == 47.5
    # 高坪镇: 26 + 46 + 50 = 122 over 3
    assert (b.officials, b.young, b.educated, b.women, b.party) == (3, 1, 2, 1, 2)
    assert (b.share_young, b.share_educated) == (0.3333, 0.6667)
    assert b.age_sum == 122 and b.average_age == 40.7
    # the county: 312 over 7
    assert (county.officials, county.young, county.educated, county.women, county.party) == (
        7,
        2,
        4,
        3,
        5,
    )
    assert (county.share_young, county.share_educated, county.share_women) == (
        0.2857,
        0.5714,
        0.4286,
    )
    assert county.share_party == 0.7143 and county.average_age == 44.6


def test_structure_birthday_boundary_moves_with_the_day(users: dict[str, Any]) -> None:
    official(V1, birth_date=dt.date(1991, 6, 15))
    scope = scope_for(users["county_admin"])
    before = selectors.structure(scope=scope, today=dt.date(2026, 6, 14))[0]
    on = selectors.structure(scope=scope, today=TODAY)[0]
    assert (before.young, before.age_sum) == (1, 34)
    assert (on.young, on.age_sum) == (0, 35)


def test_structure_is_scoped(users: dict[str, Any]) -> None:
    structure_fixture()
    rows = selectors.structure(scope=scope_for(users["township_officer"]), today=TODAY)
    assert [(r.code, r.officials) for r in rows] == [(TOWNSHIP, 4), ("422822000000", 4)]
    assert selectors.structure(scope=scope_for(users["outsider"]), today=TODAY) == []


def test_reserve_gaps_list_a_village_with_one(users: dict[str, Any]) -> None:
    reserve(V1)
    reserve(V1, removed_on=dt.date(2026, 1, 1))  # left the pool
    reserve(V2)
    reserve(V2, name="后备乙")
    reserve(V3, added_on=dt.date(2026, 7, 1))  # not yet in the pool
    gaps = selectors.reserve_gaps(scope=scope_for(users["county_admin"]), today=TODAY)
    assert [(g.code, g.reserves, g.required) for g in gaps] == [(V1, 1, 2), (V3, 0, 2)]
    assert gaps[0].name == "东门村" and gaps[0].township_name == "业州镇"
    mine = selectors.reserve_gaps(scope=scope_for(users["village_secretary"]), today=TODAY)
    assert [g.code for g in mine] == [V1]


def _assign(kind: str, cadre: Any, code: str, **fields: Any) -> BuildingAssignment:
    return BuildingAssignment.objects.create(
        kind=kind, cadre=cadre, area_code=code, starts_on=dt.date(2025, 1, 1), **fields
    )


def test_building_check(users: dict[str, Any], world: World) -> None:
    c = world.cadres
    _assign("instructor", c[0], V1)
    _assign("instructor", c[1], V1)  # two instructors
    _assign("instructor", c[2], V2, ends_on=dt.date(2026, 1, 1))  # ended: V2 has none
    _assign("instructor", c[3], V3)
    _assign("supervisor", c[4], V1)
    _assign("supervisor", c[4], V3)
    check = selectors.building_check(scope=scope_for(users["county_admin"]), today=TODAY)
    assert check.villages == 3
    assert [v.code for v in check.without_instructor] == [V2]
    assert [(v.code, v.count, v.people) for v in check.many_instructors] == [
        (V1, 2, ["干部1", "干部2"])
    ]
    assert [v.code for v in check.without_supervisor] == [V2]
    [load] = check.supervisors
    assert (load.name, load.villages, load.low, load.high) == ("干部5", 2, 4, 7)
    assert load.under and not load.over
    assert check.supervisors_off == [load]


def test_building_check_lists_a_supervisor_over_eight(users: dict[str, Any], world: World) -> None:
    """Nine villages for one supervisor: three here, six elsewhere in the county (areas
    the fixture does not have; the supervisor's count covers every village)."""
    for code in (V1, V2, V3):
        _assign("supervisor", world.cadres[0], code)
    for i in range(6):
        _assign("supervisor", world.cadres[0], f"42282210200{i + 1}")
    for code in (V1, V2, V3):
        _assign("supervisor", world.cadres[1], code)
    check = selectors.building_check(scope=scope_for(users["county_admin"]), today=TODAY)
    over = [(s.name, s.villages) for s in check.supervisors if s.over]
    assert over == [("干部1", 9)]
    assert [(s.name, s.under) for s in check.supervisors_off] == [("干部1", False), ("干部2", True)]
    # the township officer sees both (each has a village in the township)
    township = selectors.building_check(scope=scope_for(users["township_officer"]), today=TODAY)
    assert [s.villages for s in township.supervisors] == [9, 3]
    assert township.villages == 2


def test_weak_cases_and_overdue_items(users: dict[str, Any], world: World) -> None:
    case = WeakCase.objects.create(
        organisation=world.branch, area_code=V1, year=2026, flagged_on=dt.date(2026, 3, 1)
    )
    case.criteria.set(list(selectors.WeakCriterion.objects.all()[:3]))
    late = RectificationItem.objects.create(case=case, text="健全制度", due_on=dt.date(2026, 6, 1))
    RectificationItem.objects.create(case=case, text="调整班子", due_on=dt.date(2026, 9, 1))
    RectificationItem.objects.create(
        case=case, text="公开村务", due_on=dt.date(2026, 5, 1), closed_on=dt.date(2026, 5, 2)
    )
    far = WeakCase.objects.create(
        organisation=world.far_branch, area_code=V3, year=2025, flagged_on=dt.date(2025, 3, 1)
    )
    rows = selectors.weak_cases(scope=scope_for(users["county_admin"]), today=TODAY)
    assert [(r.case.pk, r.criteria, r.items, r.closed_items, r.overdue_items) for r in rows] == [
        (case.pk, 3, 3, 1, 1),
        (far.pk, 0, 0, 0, 0),
    ]
    assert rows[0].village_name == "东门村"
    assert [
        i.pk for i in selectors.overdue_items(scope=scope_for(users["county_admin"]), today=TODAY)
    ] == [late.pk]
    assert (
        selectors.weak_cases(scope=scope_for(users["other_secretary"]), today=TODAY)[0].case == far
    )
    assert selectors.overdue_items(scope=scope_for(users["other_secretary"]), today=TODAY) == []
    detail = selectors.weak_case_get(
        scope=scope_for(users["village_secretary"]), case_id=case.pk, today=TODAY
    )
    assert sum(met for _c, met in detail.checklist) == 3 and len(detail.checklist) == 10
    assert detail.open_items == 2 and not detail.may_close
    with pytest.raises(selectors.NotFound):
        selectors.weak_case_get(scope=scope_for(users["other_secretary"]), case_id=case.pk)


def test_goal_grid(users: dict[str, Any], world: World) -> None:
    _assign("instructor", world.cadres[0], V1)
    GoalProgress.objects.create(area_code=V1, year=2026, goal="team", reached_on=TODAY, note="好")
    GoalProgress.objects.create(
        area_code=V1, year=2025, goal="plan", reached_on=dt.date(2025, 5, 1)
    )
    rows = selectors.goal_grid(scope=scope_for(users["township_officer"]), year=2026, today=TODAY)
    assert [(r.code, r.instructors, r.count) for r in rows] == [(V1, ["干部1"], 1), (V2, [], 0)]
    assert [g for g, p in rows[0].cells if p] == ["team"] and len(rows[0].cells) == 6


def test_untrained_per_village(users: dict[str, Any], world: World) -> None:
    trained = official(V1, name="已培训")
    official(V1, name="未培训")
    official(V3, name="高坪未培训")
    official(V1, name="离任", ends_on=dt.date(2026, 1, 1))
    last_year = official(V2, name="去年培训")
    other = PartyMember.objects.create(
        name="党员乙", organisation=world.branch, area_code=V1, gender="female",
        birth_date=dt.date(1990, 1, 1), education="junior", joined_on=dt.date(2015, 7, 1),
    )  # fmt: skip
    this = Course.objects.create(
        title="轮训", kind="rotation", area_code="422822000000", organiser="县委组织部",
        starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 3), hours=16,
    )  # fmt: skip
    old = Course.objects.create(
        title="去年", kind="themed", area_code=TOWNSHIP, organiser="镇党委",
        starts_on=dt.date(2025, 12, 30), ends_on=dt.date(2026, 1, 2), hours=8,
    )  # fmt: skip
    CourseAttendance.objects.create(course=this, official=trained, area_code=V1)
    CourseAttendance.objects.create(course=this, member=world.member, area_code=V1)
    CourseAttendance.objects.create(course=old, official=last_year, area_code=V2)
    CourseAttendance.objects.create(course=old, member=other, area_code=V1)
    rows = selectors.untrained(scope=scope_for(users["county_admin"]), year=2026, today=TODAY)
    assert [(r.code, [o[1] for o in r.officials], [m[1] for m in r.members]) for r in rows] == [
        (V1, ["未培训"], ["党员乙"]),
        (V2, ["去年培训"], []),
        (V3, ["高坪未培训"], []),
    ]
    assert rows[0].name == "东门村" and rows[0].total == 2
    mine = selectors.untrained(scope=scope_for(users["other_secretary"]), year=2026, today=TODAY)
    assert [r.code for r in mine] == [V3]
    # courses: the county's course is visible to a village secretary, with attendance in scope
    listed = selectors.courses(scope=scope_for(users["village_secretary"]))
    assert [(c.course.title, c.attendees) for c in listed] == [("轮训", 2), ("去年", 1)]
    assert [
        c.course.title for c in selectors.courses(scope=scope_for(users["other_secretary"]))
    ] == ["轮训"]
    assert [
        (c.attendees) for c in selectors.courses(scope=scope_for(users["other_secretary"]))
    ] == [0]
