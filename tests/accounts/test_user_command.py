"""``fupin user``: the first administrator and scripts, as the system, audited."""

from __future__ import annotations

import io
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from fupin.accounts.models import RoleAssignment
from fupin.accounts.scope import scope_for
from fupin.audit.models import AuditEvent

GOOD = "Qiang-Shan-2026-hu"


def run(*args: str, stdin: str | None = None, monkeypatch: Any = None) -> tuple[str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out, err = StringIO(), StringIO()
    call_command("user", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_first_administrator_with_a_password_from_stdin(areas: None, monkeypatch: Any) -> None:
    out, err = run(
        "create", "admin", "--role", "county_admin", "--area", "422822000000",
        "--full-name", "张主任", "--password-stdin", stdin=GOOD + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert GOOD not in out + err
    user = get_user_model().objects.get(username="admin")
    assert user.check_password(GOOD) and user.first_name == "张主任"
    assert scope_for(user).write_prefixes == ("422822",)
    events = AuditEvent.objects.filter(object_ids=[user.pk])
    assert set(events.values_list("action", "channel", "actor")) == {
        ("accounts.user.create", "cli", None),
        ("accounts.role.assign", "cli", None),
    }


def test_generated_password_is_printed_once(areas: None) -> None:
    out, err = run("create", "someone")
    password = out.strip()
    assert len(password) >= 12 and "only this once" in err
    assert get_user_model().objects.get(username="someone").check_password(password)
    out, err = run("set-password", "someone")
    assert out.strip() != password
    assert get_user_model().objects.get(username="someone").check_password(out.strip())


def test_weak_password_is_refused_with_the_reasons(areas: None, monkeypatch: Any) -> None:
    with pytest.raises(CommandError, match="密码太短"):
        run("create", "w", "--password-stdin", stdin="123\n", monkeypatch=monkeypatch)
    assert not get_user_model().objects.filter(username="w").exists()
    with pytest.raises(CommandError, match="go together"):
        run("create", "w", "--role", "cadre")


def test_deactivate_reactivate_role_and_list(users: dict[str, Any]) -> None:
    run("deactivate", "cadre")
    assert not get_user_model().objects.get(username="cadre").is_active
    out, _ = run("list")
    line = next(x for x in out.splitlines() if x.startswith("cadre\t"))
    assert "deactivated" in line and "cadre@422822100001" in line
    assert "password" not in out.lower() and "md5$" not in out
    run("reactivate", "cadre")
    assert get_user_model().objects.get(username="cadre").is_active
    run("role", "outsider", "auditor", "422822101000")
    assert RoleAssignment.objects.filter(user=users["outsider"], role="auditor").exists()
    run("role", "outsider", "auditor", "422822101000", "--remove")
    assert not RoleAssignment.objects.filter(user=users["outsider"]).exists()
    with pytest.raises(CommandError, match="行政村"):
        run("role", "outsider", "village_secretary", "422822101000")
    with pytest.raises(CommandError, match="No user"):
        run("deactivate", "nobody")
    assert AuditEvent.objects.filter(
        action="accounts.user.deactivate", channel="cli", actor=None
    ).exists()
