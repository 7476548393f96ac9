"""Reads of the area tree, restricted to what the actor covers."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from fupin.accounts.scope import Scope
from fupin.areas.codes import parent_code, prefix_q
from fupin.areas.models import Area


def area_list(*, scope: Scope, parent_code_value: str | None = None) -> QuerySet[Area]:
    """Areas inside the scope, optionally only the children of one area."""
    qs = Area.objects.filter(prefix_q("code", scope.prefixes))
    if parent_code_value is not None:
        qs = qs.filter(parent__code=parent_code_value)
    return qs.order_by("code")


def area_roots(*, scope: Scope) -> QuerySet[Area]:
    """The top areas of the actor's scope (their assigned areas, not nested in one another)."""
    return Area.objects.filter(code__in=scope.root_codes).order_by("code")


def area_get(*, scope: Scope, code: str) -> Area | None:
    return Area.objects.filter(prefix_q("code", scope.prefixes), code=code).first()


def area_path(*, area: Area) -> list[Area]:
    """The area and its ancestors, top first (for breadcrumbs); one query."""
    codes: list[str] = []
    code: str | None = area.code
    while code:
        codes.append(code)
        code = parent_code(code)
    return list(Area.objects.filter(code__in=codes).order_by("code"))


def area_search(*, scope: Scope, text: str, limit: int = 20) -> QuerySet[Area]:
    return Area.objects.filter(prefix_q("code", scope.prefixes)).filter(
        Q(name__contains=text) | Q(code__startswith=text)
    )[:limit]
