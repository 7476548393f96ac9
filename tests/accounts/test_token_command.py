"""``fupin token create|list|revoke``."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from fupin.accounts.models import ApiToken
from fupin.audit.models import AuditEvent


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_a_working_key_once(users: dict[str, Any]) -> None:
    out, err = run("create", "cadre", "--name", "手机端")
    key = out.strip()
    assert key.startswith("fp_")
    assert "only this once" in err
    token = ApiToken.objects.get(user=users["cadre"])
    assert token.name == "手机端"
    assert token.digest == ApiToken.digest_of(key)
    assert key not in token.digest
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/me")
    assert response.json()["username"] == "cadre"
    assert AuditEvent.objects.filter(action="api_token.create", object_ids=[token.pk]).exists()


def test_list_shows_tokens_but_never_keys(users: dict[str, Any]) -> None:
    key1 = run("create", "cadre", "--name", "one")[0].strip()
    key2 = run("create", "cadre")[0].strip()
    out, _ = run("list", "cadre")
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert "one" in lines[0] and "active" in lines[0]
    assert "cli" in lines[1]
    assert key1 not in out and key2 not in out
    assert key1[:8] in lines[0]
    _, err = run("list", "auditor")
    assert "no tokens" in err


def test_revoke(users: dict[str, Any]) -> None:
    key = run("create", "auditor")[0].strip()
    token = ApiToken.objects.get(user=users["auditor"])
    out, _ = run("revoke", str(token.pk))
    assert "revoked" in out
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/me")
    assert response.status_code == 401
    assert "revoked" in run("list", "auditor")[0]
    with pytest.raises(CommandError, match="already revoked"):
        run("revoke", str(token.pk))


def test_errors(users: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match="No user"):
        run("create", "nobody")
    with pytest.raises(CommandError, match="No user"):
        run("list", "nobody")
    with pytest.raises(CommandError, match="No token"):
        run("revoke", "424242")
    users["cadre"].is_active = False
    users["cadre"].save()
    with pytest.raises(CommandError, match="not active"):
        run("create", "cadre")
    assert not ApiToken.objects.exists()
