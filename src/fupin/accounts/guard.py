"""The check every write service starts with, shared by the apps' services."""

from __future__ import annotations

from typing import Any

from fupin.accounts.scope import holds_role, scope_for
from fupin.core.errors import AccessDenied, NotFound


def require(actor: Any, roles: tuple[str, ...], area_code: str) -> None:
    """The actor must see the area (else it does not exist for them) and hold one of
    ``roles`` over it; the system itself (``actor`` None) always may."""
    if actor is None:
        return
    if not scope_for(actor).covers(area_code):
        raise NotFound()
    if not holds_role(actor, roles, area_code):
        raise AccessDenied()


def user_of(actor: Any) -> Any:
    """The user to record as having done something: None for the system."""
    return actor if getattr(actor, "pk", None) else None
