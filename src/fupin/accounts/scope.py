"""What a user covers: the area prefixes they may read, write, and see unmasked PII in.

Computed once per request from the user's role assignments; every selector and the
API take a Scope, so area restriction is enforced in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fupin.accounts.models import Role, RoleAssignment
from fupin.areas.codes import PREFIX_LENGTH, prefix_of


@dataclass(frozen=True)
class RoleRule:
    can_write: bool
    sees_pii: bool


# Who may do what. Auditors read everything in their area unmasked but change nothing;
# cadres and village secretaries work with masked ID numbers and health details.
ROLE_RULES: dict[str, RoleRule] = {
    Role.COUNTY_ADMIN: RoleRule(can_write=True, sees_pii=True),
    Role.TOWNSHIP_OFFICER: RoleRule(can_write=True, sees_pii=True),
    Role.VILLAGE_SECRETARY: RoleRule(can_write=True, sees_pii=False),
    Role.CADRE: RoleRule(can_write=False, sees_pii=False),
    Role.AUDITOR: RoleRule(can_write=False, sees_pii=True),
}


def _minimal(prefixes: set[str]) -> tuple[str, ...]:
    """Drop prefixes nested in another one."""
    out = [p for p in prefixes if not any(q != p and p.startswith(q) for q in prefixes)]
    return tuple(sorted(out))


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    prefixes: tuple[str, ...] = ()
    write_prefixes: tuple[str, ...] = ()
    pii_prefixes: tuple[str, ...] = ()
    root_codes: tuple[str, ...] = ()
    roles: tuple[tuple[str, str], ...] = field(default=())  # (role, area code)

    def covers(self, code: str) -> bool:
        return any(code.startswith(p) for p in self.prefixes)

    def can_write(self, code: str) -> bool:
        return any(code.startswith(p) for p in self.write_prefixes)

    def sees_pii(self, code: str) -> bool:
        return any(code.startswith(p) for p in self.pii_prefixes)

    @property
    def is_empty(self) -> bool:
        return not self.prefixes

    @property
    def may_write_anywhere(self) -> bool:
        return bool(self.write_prefixes)


def scope_for(user: Any) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope(user_id=None)
    cached = getattr(user, "_fupin_scope", None)
    if isinstance(cached, Scope):
        return cached
    rows = list(
        RoleAssignment.objects.filter(user=user).values_list("role", "area__code", "area__level")
    )
    read: set[str] = set()
    write: set[str] = set()
    pii: set[str] = set()
    for role, code, level in rows:
        prefix = code[: PREFIX_LENGTH[level]]
        read.add(prefix)
        rule = ROLE_RULES[role]
        if rule.can_write:
            write.add(prefix)
        if rule.sees_pii:
            pii.add(prefix)
    minimal = _minimal(read)
    roots = tuple(
        sorted({code for _, code, level in rows if code[: PREFIX_LENGTH[level]] in minimal})
    )
    scope = Scope(
        user_id=user.pk,
        prefixes=minimal,
        write_prefixes=_minimal(write),
        pii_prefixes=_minimal(pii),
        root_codes=roots,
        roles=tuple(sorted((r, c) for r, c, _ in rows)),
    )
    user._fupin_scope = scope
    return scope


def holds_role(actor: Any, roles: tuple[str, ...], area_code: str) -> bool:
    """Whether ``actor`` holds one of ``roles`` over an area containing ``area_code``; the
    system itself (``actor`` None: batch jobs, the CLI) always does."""
    if actor is None:
        return True
    for role, code in scope_for(actor).roles:
        if role in roles and area_code.startswith(prefix_of(code)):
            return True
    return False


# --- who manages users ---------------------------------------------------------------------
# A county administrator manages the users of their county, a township officer those of
# their township. Every role belongs on areas of certain levels (ROLE_LEVELS), and may be
# given only on an area inside one where the actor holds a managing role: so nobody can
# grant a role above their own area (a township officer cannot make a county
# administrator, whose area would be the county above them), nor outside it.
USER_MANAGERS: tuple[str, ...] = (Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER)
ROLE_LEVELS: dict[str, tuple[str, ...]] = {
    Role.COUNTY_ADMIN: ("county",),
    Role.TOWNSHIP_OFFICER: ("township",),
    Role.VILLAGE_SECRETARY: ("village",),
    Role.CADRE: ("township", "village"),
    Role.AUDITOR: ("county", "township", "village"),
}


def manage_prefixes(scope: Scope) -> tuple[str, ...]:
    """The area prefixes in which the scope's user manages users (empty: manages none)."""
    return _minimal({prefix_of(code) for role, code in scope.roles if role in USER_MANAGERS})


def assignable_roles(scope: Scope) -> tuple[str, ...]:
    """The roles the user may give on some area of theirs: those that belong on a level
    at or below the highest area the user manages."""
    depths = [len(p) for p in manage_prefixes(scope)]
    if not depths:
        return ()
    top = min(depths)  # the highest managed area, as the length of its prefix
    return tuple(
        role for role in Role.values if any(PREFIX_LENGTH[lv] >= top for lv in ROLE_LEVELS[role])
    )
