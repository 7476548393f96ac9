from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fupin.accounts.models import Role
from fupin.accounts.scope import manage_prefixes, scope_for


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    return {
        "fupin_scope": scope,
        "fupin_role_labels": [Role(r).label for r, _ in scope.roles],
        "fupin_manages_users": bool(manage_prefixes(scope)),
    }
