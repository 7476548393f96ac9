"""Sign-in lockout (django-axes): on the web by user name and address, and bad API
tokens from one client."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from fupin.accounts import services
from fupin.accounts.services import api_token_create
from tests.conftest import PASSWORD


def _login(username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return Client().post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def test_five_wrong_passwords_lock_the_account_from_that_address(users: dict[str, Any]) -> None:
    for _ in range(4):
        response = _login("cadre", "wrong")
        assert response.status_code == 200
        assert "用户名或密码错误" in response.content.decode()
    response = _login("cadre", "wrong")
    assert response.status_code == 429
    body = response.content.decode()
    assert "登录已锁定" in body and "15 分钟" in body and "Traceback" not in body
    # now even the right password is refused, with the same page
    response = _login("cadre", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in response.wsgi_request.session
    # another address, or another user, is not locked
    assert _login("cadre", PASSWORD, ip="10.0.0.2").status_code == 302
    assert _login("auditor", PASSWORD).status_code == 302


def test_a_success_resets_the_count(users: dict[str, Any]) -> None:
    for _ in range(4):
        _login("cadre", "wrong")
    assert _login("cadre", PASSWORD).status_code == 302
    for _ in range(4):
        assert _login("cadre", "wrong").status_code == 200


def test_a_manager_lifts_the_lockout(users: dict[str, Any]) -> None:
    for _ in range(5):
        _login("cadre", "wrong")
    assert _login("cadre", PASSWORD).status_code == 429
    services.user_unlock(actor=users["township_officer"], user_id=users["cadre"].pk)
    assert _login("cadre", PASSWORD).status_code == 302


def test_bad_tokens_from_one_client_are_throttled(users: dict[str, Any]) -> None:
    _, key = api_token_create(actor=None, user=users["cadre"], name="t")
    for i in range(5):
        response = Client(HTTP_AUTHORIZATION=f"Bearer fp_guess{i}").get(
            "/api/me?q=422822198005170011", REMOTE_ADDR="10.0.0.9"
        )
        assert response.status_code == 401
    response = Client(HTTP_AUTHORIZATION="Bearer fp_guess9").get("/api/me", REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    # while locked out even a valid token from that client is refused ...
    good = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert good.get("/api/me", REMOTE_ADDR="10.0.0.9").status_code == 429
    # ... but not from another one
    assert good.get("/api/me", REMOTE_ADDR="10.0.0.10").status_code == 200
    # the failures are kept without the query (it may hold an ID number)
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(ip_address="10.0.0.9")
    assert "422822198005170011" not in attempt.get_data
    # web sign-in from that address is a different count
    assert _login("cadre", PASSWORD, ip="10.0.0.9").status_code == 302
