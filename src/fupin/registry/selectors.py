"""Reads of the registry. Every function takes the actor's Scope and sees only its areas.

Personal data leaves this module only through ``member_views``, ``head_id_views``,
``phone_view`` and ``change_views``, which show it through the request's
``core.pii.Viewer``: masked for roles that may not see it, every unmasked display
recorded.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from opencc import OpenCC

from fupin.accounts.scope import Scope
from fupin.areas.codes import prefix_q
from fupin.core import clock, pii
from fupin.core.errors import NotFound
from fupin.registry.choices import Relation
from fupin.registry.models import Household, HouseholdChange, IncomeRecord, Member
from fupin.registry.validation import normalise_text


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def _prefix_match(field: str, text: str) -> Q:
    """Indexed prefix search on both databases.

    PostgreSQL answers LIKE 'x%' from the varchar_pattern_ops indexes made in the
    migrations; SQLite's LIKE is case-insensitive and skips indexes, so there a range
    on the binary collation does it.
    """
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": text, f"{field}__lt": text + "\U0010ffff"})
    return Q(**{f"{field}__startswith": text})


_ID_DIGITS = re.compile(r"^[0-9]{3,17}[0-9X]?$")
_LETTERS = re.compile(r"^[a-z]+$")
# Household numbers such as BR-0001: letters, digits and dashes with at least one digit.
_NUMBER = re.compile(r"^(?=.*[0-9])[0-9A-Z-]+$")
# A search matching at most this many households is answered from their ids; beyond
# it, matches are common enough that walking the list in order finds a page at once.
_EAGER_MATCHES = 2000


def _matching_members(text: str) -> tuple[QuerySet[Member], bool]:
    """Active members a search text means, and whether it may also be a household number."""
    active = Member.objects.filter(is_active=True)
    if _ID_DIGITS.match(text):
        if len(text) == 18:
            return active.filter(id_number=text), True
        return active.filter(_prefix_match("id_reversed", text[::-1])), True
    if _NUMBER.match(text):
        return active.none(), True
    lower = text.lower()
    if _LETTERS.match(lower):
        return active.filter(
            _prefix_match("name_initials", lower) | _prefix_match("name_pinyin", lower)
        ), False
    simplified = _t2s().convert(text)
    names = _prefix_match("name", simplified)
    if simplified != text:
        names |= _prefix_match("name", text)
    return active.filter(names), False


def search_q(text: str) -> Q:
    """What a search box means: name (simplified or traditional), pinyin or its
    initials (zs → 张三), the last digits of a member's ID, or a household number.

    A rare match (a full name, six ID digits) would make the database walk the whole
    scope for one page, so its few households are looked up by id; a common one (a
    surname) is checked household by household in list order, which stops after a page.
    """
    text = normalise_text(text).upper()
    if not text:
        return Q()
    members, may_be_number = _matching_members(text)
    ids = set(members.values_list("household_id", flat=True)[: _EAGER_MATCHES + 1])
    numbers = Household.objects.filter(_prefix_match("number", text)) if may_be_number else None
    if len(ids) <= _EAGER_MATCHES:
        if numbers is not None:
            ids.update(numbers.values_list("id", flat=True)[:_EAGER_MATCHES])
        return Q(id__in=ids)
    condition = Q(Exists(members.filter(household=OuterRef("pk"))))
    if numbers is not None:
        condition |= _prefix_match("number", text)
    return condition


@dataclass(frozen=True)
class HouseholdFilters:
    area_code: str = ""
    status: str = ""
    household_type: str = ""
    main_cause: str = ""
    q: str = ""


def household_queryset(
    *, scope: Scope, filters: HouseholdFilters | None = None
) -> QuerySet[Household]:
    qs = Household.objects.filter(prefix_q("area_code", scope.prefixes), is_active=True)
    f = filters or HouseholdFilters()
    if f.area_code:
        from fupin.areas.codes import prefix_of

        try:
            qs = qs.filter(prefix_q("area_code", [prefix_of(f.area_code)]))
        except Exception:  # an invalid code in a filter simply matches nothing
            qs = qs.none()
    if f.status:
        qs = qs.filter(status=f.status)
    if f.household_type:
        qs = qs.filter(household_type=f.household_type)
    if f.main_cause:
        qs = qs.filter(main_cause=f.main_cause)
    if f.q:
        qs = qs.filter(search_q(f.q))
    return qs


def _encode_cursor(area_code: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{area_code}:{pk}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        code, pk = raw.split(":")
        # a forged cursor: only digits go into the query (PostgreSQL refuses NUL in text)
        if not (code.isascii() and code.isdigit() and pk.isascii() and pk.isdigit()):
            return None
        return code, int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class Page:
    rows: list[Any]  # Households annotated with head_name, head_id_number, member_count
    next_cursor: str | None
    prev_cursor: str | None


def household_page(
    *, scope: Scope, filters: HouseholdFilters | None = None, cursor: str = "", limit: int = 20
) -> Page:
    """One page in (area code, id) order by keyset: page 50,000 costs what page 1 costs.

    ``cursor`` is an opaque token; a leading ``-`` means the page before it.
    Each row carries ``head_name``, ``head_id_number``, ``member_count`` and ``area``.
    """
    qs = household_queryset(scope=scope, filters=filters)
    backwards = cursor.startswith("-")
    position = _decode_cursor(cursor.lstrip("-")) if cursor else None
    if position:
        code, pk = position
        if backwards:
            qs = qs.filter(Q(area_code__lt=code) | Q(area_code=code, id__lt=pk))
        else:
            qs = qs.filter(Q(area_code__gt=code) | Q(area_code=code, id__gt=pk))
    order = ("-area_code", "-id") if backwards else ("area_code", "id")
    heads = Member.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD, is_active=True)
    rows = list(
        qs.select_related("area")
        .annotate(
            head_name=Subquery(heads.values("name")[:1]),
            head_id_number=Subquery(heads.values("id_number")[:1]),
            member_count=Subquery(
                Member.objects.filter(household=OuterRef("pk"), is_active=True)
                .order_by()
                .values("household")
                .annotate(n=Count("id"))
                .values("n")[:1]
            ),
        )
        .order_by(*order)[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    has_next = more if not backwards else bool(position)
    has_prev = bool(position) if not backwards else more
    return Page(
        rows=rows,
        next_cursor=_encode_cursor(rows[-1].area_code, rows[-1].pk) if rows and has_next else None,
        prev_cursor="-" + _encode_cursor(rows[0].area_code, rows[0].pk)
        if rows and has_prev
        else None,
    )


def household_get(*, scope: Scope, household_id: int) -> Household:
    household = (
        Household.objects.filter(prefix_q("area_code", scope.prefixes), pk=household_id)
        .select_related("area")
        .first()
    )
    if household is None:
        raise NotFound()
    return household


def member_list(*, scope: Scope, household: Household) -> list[Member]:
    if not scope.covers(household.area_code):
        raise NotFound()
    order = [r.value for r in Relation]
    members = list(Member.objects.filter(household=household, is_active=True))
    members.sort(key=lambda m: (order.index(m.relation), m.pk))
    return members


def member_get(*, scope: Scope, member_id: int) -> Member:
    member = (
        Member.objects.filter(
            prefix_q("household__area_code", scope.prefixes), pk=member_id, is_active=True
        )
        .select_related("household")
        .first()
    )
    if member is None:
        raise NotFound()
    return member


def income_list(*, scope: Scope, household: Household) -> list[IncomeRecord]:
    if not scope.covers(household.area_code):
        raise NotFound()
    return list(IncomeRecord.objects.filter(household=household).order_by("-year"))


def change_list(*, scope: Scope, household: Household) -> QuerySet[HouseholdChange]:
    if not scope.covers(household.area_code):
        raise NotFound()
    return (
        HouseholdChange.objects.filter(household=household)
        .select_related("actor", "member")
        .order_by("-at", "-id")
    )


# --- presenting personal data -------------------------------------------------------


@dataclass(frozen=True)
class MemberView:
    member: Member
    id_number: str
    health: str  # the label, or the "hidden" text
    health_key: str | None  # None when hidden
    masked: bool
    age: int | None


def _age(id_number: str, today: date) -> int | None:
    try:
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def member_views(*, viewer: pii.Viewer, members: list[Member], area_code: str) -> list[MemberView]:
    """Members as the viewer's actor may see them (the viewer records what it reveals)."""
    today = clock.today()
    views = []
    for m in members:
        ref = ("member", m.pk)
        views.append(
            MemberView(
                member=m,
                id_number=viewer.id_number(m.id_number, area_code=area_code, ref=ref),
                health=viewer.health(
                    m.health, m.get_health_display(), area_code=area_code, ref=ref
                ),
                health_key=viewer.health_key(m.health, area_code=area_code, ref=ref),
                masked=not viewer.sees(area_code),
                age=_age(m.id_number, today),
            )
        )
    return views


