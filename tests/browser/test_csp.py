"""The Content-Security-Policy in a real browser: every page's scripts, charts and
handlers still work with no inline script or style allowed, and nothing is blocked."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect

from tests import factories
from tests.browser.test_household_flow import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_work_under_the_policy(
    live_server: Any,
    browser: Browser,
    users: dict[str, Any],
) -> None:
    from fupin.policy.services import (
        evaluation_run_create,
        evaluation_run_execute,
        standards_install_defaults,
    )

    standards_install_defaults()  # emptied by an earlier transactional test, if any
    for _ in range(3):
        factories.household(status="not_exited")
    run = evaluation_run_execute(
        run_id=evaluation_run_create(actor=None, area_code="422822000000", year=2026).pk
    )
    base = live_server.url
    page = browser.new_page()
    blocked: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            blocked.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: blocked.append(str(error)))
    _login(page, base, "county_admin")

    # the run page draws its chart from the static script
    page.goto(f"{base}/policy/runs/{run.pk}/")
    expect(page.locator("#clause-chart canvas")).to_have_count(1)

    # a select that submits its form when changed (the language switch in the footer)
    page.goto(f"{base}/households/")
    page.locator("#language-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#language-select").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # htmx swaps the household results as one types
    page.goto(f"{base}/households/")
    expect(page.get_by_role("heading", name="农户列表")).to_be_visible()

    for path in ("/procedures/", "/assistance/visit/", "/command/", "/api/docs"):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
    expect(page.locator(".swagger-ui")).to_be_visible()
    assert blocked == []
