"""One identification in a real browser, from application to registered, by three users,
with an objection raised by a member of the public on the notice page; then the timeline.

The notice periods are let run out by moving "today" (``timezone.localdate``) forward for
the live server, which runs in this process.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from playwright.sync_api import Browser, Page, expect

from fupin.procedures.models import Notice, Procedure
from tests import factories
from tests.browser.conftest import SHOTS
from tests.browser.test_household_flow import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Clock:
    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self, *args: Any, **kwargs: Any) -> dt.date:
        return self.day


def _as(browser: Browser, base: str, username: str) -> Page:
    page = browser.new_context(locale="zh-CN").new_page()
    _login(page, base, username)
    return page


def _do(page: Page, base: str, procedure_id: int, step_label: str, note: str = "") -> None:
    page.goto(f"{base}/procedures/{procedure_id}/")
    if note:
        page.get_by_label("办理情况").fill(note)
    page.get_by_role("button", name=f"办理“{step_label}”").click()
    expect(page.get_by_text("已办理。")).to_be_visible()


def test_identification_flow(live_server: Any, browser: Browser, users: dict[str, Any]) -> None:
    from fupin.policy.services import standards_install_defaults

    standards_install_defaults()  # emptied by an earlier transactional test, if any
    base = live_server.url
    household = factories.household(
        status="unregistered",
        identified_year=None,
        members=[factories.member_data(name="张国强")],
    )
    clock = Clock(dt.date(2026, 6, 1))
    with mock.patch("django.utils.timezone.localdate", new=clock):
        secretary = _as(browser, base, "village_secretary")
        officer = _as(browser, base, "township_officer")
        admin = _as(browser, base, "county_admin")

        # the village secretary records the application from the household page
        secretary.goto(f"{base}/households/{household.pk}/")
        secretary.get_by_role("button", name="开始程序").click()
        secretary.get_by_label("程序").select_option("identification")
        secretary.get_by_label("说明").fill("本人书面申请")
        secretary.get_by_role("button", name="开始").click()
        expect(secretary.get_by_text("程序已开始。")).to_be_visible()
        procedure = Procedure.objects.get(household=household)

        _do(secretary, base, procedure.pk, "入户核实、承诺授权", "已入户核实，签署授权书")
        # a village secretary cannot take the township's step
        secretary.goto(f"{base}/procedures/{procedure.pk}/")
        expect(secretary.get_by_text("这一步由其他角色办理。")).to_be_visible()
        _do(officer, base, procedure.pk, "信息比对", "无车辆、商品房、财政供养亲属")
        _do(secretary, base, procedure.pk, "村民代表大会民主评议", "参会32人，同意30人")
        secretary.goto(f"{base}/procedures/{procedure.pk}/")
        secretary.get_by_role("button", name="发布公示").click()
        expect(secretary.get_by_text("已发布公示，公示至 2026-06-07。")).to_be_visible()
        notice = Notice.objects.get()

        # a villager objects on the public page, without logging in
        public = browser.new_context(locale="zh-CN").new_page()
        public.goto(f"{base}/notices/")
        public.get_by_role("link", name=notice.title).click()
        expect(public.get_by_role("cell", name="张国强")).to_be_visible()
        public.get_by_label("异议内容").fill("他家在县城开了一家商店")
        public.get_by_role("button", name="提交异议").click()
        expect(public.get_by_text("您的异议已收到")).to_be_visible()
        expect(public.get_by_text("有异议，核查中")).to_be_visible()
        public.screenshot(path=str(SHOTS / "fupin-notice-objection.png"), full_page=True)

        # the notice has run out, but the objection blocks the township's review
        clock.day = dt.date(2026, 6, 8)
        officer.goto(f"{base}/procedures/{procedure.pk}/")
        officer.get_by_role("button", name="办理“乡镇审核”").click()
        expect(officer.get_by_text("公示期间有未处理的异议")).to_be_visible()

        # the village verifies and records its finding; the review may go on
        secretary.goto(f"{base}/procedures/{procedure.pk}/")
        secretary.get_by_label("异议不成立").check()
        secretary.get_by_label("核查情况").fill("经核实，商店系其亲戚所开，与该户无关")
        secretary.get_by_role("button", name="记录结论").click()
        expect(secretary.get_by_text("已记录核查结论。")).to_be_visible()
        _do(officer, base, procedure.pk, "乡镇审核", "抽查属实")
        officer.goto(f"{base}/procedures/{procedure.pk}/")
        officer.get_by_role("button", name="发布公示").click()
        expect(officer.get_by_text("已发布公示，公示至 2026-06-14。")).to_be_visible()

        clock.day = dt.date(2026, 6, 15)
        _do(admin, base, procedure.pk, "县级审批", "县扶贫开发领导小组审定")
        _do(admin, base, procedure.pk, "公告并录入")

        # the timeline on the household page
        admin.goto(f"{base}/households/{household.pk}/")
        timeline = admin.locator("#procedures")
        for text in (
            "贫困户识别",
            "已完成",
            "农户申请",
            "本人书面申请",
            "入户核实、承诺授权",
            "信息比对",
            "村民代表大会民主评议",
            "村内公示",
            "乡镇审核",
            "乡镇公示",
            "县级审批",
            "公告并录入",
            "他家在县城开了一家商店",
            "异议不成立",
            "商店系其亲戚所开",
        ):
            expect(timeline).to_contain_text(text)
        admin.screenshot(path=str(SHOTS / "fupin-identification-timeline.png"), full_page=True)
    household.refresh_from_db()
    assert household.status == "not_exited"
    assert household.identified_year == 2026


def test_printed_cards_and_notice(
    live_server: Any,
    browser: Browser,
    users: dict[str, Any],
) -> None:
    """Screenshots, as printed, of a village's 明白卡 and of a village notice."""
    from fupin.policy import services as policy_services
    from fupin.policy.services import standards_install_defaults
    from fupin.procedures import services
    from fupin.registry.services import income_record_set

    # a transactional test empties the tables between tests, shipped standards included
    standards_install_defaults()
    base = live_server.url
    households = [
        factories.household(
            status="not_exited",
            members=[
                factories.member_data(name=name),
                factories.member_data(name=spouse, sex="female", relation="spouse"),
            ],
        )
        for name, spouse in (("张国强", "李秀英"), ("王大山", "刘春花"), ("陈文华", "杨小梅"))
    ]
    for i, h in enumerate(households):
        for year in (2025, 2026):  # an exit judges the year itself
            income_record_set(
                actor=None,
                household_id=h.pk,
                year=year,
                data={"wage": str(9000 + 1500 * i), "household_size": 2},
            )
    run = policy_services.evaluation_run_create(actor=None, area_code="422822000000", year=2026)
    policy_services.evaluation_run_execute(run_id=run.pk)
    clock = Clock(dt.date(2026, 6, 1))
    with mock.patch("django.utils.timezone.localdate", new=clock):
        ids = []
        for h in households:
            p = services.procedure_open(actor=None, kind="exit", household_id=h.pk, run_id=run.pk)
            for step in ("village_reviewed", "verified", "agreement_signed"):
                services.procedure_advance(actor=None, procedure_id=p.pk, step=step)
            ids.append(p.pk)
        notice = services.notice_publish(actor=None, procedure_ids=ids)
        page = _as(browser, base, "village_secretary")
        page.emulate_media(media="print")
        page.goto(f"{base}/procedures/cards/{factories.VILLAGE}/")
        expect(page.get_by_role("heading", name="扶贫明白卡")).to_have_count(3)
        page.screenshot(path=str(SHOTS / "fupin-village-cards-print.png"), full_page=True)
        public = browser.new_context(locale="zh-CN").new_page()
        public.emulate_media(media="print")
        public.goto(f"{base}/notices/{notice.pk}/")
        expect(public.get_by_role("cell", name="王大山")).to_be_visible()
        expect(public.get_by_role("button", name="提交异议")).to_be_hidden()
        public.screenshot(path=str(SHOTS / "fupin-notice-print.png"), full_page=True)
