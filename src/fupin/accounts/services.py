"""Writes for users, role assignments and API tokens.

Who may manage users is data in ``accounts.scope`` (``USER_MANAGERS``, ``ROLE_LEVELS``):
a county administrator in their county, a township officer in their township; a role
goes only on an area of its level inside an area where the actor manages users, so no
one grants a role above their own area. A manager acts on a user they see (the user
holds a role inside the manager's areas, or the manager created them and no role is
given yet); changing the account itself (password, deactivation) needs every role of
the user to lie inside the manager's areas, so a township cannot lock out a county
user who also happens to work in it. ``actor=None`` is the system (the CLI, the demo).
Every service runs in one transaction and writes an audit row; no password is ever
written to the audit trail or a log.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.models import ApiToken, Role, RoleAssignment, UserCreation
from fupin.accounts.scope import ROLE_LEVELS, assignable_roles, manage_prefixes, scope_for
from fupin.areas.codes import prefix_q
from fupin.areas.models import Area
from fupin.audit.services import audit_write
from fupin.core.errors import AccessDenied, InvalidInput, NotFound

# Django's own rule for user names (letters of any script, digits and @ . + - _).
_USERNAME = re.compile(r"^[\w.@+-]+\Z")
USERNAME_MAX = 150
FULL_NAME_MAX = 150


# --- helpers ---------------------------------------------------------------------------------


def _audit(
    actor: Any,
    action: str,
    user_ids: list[int],
    channel: str,
    *,
    fields: tuple[str, ...] = (),
    area_code: str = "",
) -> None:
    audit_write(
        actor=actor,
        action=f"accounts.{action}",
        object_type="user",
        object_ids=user_ids,
        fields=fields,
        channel=channel,
        area_code=area_code,
    )


def _manager_prefixes(actor: Any) -> tuple[str, ...]:
    """The actor's managed areas; refused when they manage none (the system manages all)."""
    prefixes = manage_prefixes(scope_for(actor))
    if not prefixes:
        raise AccessDenied(_("只有县级管理员和乡镇干部可以管理用户。"))
    return prefixes


def _inside(code: str, prefixes: tuple[str, ...]) -> bool:
    return any(code.startswith(p) for p in prefixes)


def managed_user(actor: Any, user_id: int, *, whole: bool = True) -> Any:
    """The user ``actor`` may act on, or NotFound when they do not see them. With
    ``whole``, every role of the user must lie inside the actor's areas (password,
    deactivation), and a superuser is only ever changed by the system."""
    User = get_user_model()
    user = User.objects.filter(pk=user_id).first()
    if actor is None:
        if user is None:
            raise NotFound()
        return user
    prefixes = _manager_prefixes(actor)
    if user is None:
        raise NotFound()
    codes = list(RoleAssignment.objects.filter(user=user).values_list("area__code", flat=True))
    seen = any(_inside(c, prefixes) for c in codes) or (
        not codes and UserCreation.objects.filter(user=user, created_by=actor).exists()
    )
    if not seen:
        raise NotFound()
    if user.pk == actor.pk:
        raise AccessDenied(_("不能在这里修改自己的账号；修改密码请用“修改密码”。"))
    if whole and (user.is_superuser or not all(_inside(c, prefixes) for c in codes)):
        raise AccessDenied(_("该用户还在您管辖范围以外任职，只有上级管理员可以修改其账号。"))
    return user


def _password_message(error: ValidationError) -> str:
    """Django's password rules in our own Chinese (its catalogue leaves some in English)."""
    params = error.params or {}
    if error.code == "password_too_short":
        return _("密码太短，至少需要 %(n)s 个字符。") % {"n": params.get("min_length", 8)}
    if error.code == "password_too_common":
        return _("密码太常见，容易被猜到。")
    if error.code == "password_entirely_numeric":
        return _("密码不能全是数字。")
    if error.code == "password_too_similar":
        return _("密码与用户名或姓名太相似。")
    return str(error.message % params if params else error.message)


