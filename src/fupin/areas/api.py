"""Area endpoints: the part of the area tree the caller covers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import codes_4xx

from fupin.accounts.scope import scope_for
from fupin.areas import selectors
from fupin.areas.models import Area
from fupin.core.errors import NotFound
from fupin.registry.schemas import AreaOut, ErrorOut

router = Router(tags=["areas 行政区划"])


def _area_out(area: Area) -> dict[str, Any]:
    return {
        "code": area.code,
        "name": area.name,
        "level": area.level,
        "level_label": area.get_level_display(),
        "parent_code": area.parent.code if area.parent else None,
    }


@router.get("/areas", response={200: list[AreaOut], codes_4xx: ErrorOut})
def area_list(request: HttpRequest, parent: str | None = None) -> list[dict[str, Any]]:
    """区划列表 — areas in the caller's scope; ``parent`` gives only that area's children."""
    scope = scope_for(getattr(request, "auth", None))
    if parent is not None and selectors.area_get(scope=scope, code=parent) is None:
        raise NotFound()
    areas = selectors.area_list(scope=scope, parent_code_value=parent).select_related("parent")
    return [_area_out(a) for a in areas]


@router.get("/areas/{code}", response={200: AreaOut, codes_4xx: ErrorOut})
def area_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    """区划详情."""
    area = selectors.area_get(scope=scope_for(getattr(request, "auth", None)), code=code)
    if area is None:
        raise NotFound()
    return _area_out(area)
