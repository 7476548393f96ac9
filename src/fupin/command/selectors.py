"""Reads of the command system, always within the actor's areas: the HQs and their
organisation charts, the leaders and what each answers for with the current figures of
those areas, the contact points, and the contact-point rules with their violations.

Every report is a few set-based queries over whole tables, never one query per row. The
rules (``contact_leaders_min``/``max``, ``key_villages_per_leader_max``,
``weak_villages_per_leader_max``, ``listed_incidence_rate``) come from the standards in
force: the rows are counted in one query each, and each row is judged with the effective
standard of its own area (a leader's: the area the leader serves in), so a province's or
county's override changes the result only under its prefix.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from fupin.accounts.scope import Scope
from fupin.areas.codes import PREFIX_LENGTH, level_of, prefix_of, prefix_q
from fupin.areas.models import Area, PovertyStatus
from fupin.assistance import selectors as assistance_selectors
from fupin.assistance.models import Concern
from fupin.command.models import Command, CommandPost, ContactPoint, Leader, WorkingGroup
from fupin.core import clock
from fupin.core.errors import InvalidInput, NotFound
from fupin.policy import params as P
from fupin.policy import standards
from fupin.policy.engine import POOR_STATUSES
from fupin.registry.models import Household, Member

# Registered poor people still poor: what the incidence counts, as the evaluation engine
# and the matching scores count it (monitored households are not poor).
REMAINING = POOR_STATUSES
OPEN_CONCERN = assistance_selectors.OPEN_CONCERN


class Rule:
    """The contact-point rules, in the order the violations are listed."""

    TOWNSHIP_FEW = "township_few"
    TOWNSHIP_MANY = "township_many"
    KEY_VILLAGE_UNCOVERED = "key_village_uncovered"
    LEADER_KEY_VILLAGES = "leader_key_villages"
    WEAK_VILLAGE_UNCOVERED = "weak_village_uncovered"
    LEADER_WEAK_VILLAGES = "leader_weak_villages"
    LISTED_MISSING = "listed_missing"

    ORDER = (
        TOWNSHIP_FEW,
        TOWNSHIP_MANY,
        KEY_VILLAGE_UNCOVERED,
        LEADER_KEY_VILLAGES,
        WEAK_VILLAGE_UNCOVERED,
        LEADER_WEAK_VILLAGES,
        LISTED_MISSING,
    )


def rule_labels() -> dict[str, str]:
    return {
        Rule.TOWNSHIP_FEW: _("乡镇联系县领导少于规定"),
        Rule.TOWNSHIP_MANY: _("乡镇联系县领导多于规定"),
        Rule.KEY_VILLAGE_UNCOVERED: _("重点贫困村没有联系领导"),
        Rule.LEADER_KEY_VILLAGES: _("领导联系重点贫困村超过规定"),
        Rule.WEAK_VILLAGE_UNCOVERED: _("软弱涣散村没有联系领导"),
        Rule.LEADER_WEAK_VILLAGES: _("领导联系软弱涣散村超过规定"),
        Rule.LISTED_MISSING: _("贫困发生率超标的村未挂牌督战"),
    }


# --- scope and norms ---------------------------------------------------------------------


def _today(today: dt.date | None) -> dt.date:
    return today or clock.today()


def _prefixes(scope: Scope, area: str = "") -> tuple[str, ...]:
    """The actor's prefixes narrowed to ``area`` (a code or a prefix, wider or narrower)."""
    if not area:
        return tuple(scope.prefixes)
    if len(area) == 12 and area.isdigit():
        area = prefix_of(area)
    out = set()
    for prefix in scope.prefixes:
        if area.startswith(prefix):
            out.add(area)
        elif prefix.startswith(area):
            out.add(prefix)
    return tuple(sorted(out))


def _active(today: dt.date, prefix: str = "") -> Q:
    """Contact points in force on ``today``."""
    return Q(**{f"{prefix}starts_on__lte": today}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gt": today})
    )