def _password_errors(password: str, user: Any) -> list[str]:
    """Every rule of AUTH_PASSWORD_VALIDATORS the password breaks."""
    if not password:
        return [_("请填写密码")]
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return [_password_message(e) for e in exc.error_list]
    return []


def _role_area(actor: Any, role: str, area_code: str) -> Area:
    """The area a role may be given on by ``actor``; refusals name the field."""
    if role not in Role.values:
        raise InvalidInput(fields={"role": [_("没有这个角色")]})
    area_code = (area_code or "").strip()
    if not area_code:
        raise InvalidInput(fields={"area_code": [_("请选择区划")]})
    if actor is not None:
        prefixes = _manager_prefixes(actor)
        if role not in assignable_roles(scope_for(actor)):
            raise AccessDenied(
                _("您无权分配“%(role)s”角色：它的区划在您的管辖范围之上。")
                % {"role": Role(role).label}
            )
        if not scope_for(actor).covers(area_code):
            raise NotFound(_("没有这个区划，或不在您的管辖范围内。"))
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise NotFound(_("没有这个区划，或不在您的管辖范围内。"))
    if area.level not in ROLE_LEVELS[role]:
        levels = "、".join(str(Area.Level(lv).label) for lv in ROLE_LEVELS[role])
        raise InvalidInput(
            fields={
                "area_code": [
                    _("“%(role)s”只能设在%(levels)s一级的区划")
                    % {"role": Role(role).label, "levels": levels}
                ]
            }
        )
    if actor is not None and not _inside(area.code, prefixes):
        raise AccessDenied(_("只能在您管辖的区划内分配角色。"))
    return area


def generate_password() -> str:
    """A password shown once (CLI, reset page): 16 characters, passes every validator."""
    return secrets.token_urlsafe(12)


# --- users -----------------------------------------------------------------------------------


def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    full_name: str = "",
    role: str | None = None,
    area_code: str | None = None,
    channel: str = "cli",
    password_rules: bool = True,
) -> Any:
    """A new user, with a first role if one is given. Every wrong field is reported at
    once; the password must pass the site's password rules (only the demo, whose known
    passwords are printed for visitors, turns them off with ``password_rules=False``)."""
    User = get_user_model()
    if actor is not None:
        _manager_prefixes(actor)
    username = (username or "").strip()
    full_name = (full_name or "").strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("请填写用户名")]
    elif len(username) > USERNAME_MAX:
        errors["username"] = [_("用户名最多 %(n)s 个字符") % {"n": USERNAME_MAX}]
    elif not _USERNAME.match(username):
        errors["username"] = [_("用户名只能包含文字、数字和 @ . + - _")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("该用户名已被使用")]
    if len(full_name) > FULL_NAME_MAX:
        errors["full_name"] = [_("姓名最多 %(n)s 个字") % {"n": FULL_NAME_MAX}]
    elif any(ord(c) < 32 for c in full_name):
        errors["full_name"] = [_("姓名不能包含控制字符")]
    if not password_rules:
        errs = [] if password else [_("请填写密码")]
    else:
        errs = _password_errors(password, User(username=username, first_name=full_name))
    if errs:
        errors["password"] = errs
    area: Area | None = None
    if role or area_code:
        if not role:
            errors["role"] = [_("请选择角色")]
        else:
            try:
                area = _role_area(actor, role, area_code or "")
            except InvalidInput as exc:
                errors.update(exc.fields)
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password, first_name=full_name)
        UserCreation.objects.create(user=user, created_by=actor if actor is not None else None)
        _audit(actor, "user.create", [user.pk], channel, fields=("username", "full_name"))
        if role and area is not None:
            _assign(actor, user, role, area, channel)
    return user


def user_password_set(*, actor: Any, user_id: int, password: str, channel: str = "web") -> Any:
    """A manager (or the system) sets a user's password; the user's sessions end and a
    sign-in lockout of theirs is lifted."""
    user = managed_user(actor, user_id)
    errs = _password_errors(password, user)
    if errs:
        raise InvalidInput(fields={"password": errs})
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        _audit(actor, "user.password_set", [user.pk], channel, fields=("password",))
        _unlock(user.get_username())
    return user


