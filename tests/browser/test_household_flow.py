"""The registry in a real browser: login, filter, open, edit, history; and at phone width."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from fupin.registry.models import Household
from tests import factories
from tests.browser.conftest import SHOTS
from tests.conftest import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def registry(users: dict[str, Any]) -> dict[str, Household]:
    users["township_officer"].first_name = "王乡长"
    users["township_officer"].save()
    out = {
        "target": factories.household(
            members=[
                factories.member_data(name="张国强"),
                factories.member_data(name="李秀英", sex="female", relation="spouse"),
            ]
        ),
        "exited": factories.household(
            members=[factories.member_data(name="刘德明")], status="exited", exited_year=2019
        ),
    }
    for name in ("陈大山", "杨春花", "黄文华"):
        factories.household(
            area_code=factories.OTHER_VILLAGE_SAME_TOWNSHIP,
            members=[factories.member_data(name=name)],
        )
    return out


def _login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="农户列表")).to_be_visible()


def test_household_flow(live_server: Any, browser: Browser, registry: dict[str, Household]) -> None:
    base = live_server.url
    target = registry["target"]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()

    # A wrong password first: the error is in Chinese.
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill("township_officer")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    page.screenshot(path=str(SHOTS / "fupin-login-error.png"), full_page=True)

    _login(page, base, "township_officer")
    expect(page.locator("header")).to_contain_text("王乡长")
    expect(page.locator("header")).to_contain_text("乡镇干部")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(5)
    page.screenshot(path=str(SHOTS / "fupin-list.png"), full_page=True)

    # Filtering by status swaps the results (htmx) and keeps the filter in the address.
    page.get_by_label("户状态").select_option(label="已脱贫")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("刘德明")
    assert "status=exited" in page.url

    page.get_by_label("户状态").select_option(label="全部")
    page.get_by_label("搜索").fill("張國強")  # traditional characters find 张国强
    page.get_by_role("button", name="查询").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("张国强")
    page.screenshot(path=str(SHOTS / "fupin-list-search.png"), full_page=True)

    rows.first.get_by_role("link", name=target.number).click()
    expect(page.get_by_role("heading", name=f"户编号 {target.number}")).to_be_visible()
    expect(page.locator("#members-title")).to_contain_text("家庭成员")

    page.get_by_role("button", name="修改户信息").click()
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("修改原因").fill("户主更换了手机号")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("status")).to_contain_text("已保存")
    expect(page.locator("#household-phone")).to_have_text("13912345678")
    history = page.locator("#history .history-entry").first
    expect(history).to_contain_text("修改户信息")
    expect(history).to_contain_text("王乡长")
    expect(history).to_contain_text("13912345678")
    expect(history).to_contain_text("户主更换了手机号")
    page.screenshot(path=str(SHOTS / "fupin-detail.png"), full_page=True)
    target.refresh_from_db()
    assert target.phone == "13912345678"

    # A bad value comes back as a Chinese field error without saving.
    page.get_by_role("button", name="修改户信息").click()
    page.get_by_label("联系电话").fill("12345")
    page.get_by_label("修改原因").fill("测试")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".field-error")).to_contain_text("联系电话须为11位手机号")
    page.screenshot(path=str(SHOTS / "fupin-edit-error.png"), full_page=True)
    context.close()


def test_phone_width(live_server: Any, browser: Browser, registry: dict[str, Household]) -> None:
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    _login(page, live_server.url, "village_secretary")
    page.screenshot(path=str(SHOTS / "fupin-phone-list.png"), full_page=True)
    # Nothing may stick out sideways: the table became cards.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    expect(page.locator("#results thead")).to_be_hidden()
    card = page.locator("#results tbody tr").first
    id_cell = card.locator("td[data-label='户主证件号码']")
    label = id_cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"户主证件号码"'  # each card value is labelled
    expect(card).to_contain_text("********")  # a village secretary sees masked IDs

    card.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="家庭成员")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "fupin-phone-detail.png"), full_page=True)

    page.goto(f"{live_server.url}/households/new/")
    expect(page.get_by_role("heading", name="户主")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "fupin-phone-create.png"), full_page=True)
    context.close()
