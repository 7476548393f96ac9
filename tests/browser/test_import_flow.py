"""Importing in a real browser: upload, watch the job page reach its result, open the household."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from fupin.exchange import services
from fupin.exchange.models import ImportJob
from tests.browser.conftest import SHOTS
from tests.browser.test_household_flow import _login
from tests.exchange.test_jobs import household_rows, write_xlsx

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_import_flow(
    live_server: Any,
    browser: Browser,
    users: dict[str, Any],
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.TASKS = IMMEDIATE  # the job runs inline, within the upload request
    settings.MEDIA_ROOT = tmp_path / "media"
    household, members = household_rows("BR-0001", head_name="孙建国")
    workbook = write_xlsx(tmp_path / "户籍导入.xlsx", [household], members)

    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, base, "county_admin")

    page.get_by_role("link", name="数据交换").click()
    expect(page.get_by_role("heading", name="数据交换", exact=True)).to_be_visible()
    page.get_by_label("文件").set_input_files(str(workbook))
    page.get_by_label("导入原因").fill("浏览器测试导入")
    page.screenshot(path=str(SHOTS / "fupin-import-form.png"), full_page=True)
    page.get_by_role("button", name="上传并导入").click()

    status = page.locator("#job-status")
    expect(status).to_have_text("已导入", timeout=30_000)
    expect(page.locator("#households-created")).to_have_text("1")
    page.screenshot(path=str(SHOTS / "fupin-import-done.png"), full_page=True)

    page.get_by_role("link", name="查看农户列表").click()
    expect(page.get_by_role("heading", name="农户列表")).to_be_visible()
    page.goto(f"{base}/households/?q=孙建国")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("td.card-title a").click()
    expect(page.get_by_role("heading", name="户编号 BR-0001")).to_be_visible()
    expect(page.locator("#members-title")).to_contain_text("2")
    expect(page.get_by_text("孙建国").first).to_be_visible()

    # With a real queue the page waits, polls, and shows the result without a reload.
    settings.TASKS = DATABASE
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/exchange/")
    second_household, second_members = household_rows("BR-0002")
    second = write_xlsx(tmp_path / "second.xlsx", [second_household], second_members)
    page.get_by_label("文件").set_input_files(str(second))
    page.get_by_label("试运行（只校验，不写入）").check()
    page.get_by_role("button", name="上传并导入").click()
    expect(status).to_have_text("等待处理")
    expect(page.locator("#job-progress")).to_be_visible()
    page.screenshot(path=str(SHOTS / "fupin-import-waiting-phone.png"), full_page=True)
    job = ImportJob.objects.get(file_names=["second.xlsx"])
    services.import_job_run(job_id=job.pk)  # what the worker would do
    expect(status).to_have_text("校验通过（试运行，未写入）", timeout=10_000)
    expect(page.locator("#job-progress")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "fupin-import-validated-phone.png"), full_page=True)
    context.close()
