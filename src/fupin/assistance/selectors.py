"""Reads of assistance (精准帮扶), always within the actor's areas: who must have a
responsible cadre and who has none, cadres' loads, contacts and visits overdue, work teams
short of the norms, residence short of the days, overdue concerns and the agendas of the
meetings that study them, a cadre's to-do list, and the progress of household plans.

Every report is a few set-based queries over whole tables, never one query per row. The
norms (POLICY.md §6) come from the standards in force: a scope is split into the parts
that share one effective standard (``standards.plan``), and each norm becomes one
condition per part inside the same query, so a province's or county's override changes
the result only under its prefix.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
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
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear, Substr
from django.utils.translation import gettext as _

from fupin.accounts.scope import Scope
from fupin.areas.codes import level_of, prefix_of, prefix_q
from fupin.areas.models import Area, PovertyStatus
from fupin.assistance.models import (
    Cadre,
    Concern,
    Leave,
    Notification,
    Pairing,
    Plan,
    PlannedMeasure,
    Presence,
    TeamMember,
    Unit,
    Visit,
    VisitPhoto,
    WorkTeam,
)
from fupin.core import clock
from fupin.core.errors import InvalidInput, NotFound
from fupin.policy import engine, standards
from fupin.policy import params as P
from fupin.policy.engine import Part
from fupin.policy.models import EvaluationRun, HouseholdVerdict
from fupin.registry.choices import HouseholdStatus, Relation
from fupin.registry.models import Household, Member

# A concern raised but not routed must be routed within this many days (its deadline
# until it is given one).
ROUTE_WITHIN_DAYS = 3
# Planned measures due within this many days appear on a cadre's to-do list.
PLANNED_SOON_DAYS = 14
# Households that need a responsible cadre whatever their exit year.
NEEDING_STATUSES = (
    HouseholdStatus.NOT_EXITED,
    HouseholdStatus.RETURNED,
    HouseholdStatus.MONITORED,
)
OPEN_CONCERN = (Concern.Status.RAISED, Concern.Status.ROUTED)
# The concerns each meeting studies (seed 002): the village party organisation every half
# month, the township monthly, the county quarterly. Concerns not yet routed (no level)
# are the village's to study and route.
AGENDA_LEVELS: dict[str, tuple[tuple[str, ...], str]] = {
    Area.Level.VILLAGE: (("", Concern.Level.VILLAGE), "village_meeting_interval_days"),
    Area.Level.TOWNSHIP: ((Concern.Level.TOWNSHIP,), "township_meeting_interval_days"),
    Area.Level.COUNTY: (
        (Concern.Level.DEPARTMENT, Concern.Level.COUNTY),
        "county_meeting_interval_days",
    ),
}


# --- scope, parts and norms -------------------------------------------------------------


def _today(today: dt.date | None) -> dt.date:
    return today or clock.today()


def _prefixes(scope: Scope, area: str) -> tuple[str, ...]:
    """The actor's prefixes narrowed to ``area`` (which may be wider or narrower)."""
    if not area:
        return tuple(scope.prefixes)
    out = set()
    for prefix in scope.prefixes:
        if area.startswith(prefix):
            out.add(area)
        elif prefix.startswith(area):
            out.add(prefix)
    return tuple(sorted(out))


@dataclass(frozen=True)
class _Ctx:
    """The actor's areas (narrowed by ``area``) and their parts under one standard."""

    scope: Scope
    area: str
    prefixes: tuple[str, ...]
    parts: tuple[Part, ...]

    def within(self, column: str) -> Q:
        """The scope filter: the actor's prefixes, then the optional ``area``."""
        q = prefix_q(column, self.scope.prefixes)
        if self.area:
            q &= prefix_q(column, [self.area])
        return q

    def by_part(self, column: str, condition: Callable[[dict[str, Any]], Q]) -> Q:
        """Rows meeting ``condition`` built with the norms of the part they fall in."""
        q = Q(pk__in=[])
        for part in self.parts:
            q |= _part_q(column, part) & condition(part.params)
        return q

    def value(self, column: str, key: str) -> Case:
        """The norm ``key`` of each row's part, as an annotation."""
        return Case(
            *[
                When(_part_q(column, part), then=Value(_norm(part.params, key)))
                for part in self.parts
            ],
            default=Value(P.NATIONAL_DEFAULTS[key]),
            output_field=IntegerField(),
        )


def _ctx(scope: Scope, area: str, year: int) -> _Ctx:
    prefixes = _prefixes(scope, area)
    parts: list[Part] = []
    for prefix in prefixes:
        parts.extend(standards.plan(prefix, year)[0])
    return _Ctx(scope=scope, area=area, prefixes=prefixes, parts=tuple(parts))


def _range_q(column: str, prefix: str) -> Q:
    return prefix_q(column, [prefix]) if prefix else Q()


def _part_q(column: str, part: Part) -> Q:
    q = _range_q(column, part.prefix)
    for inner in part.excluded:
        q &= ~_range_q(column, inner)
    return q


def _norm(params: dict[str, Any], key: str) -> int:
    """A norm of a standard; one saved before the norm existed has the national default."""
    return int(params.get(key, P.NATIONAL_DEFAULTS[key]))


def _ago(today: dt.date, days: int) -> dt.date:
    return today - dt.timedelta(days=days)