class _Norms:
    """The effective standard of any area in a year (three queries, then none)."""

    def __init__(self, year: int) -> None:
        self.force = standards.in_force(year)
        if "" not in self.force:
            raise NotFound(_("%(year)d 年没有国家标准，请先设置。") % {"year": year})
        self._memo: dict[str, dict[str, Any]] = {}

    def params(self, code: str) -> dict[str, Any]:
        regions = tuple(r for r in self.force if code.startswith(r))
        key = max(regions, key=len)
        if key not in self._memo:
            self._memo[key] = standards.effective(key, self.force)
        return self._memo[key]

    def int(self, code: str, key: str) -> int:
        return int(self.params(code).get(key, P.NATIONAL_DEFAULTS[key]))

    def rate(self, code: str, key: str) -> Decimal:
        return Decimal(str(self.params(code).get(key, P.NATIONAL_DEFAULTS[key])))


def _names(codes: set[str]) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name"))


def _township(code: str) -> str:
    """The township of a village or township; a county stands for itself."""
    return code if level_of(code) in ("province", "prefecture", "county") else code[:9] + "000"


def _village(column: str) -> Substr:
    return Substr(column, 1, 12)


def incidence_of(people: int, population: int | None) -> Decimal | None:
    """Poor people ÷ rural population, to four places (None without a population)."""
    if not population:
        return None
    return (Decimal(people) / Decimal(population)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{(rate * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


# --- HQs and charts ----------------------------------------------------------------------


@dataclass
class HqRow:
    id: int
    area_code: str
    area_name: str
    level: str
    name: str
    commander: str
    posts: int
    groups: int


def _commander_name() -> Subquery:
    return Subquery(
        CommandPost.objects.filter(command_id=OuterRef("pk"), role=CommandPost.Role.COMMANDER)
        .order_by()
        .values("leader__name")[:1]
    )


def hqs(*, scope: Scope) -> list[HqRow]:
    """The HQs in the actor's areas, the county's first, each with its commander."""
    rows = list(
        Command.objects.filter(prefix_q("area_code", scope.prefixes))
        .annotate(
            commander=_commander_name(),
            n_posts=Count("posts", distinct=True),
            n_groups=Count("groups", distinct=True),
        )
        .order_by("area_code")
        .values("id", "area_code", "name", "commander", "n_posts", "n_groups")
    )
    names = _names({r["area_code"] for r in rows})
    return [
        HqRow(
            id=r["id"],
            area_code=r["area_code"],
            area_name=names.get(r["area_code"], r["area_code"]),
            level=level_of(r["area_code"]),
            name=r["name"],
            commander=r["commander"] or "",
            posts=r["n_posts"],
            groups=r["n_groups"],
        )
        for r in rows
    ]


@dataclass
class SubHq:
    """A township under a county HQ, and its own HQ when it has one."""

    area_code: str
    area_name: str
    command_id: int | None
    name: str
    commander: str


@dataclass
class Chart:
    area_code: str
    area_name: str
    level: str
    command: Command | None
    commanders: list[CommandPost] = field(default_factory=list)
    deputies: list[CommandPost] = field(default_factory=list)
    office: list[CommandPost] = field(default_factory=list)
    members: list[CommandPost] = field(default_factory=list)
    groups: list[WorkingGroup] = field(default_factory=list)
    townships: list[SubHq] = field(default_factory=list)
    parent_code: str = ""  # the county HQ over a township's


def hq_chart(*, scope: Scope, area_code: str) -> Chart:
    """The organisation chart of the HQ of a county or township in the actor's areas:
    commander, deputies, office, members, the working groups with their head, lead unit,
    member units and duties, and (for a county) the townships with their HQs. ``command``
    is None when the area has no HQ yet."""
    try:
        level = level_of(area_code)
    except InvalidInput:  # not an area code at all: nothing to find
        raise NotFound() from None
    if level not in (Area.Level.COUNTY, Area.Level.TOWNSHIP) or not scope.covers(area_code):
        raise NotFound()
    area = Area.objects.filter(code=area_code).values("name").first()
    if area is None:
        raise NotFound()
    command = (
        Command.objects.filter(area_code=area_code)
        .prefetch_related(
            Prefetch(
                "posts",
                queryset=CommandPost.objects.select_related("leader").order_by("ordering", "id"),
            ),
            Prefetch(
                "groups",
                queryset=WorkingGroup.objects.select_related("head", "lead_unit")
                .prefetch_related("units")
                .order_by("ordering", "id"),
            ),
        )
        .first()
    )
    chart = Chart(area_code=area_code, area_name=area["name"], level=level, command=command)
    if command is not None:
        by_role = {
            CommandPost.Role.COMMANDER: chart.commanders,
            CommandPost.Role.DEPUTY: chart.deputies,
            CommandPost.Role.OFFICE_DIRECTOR: chart.office,
            CommandPost.Role.MEMBER: chart.members,
        }
        for post in command.posts.all():
            by_role[CommandPost.Role(post.role)].append(post)
        chart.groups = list(command.groups.all())
    if level == Area.Level.COUNTY:
        hq = Command.objects.filter(area_code=OuterRef("code"))
        rows = (
            Area.objects.filter(level=Area.Level.TOWNSHIP)
            .filter(prefix_q("code", _prefixes(scope, area_code[:6])))
            .annotate(
                command_id=Subquery(hq.values("pk")[:1]),
                command_name=Subquery(hq.values("name")[:1]),
                commander=Subquery(
                    CommandPost.objects.filter(
                        command__area_code=OuterRef("code"), role=CommandPost.Role.COMMANDER
                    ).values("leader__name")[:1]
                ),
            )
            .order_by("code")
            .values_list("code", "name", "command_id", "command_name", "commander")
        )
        chart.townships = [
            SubHq(area_code=c, area_name=n, command_id=i, name=hn or "", commander=cm or "")
            for c, n, i, hn, cm in rows
        ]
    else:
        chart.parent_code = area_code[:6] + "000000"
    return chart


# --- contact points ----------------------------------------------------------------------


@dataclass
class ContactRow:
    id: int
    leader_id: int
    leader_name: str
    leader_post: str
    leader_level: str
    kind: str
    kind_label: str
    area_code: str
    area_name: str
    township_code: str
    township_name: str
    starts_on: dt.date
    ends_on: dt.date | None
    note: str


KIND_ORDER = {k: i for i, k in enumerate(ContactPoint.Kind.values)}


def contact_points(
    *, scope: Scope, area: str = "", today: dt.date | None = None, current: bool = True
) -> list[ContactRow]:
    """The contact points in the actor's areas (those in force today unless ``current`` is
    False), ordered by township, kind, area and leader."""
    today = _today(today)
    qs = ContactPoint.objects.filter(prefix_q("area_code", _prefixes(scope, area)))
    if current:
        qs = qs.filter(_active(today))
    rows = list(
        qs.values(
            "id",
            "leader_id",
            "leader__name",
            "leader__post",
            "leader__level",
            "kind",
            "area_code",
            "starts_on",
            "ends_on",
            "note",
        )
    )
    codes = {r["area_code"] for r in rows}
    names = _names(codes | {_township(c) for c in codes})
    labels = dict(ContactPoint.Kind.choices)
    out = [
        ContactRow(
            id=r["id"],
            leader_id=r["leader_id"],
            leader_name=r["leader__name"],
            leader_post=r["leader__post"],
            leader_level=r["leader__level"],
            kind=r["kind"],
            kind_label=str(labels[r["kind"]]),
            area_code=r["area_code"],
            area_name=names.get(r["area_code"], r["area_code"]),
            township_code=_township(r["area_code"]),
            township_name=names.get(_township(r["area_code"]), ""),
            starts_on=r["starts_on"],
            ends_on=r["ends_on"],
            note=r["note"],
        )
        for r in rows
    ]
    out.sort(key=lambda c: (c.township_code, KIND_ORDER[c.kind], c.area_code, c.leader_name, c.id))
    return out


@dataclass
class TownshipContacts:
    code: str
    name: str
    rows: list[ContactRow]


def by_township(rows: list[ContactRow]) -> list[TownshipContacts]:
    """:func:`contact_points` grouped by township (no query)."""
    out: list[TownshipContacts] = []
    for row in rows:
        if not out or out[-1].code != row.township_code:
            out.append(TownshipContacts(code=row.township_code, name=row.township_name, rows=[]))
        out[-1].rows.append(row)
    return out


# --- the rules and their violations --------------------------------------------------------


@dataclass
class Violation:
    rule: str
    label: str
    area_code: str  # the township or village (a leader's own area for leader rules)
    area_name: str
    township_code: str
    township_name: str
    leader_id: int | None
    leader_name: str
    count: int  # what was found: leaders, villages, poor people
    norm: str  # the standard's figure
    message: str  # the numbers in a sentence
    incidence: Decimal | None = None
    population: int | None = None


def _village_people(prefixes: tuple[str, ...]) -> dict[str, int]:
    """Registered poor people still poor per village (active members of active households
    whose status is not exited or returned)."""
    return dict(
        Member.objects.filter(
            is_active=True, household__is_active=True, household__status__in=REMAINING
        )
        .filter(prefix_q("household__area_code", prefixes))
        .annotate(village=_village("household__area_code"))
        .order_by()
        .values("village")
        .annotate(n=Count("id"))
        .values_list("village", "n")
    )


def _weak_villages(prefixes: tuple[str, ...]) -> set[str]:
    """Villages whose village Party organisation has an open weak-branch case."""
    from fupin.leadership.models import WeakCase

    return set(
        WeakCase.objects.exclude(status=WeakCase.Status.CLOSED)
        .filter(organisation__base="village")
        .filter(prefix_q("organisation__area_code", prefixes))
        .values_list("organisation__area_code", flat=True)
    )


def _covered(kind: str, prefixes: tuple[str, ...], today: dt.date) -> set[str]:
    return set(
        ContactPoint.objects.filter(_active(today), kind=kind, leader__is_active=True)
        .filter(prefix_q("area_code", prefixes))
        .values_list("area_code", flat=True)
    )


def _leader_loads(kind: str, prefixes: tuple[str, ...], today: dt.date) -> list[dict[str, Any]]:
    """Leaders with a point of ``kind`` in the areas, with all their points of that kind
    counted wherever they are."""
    in_areas = ContactPoint.objects.filter(_active(today), kind=kind).filter(
        prefix_q("area_code", prefixes)
    )
    return list(
        ContactPoint.objects.filter(_active(today), kind=kind)
        .filter(leader_id__in=in_areas.values("leader_id"))
        .order_by()
        .values("leader_id", "leader__name", "leader__area_code")
        .annotate(n=Count("id"))
        .order_by("leader__name", "leader_id")
    )


def violations(*, scope: Scope, area: str = "", today: dt.date | None = None) -> list[Violation]:
    """Every breach of the contact-point rules in the actor's areas, with the numbers:
    townships with fewer than ``contact_leaders_min`` or more than ``contact_leaders_max``
    county leaders; registered poor villages without a leader; leaders with more than
    ``key_villages_per_leader_max`` of them; villages whose branch has an open weak case
    without a leader; leaders with more than ``weak_villages_per_leader_max`` of those;
    villages whose incidence (poor people still poor ÷ rural population) is above
    ``listed_incidence_rate`` without listed supervision. Ordered by rule, then area."""
    today = _today(today)
    prefixes = _prefixes(scope, area)
    if not prefixes:
        return []
    norms = _Norms(today.year)
    labels = rule_labels()
    found: list[Violation] = []

    def add(rule: str, code: str, count: int, norm: Any, message: str, **kw: Any) -> None:
        found.append(
            Violation(
                rule=rule,
                label=labels[rule],
                area_code=code,
                area_name="",
                township_code=_township(code),
                township_name="",
                leader_id=kw.pop("leader_id", None),
                leader_name=kw.pop("leader_name", ""),
                count=count,
                norm=str(norm),
                message=message,
                **kw,
            )
        )

    # townships and their county leaders
    leaders_of = Subquery(
        ContactPoint.objects.filter(
            _active(today),
            kind=ContactPoint.Kind.TOWNSHIP,
            area_code=OuterRef("code"),
            leader__level=Leader.Level.COUNTY,
            leader__is_active=True,
        )
        .order_by()
        .values("area_code")
        .annotate(n=Count("leader_id", distinct=True))
        .values("n")[:1]
    )
    townships = (
        Area.objects.filter(level=Area.Level.TOWNSHIP)
        .filter(prefix_q("code", prefixes))
        .annotate(n=leaders_of)
        .order_by("code")
        .values_list("code", "n")
    )
    for code, n in townships:
        n = n or 0
        low = norms.int(code, "contact_leaders_min")
        high = norms.int(code, "contact_leaders_max")
        if n < low:
            add(
                Rule.TOWNSHIP_FEW,
                code,
                n,
                low,
                _("联系县领导 %(n)s 名，规定不少于 %(low)s 名") % {"n": n, "low": low},
            )
        elif n > high:
            add(
                Rule.TOWNSHIP_MANY,
                code,
                n,
                high,
                _("联系县领导 %(n)s 名，规定不多于 %(high)s 名") % {"n": n, "high": high},
            )

    # key poor villages, and leaders' loads
    covered = _covered(ContactPoint.Kind.KEY_VILLAGE, prefixes, today)
    poor = (
        Area.objects.filter(level=Area.Level.VILLAGE, poverty_status=PovertyStatus.POOR)
        .filter(prefix_q("code", prefixes))
        .order_by("code")
        .values_list("code", flat=True)
    )
    for code in poor:
        if code not in covered:
            add(Rule.KEY_VILLAGE_UNCOVERED, code, 0, 1, _("在册贫困村，没有联系领导"))
    for kind, rule, key, text in (
        (
            ContactPoint.Kind.KEY_VILLAGE,
            Rule.LEADER_KEY_VILLAGES,
            "key_villages_per_leader_max",
            _("联系重点贫困村 %(n)s 个，规定不多于 %(limit)s 个"),
        ),
        (
            ContactPoint.Kind.WEAK_VILLAGE,
            Rule.LEADER_WEAK_VILLAGES,
            "weak_villages_per_leader_max",
            _("联系软弱涣散村 %(n)s 个，规定不多于 %(limit)s 个"),
        ),
    ):
        if kind == ContactPoint.Kind.WEAK_VILLAGE:
            weak = _weak_villages(prefixes)
            covered = _covered(kind, prefixes, today)
            for code in sorted(weak - covered):
                add(
                    Rule.WEAK_VILLAGE_UNCOVERED,
                    code,
                    0,
                    1,
                    _("村党组织软弱涣散（未销号），没有联系领导"),
                )
        for row in _leader_loads(kind, prefixes, today):
            limit = norms.int(row["leader__area_code"], key)
            if row["n"] > limit:
                add(
                    rule,
                    row["leader__area_code"],
                    row["n"],
                    limit,
                    text % {"n": row["n"], "limit": limit},
                    leader_id=row["leader_id"],
                    leader_name=row["leader__name"],
                )

    # incidence and listed supervision
    people = _village_people(prefixes)
    listed = _covered(ContactPoint.Kind.LISTED, prefixes, today)
    villages = (
        Area.objects.filter(level=Area.Level.VILLAGE, rural_population__gt=0)
        .filter(prefix_q("code", prefixes))
        .order_by("code")
        .values_list("code", "rural_population")
    )
    for code, population in villages:
        rate = incidence_of(people.get(code, 0), population)
        threshold = norms.rate(code, "listed_incidence_rate")
        if rate is not None and rate > threshold and code not in listed:
            add(
                Rule.LISTED_MISSING,
                code,
                people.get(code, 0),
                _percent(threshold),
                _(
                    "贫困人口 %(n)s 人 / 农村户籍人口 %(pop)s 人 = %(rate)s，高于 %(limit)s，未挂牌督战"
                )
                % {
                    "n": people.get(code, 0),
                    "pop": population,
                    "rate": _percent(rate),
                    "limit": _percent(threshold),
                },
                incidence=rate,
                population=population,
            )

    names = _names({v.area_code for v in found} | {v.township_code for v in found})
    for v in found:
        v.area_name = names.get(v.area_code, v.area_code)
        v.township_name = names.get(v.township_code, "")
    order = {r: i for i, r in enumerate(Rule.ORDER)}
    found.sort(key=lambda v: (order[v.rule], v.area_code, v.leader_name, v.leader_id or 0))
    return found


# --- leaders -------------------------------------------------------------------------------


@dataclass
class LeaderRow:
    id: int
    name: str
    post: str
    level: str
    level_label: str
    area_code: str
    phone: str  # as stored: the caller masks it
    is_active: bool
    townships: int
    key_villages: int
    weak_villages: int
    listed: int


def _visible_leaders(scope: Scope, today: dt.date) -> Q:
    """Leaders serving in the actor's areas, or answering for an area there."""
    answering = ContactPoint.objects.filter(_active(today), leader_id=OuterRef("pk")).filter(
        prefix_q("area_code", scope.prefixes)
    )
    return prefix_q("area_code", scope.prefixes) | Q(Exists(answering))


def leaders(
    *, scope: Scope, today: dt.date | None = None, include_retired: bool = False
) -> list[LeaderRow]:
    """The leaders in the actor's areas (and those answering for an area there), with the
    number of their current contact points of each kind. Ordered by level, area, id."""
    today = _today(today)
    if scope.is_empty:
        return []
    qs = Leader.objects.filter(_visible_leaders(scope, today))
    if not include_retired:
        qs = qs.filter(is_active=True)
    active = _active(today, "contact_points__")
    counts = {
        kind: Count("contact_points", filter=active & Q(contact_points__kind=kind))
        for kind in ContactPoint.Kind.values
    }
    level_order = {v: i for i, v in enumerate(Leader.Level.values)}
    labels = dict(Leader.Level.choices)
    rows = list(
        qs.annotate(**{f"n_{k}": c for k, c in counts.items()}).values(
            "id", "name", "post", "level", "area_code", "phone", "is_active", *(
                f"n_{k}" for k in counts
            )
        )
    )  # fmt: skip
    rows.sort(key=lambda r: (level_order[r["level"]], r["area_code"], r["id"]))
    return [
        LeaderRow(
            id=r["id"],
            name=r["name"],
            post=r["post"],
            level=r["level"],
            level_label=str(labels[r["level"]]),
            area_code=r["area_code"],
            phone=r["phone"],
            is_active=r["is_active"],
            townships=r["n_township"],
            key_villages=r["n_key_village"],
            weak_villages=r["n_weak_village"],
            listed=r["n_listed"],
        )
        for r in rows
    ]


@dataclass
class AreaFigures:
    """An area a leader answers for, with its current figures (a township's or county's
    are the sums over its villages)."""

    contact_id: int
    kind: str
    kind_label: str
    area_code: str
    area_name: str
    level: str
    starts_on: dt.date
    villages: int = 0
    households: int = 0
    poor_households: int = 0
    poor_people: int = 0
    rural_population: int | None = None
    incidence: Decimal | None = None
    needing: int = 0
    covered: int = 0
    open_concerns: int = 0
    weak_villages: int = 0  # villages whose branch has an open weak case

    @property
    def gaps(self) -> int:
        return self.needing - self.covered

    @property
    def is_weak(self) -> bool:
        return self.level == Area.Level.VILLAGE and self.weak_villages > 0

    @property
    def incidence_percent(self) -> str:
        return _percent(self.incidence)


@dataclass
class PostRow:
    command_id: int
    command_name: str
    area_code: str
    role: str
    role_label: str
    duty: str


@dataclass
class LeaderDetail:
    leader: Leader
    areas: list[AreaFigures]
    posts: list[PostRow]
    groups: list[WorkingGroup]


def _common_prefix(prefixes: list[str]) -> str:
    common = min(prefixes, default="")
    for other in prefixes:
        while not other.startswith(common):
            common = common[:-1]
    lengths = sorted(PREFIX_LENGTH.values(), reverse=True)
    return next((common[:n] for n in lengths if n <= len(common)), "")


def area_figures(
    *, scope: Scope, points: list[tuple[int, str, str, dt.date]], today: dt.date | None = None
) -> list[AreaFigures]:
    """The current figures of the areas of ``points`` (contact id, kind, area code, start),
    all at once: a handful of queries however many areas, each one grouped by village and
    summed up to the townships and counties in Python."""
    today = _today(today)
    if not points:
        return []
    # the areas' prefixes, each narrowed to the actor's (a county listed for supervision
    # is seen by a township officer as their township only)
    prefixes = tuple(
        sorted(
            {
                p if p.startswith(s) else s
                for p in {prefix_of(code) for _i, _k, code, _s in points}
                for s in scope.prefixes
                if p.startswith(s) or s.startswith(p)
            }
        )
    )
    if not prefixes:
        return []
    within = prefix_q("area_code", prefixes)
    by_village: dict[str, dict[str, int]] = {}

    def put(rows: Any, key: str) -> None:
        for village, n in rows:
            by_village.setdefault(village, {})[key] = by_village.get(village, {}).get(key, 0) + n

    households = (
        Household.objects.filter(is_active=True)
        .filter(within)
        .annotate(village=_village("area_code"))
        .order_by()
        .values("village")
        .annotate(n=Count("id"), poor=Count("id", filter=Q(status__in=REMAINING)))
        .values_list("village", "n", "poor")
    )
    for village, n, poor in households:
        put([(village, n)], "households")
        put([(village, poor)], "poor_households")
    put(_village_people(prefixes).items(), "poor_people")
    put(
        Concern.objects.filter(status__in=OPEN_CONCERN)
        .filter(within)
        .annotate(village=_village("area_code"))
        .order_by()
        .values("village")
        .annotate(n=Count("id"))
        .values_list("village", "n"),
        "open_concerns",
    )
    put(((v, 1) for v in _weak_villages(prefixes)), "weak")
    coverage = assistance_selectors.coverage(
        scope=scope, area=_common_prefix(list(prefixes)), today=today
    )
    put(((r.code, r.needing) for r in coverage), "needing")
    put(((r.code, r.covered) for r in coverage), "covered")
    areas = {
        code: (name, level, population)
        for code, name, level, population in Area.objects.filter(
            Q(code__in={c for _i, _k, c, _s in points})
            | (Q(level=Area.Level.VILLAGE) & prefix_q("code", prefixes))
        ).values_list("code", "name", "level", "rural_population")
    }
    village_codes = [c for c, (_n, level, _p) in areas.items() if level == Area.Level.VILLAGE]
    labels = dict(ContactPoint.Kind.choices)
    out: list[AreaFigures] = []
    for contact_id, kind, code, starts_on in points:
        if code not in areas or not any(code.startswith(p) for p in scope.prefixes):
            continue
        name, level, own_population = areas[code]
        prefix = prefix_of(code)
        inside = [v for v in village_codes if v.startswith(prefix)]
        row = AreaFigures(
            contact_id=contact_id,
            kind=kind,
            kind_label=str(labels[kind]),
            area_code=code,
            area_name=name,
            level=level,
            starts_on=starts_on,
            villages=len(inside),
        )
        for village in {*inside, *(v for v in by_village if v.startswith(prefix))}:
            figures = by_village.get(village, {})
            row.households += figures.get("households", 0)
            row.poor_households += figures.get("poor_households", 0)
            row.poor_people += figures.get("poor_people", 0)
            row.needing += figures.get("needing", 0)
            row.covered += figures.get("covered", 0)
            row.open_concerns += figures.get("open_concerns", 0)
            row.weak_villages += figures.get("weak", 0)
        populations = [p for v in inside if (p := areas[v][2])]
        row.rural_population = own_population or (sum(populations) if populations else None)
        row.incidence = incidence_of(row.poor_people, row.rural_population)
        out.append(row)
    return out


def leader_detail(*, scope: Scope, leader_id: int, today: dt.date | None = None) -> LeaderDetail:
    """A leader in the actor's areas (or answering for one there), the areas answered for
    within them with their current figures, the HQ posts held and the groups headed."""
    today = _today(today)
    leader = (
        Leader.objects.filter(pk=leader_id).filter(_visible_leaders(scope, today)).first()
        if not scope.is_empty
        else None
    )
    if leader is None:
        raise NotFound()
    points = list(
        ContactPoint.objects.filter(_active(today), leader=leader)
        .filter(prefix_q("area_code", scope.prefixes))
        .values_list("id", "kind", "area_code", "starts_on")
    )
    points.sort(key=lambda p: (KIND_ORDER[p[1]], p[2], p[0]))
    roles = dict(CommandPost.Role.choices)
    posts = [
        PostRow(
            command_id=p.command_id,
            command_name=p.command.name,
            area_code=p.command.area_code,
            role=p.role,
            role_label=str(roles[p.role]),
            duty=p.duty,
        )
        for p in CommandPost.objects.filter(leader=leader)
        .filter(prefix_q("command__area_code", scope.prefixes))
        .select_related("command")
        .order_by("command__area_code", "ordering", "id")
    ]
    groups = list(
        WorkingGroup.objects.filter(head=leader)
        .filter(prefix_q("command__area_code", scope.prefixes))
        .select_related("command", "lead_unit")
        .order_by("command__area_code", "ordering", "id")
    )
    return LeaderDetail(
        leader=leader,
        areas=area_figures(scope=scope, points=points, today=today),
        posts=posts,
        groups=groups,
    )