def password_change(
    *, actor: Any, old_password: str, new_password: str, channel: str = "web"
) -> Any:
    """A user changes their own password; the old one is required."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise AccessDenied()
    errors: dict[str, list[str]] = {}
    if not actor.check_password(old_password or ""):
        errors["old_password"] = [_("原密码不正确")]
    errs = _password_errors(new_password, actor)
    if not errs and new_password == old_password:
        errs = [_("新密码不能与原密码相同")]
    if errs:
        errors["new_password"] = errs
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        actor.set_password(new_password)
        actor.save(update_fields=["password"])
        _audit(actor, "user.password_change", [actor.pk], channel, fields=("password",))
    return actor


def _set_active(actor: Any, user_id: int, active: bool, channel: str) -> Any:
    user = managed_user(actor, user_id)
    if user.is_active == active:
        return user
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        _audit(
            actor,
            "user.reactivate" if active else "user.deactivate",
            [user.pk],
            channel,
            fields=("is_active",),
        )
    return user


def user_deactivate(*, actor: Any, user_id: int, channel: str = "web") -> Any:
    """The user can no longer sign in or use their API tokens; nothing is deleted."""
    return _set_active(actor, user_id, False, channel)


def user_reactivate(*, actor: Any, user_id: int, channel: str = "web") -> Any:
    return _set_active(actor, user_id, True, channel)


def _unlock(username: str) -> None:
    """Lift a sign-in lockout (django-axes keeps the failed attempts in the database)."""
    from axes.models import AccessAttempt  # type: ignore[import-untyped]

    AccessAttempt.objects.filter(username=username).delete()


def user_unlock(*, actor: Any, user_id: int, channel: str = "web") -> Any:
    user = managed_user(actor, user_id)
    with transaction.atomic():
        _unlock(user.get_username())
        _audit(actor, "user.unlock", [user.pk], channel)
    return user


# --- roles -----------------------------------------------------------------------------------


def _assign(actor: Any, user: Any, role: str, area: Area, channel: str) -> RoleAssignment:
    if RoleAssignment.objects.filter(user=user, role=role, area=area).exists():
        raise InvalidInput(fields={"role": [_("该用户在此区划已有这个角色")]})
    assignment = RoleAssignment.objects.create(user=user, role=role, area=area)
    _audit(actor, "role.assign", [user.pk], channel, fields=("role",), area_code=area.code)
    return assignment


def role_assign(
    *, actor: Any, user_id: int, role: str, area_code: str, channel: str = "web"
) -> RoleAssignment:
    """Give a user a role on an area (see the module's rule)."""
    with transaction.atomic():
        user = managed_user(actor, user_id, whole=False)
        area = _role_area(actor, role, area_code)
        return _assign(actor, user, role, area, channel)


def role_remove(*, actor: Any, assignment_id: int, channel: str = "web") -> None:
    """Take a role away; the actor must manage the role's area."""
    qs = RoleAssignment.objects.select_related("area").filter(pk=assignment_id)
    if actor is not None:
        qs = qs.filter(prefix_q("area__code", _manager_prefixes(actor)))
    assignment = qs.first()
    if assignment is None:
        raise NotFound()
    if actor is not None and assignment.user_id == actor.pk:
        raise AccessDenied(_("不能取消自己的角色，请联系上级管理员。"))
    with transaction.atomic():
        assignment.delete()
        _audit(
            actor,
            "role.remove",
            [assignment.user_id],
            channel,
            fields=("role",),
            area_code=assignment.area.code,
        )


def role_assignment_create(*, actor: Any, user: Any, role: str, area_code: str) -> RoleAssignment:
    """The system gives a role (kept for scripts written against it)."""
    return role_assign(actor=actor, user_id=user.pk, role=role, area_code=area_code, channel="cli")


# --- API tokens ------------------------------------------------------------------------------


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
