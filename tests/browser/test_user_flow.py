"""Managing users in a real browser: a county administrator makes a village secretary
for one village, who signs in and sees that village only; a township officer cannot make
a county administrator."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from fupin.accounts.models import RoleAssignment
from tests import factories
from tests.browser.conftest import SHOTS
from tests.conftest import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Dong-Men-Cun-2026"


def _login(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="农户列表")).to_be_visible()


def _logout(page: Page) -> None:
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()


def test_county_admin_makes_a_village_secretary(
    live_server: Any, browser: Browser, users: dict[str, Any]
) -> None:
    factories.household(members=[factories.member_data(name="张东门")])
    factories.household(
        area_code=factories.OTHER_VILLAGE_SAME_TOWNSHIP,
        members=[factories.member_data(name="陈南门")],
    )
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()

    _login(page, base, "county_admin")
    page.get_by_role("link", name="用户管理").click()
    expect(page.get_by_role("heading", name="用户管理")).to_be_visible()
    page.get_by_role("link", name="新建用户").click()
    page.get_by_label("用户名").fill("dongmen_shuji")
    page.get_by_label("姓名").fill("周东门")
    page.get_by_label("初始密码").fill(NEW_PASSWORD)
    page.get_by_label("再次输入密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="创建用户").click()
    expect(page.get_by_role("heading", name="周东门")).to_be_visible()
    expect(page.get_by_text("尚未分配角色。")).to_be_visible()

    page.get_by_role("button", name="分配角色").click()
    page.get_by_label("角色").select_option(label="村党组织书记")
    page.get_by_label("区划").select_option(factories.VILLAGE)
    page.get_by_role("button", name="分配", exact=True).click()
    roles = page.locator("table[aria-labelledby=roles-title] tbody tr")
    expect(roles).to_have_count(1)
    expect(roles.first).to_contain_text("村党组织书记")
    expect(roles.first).to_contain_text("东门村")
    page.screenshot(path=str(SHOTS / "fupin-user-detail-phone.png"), full_page=True)
    _logout(page)

    _login(page, base, "dongmen_shuji", NEW_PASSWORD)
    expect(page.locator("header")).to_contain_text("村党组织书记")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("张东门")
    expect(page.get_by_text("陈南门")).to_have_count(0)
    expect(page.get_by_role("link", name="用户管理")).to_have_count(0)
    expect(page.get_by_role("link", name="修改密码")).to_be_visible()
    context.close()


def test_township_officer_cannot_make_a_county_admin(
    live_server: Any, browser: Browser, users: dict[str, Any]
) -> None:
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, base, "township_officer")
    page.goto(f"{base}/accounts/users/new/")
    role = page.get_by_label("角色")
    expect(role.locator("option", has_text="县级管理员")).to_have_count(0)
    expect(role.locator("option", has_text="村党组织书记")).to_have_count(1)
    # Forcing the choice into the page (as a crafted request would) is refused by the server.
    page.evaluate(
        """() => {
            const add = (id, value, text) => {
                const o = document.createElement('option'); o.value = value; o.text = text;
                document.getElementById(id).add(o); document.getElementById(id).value = value;
            };
            add('id_role', 'county_admin', '县级管理员');
            add('id_area_code', '422822000000', '建始县');
        }"""
    )
    page.get_by_label("用户名").fill("boss")
    page.get_by_label("初始密码").fill(NEW_PASSWORD)
    page.get_by_label("再次输入密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="创建用户").click()
    expect(page.get_by_role("alert")).to_contain_text("您无权分配“县级管理员”角色")
    page.screenshot(path=str(SHOTS / "fupin-user-create-refused.png"), full_page=True)
    assert not RoleAssignment.objects.filter(role="county_admin", user__username="boss").exists()
    context.close()
