"""Reads of village leadership and grassroots Party building, always within the actor's
areas: the 两委 rosters and their structure statistics, villages short of reserve cadres,
weak branches with their rectification items, the instructors' and supervisors' check,
the 六个一 grid, courses, and who has not been trained in a year.

Every report is a few set-based queries over whole tables, never one query per row. The
norms (``reserve_cadres_min``, ``supervisor_villages_min/max``, ``young_official_age``)
come from the standards in force: the scope is split into the parts that share one
effective standard (``standards.plan``) and each norm becomes one condition per part
inside the same query."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractYear, Substr

from fupin.accounts.scope import Scope
from fupin.areas.codes import LEVELS, PREFIX_LENGTH, level_of, prefix_q
from fupin.areas.models import Area
from fupin.core import clock
from fupin.core.errors import NotFound
from fupin.leadership.models import (
    BuildingAssignment,
    Course,
    CourseAttendance,
    Goal,
    GoalProgress,
    RectificationItem,
    ReserveCadre,
    VillageOfficial,
    WeakCase,
    WeakCriterion,
)
from fupin.party.models import Gender, PartyMember, PartyOrganisation
from fupin.policy import params as P
from fupin.policy import standards
from fupin.policy.engine import Part
from fupin.registry.choices import Education

# 高中及以上: senior high school or college
EDUCATED = (Education.SENIOR, Education.COLLEGE)


# --- scope, parts and norms -------------------------------------------------------------


def _today(today: dt.date | None) -> dt.date:
    return today or clock.today()


def _prefixes(scope: Scope, area: str) -> tuple[str, ...]:
    """The actor's prefixes narrowed to ``area`` (a code or a prefix)."""
    if not area:
        return tuple(scope.prefixes)
    if len(area) == 12 and area.isdigit():
        area = area[: PREFIX_LENGTH[level_of(area)]]
    out = set()
    for prefix in scope.prefixes:
        if area.startswith(prefix):
            out.add(area)
        elif prefix.startswith(area):
            out.add(prefix)
    return tuple(sorted(out))


@dataclass(frozen=True)
class _Ctx:
    prefixes: tuple[str, ...]
    parts: tuple[Part, ...]

    def within(self, column: str) -> Q:
        return prefix_q(column, self.prefixes)

    def value(self, column: str, key: str) -> Case:
        """The norm ``key`` of each row's part, as an annotation."""
        return Case(
            *[When(_part_q(column, p), then=Value(_norm(p.params, key))) for p in self.parts],
            default=Value(int(P.NATIONAL_DEFAULTS[key])),
            output_field=IntegerField(),
        )


def _ctx(scope: Scope, area: str, year: int) -> _Ctx:
    prefixes = _prefixes(scope, area)
    parts: list[Part] = []
    for prefix in prefixes:
        parts.extend(standards.plan(prefix, year)[0])
    return _Ctx(prefixes=prefixes, parts=tuple(parts))


def _part_q(column: str, part: Part) -> Q:
    q = prefix_q(column, [part.prefix]) if part.prefix else Q()
    for inner in part.excluded:
        q &= ~prefix_q(column, [inner])
    return q


def _norm(params: dict[str, Any], key: str) -> int:
    return int(params.get(key, P.NATIONAL_DEFAULTS[key]))


def norm_of(area_code: str, key: str, year: int) -> int:
    """One norm in force at an area (for a page heading)."""
    return _norm(standards.effective(area_code, standards.in_force(year)), key)


def _names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _code(prefix: str) -> str:
    return prefix.ljust(12, "0")


def _villages(ctx: _Ctx) -> QuerySet[Area]:
    return Area.objects.filter(level=Area.Level.VILLAGE).filter(ctx.within("code"))


def _in_post(today: dt.date) -> Q:
    return Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gt=today))


def _in_pool(today: dt.date) -> Q:
    return Q(added_on__lte=today) & (Q(removed_on__isnull=True) | Q(removed_on__gt=today))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def age_expression(today: dt.date, column: str = "birth_date") -> Any:
    """The exact age in whole years at ``today``: the difference of the years, less one
    when the birthday is still to come this year (a birthday today counts as reached)."""
    not_yet = Q(**{f"{column}__month__gt": today.month}) | Q(
        **{f"{column}__month": today.month, f"{column}__day__gt": today.day}
    )
    return (
        Value(today.year)
        - ExtractYear(column)
        - Case(When(not_yet, then=Value(1)), default=Value(0), output_field=IntegerField())
    )