def phone_view(*, viewer: pii.Viewer, household: Household) -> str:
    """The household's phone as the viewer's actor may see it."""
    return viewer.phone(
        household.phone, area_code=household.area_code, ref=("household", household.pk)
    )


def head_id_views(*, viewer: pii.Viewer, rows: list[Any]) -> list[str]:
    """The heads' ID numbers of list rows (from ``household_page``) as the actor may see
    them, in row order."""
    return [
        viewer.id_number(
            row.head_id_number or "",
            area_code=row.area_code,
            ref=("household", row.pk),
            field="head_id_number",
        )
        for row in rows
    ]


def change_views(
    *, viewer: pii.Viewer, household: Household, changes: list[HouseholdChange]
) -> list[dict[str, Any]]:
    """History entries ([old, new] per field) with personal values as the actor may see
    them: an ID number, phone or health in the history is the member's (or household's)
    personal data like the current one, and is masked and recorded the same way."""
    out = []
    for change in changes:
        rows = []
        ref = ("member", change.member_id) if change.member_id else ("household", household.pk)
        for field, (old, new) in change.changes.items():
            name = field.split(".")[-1]
            if name in PII_KINDS:
                old, new = (
                    _history_value(viewer, name, v, household.area_code, ref) for v in (old, new)
                )
            rows.append({"field": field, "label": _field_label(name), "old": old, "new": new})
        out.append({"change": change, "rows": rows})
    return out


PII_KINDS = (pii.ID_NUMBER, pii.PHONE, pii.HEALTH)


def _history_value(viewer: pii.Viewer, name: str, value: Any, area_code: str, ref: Any) -> Any:
    if value is None or value == "":
        return value
    if name == pii.HEALTH:
        label = dict(Member._meta.get_field("health").choices or []).get(value, value)
        return viewer.health(str(value), str(label), area_code=area_code, ref=ref)
    return viewer.show(name, value, area_code=area_code, ref=ref)


def _field_label(name: str) -> str:
    for model in (Household, Member, IncomeRecord):
        try:
            return str(getattr(model._meta.get_field(name), "verbose_name", name))
        except FieldDoesNotExist:
            continue
    return {"is_active": _("在户")}.get(name, name)