def _heads(household_ids: Iterable[int]) -> dict[int, str]:
    return dict(
        Member.objects.filter(
            household_id__in=list(household_ids), relation=Relation.HEAD, is_active=True
        ).values_list("household_id", "name")
    )


def _names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _township(code: str) -> str:
    return code[:9].ljust(12, "0")


def _active_pairing() -> Exists:
    return Exists(Pairing.objects.filter(household_id=OuterRef("pk"), ends_on__isnull=True))


def _month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _count_of(qs: QuerySet[Any], by: str) -> Subquery:
    """A correlated COUNT(*) of ``qs`` (already filtered on OuterRef) grouped by ``by``."""
    return Subquery(
        qs.order_by().values(by).annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


# --- who needs a cadre, and coverage ----------------------------------------------------


def _needing(ctx: _Ctx, today: dt.date) -> QuerySet[Household]:
    def condition(params: dict[str, Any]) -> Q:
        since = today.year - _norm(params, "pairing_stability_years")
        return Q(status__in=NEEDING_STATUSES) | Q(
            status=HouseholdStatus.EXITED, exited_year__gte=since
        )

    return (
        Household.objects.filter(is_active=True)
        .filter(ctx.within("area_code"))
        .filter(ctx.by_part("area_code", condition))
    )


def needing_cadre(
    *, scope: Scope, area: str = "", today: dt.date | None = None
) -> QuerySet[Household]:
    """Active households that must have a responsible cadre: not exited, returned to
    poverty or monitored; or exited no more than ``pairing_stability_years`` years ago
    (帮扶对象不脱贫, 帮扶责任不脱钩) — with today's year 2026 and 5 years, exited in 2021
    or later. Each part of the scope uses its own standard. Ordered by area code, id."""
    today = _today(today)
    ctx = _ctx(scope, area, today.year)
    return _needing(ctx, today).order_by("area_code", "id")


@dataclass
class VillageCoverage:
    code: str  # the 12-digit village code ("" for the total)
    name: str
    needing: int
    covered: int  # with an active pairing
    gaps: int
    share: float | None  # covered ÷ needing, None when nothing is needed


def _coverage_row(code: str, name: str, needing: int, covered: int) -> VillageCoverage:
    return VillageCoverage(
        code=code,
        name=name,
        needing=needing,
        covered=covered,
        gaps=needing - covered,
        share=round(covered / needing, 4) if needing else None,
    )


def coverage(
    *, scope: Scope, area: str = "", today: dt.date | None = None
) -> list[VillageCoverage]:
    """Per village (12-digit code): households needing a cadre, those with an active
    pairing, the gaps and the share covered. Villages needing none are left out. Ordered
    by code; :func:`coverage_total` sums the rows."""
    today = _today(today)
    ctx = _ctx(scope, area, today.year)
    rows = list(
        _needing(ctx, today)
        .order_by()
        .annotate(village=Substr("area_code", 1, 12))
        .values("village")
        .annotate(needing=Count("id"), covered=Count("id", filter=Q(_active_pairing())))
        .order_by("village")
        .values_list("village", "needing", "covered")
    )
    names = _names(r[0] for r in rows)
    return [_coverage_row(code, names.get(code, code), n, c) for code, n, c in rows]


def coverage_total(rows: list[VillageCoverage]) -> VillageCoverage:
    """The total row of :func:`coverage` (no query)."""
    return _coverage_row("", _("合计"), sum(r.needing for r in rows), sum(r.covered for r in rows))


@dataclass
class CoverageGap:
    household_id: int
    number: str
    status: str
    area_code: str
    village_code: str
    village_name: str
    head_name: str
    # the household's last pairing, when it had one: why and when it ended, and with whom
    last_end_reason: str
    last_end_reason_label: str
    last_ended_on: dt.date | None
    last_cadre_name: str


def _gaps(ctx: _Ctx, today: dt.date) -> QuerySet[Household]:
    return _needing(ctx, today).filter(~_active_pairing())


def coverage_gaps(
    *, scope: Scope, area: str = "", today: dt.date | None = None
) -> list[CoverageGap]:
    """Households needing a cadre that have no active pairing, with their last pairing's
    end (e.g. 帮扶干部调离 on a date: to be paired again). Ordered by area code, number."""
    today = _today(today)
    ctx = _ctx(scope, area, today.year)
    last = Pairing.objects.filter(household_id=OuterRef("pk")).order_by(
        F("ends_on").desc(nulls_last=True), "-id"
    )
    rows = list(
        _gaps(ctx, today)
        .annotate(
            last_reason=Subquery(last.values("end_reason")[:1]),
            last_ended_on=Subquery(last.values("ends_on")[:1]),
            last_cadre=Subquery(last.values("cadre__name")[:1]),
        )
        .order_by("area_code", "number", "id")
        .values("id", "number", "status", "area_code", "last_reason", "last_ended_on", "last_cadre")
    )
    heads = _heads(r["id"] for r in rows)
    names = _names(r["area_code"][:12] for r in rows)
    labels = dict(Pairing.EndReason.choices)
    return [
        CoverageGap(
            household_id=r["id"],
            number=r["number"],
            status=r["status"],
            area_code=r["area_code"],
            village_code=r["area_code"][:12],
            village_name=names.get(r["area_code"][:12], ""),
            head_name=heads.get(r["id"], ""),
            last_end_reason=r["last_reason"] or "",
            last_end_reason_label=str(labels.get(r["last_reason"] or "", "")),
            last_ended_on=r["last_ended_on"],
            last_cadre_name=r["last_cadre"] or "",
        )
        for r in rows
    ]


# --- cadres' loads ----------------------------------------------------------------------


@dataclass
class CadreLoad:
    cadre_id: int
    name: str
    unit_id: int
    unit_name: str
    area_code: str
    is_party_member: bool
    households: int  # active pairings, wherever the households are
    limit: int  # cadre_max_households of the cadre's area
    over_limit: bool


def _cadre_limit(year: int) -> Case:
    """cadre_max_households of each cadre's own area, whatever the actor's scope (a cadre
    of a county unit works in the actor's township): one condition per region in force,
    the narrowest first."""
    force = standards.in_force(year)
    regions = sorted((r for r in force if r), key=len, reverse=True)
    key = "cadre_max_households"
    return Case(
        *[
            When(_range_q("area_code", r), then=Value(_norm(standards.effective(r, force), key)))
            for r in regions
        ],
        default=Value(_norm(standards.effective("", force), key)),
        output_field=IntegerField(),
    )


def _loads(ctx: _Ctx, today: dt.date) -> list[CadreLoad]:
    if not ctx.prefixes:
        return []
    in_scope = Pairing.objects.filter(cadre_id=OuterRef("pk"), ends_on__isnull=True).filter(
        ctx.within("area_code")
    )
    rows = (
        Cadre.objects.filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .filter(ctx.within("area_code") | Q(Exists(in_scope)))
        .annotate(
            active=_count_of(
                Pairing.objects.filter(cadre_id=OuterRef("pk"), ends_on__isnull=True), "cadre"
            ),
            limit=_cadre_limit(today.year),
        )
        .order_by("unit__name", "name", "id")
        .values(
            "id",
            "name",
            "unit_id",
            "unit__name",
            "area_code",
            "is_party_member",
            "active",
            "limit",
        )
    )
    return [
        CadreLoad(
            cadre_id=r["id"],
            name=r["name"],
            unit_id=r["unit_id"],
            unit_name=r["unit__name"],
            area_code=r["area_code"],
            is_party_member=r["is_party_member"],
            households=r["active"] or 0,
            limit=r["limit"],
            over_limit=(r["active"] or 0) > r["limit"],
        )
        for r in rows
    ]


def cadre_loads(*, scope: Scope, area: str = "", today: dt.date | None = None) -> list[CadreLoad]:
    """Cadres not left (working in the actor's areas, or paired with a household there),
    with their active pairings counted everywhere and ``over_limit`` when they exceed
    ``cadre_max_households`` of their own area's standard. Ordered by unit, name."""
    today = _today(today)
    return _loads(_ctx_without_parts(scope, area), today)


def _ctx_without_parts(scope: Scope, area: str) -> _Ctx:
    return _Ctx(scope=scope, area=area, prefixes=_prefixes(scope, area), parts=())


# --- contacts and visits ----------------------------------------------------------------


def _last_contact(today: dt.date) -> Subquery:
    """The last visit (any mode) by the pairing's cadre to its household since it began."""
    return Subquery(
        Visit.objects.filter(
            cadre_id=OuterRef("cadre_id"),
            household_id=OuterRef("household_id"),
            visited_on__gte=OuterRef("starts_on"),
            visited_on__lte=today,
        )
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )


def _contact_qs(ctx: _Ctx, today: dt.date) -> QuerySet[Pairing]:
    """Active pairings of party-member cadres whose last contact (or, without one, the
    pairing's start) is more than ``contact_interval_days`` before today."""
    return (
        Pairing.objects.filter(ends_on__isnull=True, cadre__is_party_member=True)
        .filter(ctx.within("area_code"))
        .annotate(last_contact=_last_contact(today))
        .annotate(reference=Coalesce("last_contact", "starts_on"))
        .filter(
            ctx.by_part(
                "area_code",
                lambda p: Q(reference__lt=_ago(today, _norm(p, "contact_interval_days"))),
            )
        )
    )


@dataclass
class ContactShortfall:
    pairing_id: int
    cadre_id: int
    cadre_name: str
    unit_id: int
    unit_name: str
    household_id: int
    household_number: str
    head_name: str
    area_code: str
    starts_on: dt.date
    last_contact: dt.date | None  # since the pairing began
    days_since: int  # since the last contact, or since the pairing began without one
    interval_days: int


def contact_shortfalls(
    *, scope: Scope, area: str = "", today: dt.date | None = None
) -> list[ContactShortfall]:
    """Active pairings whose cadre is a party member and has not contacted the household
    (a visit of any mode) within ``contact_interval_days`` days: the last contact is older
    than that — exactly 7 days ago is still in time, 8 is not — or there was none since the
    pairing began more than that many days ago. Longest silence first."""
    today = _today(today)
    ctx = _ctx(scope, area, today.year)
    rows = list(
        _contact_qs(ctx, today)
        .annotate(interval=ctx.value("area_code", "contact_interval_days"))
        .order_by("reference", "id")
        .values(
            "id",
            "cadre_id",
            "cadre__name",
            "cadre__unit_id",
            "cadre__unit__name",
            "household_id",
            "household__number",
            "area_code",
            "starts_on",
            "last_contact",
            "reference",
            "interval",
        )
    )
    heads = _heads(r["household_id"] for r in rows)
    return [
        ContactShortfall(
            pairing_id=r["id"],
            cadre_id=r["cadre_id"],
            cadre_name=r["cadre__name"],
            unit_id=r["cadre__unit_id"],
            unit_name=r["cadre__unit__name"],
            household_id=r["household_id"],
            household_number=r["household__number"],
            head_name=heads.get(r["household_id"], ""),
            area_code=r["area_code"],
            starts_on=r["starts_on"],
            last_contact=r["last_contact"],
            days_since=(today - r["reference"]).days,
            interval_days=r["interval"],
        )
        for r in rows
    ]


def _unvisited_qs(ctx: _Ctx, today: dt.date) -> QuerySet[Household]:
    last = (
        Visit.objects.filter(household_id=OuterRef("pk"), visited_on__lte=today)
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )
    return (
        _needing(ctx, today)
        .annotate(last_visit=Subquery(last))
        .filter(
            ctx.by_part(
                "area_code",
                lambda p: (
                    Q(last_visit__isnull=True)
                    | Q(last_visit__lt=_ago(today, _norm(p, "visit_gap_days")))
                ),
            )
        )
    )


@dataclass
class Unvisited:
    household_id: int
    number: str
    status: str
    area_code: str
    village_name: str
    head_name: str
    cadre_name: str  # the responsible cadre now, "" when none
    last_visit: dt.date | None
    days_since: int | None  # None: never visited
    gap_days: int


def unvisited_households(
    *, scope: Scope, area: str = "", today: dt.date | None = None
) -> list[Unvisited]:
    """Households needing a cadre whose last visit by anyone was more than
    ``visit_gap_days`` days ago, or never. Never visited first, then the longest gap."""
    today = _today(today)
    ctx = _ctx(scope, area, today.year)
    cadre = Pairing.objects.filter(household_id=OuterRef("pk"), ends_on__isnull=True).values(
        "cadre__name"
    )[:1]
    rows = list(
        _unvisited_qs(ctx, today)
        .annotate(cadre_name=Subquery(cadre), gap=ctx.value("area_code", "visit_gap_days"))
        .order_by(F("last_visit").asc(nulls_first=True), "area_code", "id")
        .values("id", "number", "status", "area_code", "cadre_name", "last_visit", "gap")
    )
    heads = _heads(r["id"] for r in rows)
    names = _names(r["area_code"][:12] for r in rows)
    return [
        Unvisited(
            household_id=r["id"],
            number=r["number"],
            status=r["status"],
            area_code=r["area_code"],
            village_name=names.get(r["area_code"][:12], ""),
            head_name=heads.get(r["id"], ""),
            cadre_name=r["cadre_name"] or "",
            last_visit=r["last_visit"],
            days_since=(today - r["last_visit"]).days if r["last_visit"] else None,
            gap_days=r["gap"],
        )
        for r in rows
    ]


# --- work teams: residence and the team norms --------------------------------------------


@dataclass
class ResidenceShortfall:
    member_id: int
    team_id: int
    cadre_id: int
    cadre_name: str
    unit_id: int
    unit_name: str
    is_leader: bool
    village_code: str
    village_name: str
    month: dt.date  # its first day
    in_post_from: dt.date
    in_post_to: dt.date
    days_in_post: int
    days_in_month: int
    presence_days: int
    required_days: int  # residence_days_per_month, prorated to the days in post
    leave_days: int  # approved leave overlapping the month
    missing: int


def required_days(norm: int, days_in_post: int, days_in_month: int) -> int:
    """ceil(norm × days in post ÷ days in month): 20 days for a whole month, 10 for the
    second half of a 30-day month."""
    return -(-norm * days_in_post // days_in_month)


def _in_post(
    starts_on: dt.date, ends_on: dt.date | None, first: dt.date, last: dt.date
) -> tuple[dt.date, dt.date]:
    return max(starts_on, first), min(ends_on or last, last)


def _residence(
    ctx: _Ctx, month: dt.date, *, with_leave: bool = True, with_names: bool = True
) -> list[ResidenceShortfall]:
    """One query for the members below the full norm (no one prorated can need more),
    then the exact prorated requirement on those rows; leave in one more query."""
    first, last = _month_bounds(month)
    days_in_month = last.day
    presence = _count_of(
        Presence.objects.filter(member_id=OuterRef("pk"), day__gte=first, day__lte=last),
        "member",
    )
    rows = list(
        TeamMember.objects.filter(team__is_active=True, starts_on__lte=last)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        .filter(ctx.within("team__area_code"))
        .annotate(
            presence_days=Coalesce(presence, 0),
            norm=ctx.value("team__area_code", "residence_days_per_month"),
        )
        .filter(
            ctx.by_part(
                "team__area_code",
                lambda p: Q(presence_days__lt=_norm(p, "residence_days_per_month")),
            )
        )
        .order_by("team__area_code", "-is_leader", "id")
        .values(
            "id",
            "team_id",
            "team__area_code",
            "cadre_id",
            "cadre__name",
            "cadre__unit_id",
            "cadre__unit__name",
            "is_leader",
            "starts_on",
            "ends_on",
            "presence_days",
            "norm",
        )
    )
    out = []
    for r in rows:
        start, end = _in_post(r["starts_on"], r["ends_on"], first, last)
        days = (end - start).days + 1
        required = required_days(r["norm"], days, days_in_month)
        if r["presence_days"] >= required:
            continue
        out.append(
            ResidenceShortfall(
                member_id=r["id"],
                team_id=r["team_id"],
                cadre_id=r["cadre_id"],
                cadre_name=r["cadre__name"],
                unit_id=r["cadre__unit_id"],
                unit_name=r["cadre__unit__name"],
                is_leader=r["is_leader"],
                village_code=r["team__area_code"],
                village_name="",
                month=first,
                in_post_from=start,
                in_post_to=end,
                days_in_post=days,
                days_in_month=days_in_month,
                presence_days=r["presence_days"],
                required_days=required,
                leave_days=0,
                missing=required - r["presence_days"],
            )
        )
    if with_leave and out:
        leave: Counter[int] = Counter()
        for member_id, starts_on, ends_on in Leave.objects.filter(
            member_id__in=[r.member_id for r in out],
            status=Leave.Status.APPROVED,
            starts_on__lte=last,
            ends_on__gte=first,
        ).values_list("member_id", "starts_on", "ends_on"):
            leave[member_id] += (min(ends_on, last) - max(starts_on, first)).days + 1
        for row in out:
            row.leave_days = leave[row.member_id]
    if with_names and out:
        names = _names(r.village_code for r in out)
        for row in out:
            row.village_name = names.get(row.village_code, "")
    return out


def residence_shortfalls(
    *, scope: Scope, area: str = "", month: dt.date
) -> list[ResidenceShortfall]:
    """Members of active work teams in post during ``month`` (begun by its last day, not
    left before its first) present fewer days than ``residence_days_per_month`` — prorated
    for a part of the month in post. A month in progress shows who has not yet reached
    the days. Each row also gives the approved leave days within the month."""
    first, _last = _month_bounds(month)
    return _residence(_ctx(scope, area, first.year), first)


@dataclass
class TeamShortfall:
    team_id: int
    village_code: str
    village_name: str
    unit_name: str
    starts_on: dt.date
    ends_on: dt.date
    active_members: int
    min_members: int
    has_leader: bool
    term_years: int
    few_members: bool
    no_leader: bool
    short_term: bool


@dataclass
class VillageRef:
    code: str
    name: str


@dataclass
class TeamShortfalls:
    teams: list[TeamShortfall]
    # registered poor villages (贫困村) without an active team
    villages_without_team: list[VillageRef]


def _ymd(column: str) -> Any:
    return ExtractYear(column) * 10000 + ExtractMonth(column) * 100 + ExtractDay(column)


def _short_term(starts_on: dt.date, ends_on: dt.date, years: int) -> bool:
    """A term shorter than ``years`` years: it ends before the same day ``years`` later."""
    return (ends_on.year, ends_on.month, ends_on.day) < (
        starts_on.year + years,
        starts_on.month,
        starts_on.day,
    )


def team_shortfalls(
    *, scope: Scope, area: str = "", today: dt.date | None = None
) -> TeamShortfalls:
    """Active work teams with fewer active members than ``team_min_members``, without an
    active leader (第一书记), or with a term shorter than ``team_term_years`` years; and
    the registered poor villages that have no active team. Ordered by village code."""
    today = _today(today)
    ctx = _ctx(scope, area, today.year)
    active = TeamMember.objects.filter(team_id=OuterRef("pk"), ends_on__isnull=True)

    def condition(params: dict[str, Any]) -> Q:
        years = _norm(params, "team_term_years")
        return (
            Q(active_members__lt=_norm(params, "team_min_members"))
            | Q(has_leader=False)
            | Q(end_key__lt=F("start_key") + years * 10000)
        )

    rows = list(
        WorkTeam.objects.filter(is_active=True)
        .filter(ctx.within("area_code"))
        .annotate(
            active_members=Coalesce(_count_of(active, "team"), 0),
            has_leader=Exists(active.filter(is_leader=True)),
            start_key=_ymd("starts_on"),
            end_key=_ymd("ends_on"),
            min_members=ctx.value("area_code", "team_min_members"),
            term_years=ctx.value("area_code", "team_term_years"),
        )
        .filter(ctx.by_part("area_code", condition))
        .order_by("area_code", "id")
        .values(
            "id",
            "area_code",
            "unit__name",
            "starts_on",
            "ends_on",
            "active_members",
            "has_leader",
            "min_members",
            "term_years",
        )
    )
    without = list(
        Area.objects.filter(level=Area.Level.VILLAGE, poverty_status=PovertyStatus.POOR)
        .filter(ctx.within("code"))
        .filter(~Exists(WorkTeam.objects.filter(area_code=OuterRef("code"), is_active=True)))
        .order_by("code")
        .values_list("code", "name")
    )
    names = _names(r["area_code"] for r in rows)
    teams = [
        TeamShortfall(
            team_id=r["id"],
            village_code=r["area_code"],
            village_name=names.get(r["area_code"], ""),
            unit_name=r["unit__name"] or "",
            starts_on=r["starts_on"],
            ends_on=r["ends_on"],
            active_members=r["active_members"],
            min_members=r["min_members"],
            has_leader=r["has_leader"],
            term_years=r["term_years"],
            few_members=r["active_members"] < r["min_members"],
            no_leader=not r["has_leader"],
            short_term=_short_term(r["starts_on"], r["ends_on"], r["term_years"]),
        )
        for r in rows
    ]
    return TeamShortfalls(
        teams=teams, villages_without_team=[VillageRef(code, name) for code, name in without]
    )


# --- concerns -----------------------------------------------------------------------------


def effective_due(concern: Concern) -> dt.date:
    """A concern's deadline; one not yet given a deadline must be routed within 3 days."""
    return concern.due_on or concern.raised_on + dt.timedelta(days=ROUTE_WITHIN_DAYS)


def _overdue_q(today: dt.date) -> Q:
    return Q(status__in=OPEN_CONCERN) & (
        Q(due_on__lt=today) | Q(due_on__isnull=True, raised_on__lt=_ago(today, ROUTE_WITHIN_DAYS))
    )


@dataclass
class ConcernRow:
    concern: Concern
    due_on: dt.date  # the deadline, or raised_on + 3 days when it has none
    deadline_set: bool
    overdue: bool
    days_overdue: int
    household_number: str
    head_name: str
    village_name: str


def _concern_rows(concerns: list[Concern], today: dt.date) -> list[ConcernRow]:
    heads = _heads(c.household_id for c in concerns if c.household_id)
    names = _names(c.area_code[:12] for c in concerns)
    rows = []
    for c in concerns:
        due = effective_due(c)
        rows.append(
            ConcernRow(
                concern=c,
                due_on=due,
                deadline_set=c.due_on is not None,
                overdue=due < today,
                days_overdue=max((today - due).days, 0),
                household_number=c.household.number if c.household else "",
                head_name=heads.get(c.household_id, "") if c.household_id else "",
                village_name=names.get(c.area_code[:12], ""),
            )
        )
    rows.sort(key=lambda r: (r.due_on, r.concern.pk))
    return rows


def overdue_concerns(
    *, scope: Scope, area: str = "", today: dt.date | None = None
) -> list[ConcernRow]:
    """Concerns raised or routed whose deadline is past (due yesterday is overdue, due
    today is not), and those raised without a deadline more than 3 days ago (their
    deadline taken as raised_on + 3 days). The oldest deadline first."""
    today = _today(today)
    ctx = _ctx_without_parts(scope, area)
    concerns = list(
        Concern.objects.filter(ctx.within("area_code"))
        .filter(_overdue_q(today))
        .select_related("household", "department")
    )
    return _concern_rows(concerns, today)


@dataclass
class Agenda:
    area_code: str
    area_name: str
    level: str  # village | township | county
    concern_levels: tuple[str, ...]
    meeting_interval_days: int
    items: list[ConcernRow] = field(default_factory=list)


def agenda(*, scope: Scope, area_code: str, today: dt.date | None = None) -> Agenda:
    """The open concerns (raised or routed) a study meeting takes up: a village's
    meeting those at village level under it (and those not yet routed), a township's
    those at township level under it, the county's those of county departments and the
    county. Each item says whether it is overdue; the oldest deadline first."""
    today = _today(today)
    level = level_of(area_code)
    if level not in AGENDA_LEVELS:
        raise InvalidInput(_("只有村、乡镇、县召开民情问题研究会议。"))
    if not scope.covers(area_code):
        raise NotFound()
    levels, key = AGENDA_LEVELS[level]
    prefix = prefix_of(area_code)
    concerns = list(
        Concern.objects.filter(prefix_q("area_code", scope.prefixes))
        .filter(prefix_q("area_code", [prefix]))
        .filter(status__in=OPEN_CONCERN, level__in=levels)
        .select_related("household", "department")
    )
    params = standards.effective(prefix, standards.in_force(today.year))
    area = Area.objects.filter(code=area_code).values_list("name", flat=True).first()
    return Agenda(
        area_code=area_code,
        area_name=area or area_code,
        level=level,
        concern_levels=levels,
        meeting_interval_days=_norm(params, key),
        items=_concern_rows(concerns, today),
    )


# --- summaries per township and per unit ---------------------------------------------------


@dataclass
class AreaShortfalls:
    code: str  # the township's 12-digit code
    name: str
    coverage_gaps: int = 0
    contact: int = 0
    unvisited: int = 0
    residence: int = 0
    overdue_concerns: int = 0

    @property
    def total(self) -> int:
        return (
            self.coverage_gaps
            + self.contact
            + self.unvisited
            + self.residence
            + self.overdue_concerns
        )


def _previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _by_township(qs: QuerySet[Any]) -> dict[str, int]:
    return {
        _township(code): n
        for code, n in qs.order_by()
        .annotate(township=Substr("area_code", 1, 9))
        .values("township")
        .annotate(n=Count("pk"))
        .values_list("township", "n")
    }


def shortfalls_by_area(
    *,
    scope: Scope,
    area: str = "",
    today: dt.date | None = None,
    month: dt.date | None = None,
) -> list[AreaShortfalls]:
    """Per township: coverage gaps, contact shortfalls, unvisited households, residence
    shortfalls in ``month`` (default: the last full month) and overdue concerns. One
    grouped query per norm (residence: its one list, grouped here). Every township in the
    actor's areas is listed, with zeros; ordered by code."""
    today = _today(today)
    month = (month or _previous_month(today)).replace(day=1)
    ctx = _ctx(scope, area, today.year)
    counts = {
        "coverage_gaps": _by_township(_gaps(ctx, today)),
        "contact": _by_township(_contact_qs(ctx, today)),
        "unvisited": _by_township(_unvisited_qs(ctx, today)),
        "overdue_concerns": _by_township(
            Concern.objects.filter(ctx.within("area_code")).filter(_overdue_q(today))
        ),
    }
    month_ctx = ctx if month.year == today.year else _ctx(scope, area, month.year)
    residence: Counter[str] = Counter(
        _township(r.village_code)
        for r in _residence(month_ctx, month, with_leave=False, with_names=False)
    )
    counts["residence"] = dict(residence)
    codes = set(
        Area.objects.filter(level=Area.Level.TOWNSHIP)
        .filter(ctx.within("code"))
        .values_list("code", flat=True)
    )
    for by_code in counts.values():
        codes |= set(by_code)
    names = _names(codes)
    rows = []
    for code in sorted(codes):
        row = AreaShortfalls(code=code, name=names.get(code, code))
        for key, by_code in counts.items():
            setattr(row, key, by_code.get(code, 0))
        rows.append(row)
    return rows


@dataclass
class UnitShortfalls:
    unit_id: int
    name: str
    contact: int = 0
    over_limit: int = 0
    residence: int = 0


def shortfalls_by_unit(
    *,
    scope: Scope,
    area: str = "",
    today: dt.date | None = None,
    month: dt.date | None = None,
) -> list[UnitShortfalls]:
    """Per assisting unit: its party-member cadres' contact shortfalls (one grouped
    query), its cadres over the household limit and its team members short of residence
    in ``month`` (default: the last full month) — each from one list. Units with any
    shortfall only; ordered by name."""
    today = _today(today)
    month = (month or _previous_month(today)).replace(day=1)
    ctx = _ctx(scope, area, today.year)
    contact = dict(
        _contact_qs(ctx, today)
        .order_by()
        .values("cadre__unit_id")
        .annotate(n=Count("pk"))
        .values_list("cadre__unit_id", "n")
    )
    over = Counter(r.unit_id for r in _loads(ctx, today) if r.over_limit)
    month_ctx = ctx if month.year == today.year else _ctx(scope, area, month.year)
    residence = Counter(
        r.unit_id for r in _residence(month_ctx, month, with_leave=False, with_names=False)
    )
    ids = set(contact) | set(over) | set(residence)
    names = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
    rows = [
        UnitShortfalls(
            unit_id=i,
            name=names.get(i, ""),
            contact=contact.get(i, 0),
            over_limit=over.get(i, 0),
            residence=residence.get(i, 0),
        )
        for i in ids
    ]
    rows.sort(key=lambda r: (r.name, r.unit_id))
    return rows


# --- a cadre's to-do list ------------------------------------------------------------------


@dataclass
class PairedHousehold:
    pairing: Pairing
    household_id: int
    number: str
    head_name: str
    area_code: str
    last_contact: dt.date | None  # since the pairing began
    interval_days: int  # contact_interval_days for a party member, else visit_gap_days
    contact_by: dt.date
    contact_due: bool  # contact_by is today or past
    contact_overdue: bool  # contact_by is past (a shortfall)


@dataclass
class PlannedItem:
    item: PlannedMeasure
    household_id: int
    overdue: bool


@dataclass
class ResidenceStatus:
    member: TeamMember
    month: dt.date
    presence_days: int
    required_days: int  # for the whole month, prorated to the days in post
    days_in_post: int


@dataclass
class CadreTodo:
    cadre: Cadre
    households: list[PairedHousehold]
    to_tell: list[Concern]  # resolved, the resident not yet told
    open_concerns: list[Concern]  # raised or routed
    planned: list[PlannedItem]  # undelivered, due within 14 days or past due
    residence: ResidenceStatus | None  # for a member of an active team


def cadre_todo(*, cadre: Cadre, today: dt.date | None = None) -> CadreTodo:
    """What one cadre has to do: contacts due with their paired households (weekly for a
    party member, within ``visit_gap_days`` otherwise), concerns they raised — resolved
    ones to tell the resident, open ones to follow —, their households' planned measures
    due within 14 days or past due, and for a work team member this month's presence."""
    today = _today(today)
    force = standards.in_force(today.year)
    pairings = list(
        Pairing.objects.filter(cadre=cadre, ends_on__isnull=True)
        .select_related("household")
        .annotate(last_contact=_last_contact(today))
        .order_by("area_code", "household__number", "id")
    )
    heads = _heads(p.household_id for p in pairings)
    key = "contact_interval_days" if cadre.is_party_member else "visit_gap_days"
    households = []
    for p in pairings:
        last: dt.date | None = p.last_contact
        interval = _norm(standards.effective(p.area_code, force), key)
        contact_by = (last or p.starts_on) + dt.timedelta(days=interval)
        households.append(
            PairedHousehold(
                pairing=p,
                household_id=p.household_id,
                number=p.household.number,
                head_name=heads.get(p.household_id, ""),
                area_code=p.area_code,
                last_contact=last,
                interval_days=interval,
                contact_by=contact_by,
                contact_due=contact_by <= today,
                contact_overdue=contact_by < today,
            )
        )
    mine = Q(visit__cadre=cadre)
    if cadre.user_id is not None:
        mine |= Q(raised_by_id=cadre.user_id)
    concerns = list(
        Concern.objects.filter(mine)
        .filter(status__in=(*OPEN_CONCERN, Concern.Status.RESOLVED))
        .select_related("household")
        .order_by("raised_on", "id")
    )
    planned = [
        PlannedItem(item=i, household_id=i.plan.household_id, overdue=i.due_on < today)
        for i in PlannedMeasure.objects.filter(
            plan__household_id__in=[p.household_id for p in pairings],
            delivered__isnull=True,
            due_on__lte=today + dt.timedelta(days=PLANNED_SOON_DAYS),
        )
        .select_related("plan", "type")
        .order_by("due_on", "id")
    ]
    return CadreTodo(
        cadre=cadre,
        households=households,
        to_tell=[c for c in concerns if c.status == Concern.Status.RESOLVED],
        open_concerns=[c for c in concerns if c.status != Concern.Status.RESOLVED],
        planned=planned,
        residence=_residence_status(cadre, today, force),
    )


def _residence_status(
    cadre: Cadre, today: dt.date, force: dict[str, standards.InForce]
) -> ResidenceStatus | None:
    member = (
        TeamMember.objects.filter(cadre=cadre, ends_on__isnull=True, team__is_active=True)
        .select_related("team")
        .first()
    )
    if member is None:
        return None
    first, last = _month_bounds(today)
    presence = Presence.objects.filter(member=member, day__gte=first, day__lte=last).count()
    start, end = _in_post(member.starts_on, member.ends_on, first, last)
    days = max((end - start).days + 1, 0)
    norm = _norm(standards.effective(member.team.area_code, force), "residence_days_per_month")
    return ResidenceStatus(
        member=member,
        month=first,
        presence_days=presence,
        required_days=required_days(norm, days, last.day),
        days_in_post=days,
    )


# --- plans ------------------------------------------------------------------------------------


@dataclass
class Progress:
    plan_id: int
    items_total: int
    items_delivered: int
    items_overdue: int  # undelivered and past due
    run_id: int | None  # the latest finished run covering the household, if it judged it
    run_year: int | None
    per_capita: Decimal | None
    income_target: Decimal
    income_met: bool | None  # per-capita income ≥ the plan's target
    exit_fails: int | None
    failing: list[str]  # every exit clause failing in that verdict
    needs_failing: list[str]  # the plan's needs still failing
    needs_met: list[str]  # the plan's needs no longer failing


def plan_progress(*, plans: list[Plan], today: dt.date | None = None) -> dict[int, Progress]:
    """{plan id: progress} in three queries whatever the number of plans: the planned
    items counted per plan, the finished runs, and each household's verdict in the
    latest finished run whose scope contains it."""
    today = _today(today)
    ids = [p.pk for p in plans]
    counts = {
        r["plan_id"]: r
        for r in PlannedMeasure.objects.filter(plan_id__in=ids)
        .order_by()
        .values("plan_id")
        .annotate(
            n_total=Count("id"),
            n_delivered=Count("id", filter=Q(delivered__isnull=False)),
            n_overdue=Count("id", filter=Q(delivered__isnull=True, due_on__lt=today)),
        )
    }
    wider = {p.area_code[:n] for p in plans for n in (2, 4, 6, 9, 12)}
    runs = list(
        EvaluationRun.objects.filter(status=EvaluationRun.Status.DONE, scope_prefix__in=wider)
        .order_by("-finished_at", "-id")
        .values_list("pk", "scope_prefix", "year")
    )
    run_of: dict[int, tuple[int, int]] = {}
    for p in plans:
        for run_id, prefix, year in runs:
            if p.area_code.startswith(prefix):
                run_of[p.household_id] = (run_id, year)
                break
    condition = Q(pk__in=[])
    by_run: dict[int, list[int]] = {}
    for household_id, (run_id, _year) in run_of.items():
        by_run.setdefault(run_id, []).append(household_id)
    for run_id, households in by_run.items():
        condition |= Q(run_id=run_id, household_id__in=households)
    verdicts = (
        {v.household_id: v for v in HouseholdVerdict.objects.filter(condition)} if by_run else {}
    )
    out = {}
    for p in plans:
        c = counts.get(p.pk, {})
        verdict = verdicts.get(p.household_id)
        failing = (
            [name for name, bit in engine.CLAUSES if verdict.exit_fails & bit] if verdict else []
        )
        needs = [str(n) for n in (p.needs or [])]
        per_capita = verdict.per_capita if verdict else None
        out[p.pk] = Progress(
            plan_id=p.pk,
            items_total=c.get("n_total", 0),
            items_delivered=c.get("n_delivered", 0),
            items_overdue=c.get("n_overdue", 0),
            run_id=verdict.run_id if verdict else None,
            run_year=run_of[p.household_id][1] if verdict else None,
            per_capita=per_capita,
            income_target=p.income_target,
            income_met=None if per_capita is None else per_capita >= p.income_target,
            exit_fails=verdict.exit_fails if verdict else None,
            failing=failing,
            needs_failing=[n for n in needs if n in failing] if verdict else [],
            needs_met=[n for n in needs if n not in failing] if verdict else [],
        )
    return out


# --- notifications ------------------------------------------------------------------------------


def notifications_for(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """A user's notifications, newest first; only the unread ones if asked."""
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def visit_photo_get(*, scope: Scope, photo_id: int) -> VisitPhoto:
    """A visit's photo, to whoever may see the household's area."""
    photo = (
        VisitPhoto.objects.filter(pk=photo_id)
        .filter(prefix_q("visit__area_code", scope.prefixes))
        .first()
    )
    if photo is None:
        raise NotFound()
    return photo
