"""Who the caller is: their roles and the areas they cover."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import codes_4xx

from fupin.accounts.models import Role
from fupin.accounts.scope import scope_for
from fupin.areas.selectors import area_get
from fupin.registry.schemas import ErrorOut, MeOut

router = Router(tags=["accounts 用户"])


@router.get("/me", response={200: MeOut, codes_4xx: ErrorOut})
def me(request: HttpRequest) -> dict[str, Any]:
    """当前用户 — the caller, their roles (role, area) and the area-code prefixes they cover."""
    user: Any = getattr(request, "auth", None)
    scope = scope_for(user)
    roles = []
    for role, code in scope.roles:
        area = area_get(scope=scope, code=code)
        roles.append(
            {
                "role": role,
                "role_label": str(Role(role).label),
                "area_code": code,
                "area_name": area.name if area else "",
            }
        )
    return {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "roles": roles,
        "prefixes": list(scope.prefixes),
        "write_prefixes": list(scope.write_prefixes),
        "pii_prefixes": list(scope.pii_prefixes),
    }