# --- the 两委 roster ------------------------------------------------------------------------


def officials_in_post(
    *, scope: Scope, area: str = "", today: dt.date | None = None
) -> QuerySet[VillageOfficial]:
    today = _today(today)
    return (
        VillageOfficial.objects.filter(prefix_q("area_code", _prefixes(scope, area)))
        .filter(_in_post(today))
        .order_by("area_code", "post", "name", "id")
    )


@dataclass
class Roster:
    code: str
    name: str
    township_name: str
    officials: list[VillageOfficial]
    former: list[VillageOfficial]
    reserves: list[ReserveCadre]
    reserve_min: int
    instructors: list[str]
    supervisors: list[str]
    open_case: WeakCase | None


def village_roster(*, scope: Scope, code: str, today: dt.date | None = None) -> Roster:
    """A village's two committees in post (and those who left), its reserve cadres in the
    pool against the norm, its instructor and supervisors and its open weak-branch case."""
    today = _today(today)
    area = Area.objects.filter(code=code, level=Area.Level.VILLAGE).first()
    if area is None or not scope.covers(code):
        raise NotFound()
    everyone = list(VillageOfficial.objects.filter(area_code=code).order_by("post", "name", "id"))
    in_post = [
        o for o in everyone if o.starts_on <= today and (o.ends_on is None or o.ends_on > today)
    ]
    former = [o for o in everyone if o not in in_post]
    reserves = list(
        ReserveCadre.objects.filter(area_code=code).filter(_in_pool(today)).order_by("name", "id")
    )
    building = list(
        BuildingAssignment.objects.filter(area_code=code, ends_on__isnull=True)
        .order_by("kind", "cadre__name")
        .values_list("kind", "cadre__name")
    )
    case = (
        WeakCase.objects.filter(area_code=code)
        .exclude(status=WeakCase.Status.CLOSED)
        .select_related("organisation")
        .first()
    )
    return Roster(
        code=code,
        name=area.name,
        township_name=_names([_code(code[:9])]).get(_code(code[:9]), ""),
        officials=in_post,
        former=former,
        reserves=reserves,
        reserve_min=norm_of(code, "reserve_cadres_min", today.year),
        instructors=[n for k, n in building if k == BuildingAssignment.Kind.INSTRUCTOR],
        supervisors=[n for k, n in building if k == BuildingAssignment.Kind.SUPERVISOR],
        open_case=case,
    )


# --- structure statistics -----------------------------------------------------------------


@dataclass
class StructureRow:
    code: str  # the township's or the county's 12-digit code
    name: str
    level: str  # "township" | "county"
    officials: int
    young: int  # under young_official_age
    educated: int  # high school or more
    women: int
    party: int
    age_sum: int
    share_young: float | None = None
    share_educated: float | None = None
    share_women: float | None = None
    share_party: float | None = None
    average_age: float | None = None

    def __post_init__(self) -> None:
        n = self.officials
        self.share_young = _share(self.young, n)
        self.share_educated = _share(self.educated, n)
        self.share_women = _share(self.women, n)
        self.share_party = _share(self.party, n)
        self.average_age = round(self.age_sum / n, 1) if n else None


