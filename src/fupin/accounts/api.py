"""Who the caller is: their roles and the areas they cover; and managing users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.responses import codes_4xx
from pydantic import ConfigDict, Field

from fupin.accounts import selectors, services
from fupin.accounts.models import Role
from fupin.accounts.scope import scope_for
from fupin.areas.selectors import area_get
from fupin.core.errors import NotFound
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


# --- managing users ---------------------------------------------------------------------------
# For county administrators (their county) and township officers (their township); every
# other caller gets 403, and a user the caller does not manage is 404. See
# accounts/services.py for which roles may be given where.

_ERRORS = (
    "Errors: `access_denied` 403 (you do not manage users, or that role or area is above "
    "yours), `not_found` 404 (no such user or area in your areas), `invalid` 400 (with the "
    "reasons per field, e.g. the password rules)."
)


class _UserAdminInput(Schema):
    model_config = ConfigDict(extra="forbid")


class UserAdminRoleOut(Schema):
    id: int
    role: str
    role_label: str
    area_code: str
    area_name: str


class UserAdminOut(Schema):
    id: int
    username: str
    full_name: str
    is_active: bool
    last_login: datetime | None
    roles: list[UserAdminRoleOut] = Field(description="the roles inside your areas")
    roles_elsewhere: int = Field(0, description="roles the user holds outside your areas")


class UserAdminListOut(Schema):
    items: list[UserAdminOut]
    next_after: str = Field(description="pass as `after` for the next page; empty on the last")


class UserAdminCreateIn(_UserAdminInput):
    username: str = Field(max_length=150)
    password: str = Field(max_length=128, description="checked against the password rules")
    full_name: str = Field("", max_length=150)
    role: Role | None = None
    area_code: str | None = Field(None, max_length=15)


class UserAdminRoleIn(_UserAdminInput):
    role: Role
    area_code: str = Field(max_length=15)


class UserAdminPasswordIn(_UserAdminInput):
    password: str = Field(max_length=128)


def _caller(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _user_out(request: HttpRequest, user_id: int) -> Any:
    return selectors.user_detail(actor=_caller(request), user_id=user_id)


class UserAdminListQuery(Schema):
    q: str = Field("", max_length=100, description="part of the user name or name")
    after: str = Field("", max_length=150, description="the `next_after` of the last page")
    active: bool | None = None


@router.get("/users", response={200: UserAdminListOut, codes_4xx: ErrorOut}, description=_ERRORS)
def user_admin_list(request: HttpRequest, query: Query[UserAdminListQuery]) -> Any:
    """用户列表 — the users you manage, 50 a page by user name."""
    rows, next_after = selectors.user_list(
        actor=_caller(request), q=query.q, after=query.after, active=query.active
    )
    return {"items": rows, "next_after": next_after}


@router.post("/users", response={201: UserAdminOut, codes_4xx: ErrorOut}, description=_ERRORS)
def user_admin_create(request: HttpRequest, payload: UserAdminCreateIn) -> Any:
    """新建用户 — with a first role if `role` and `area_code` are given."""
    user = services.user_create(
        actor=_caller(request),
        username=payload.username,
        password=payload.password,
        full_name=payload.full_name,
        role=payload.role.value if payload.role else None,
        area_code=payload.area_code,
        channel="api",
    )
    return Status(201, _user_out(request, user.pk))


@router.get(
    "/users/{user_id}", response={200: UserAdminOut, codes_4xx: ErrorOut}, description=_ERRORS
)
def user_admin_get(request: HttpRequest, user_id: int) -> Any:
    return _user_out(request, user_id)


@router.post(
    "/users/{user_id}/roles", response={201: UserAdminOut, codes_4xx: ErrorOut}, description=_ERRORS
)
def user_admin_role_assign(request: HttpRequest, user_id: int, payload: UserAdminRoleIn) -> Any:
    """分配角色 — a role on an area of its level inside your areas."""
    services.role_assign(
        actor=_caller(request),
        user_id=user_id,
        role=payload.role.value,
        area_code=payload.area_code,
        channel="api",
    )
    return Status(201, _user_out(request, user_id))


@router.delete(
    "/users/{user_id}/roles/{assignment_id}",
    response={204: None, codes_4xx: ErrorOut},
    description=_ERRORS,
)
def user_admin_role_remove(request: HttpRequest, user_id: int, assignment_id: int) -> Any:
    """取消角色 — the role's area must be one you manage."""
    row = _user_out(request, user_id)
    if assignment_id not in {r.id for r in row.roles}:
        raise NotFound()
    services.role_remove(actor=_caller(request), assignment_id=assignment_id, channel="api")
    return Status(204, None)


@router.post(
    "/users/{user_id}/deactivate",
    response={200: UserAdminOut, codes_4xx: ErrorOut},
    description=_ERRORS,
)
def user_admin_deactivate(request: HttpRequest, user_id: int) -> Any:
    """停用账号 — the user can no longer sign in or use tokens; nothing is deleted."""
    services.user_deactivate(actor=_caller(request), user_id=user_id, channel="api")
    return _user_out(request, user_id)


@router.post(
    "/users/{user_id}/reactivate",
    response={200: UserAdminOut, codes_4xx: ErrorOut},
    description=_ERRORS,
)
def user_admin_reactivate(request: HttpRequest, user_id: int) -> Any:
    services.user_reactivate(actor=_caller(request), user_id=user_id, channel="api")
    return _user_out(request, user_id)


@router.post(
    "/users/{user_id}/password",
    response={204: None, codes_4xx: ErrorOut},
    description=_ERRORS,
)
def user_admin_password_set(
    request: HttpRequest, user_id: int, payload: UserAdminPasswordIn
) -> Any:
    """重置密码 — the user's sessions end; a sign-in lockout is lifted."""
    services.user_password_set(
        actor=_caller(request), user_id=user_id, password=payload.password, channel="api"
    )
    return Status(204, None)
