"""Reads of Party organisations and members, always within the actor's areas: the
organisations with their member counts, the economic bodies each covers and those left
without a covering organisation (with the coverage share per township), the member's file
(政治生活档案), and the vanguard index (先锋指数) with its ranking per branch.

The vanguard index is computed, never stored: for a year, every fact behind it (meetings
attended and missed, trainings, households paired, home visits, concerns solved, the
demonstration household, the business leader, commendations, sanctions) is counted per
member by a correlated subquery, turned into points with the item's points and cap from
the standard in force (``vanguard_*`` parameters), summed, and ranked per organisation by
a window function — one query for all members. The scope is split into the parts that
share one effective standard (``standards.plan``), and each parameter is one CASE with a
branch per part, so a county's override changes only its own members' points. Points are
computed in hundredths as integers so that ranks never depend on floating-point sums.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Least, Rank, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.accounts.scope import Scope
from fupin.areas.codes import prefix_of, prefix_q
from fupin.areas.models import Area
from fupin.assistance.models import Concern, Pairing, Visit
from fupin.core import clock
from fupin.core.errors import NotFound
from fupin.leadership.models import CourseAttendance
from fupin.party.models import EconomicBody, Meeting, MemberRecord, PartyMember, PartyOrganisation
from fupin.policy import params as P
from fupin.policy import standards
from fupin.policy.engine import Part
from fupin.registry.choices import Relation
from fupin.registry.models import Member

# The bodies a branch should be built on or cover (支部建在产业链上).
COVERABLE = (EconomicBody.Kind.COOPERATIVE, EconomicBody.Kind.ENTERPRISE)
SOLVED = (Concern.Status.RESOLVED, Concern.Status.TOLD)
# The meetings every member of the organisation is expected at: missing one is an absence.
# Committee and group meetings concern only their members, so only attending them counts.
ALL_MEMBERS = (Meeting.Kind.GENERAL, Meeting.Kind.LECTURE, Meeting.Kind.THEME_DAY)
ATTENDANCE = Meeting.attendees.through


# --- scope ---------------------------------------------------------------------------------


def _today(today: dt.date | None) -> dt.date:
    return today or clock.today()


def _area_prefix(area: str) -> str:
    """An area code or prefix as a prefix: ``422822100000`` → ``422822100``."""
    if len(area) == 12 and area.isdigit():
        return prefix_of(area)
    return area


def _scoped(scope: Scope, column: str, area: str = "") -> Q:
    q = prefix_q(column, scope.prefixes)
    if area:
        q &= prefix_q(column, [_area_prefix(area)])
    return q


def _prefixes(scope: Scope, area: str) -> tuple[str, ...]:
    """The actor's prefixes narrowed to ``area`` (which may be wider or narrower)."""
    if not area:
        return tuple(scope.prefixes)
    area = _area_prefix(area)
    out = set()
    for prefix in scope.prefixes:
        if area.startswith(prefix):
            out.add(area)
        elif prefix.startswith(area):
            out.add(prefix)
    return tuple(sorted(out))