def structure(*, scope: Scope, area: str = "", today: dt.date | None = None) -> list[StructureRow]:
    """The structure of the village officials in post as the seeds report it, per township
    and for each county (after its townships): how many, the share aged under
    ``young_official_age`` (exact age at ``today``), with high school or more, women and
    Party members, and the average age. One grouped query; the county rows are the sums."""
    today = _today(today)
    ctx = _ctx(scope, area, today.year)
    if not ctx.prefixes:
        return []
    rows = list(
        VillageOfficial.objects.filter(ctx.within("area_code"))
        .filter(_in_post(today))
        .annotate(
            age=age_expression(today),
            young_line=ctx.value("area_code", "young_official_age"),
            township=Substr("area_code", 1, 9),
        )
        .order_by()
        .values("township")
        .annotate(
            n=Count("id"),
            age_sum=Sum("age"),
            young=Sum(
                Case(
                    When(age__lt=F("young_line"), then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            ),
            educated=Count("id", filter=Q(education__in=EDUCATED)),
            women=Count("id", filter=Q(gender=Gender.FEMALE)),
            party=Count("id", filter=Q(is_party_member=True)),
        )
        .order_by("township")
    )
    names = _names([_code(r["township"]) for r in rows] + [_code(r["township"][:6]) for r in rows])
    counties: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    out: list[StructureRow] = []
    for r in rows:
        values = [r["n"], r["young"] or 0, r["educated"], r["women"], r["party"], r["age_sum"] or 0]
        total = counties[r["township"][:6]]
        for i, v in enumerate(values):
            total[i] += v
        out.append(
            StructureRow(
                _code(r["township"]), names.get(_code(r["township"]), ""), "township", *values
            )
        )
    result: list[StructureRow] = []
    for county in sorted(counties):
        result.extend(r for r in out if r.code.startswith(county))
        result.append(
            StructureRow(
                _code(county), names.get(_code(county), county), "county", *counties[county]
            )
        )
    return result


# --- reserve cadres -------------------------------------------------------------------------


@dataclass
class ReserveGap:
    code: str
    name: str
    township_name: str
    reserves: int
    required: int


def reserve_gaps(*, scope: Scope, area: str = "", today: dt.date | None = None) -> list[ReserveGap]:
    """Villages with fewer reserve cadres in the pool than ``reserve_cadres_min`` (each
    part of the scope with its own norm), with their counts; ordered by code."""
    today = _today(today)
    ctx = _ctx(scope, area, today.year)
    pool = (
        ReserveCadre.objects.filter(area_code=OuterRef("code"))
        .filter(_in_pool(today))
        .order_by()
        .values("area_code")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    rows = list(
        _villages(ctx)
        .annotate(
            reserves=Subquery(pool, output_field=IntegerField()),
            required=ctx.value("code", "reserve_cadres_min"),
        )
        .filter(Q(reserves__lt=F("required")) | Q(reserves__isnull=True, required__gt=0))
        .order_by("code")
        .values_list("code", "name", "reserves", "required")
    )
    towns = _names(_code(c[:9]) for c, *_r in rows)
    return [
        ReserveGap(code, name, towns.get(_code(code[:9]), ""), reserves or 0, required)
        for code, name, reserves, required in rows
    ]


# --- weak branches ---------------------------------------------------------------------------


def cases_visible(scope: Scope) -> QuerySet[WeakCase]:
    return WeakCase.objects.filter(prefix_q("area_code", scope.prefixes))


@dataclass
class CaseRow:
    case: WeakCase
    village_name: str
    criteria: int
    items: int
    closed_items: int
    overdue_items: int


def weak_cases(
    *,
    scope: Scope,
    area: str = "",
    year: int | None = None,
    status: str = "",
    today: dt.date | None = None,
) -> list[CaseRow]:
    """The weak-branch cases in the scope, newest year first: the branch, its status and
    team, the checklist items met and the items (closed, overdue)."""
    today = _today(today)
    prefixes = _prefixes(scope, area)
    qs = WeakCase.objects.filter(prefix_q("area_code", prefixes))
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)

    def items(extra: Q | None = None) -> Subquery:
        return Subquery(
            RectificationItem.objects.filter(Q(case_id=OuterRef("pk")) & (extra or Q()))
            .order_by()
            .values("case_id")
            .annotate(n=Count("id"))
            .values("n")[:1],
            output_field=IntegerField(),
        )

    through: Any = WeakCase.criteria.through
    criteria = Subquery(
        through.objects.filter(weakcase_id=OuterRef("pk"))
        .order_by()
        .values("weakcase_id")
        .annotate(n=Count("id"))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    cases = list(
        qs.select_related("organisation", "county_leader", "first_secretary")
        .annotate(
            n_criteria=criteria,
            n_items=items(),
            n_closed=items(Q(closed_on__isnull=False)),
            n_overdue=items(Q(closed_on__isnull=True, due_on__lt=today)),
        )
        .order_by("-year", "area_code", "id")
    )
    names = _names(c.area_code[:12] for c in cases)
    return [
        CaseRow(
            case=c,
            village_name=names.get(c.area_code[:12], ""),
            criteria=c.n_criteria or 0,
            items=c.n_items or 0,
            closed_items=c.n_closed or 0,
            overdue_items=c.n_overdue or 0,
        )
        for c in cases
    ]


def overdue_items(
    *, scope: Scope, area: str = "", today: dt.date | None = None
) -> list[RectificationItem]:
    """Open rectification items past their due date, of cases not closed; oldest first."""
    today = _today(today)
    return list(
        RectificationItem.objects.filter(
            prefix_q("case__area_code", _prefixes(scope, area)),
            closed_on__isnull=True,
            due_on__lt=today,
        )
        .exclude(case__status=WeakCase.Status.CLOSED)
        .select_related("case__organisation")
        .order_by("due_on", "id")
    )


@dataclass
class CaseDetail:
    case: WeakCase
    village_name: str
    checklist: list[tuple[WeakCriterion, bool]]
    items: list[RectificationItem]
    today: dt.date
    may_close: bool = False
    open_items: int = 0


def weak_case_get(*, scope: Scope, case_id: int, today: dt.date | None = None) -> CaseDetail:
    today = _today(today)
    case = (
        cases_visible(scope)
        .select_related("organisation", "county_leader", "first_secretary__unit", "closed_by")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound()
    met = set(case.criteria.values_list("pk", flat=True))
    checklist = [
        (c, c.pk in met) for c in WeakCriterion.objects.filter(Q(is_active=True) | Q(pk__in=met))
    ]
    items = list(case.items.select_related("closed_by"))
    open_items = sum(1 for i in items if i.closed_on is None)
    return CaseDetail(
        case=case,
        village_name=_names([case.area_code[:12]]).get(case.area_code[:12], ""),
        checklist=checklist,
        items=items,
        today=today,
        open_items=open_items,
        may_close=(
            case.status == WeakCase.Status.RECTIFYING
            and bool(items)
            and open_items == 0
            and bool(case.county_leader_id and case.first_secretary_id and case.township_lead)
        ),
    )


def item_get(*, scope: Scope, item_id: int) -> RectificationItem:
    item = (
        RectificationItem.objects.select_related("case")
        .filter(pk=item_id, case__in=cases_visible(scope))
        .first()
    )
    if item is None:
        raise NotFound()
    return item


def village_organisations(*, scope: Scope, area: str = "") -> QuerySet[PartyOrganisation]:
    """Active organisations in the scope, village branches first (to flag one)."""
    return (
        PartyOrganisation.objects.filter(prefix_q("area_code", _prefixes(scope, area)))
        .filter(is_active=True)
        .order_by(
            Case(When(base=PartyOrganisation.Base.VILLAGE, then=Value(0)), default=Value(1)),
            "area_code",
            "name",
        )
    )


# --- instructors and supervisors ----------------------------------------------------------------


@dataclass
class VillageRef:
    code: str
    name: str
    count: int = 0
    people: list[str] = field(default_factory=list)


@dataclass
class SupervisorLoad:
    cadre_id: int
    name: str
    villages: int
    low: int
    high: int
    codes: list[str] = field(default_factory=list)

    @property
    def over(self) -> bool:
        return self.villages > self.high

    @property
    def under(self) -> bool:
        return self.villages < self.low


@dataclass
class BuildingCheck:
    villages: int
    without_instructor: list[VillageRef]
    many_instructors: list[VillageRef]
    without_supervisor: list[VillageRef]
    supervisors: list[SupervisorLoad]

    @property
    def supervisors_off(self) -> list[SupervisorLoad]:
        return [s for s in self.supervisors if s.over or s.under]


def _active_building(today: dt.date) -> Q:
    return Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gt=today))


def building_check(*, scope: Scope, area: str = "", today: dt.date | None = None) -> BuildingCheck:
    """The assignment check: villages without an instructor, with more than one, without
    a supervisor; every supervisor with a village in the scope and the number of villages
    they cover (wherever), against ``supervisor_villages_min/max`` of the part their first
    village falls in."""
    today = _today(today)
    ctx = _ctx(scope, area, today.year)
    active = BuildingAssignment.objects.filter(_active_building(today))

    def count(kind: str) -> Subquery:
        return Subquery(
            active.filter(kind=kind, area_code=OuterRef("code"))
            .order_by()
            .values("area_code")
            .annotate(n=Count("id"))
            .values("n")[:1],
            output_field=IntegerField(),
        )

    villages = list(
        _villages(ctx)
        .annotate(
            instructors=count(BuildingAssignment.Kind.INSTRUCTOR),
            supervisors=count(BuildingAssignment.Kind.SUPERVISOR),
        )
        .order_by("code")
        .values_list("code", "name", "instructors", "supervisors")
    )
    many = {c for c, _n, i, _s in villages if (i or 0) > 1}
    names_of_many: dict[str, list[str]] = defaultdict(list)
    for code, name in (
        active.filter(kind=BuildingAssignment.Kind.INSTRUCTOR, area_code__in=many)
        .order_by("area_code", "cadre__name")
        .values_list("area_code", "cadre__name")
    ):
        names_of_many[code].append(name)
    in_scope = active.filter(
        kind=BuildingAssignment.Kind.SUPERVISOR, cadre_id=OuterRef("cadre_id")
    ).filter(ctx.within("area_code"))
    loads = list(
        active.filter(kind=BuildingAssignment.Kind.SUPERVISOR)
        .filter(Exists(in_scope))
        .order_by("cadre__name", "cadre_id", "area_code")
        .annotate(
            low=ctx.value("area_code", "supervisor_villages_min"),
            high=ctx.value("area_code", "supervisor_villages_max"),
        )
        .values_list("cadre_id", "cadre__name", "area_code", "low", "high")
    )
    by_cadre: dict[int, SupervisorLoad] = {}
    for cadre_id, name, code, low, high in loads:
        load = by_cadre.setdefault(cadre_id, SupervisorLoad(cadre_id, name, 0, low, high))
        load.villages += 1
        load.codes.append(code)
    return BuildingCheck(
        villages=len(villages),
        without_instructor=[VillageRef(c, n) for c, n, i, _s in villages if not i],
        many_instructors=[
            VillageRef(c, n, i, names_of_many[c]) for c, n, i, _s in villages if c in many
        ],
        without_supervisor=[VillageRef(c, n) for c, n, _i, s in villages if not s],
        supervisors=list(by_cadre.values()),
    )


def assignments(
    *, scope: Scope, area: str = "", today: dt.date | None = None
) -> QuerySet[BuildingAssignment]:
    today = _today(today)
    return (
        BuildingAssignment.objects.filter(prefix_q("area_code", _prefixes(scope, area)))
        .filter(_active_building(today))
        .select_related("cadre__unit")
        .order_by("area_code", "kind", "cadre__name")
    )


@dataclass
class GoalRow:
    code: str
    name: str
    instructors: list[str]
    reached: dict[str, GoalProgress]
    cells: list[tuple[str, GoalProgress | None]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.reached)


def goal_grid(
    *, scope: Scope, area: str = "", year: int | None = None, today: dt.date | None = None
) -> list[GoalRow]:
    """Villages × the six goals (六个一) for a year, with each village's instructor(s)."""
    today = _today(today)
    year = year or today.year
    prefixes = _prefixes(scope, area)
    villages = list(
        Area.objects.filter(level=Area.Level.VILLAGE)
        .filter(prefix_q("code", prefixes))
        .order_by("code")
        .values_list("code", "name")
    )
    reached: dict[str, dict[str, GoalProgress]] = defaultdict(dict)
    for g in GoalProgress.objects.filter(prefix_q("area_code", prefixes), year=year).filter(
        reached_on__isnull=False
    ):
        reached[g.area_code][g.goal] = g
    instructors: dict[str, list[str]] = defaultdict(list)
    for code, name in (
        BuildingAssignment.objects.filter(prefix_q("area_code", prefixes))
        .filter(_active_building(today), kind=BuildingAssignment.Kind.INSTRUCTOR)
        .order_by("area_code", "cadre__name")
        .values_list("area_code", "cadre__name")
    ):
        instructors[code].append(name)
    rows = []
    for code, name in villages:
        row = GoalRow(code, name, instructors[code], reached[code])
        row.cells = [(g, row.reached.get(g)) for g in Goal.values]
        rows.append(row)
    return rows


# --- trainings ---------------------------------------------------------------------------------


def _ancestors(prefixes: Iterable[str]) -> set[str]:
    """The 12-digit codes of the areas containing each prefix (a county course is open to
    its townships' and villages' users)."""
    out: set[str] = set()
    for prefix in prefixes:
        for level in LEVELS[:4]:
            n = PREFIX_LENGTH[level]
            if n < len(prefix):
                out.add(_code(prefix[:n]))
    return out


def courses_visible(scope: Scope) -> QuerySet[Course]:
    """Courses held in the scope, or by an area containing it."""
    return Course.objects.filter(
        prefix_q("area_code", scope.prefixes) | Q(area_code__in=_ancestors(scope.prefixes))
    )


@dataclass
class CourseRow:
    course: Course
    attendees: int  # within the scope


def courses(*, scope: Scope, area: str = "", year: int | None = None) -> list[CourseRow]:
    """Courses visible to the scope (started in ``year`` when given), newest first, with
    their attendance within the scope."""
    prefixes = _prefixes(scope, area)
    qs = courses_visible(scope)
    if year:
        qs = qs.filter(starts_on__year=year)
    attendance = Subquery(
        CourseAttendance.objects.filter(course_id=OuterRef("pk"))
        .filter(prefix_q("area_code", prefixes))
        .order_by()
        .values("course_id")
        .annotate(n=Count("id"))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    rows = qs.annotate(n=attendance).order_by("-starts_on", "-id")
    return [CourseRow(course=c, attendees=c.n or 0) for c in rows]


@dataclass
class CourseDetail:
    course: Course
    attendance: list[CourseAttendance]


def course_get(*, scope: Scope, course_id: int) -> CourseDetail:
    course = courses_visible(scope).filter(pk=course_id).first()
    if course is None:
        raise NotFound()
    attendance = list(
        CourseAttendance.objects.filter(course=course)
        .filter(prefix_q("area_code", scope.prefixes))
        .select_related("member", "official")
        .order_by("area_code", "id")
    )
    return CourseDetail(course=course, attendance=attendance)


def _trained(year: int, **link: Any) -> Exists:
    return Exists(CourseAttendance.objects.filter(course__starts_on__year=year, **link))


def village_branch_members(*, scope: Scope, area: str = "") -> QuerySet[PartyMember]:
    return PartyMember.objects.filter(
        prefix_q("area_code", _prefixes(scope, area)),
        is_active=True,
        organisation__base=PartyOrganisation.Base.VILLAGE,
    )


@dataclass
class Untrained:
    code: str
    name: str
    officials: list[tuple[int, str, str]] = field(default_factory=list)  # id, name, post
    members: list[tuple[int, str]] = field(default_factory=list)  # id, name

    @property
    def total(self) -> int:
        return len(self.officials) + len(self.members)


def untrained(
    *, scope: Scope, area: str = "", year: int | None = None, today: dt.date | None = None
) -> list[Untrained]:
    """Per village: officials in post and members of village branches with no attendance
    at a course that started in ``year`` (this year by default). Villages where everyone
    was trained are left out; ordered by code."""
    today = _today(today)
    year = year or today.year
    officials = list(
        officials_in_post(scope=scope, area=area, today=today)
        .filter(~_trained(year, official_id=OuterRef("pk")))
        .values_list("area_code", "id", "name", "post")
    )
    members = list(
        village_branch_members(scope=scope, area=area)
        .filter(~_trained(year, member_id=OuterRef("pk")))
        .order_by("area_code", "name", "id")
        .values_list("area_code", "id", "name")
    )
    posts = dict(VillageOfficial.Post.choices)
    out: dict[str, Untrained] = {}
    for code, pk, name, post in officials:
        out.setdefault(code[:12], Untrained(code[:12], "")).officials.append(
            (pk, name, str(posts.get(post, post)))
        )
    for code, pk, name in members:
        out.setdefault(code[:12], Untrained(code[:12], "")).members.append((pk, name))
    names = _names(out)
    for row in out.values():
        row.name = names.get(row.code, row.code)
    return [out[c] for c in sorted(out)]


def attendee_choices(
    *, scope: Scope, course: Course, today: dt.date | None = None
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(officials, members) in post or on the rolls in both the course's area and the
    scope, to pick attendees from."""
    area = course.area_code
    officials = [
        (o.pk, f"{o.name}（{o.get_post_display()}）")
        for o in officials_in_post(scope=scope, area=area, today=today)[:1000]
    ]
    members = [
        (m.pk, m.name)
        for m in village_branch_members(scope=scope, area=area).order_by("area_code", "name")[:1000]
    ]
    return officials, members
