"""Reads of users for those who manage them: only the users a manager sees (a role inside
their areas, or created by them and given no role yet), and of those only the roles
inside the manager's areas."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from fupin.accounts.models import Role, RoleAssignment, UserCreation
from fupin.accounts.scope import ROLE_LEVELS, assignable_roles, manage_prefixes, scope_for
from fupin.areas.codes import prefix_q
from fupin.areas.models import Area
from fupin.core.errors import AccessDenied, NotFound


@dataclass(frozen=True)
class RoleRow:
    id: int
    role: str
    role_label: str
    area_code: str
    area_name: str


@dataclass
class UserRow:
    id: int
    username: str
    full_name: str
    is_active: bool
    last_login: Any
    roles: list[RoleRow] = field(default_factory=list)
    # roles the user holds outside the manager's areas: counted, not shown
    roles_elsewhere: int = 0
    created_by: str = ""


def manager_prefixes(actor: Any) -> tuple[str, ...]:
    """The areas in which ``actor`` manages users; refused (403) when none."""
    prefixes = manage_prefixes(scope_for(actor))
    if not prefixes:
        raise AccessDenied()
    return prefixes


def _visible(actor: Any, prefixes: tuple[str, ...]) -> Q:
    in_areas = RoleAssignment.objects.filter(prefix_q("area__code", prefixes)).values("user_id")
    created = UserCreation.objects.filter(created_by=actor).values("user_id")
    roleless = Q(~Exists(RoleAssignment.objects.filter(user=OuterRef("pk"))))
    return Q(pk__in=in_areas) | (Q(pk__in=created) & roleless)


def _row(user: Any) -> UserRow:
    return UserRow(
        id=user.pk,
        username=user.get_username(),
        full_name=user.get_full_name(),
        is_active=user.is_active,
        last_login=user.last_login,
        roles=[
            RoleRow(
                id=a.pk,
                role=a.role,
                role_label=str(Role(a.role).label),
                area_code=a.area.code,
                area_name=a.area.name,
            )
            for a in user.fupin_roles
        ],
    )


def _users(actor: Any, prefixes: tuple[str, ...]) -> QuerySet[Any]:
    roles = (
        RoleAssignment.objects.filter(prefix_q("area__code", prefixes))
        .select_related("area")
        .order_by("area__code", "role")
    )
    return (
        get_user_model()
        .objects.filter(_visible(actor, prefixes))
        .prefetch_related(Prefetch("role_assignments", queryset=roles, to_attr="fupin_roles"))
    )


def user_list(
    *, actor: Any, q: str = "", after: str = "", active: bool | None = None, limit: int = 50
) -> tuple[list[UserRow], str]:
    """A page of the users ``actor`` manages, by user name; the name to continue after
    (keyset) or "" on the last page. Two queries whatever the number of users."""
    prefixes = manager_prefixes(actor)
    qs = _users(actor, prefixes)
    # NUL cannot be sent to PostgreSQL in a parameter; nothing can match it anyway.
    q = (q or "").replace("\x00", "").strip()
    after = (after or "").replace("\x00", "")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(first_name__icontains=q))
    if active is not None:
        qs = qs.filter(is_active=active)
    if after:
        qs = qs.filter(username__gt=after)
    users = list(qs.order_by("username")[: limit + 1])
    more = len(users) > limit
    users = users[:limit]
    return [_row(u) for u in users], (users[-1].get_username() if more else "")


def user_detail(*, actor: Any, user_id: int) -> UserRow:
    """One user the actor manages, or NotFound; with the roles inside the actor's areas
    and a count of the others."""
    prefixes = manager_prefixes(actor)
    user = _users(actor, prefixes).filter(pk=user_id).first()
    if user is None:
        raise NotFound()
    row = _row(user)
    row.roles_elsewhere = (
        RoleAssignment.objects.filter(user=user).exclude(prefix_q("area__code", prefixes)).count()
    )
    creation = UserCreation.objects.filter(user=user).select_related("created_by").first()
    if creation is not None and creation.created_by is not None:
        row.created_by = creation.created_by.get_full_name() or creation.created_by.username
    return row


def role_choices(*, actor: Any) -> list[tuple[str, str]]:
    """The roles ``actor`` may give, as (value, label)."""
    allowed = assignable_roles(scope_for(actor))
    return [(value, str(label)) for value, label in Role.choices if value in allowed]


def area_choices(*, actor: Any) -> list[tuple[str, str]]:
    """The areas ``actor`` may give some role on (county, township, village levels inside
    their managed areas), top first, indented by level."""
    prefixes = manager_prefixes(actor)
    levels = sorted({lv for lvs in ROLE_LEVELS.values() for lv in lvs})
    indent = {"county": "", "township": "　", "village": "　　"}
    rows = (
        Area.objects.filter(prefix_q("code", prefixes), level__in=levels)
        .order_by("code")
        .values_list("code", "name", "level")
    )
    return [(code, f"{indent.get(level, '')}{name}（{code}）") for code, name, level in rows]