def _count_of(qs: QuerySet[Any], by: str, what: str = "pk", *, distinct: bool = False) -> Any:
    """A correlated COUNT of ``qs`` (already filtered on OuterRef) grouped by ``by``; 0
    when there is nothing."""
    return Coalesce(
        Subquery(
            qs.order_by().values(by).annotate(n=Count(what, distinct=distinct)).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


# --- organisations -------------------------------------------------------------------------


def organisations(
    *,
    scope: Scope,
    area: str = "",
    base: str = "",
    kind: str = "",
    active: bool = True,
) -> QuerySet[PartyOrganisation]:
    """The organisations in the actor's areas, with ``member_count`` (on the roll),
    ``body_count`` (bodies covered) and ``parent``; ordered by area code and name."""
    qs = PartyOrganisation.objects.filter(_scoped(scope, "area_code", area))
    if base:
        qs = qs.filter(base=base)
    if kind:
        qs = qs.filter(kind=kind)
    if active:
        qs = qs.filter(is_active=True)
    return (
        qs.annotate(
            member_count=_count_of(
                PartyMember.objects.filter(organisation_id=OuterRef("pk"), is_active=True),
                "organisation_id",
            ),
            body_count=_count_of(
                EconomicBody.organisations.through.objects.filter(
                    partyorganisation_id=OuterRef("pk")
                ),
                "partyorganisation_id",
            ),
        )
        .select_related("parent", "unit")
        .order_by("area_code", "name", "id")
    )


def organisation_get(*, scope: Scope, organisation_id: int) -> PartyOrganisation:
    found = (
        organisations(scope=scope, active=False).filter(pk=organisation_id).first()
        if organisation_id
        else None
    )
    if found is None:
        raise NotFound()
    return found


def members(
    *,
    scope: Scope,
    area: str = "",
    organisation_id: int | None = None,
    active: bool = True,
    name: str = "",
) -> QuerySet[PartyMember]:
    qs = PartyMember.objects.filter(_scoped(scope, "area_code", area))
    if organisation_id:
        qs = qs.filter(organisation_id=organisation_id)
    if active:
        qs = qs.filter(is_active=True)
    if name:
        qs = qs.filter(name__contains=name.strip())
    return qs.select_related("organisation").order_by("area_code", "organisation_id", "name", "id")


def member_get(*, scope: Scope, member_id: int) -> PartyMember:
    found = (
        PartyMember.objects.filter(_scoped(scope, "area_code"), pk=member_id)
        .select_related("organisation", "cadre__unit", "household")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def meetings(*, organisation: PartyOrganisation, limit: int = 50) -> list[Meeting]:
    """The organisation's latest meetings with their attendance count (one query)."""
    return list(
        Meeting.objects.filter(organisation=organisation)
        .annotate(attended=Count("attendees"))
        .order_by("-held_on", "-id")[:limit]
    )


# --- economic bodies and coverage ------------------------------------------------------------


def _covered() -> Exists:
    return Exists(
        EconomicBody.organisations.through.objects.filter(
            economicbody_id=OuterRef("pk"), partyorganisation__is_active=True
        )
    )


def bodies(
    *, scope: Scope, area: str = "", kind: str = "", uncovered: bool = False
) -> QuerySet[EconomicBody]:
    """Active economic bodies with ``is_covered`` and their covering organisations
    (prefetched, active only): two queries."""
    qs = EconomicBody.objects.filter(_scoped(scope, "area_code", area), is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    qs = qs.annotate(is_covered=_covered())
    if uncovered:
        qs = qs.filter(is_covered=False)
    return qs.prefetch_related(
        Prefetch(
            "organisations",
            queryset=PartyOrganisation.objects.filter(is_active=True).order_by("name"),
            to_attr="covering",
        )
    ).order_by("area_code", "name", "id")


def uncovered_bodies(*, scope: Scope, area: str = "") -> QuerySet[EconomicBody]:
    """Cooperatives and enterprises that no active organisation covers."""
    return bodies(scope=scope, area=area, uncovered=True).filter(kind__in=COVERABLE)


@dataclass
class Coverage:
    code: str  # the township's 12-digit code ("" for the total)
    name: str
    bodies: int  # active cooperatives and enterprises
    covered: int
    uncovered: int
    share: float | None


def _coverage_row(code: str, name: str, total: int, covered: int) -> Coverage:
    return Coverage(
        code=code,
        name=name,
        bodies=total,
        covered=covered,
        uncovered=total - covered,
        share=round(covered / total, 4) if total else None,
    )


def coverage_by_township(*, scope: Scope, area: str = "") -> list[Coverage]:
    """Per township: active cooperatives and enterprises, those an active organisation
    covers, and the share; the last row is the total. Two queries."""
    rows = list(
        EconomicBody.objects.filter(
            _scoped(scope, "area_code", area), is_active=True, kind__in=COVERABLE
        )
        .order_by()
        .annotate(township=Substr("area_code", 1, 9))
        .values("township")
        .annotate(total=Count("id"), covered=Count("id", filter=Q(_covered())))
        .order_by("township")
        .values_list("township", "total", "covered")
    )
    names = _names(t.ljust(12, "0") for t, _n, _c in rows)
    out = [
        _coverage_row(t.ljust(12, "0"), names.get(t.ljust(12, "0"), t), n, c) for t, n, c in rows
    ]
    out.append(
        _coverage_row("", _("合计"), sum(r.bodies for r in out), sum(r.covered for r in out))
    )
    return out


# --- the vanguard index --------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    key: str
    label: Any
    points_key: str
    cap_key: str | None = None
    sign: int = 1  # -1: a deduction


ITEMS: tuple[Item, ...] = (
    Item(
        "meetings", gettext_lazy("参加组织生活"), "vanguard_meeting_points", "vanguard_meeting_cap"
    ),
    Item("absences", gettext_lazy("缺席组织生活"), "vanguard_absence_points", sign=-1),
    Item(
        "trainings", gettext_lazy("参加培训"), "vanguard_training_points", "vanguard_training_cap"
    ),
    Item("pairings", gettext_lazy("结对帮扶"), "vanguard_pairing_points", "vanguard_pairing_cap"),
    Item("visits", gettext_lazy("入户走访"), "vanguard_visit_points", "vanguard_visit_cap"),
    Item(
        "concerns", gettext_lazy("办结民情问题"), "vanguard_concern_points", "vanguard_concern_cap"
    ),
    Item("demonstration", gettext_lazy("党员示范户"), "vanguard_demonstration_points"),
    Item("business_leader", gettext_lazy("党员致富带头人"), "vanguard_business_leader_points"),
    Item("commendations", gettext_lazy("受到表彰"), "vanguard_commendation_points"),
    Item("sanctions", gettext_lazy("受到处分"), "vanguard_sanction_points", sign=-1),
)
ITEM_BY_KEY = {i.key: i for i in ITEMS}


def _centi(params: dict[str, Any], key: str) -> int:
    """A parameter in hundredths of a point (a standard saved before it existed has the
    national default)."""
    return int(Decimal(str(params.get(key, P.NATIONAL_DEFAULTS[key]))) * 100)


def _points(centi: int) -> Decimal:
    return (Decimal(centi) / 100).quantize(Decimal("0.01"))


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _part_q(column: str, part: Part) -> Q:
    q = prefix_q(column, [part.prefix]) if part.prefix else Q()
    for inner in part.excluded:
        q &= ~prefix_q(column, [inner])
    return q


def _parts(scope: Scope, area: str, year: int) -> list[Part]:
    parts: list[Part] = []
    for prefix in _prefixes(scope, area):
        parts.extend(standards.plan(prefix, year)[0])
    return parts


def _param(parts: list[Part], key: str) -> Case:
    """The parameter ``key`` (in hundredths) of each member's part: one CASE."""
    return Case(
        *[When(_part_q("area_code", p), then=Value(_centi(p.params, key))) for p in parts],
        default=Value(_centi({}, key)),
        output_field=IntegerField(),
    )


def _fact_counts(year: int) -> dict[str, Any]:
    """Per member, the count of each item's facts in ``year`` (correlated subqueries)."""
    start, end = _year_bounds(year)
    me, cadre = OuterRef("pk"), OuterRef("cadre_id")
    in_year = {"meeting__held_on__gte": start, "meeting__held_on__lte": end}
    return {
        "meetings": _count_of(
            ATTENDANCE.objects.filter(partymember_id=me, **in_year), "partymember_id"
        ),
        # meetings of the member's organisation for all its members, held in the year since
        # joining, less those of them the member attended: two plain counts
        "absences": _count_of(
            Meeting.objects.filter(
                organisation_id=OuterRef("organisation_id"),
                kind__in=ALL_MEMBERS,
                held_on__gte=start,
                held_on__lte=end,
            ).filter(held_on__gte=OuterRef("joined_on")),
            "organisation_id",
        )
        - _count_of(
            ATTENDANCE.objects.filter(
                partymember_id=me,
                meeting__organisation_id=OuterRef("organisation_id"),
                meeting__kind__in=ALL_MEMBERS,
                **in_year,
            ).filter(meeting__held_on__gte=OuterRef("joined_on")),
            "partymember_id",
        ),
        "trainings": _count_of(
            CourseAttendance.objects.filter(
                member_id=me, course__starts_on__gte=start, course__starts_on__lte=end
            ),
            "member_id",
        ),
        # households the member's cadre record was paired with at some time in the year
        "pairings": _count_of(
            Pairing.objects.filter(cadre_id=cadre, starts_on__lte=end).filter(
                Q(ends_on__isnull=True) | Q(ends_on__gte=start)
            ),
            "cadre_id",
            "household_id",
            distinct=True,
        ),
        "visits": _count_of(
            Visit.objects.filter(
                cadre_id=cadre, mode=Visit.Mode.HOME, visited_on__gte=start, visited_on__lte=end
            ),
            "cadre_id",
        ),
        "concerns": _count_of(
            Concern.objects.filter(
                visit__cadre_id=cadre,
                status__in=SOLVED,
                resolved_on__gte=start,
                resolved_on__lte=end,
            ),
            "visit__cadre_id",
        ),
        "demonstration": Case(
            When(is_demonstration_household=True, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        "business_leader": Case(
            When(is_business_leader=True, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        "commendations": _count_of(
            MemberRecord.objects.filter(
                member_id=me, kind=MemberRecord.Kind.COMMENDATION, on__gte=start, on__lte=end
            ),
            "member_id",
        ),
        "sanctions": _count_of(
            MemberRecord.objects.filter(
                member_id=me, kind=MemberRecord.Kind.SANCTION, on__gte=start, on__lte=end
            ),
            "member_id",
        ),
    }


def vanguard_queryset(
    *,
    scope: Scope,
    year: int,
    area: str = "",
    organisation_id: int | None = None,
) -> QuerySet[PartyMember]:
    """Members on the roll in the actor's areas, each annotated with ``n_<item>`` (facts),
    ``c_<item>`` (points in hundredths, signed), ``total_c`` and ``rank`` within the
    organisation. One query when evaluated (plus those of the standards in force)."""
    parts = _parts(scope, area, year)
    qs = PartyMember.objects.filter(_scoped(scope, "area_code", area), is_active=True)
    if organisation_id:
        qs = qs.filter(organisation_id=organisation_id)
    counts = _fact_counts(year)
    qs = qs.annotate(**{f"n_{k}": v for k, v in counts.items()})
    points: dict[str, Combinable] = {}
    for item in ITEMS:
        raw: Any = F(f"n_{item.key}") * _param(parts, item.points_key)
        if item.cap_key:
            raw = Least(raw, _param(parts, item.cap_key))
        points[f"c_{item.key}"] = raw if item.sign > 0 else Value(0) - raw
    qs = qs.annotate(**points)
    total: Any = Value(0)
    for item in ITEMS:
        total = total + F(f"c_{item.key}")
    qs = qs.annotate(total_c=total)
    return qs.annotate(
        rank=Window(
            Rank(),
            partition_by=[F("organisation_id")],
            order_by=[F("total_c").desc()],
        )
    ).select_related("organisation")


@dataclass
class VanguardRow:
    member_id: int
    name: str
    organisation_id: int
    organisation_name: str
    area_code: str
    counts: dict[str, int]
    points: dict[str, Decimal]
    total: Decimal
    rank: int  # within the organisation, 1 = the highest total (ties share a rank)


def _row(m: Any) -> VanguardRow:
    return VanguardRow(
        member_id=m.pk,
        name=m.name,
        organisation_id=m.organisation_id,
        organisation_name=m.organisation.name,
        area_code=m.area_code,
        counts={i.key: int(getattr(m, f"n_{i.key}")) for i in ITEMS},
        points={i.key: _points(getattr(m, f"c_{i.key}")) for i in ITEMS},
        total=_points(m.total_c),
        rank=int(m.rank),
    )


def vanguard(
    *,
    scope: Scope,
    year: int | None = None,
    area: str = "",
    organisation_id: int | None = None,
) -> list[VanguardRow]:
    """The vanguard index of every member on the roll in the actor's areas for ``year``,
    ranked per organisation; ordered by organisation (area code, name), then rank, name."""
    year = year or _today(None).year
    qs = vanguard_queryset(scope=scope, year=year, area=area, organisation_id=organisation_id)
    rows = qs.order_by("organisation__area_code", "organisation__name", "organisation_id",
                       "rank", "name", "id")  # fmt: skip
    return [_row(m) for m in rows]


# --- the member's file, and where each point comes from ----------------------------------------


@dataclass
class Fact:
    on: dt.date | None
    text: str
    url: str = ""


@dataclass
class ItemBreakdown:
    key: str
    label: str
    count: int
    unit_points: Decimal
    cap: Decimal | None
    points: Decimal  # signed: a deduction is negative
    capped: bool
    facts: list[Fact] = field(default_factory=list)
    deduction: bool = False  # the points per fact are taken off


@dataclass
class MemberFile:
    member: PartyMember
    year: int
    attended: list[Meeting]
    missed: list[Meeting]
    trainings: list[CourseAttendance]
    pairings: list[Pairing]
    visits: list[Visit]
    concerns: list[Concern]
    records: list[MemberRecord]
    head_names: dict[int, str]
    items: list[ItemBreakdown]
    total: Decimal
    rank: int | None
    ranked: int  # members ranked in the organisation
    standard_region: str


def _heads(household_ids: Iterable[int | None]) -> dict[int, str]:
    return dict(
        Member.objects.filter(
            household_id__in={i for i in household_ids if i}, relation=Relation.HEAD, is_active=True
        ).values_list("household_id", "name")
    )


def _household_label(household: Any, heads: dict[int, str]) -> str:
    head = heads.get(household.pk, "")
    return f"{household.number} {head}".strip()


def member_file(*, scope: Scope, member_id: int, year: int | None = None) -> MemberFile:
    """The member's file for ``year``: the meetings of 三会一课 attended and missed, the
    trainings, and through the member's cadre record the households paired, the home
    visits and the concerns solved; the records; and the vanguard index item by item,
    each with the facts behind its points. A fixed number of queries."""
    year = year or _today(None).year
    member = member_get(scope=scope, member_id=member_id)
    start, end = _year_bounds(year)
    org_meetings = list(
        Meeting.objects.filter(
            organisation_id=member.organisation_id,
            kind__in=ALL_MEMBERS,
            held_on__gte=start,
            held_on__lte=end,
        ).order_by("held_on", "id")
    )
    attended = list(
        Meeting.objects.filter(attendees=member, held_on__gte=start, held_on__lte=end)
        .select_related("organisation")
        .order_by("held_on", "id")
    )
    attended_ids = {m.pk for m in attended}
    missed = [m for m in org_meetings if m.pk not in attended_ids and m.held_on >= member.joined_on]
    trainings = list(
        CourseAttendance.objects.filter(
            member=member, course__starts_on__gte=start, course__starts_on__lte=end
        )
        .select_related("course")
        .order_by("course__starts_on", "id")
    )
    pairings: list[Pairing] = []
    visits: list[Visit] = []
    concerns: list[Concern] = []
    if member.cadre_id:
        pairings = list(
            Pairing.objects.filter(cadre_id=member.cadre_id, starts_on__lte=end)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
            .select_related("household")
            .order_by("household_id", "starts_on", "id")
        )
        visits = list(
            Visit.objects.filter(
                cadre_id=member.cadre_id,
                mode=Visit.Mode.HOME,
                visited_on__gte=start,
                visited_on__lte=end,
            )
            .select_related("household")
            .order_by("visited_on", "id")
        )
        concerns = list(
            Concern.objects.filter(
                visit__cadre_id=member.cadre_id,
                status__in=SOLVED,
                resolved_on__gte=start,
                resolved_on__lte=end,
            )
            .select_related("household")
            .order_by("resolved_on", "id")
        )
    records = list(member.records.order_by("on", "id"))
    heads = _heads(
        [p.household_id for p in pairings]
        + [v.household_id for v in visits]
        + [c.household_id for c in concerns]
        + ([member.household_id] if member.household_id else [])
    )
    # the index's own row (same query as the ranking), so the page shows what it ranked
    ranked = list(
        vanguard_queryset(scope=scope, year=year, organisation_id=member.organisation_id).order_by(
            "rank", "id"
        )
    )
    mine: Any = next((m for m in ranked if m.pk == member.pk), None)
    force = standards.in_force(year)
    params = standards.effective(member.area_code, force)
    region = standards.chain(member.area_code, force)[-1]
    facts = _facts(member, year, attended, missed, trainings, pairings, visits, concerns,
                   records, heads)  # fmt: skip
    items = []
    for item in ITEMS:
        count = int(getattr(mine, f"n_{item.key}")) if mine is not None else 0
        points = _points(getattr(mine, f"c_{item.key}")) if mine is not None else Decimal("0.00")
        unit = _points(_centi(params, item.points_key))
        cap = _points(_centi(params, item.cap_key)) if item.cap_key else None
        items.append(
            ItemBreakdown(
                key=item.key,
                label=str(item.label),
                count=count,
                unit_points=unit,
                cap=cap,
                points=points,
                capped=cap is not None and count * unit > cap,
                facts=facts[item.key],
                deduction=item.sign < 0,
            )
        )
    return MemberFile(
        member=member,
        year=year,
        attended=attended,
        missed=missed,
        trainings=trainings,
        pairings=pairings,
        visits=visits,
        concerns=concerns,
        records=records,
        head_names=heads,
        items=items,
        total=_points(mine.total_c) if mine is not None else Decimal("0.00"),
        rank=int(mine.rank) if mine is not None else None,
        ranked=len(ranked),
        standard_region=region,
    )


def _facts(
    member: PartyMember,
    year: int,
    attended: list[Meeting],
    missed: list[Meeting],
    trainings: list[CourseAttendance],
    pairings: list[Pairing],
    visits: list[Visit],
    concerns: list[Concern],
    records: list[MemberRecord],
    heads: dict[int, str],
) -> dict[str, list[Fact]]:
    """The facts behind each item, as listed on the member's page (no query)."""
    seen: set[int] = set()
    paired: list[Fact] = []
    for p in pairings:
        if p.household_id in seen:
            continue  # a household counts once in the year
        seen.add(p.household_id)
        paired.append(Fact(p.starts_on, _household_label(p.household, heads)))
    start, end = _year_bounds(year)
    in_year = [r for r in records if start <= r.on <= end]
    return {
        "meetings": [
            Fact(m.held_on, f"{m.get_kind_display()}：{m.topic}（{m.organisation.name}）")
            for m in attended
        ],
        "absences": [Fact(m.held_on, f"{m.get_kind_display()}：{m.topic}") for m in missed],
        "trainings": [
            Fact(a.course.starts_on, f"{a.course.title}（{a.course.organiser}）") for a in trainings
        ],
        "pairings": paired,
        "visits": [Fact(v.visited_on, _household_label(v.household, heads)) for v in visits],
        "concerns": [
            Fact(c.resolved_on, f"{_household_label(c.household, heads)}：{c.text[:60]}")
            for c in concerns
        ],
        "demonstration": (
            [Fact(None, _household_label(member.household, heads) if member.household else "")]
            if member.is_demonstration_household
            else []
        ),
        "business_leader": (
            [Fact(None, _("带动 %(n)s 户") % {"n": member.households_led})]
            if member.is_business_leader
            else []
        ),
        "commendations": [
            Fact(r.on, f"{r.title}（{r.issued_by or '—'}）：{r.grounds}")
            for r in in_year
            if r.kind == MemberRecord.Kind.COMMENDATION
        ],
        "sanctions": [
            Fact(r.on, f"{r.title}（{r.issued_by or '—'}）：{r.grounds}")
            for r in in_year
            if r.kind == MemberRecord.Kind.SANCTION
        ],
    }
