"""Production settings, fupin's own error pages and the server's notion of today."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fupin.core import clock

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "fupin" / "templates"

PRODUCTION = {
    "FUPIN_PRODUCTION": "1",
    "FUPIN_SECRET_KEY": "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ",
    "FUPIN_ALLOWED_HOSTS": "fupin.example.org",
    "FUPIN_CSRF_TRUSTED_ORIGINS": "https://fupin.example.org",
    "FUPIN_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}


def _fupin(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FUPIN_")
        and k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "-m", "fupin", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, "FUPIN_DATA_DIR": str(tmp_path), **env},
        check=False,
    )


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    # the shell prints how many objects it imported before the command's own output
    return result.stdout.strip().splitlines()[-1]


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = _fupin(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_about_a_laptop_setup(tmp_path: Path) -> None:
    # The same check does find the missing HTTPS settings when production is not declared,
    # so the clean result above comes from the settings, not from a muted check.
    result = _fupin(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"FUPIN_SECRET_KEY": ""}, "FUPIN_SECRET_KEY"),
        ({"FUPIN_ALLOWED_HOSTS": ""}, "FUPIN_ALLOWED_HOSTS"),
        ({"FUPIN_DEBUG": "1"}, "FUPIN_DEBUG"),
        ({"FUPIN_TODAY": "2026-12-20"}, "FUPIN_TODAY"),
        ({"FUPIN_CSRF_TRUSTED_ORIGINS": "fupin.example.org"}, "https://fupin.example.org"),
        ({"FUPIN_PROXY_COUNT": "one"}, "FUPIN_PROXY_COUNT"),
    ],
)
def test_production_refuses_what_is_unsafe(tmp_path: Path, env: dict[str, str], says: str) -> None:
    result = _fupin(tmp_path, "check", **{**PRODUCTION, **env})
    assert result.returncode == 2, result.stdout
    assert says in result.stderr and "Traceback" not in result.stderr


def test_production_headers(tmp_path: Path) -> None:
    code = (
        "from django.test import Client; "
        "r = Client().get('/accounts/login/', secure=True, HTTP_HOST='fupin.example.org'); "
        "print(r.status_code); print(r['Strict-Transport-Security']); "
        "print(r['Content-Security-Policy']); print(r.cookies['csrftoken']['secure']); "
        "r = Client().get('/accounts/login/', HTTP_HOST='fupin.example.org', "
        "HTTP_X_FORWARDED_PROTO='https'); print(r.status_code); "
        "r = Client().get('/accounts/login/', HTTP_HOST='fupin.example.org'); "
        "print(r.status_code, r['Location'])"
    )
    result = _fupin(tmp_path, "shell", "-c", code, **PRODUCTION)
    lines = result.stdout.strip().splitlines()[-6:]
    assert lines[0] == "200", result.stderr
    assert lines[1] == "max-age=31536000; includeSubDomains"
    assert "script-src 'self'" in lines[2] and "frame-ancestors 'none'" in lines[2]
    assert lines[3] == "True"
    # behind the proxy, a request it marks as https is served; plain http is redirected
    assert lines[4] == "200"
    assert lines[5] == "301 https://fupin.example.org/accounts/login/"


def test_behind_proxies_the_lockout_counts_the_client(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings; "
        "print(settings.AXES_IPWARE_PROXY_COUNT, settings.AXES_IPWARE_META_PRECEDENCE_ORDER[0])"
    )
    result = _fupin(tmp_path, "shell", "-c", code, **PRODUCTION, FUPIN_PROXY_COUNT="1")
    assert _last_line(result) == "1 HTTP_X_FORWARDED_FOR", result.stderr


def test_debug_is_off_unless_asked(tmp_path: Path) -> None:
    code = "from django.conf import settings; print(settings.DEBUG)"
    assert _last_line(_fupin(tmp_path, "shell", "-c", code)) == "False"
    assert _last_line(_fupin(tmp_path, "shell", "-c", code, FUPIN_DEBUG="1")) == "True"


def test_fupin_today_moves_the_server_day(tmp_path: Path) -> None:
    code = (
        "from django.utils import timezone; from fupin.core import clock; "
        "print(clock.today(), timezone.localdate(clock.now()))"
    )
    result = _fupin(tmp_path, "shell", "-c", code, FUPIN_TODAY="2027-01-15")
    assert _last_line(result) == "2027-01-15 2027-01-15", result.stderr
    wrong = _fupin(tmp_path, "check", FUPIN_TODAY="15/01/2027")
    assert wrong.returncode == 2 and "YYYY-MM-DD" in wrong.stderr


def test_clock_follows_the_setting(settings: Any) -> None:
    settings.FUPIN_TODAY = date(2020, 2, 29)
    assert clock.today() == date(2020, 2, 29)
    assert timezone.localdate(clock.now()) == date(2020, 2, 29)
    settings.FUPIN_TODAY = None
    assert clock.today() != date(2020, 2, 29)


# --- fupin's own error pages -----------------------------------------------------------


def test_unknown_page_is_fupins_404_in_chinese(users: Any, client_for: Any) -> None:
    response = client_for("county_admin").get("/no/such/page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "没有这个页面" in text and "not_found" in text
    assert "Django" not in text and "URLconf" not in text


def test_unknown_page_anonymous(db: None) -> None:
    response = Client().get("/nothing-here/")
    assert response.status_code == 404
    assert "没有这个页面" in response.content.decode()


def test_csrf_failure_is_fupins_page(users: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "county_admin", "password": "x"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "安全校验（CSRF）未通过" in text and "csrf_failed" in text
    assert "CSRF verification failed" not in text


def test_a_crash_is_fupins_500(db: None) -> None:
    from fupin.core.views import crashed

    request = Client().get("/").wsgi_request
    response = crashed(request)
    assert response.status_code == 500
    assert "系统出现错误" in response.content.decode()


def test_pages_carry_the_content_security_policy(users: Any, client_for: Any) -> None:
    response = client_for("county_admin").get("/households/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy


def test_templates_hold_no_inline_script_handler_or_style() -> None:
    """The policy allows no inline script, handler or style: a template that adds one
    would silently stop working in the browser."""
    offences = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text):
            offences.append(f"{path.name}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+=|\sstyle=|<style", text):
            offences.append(f"{path.name}: {match.group(0)}")
    assert offences == []
