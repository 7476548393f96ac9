"""Writes for users, role assignments and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from fupin.accounts.models import ApiToken, Role, RoleAssignment
from fupin.areas.models import Area
from fupin.audit.services import audit_write
from fupin.core.errors import InvalidInput, NotFound


def role_assignment_create(*, actor: Any, user: Any, role: str, area_code: str) -> RoleAssignment:
    if role not in Role.values:
        raise InvalidInput(fields={"role": [f"unknown role {role}"]})
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise NotFound()
    with transaction.atomic():
        assignment, _ = RoleAssignment.objects.get_or_create(user=user, role=role, area=area)
        audit_write(
            actor=actor,
            action="role_assignment.create",
            object_type="user",
            object_ids=[user.pk],
            fields=[role, area_code],
            channel="cli",
        )
    return assignment


def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    full_name: str = "",
    role: str | None = None,
    area_code: str | None = None,
) -> Any:
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password, first_name=full_name)
        audit_write(
            actor=actor,
            action="user.create",
            object_type="user",
            object_ids=[user.pk],
            channel="cli",
        )
        if role and area_code:
            role_assignment_create(actor=actor, user=user, role=role, area_code=area_code)
    return user


def api_token_create(
    *, actor: Any, user: Any, name: str, channel: str = "web"
) -> tuple[ApiToken, str]:
    """Returns the token and its key; the key is not stored and cannot be shown again."""
    key = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, digest=ApiToken.digest_of(key), prefix=key[:8]
        )
        audit_write(
            actor=actor,
            action="api_token.create",
            object_type="api_token",
            object_ids=[token.pk],
            channel=channel,
        )
    return token, key


def api_token_revoke(*, actor: Any, token_id: int, channel: str = "web") -> None:
    """A user revokes their own token; the system (``actor=None``, the CLI) any token."""
    tokens = ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True)
    if actor is not None:
        tokens = tokens.filter(user=actor)
    with transaction.atomic():
        if not tokens.update(revoked_at=timezone.now()):
            raise NotFound()
        audit_write(
            actor=actor,
            action="api_token.revoke",
            object_type="api_token",
            object_ids=[token_id],
            channel=channel,
        )


def api_token_user(*, key: str) -> Any | None:
    """The active user a key belongs to, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        # Throttled so that a busy client does not turn every read into a write.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
