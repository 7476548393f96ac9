"""The county admin opens a first-secretary matching round, solves it, reads why each
candidate was chosen, overrides one village with a reason and accepts; the postings and
the recorded override are checked."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from fupin.audit.models import AuditEvent
from fupin.matching.models import MatchRound, Posting, Proposal
from tests.browser.conftest import SHOTS
from tests.browser.test_household_flow import _login
from tests.matching.conftest import V1, V2, V3, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_matching_flow(live_server: Any, browser: Browser, users: dict[str, Any]) -> None:
    from fupin.policy.services import standards_install_defaults

    standards_install_defaults()  # emptied by an earlier transactional test, if any
    world = build_world()
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, base, "county_admin")

    # open a round over the three villages
    page.goto(f"{base}/matching/")
    form = page.locator("#round-create")
    form.get_by_label("名称").fill("2026年第一书记选派")
    form.get_by_label("任期开始").fill("2026-09-01")
    form.locator("textarea[name=villages]").fill(f"{V1}\n{V2}\n{V3}")
    form.get_by_role("button", name="创建").click()
    expect(page.get_by_text("已创建匹配，请设置约束后求解。")).to_be_visible()
    r = MatchRound.objects.get()

    # solve: every village gets a candidate and the reasons say why
    page.get_by_role("button", name="求解最优匹配").click()
    expect(page.get_by_text("已求解：总分 97.00。")).to_be_visible()
    expect(page.get_by_role("columnheader", name="为什么选他/她")).to_be_visible()
    row = page.locator(f"#village-{V3}")
    expect(row.locator(".chosen")).to_contain_text("张农")
    expect(row.locator(".why")).to_contain_text("专长“茶叶”对口本村主导产业（1/1 项）")
    expect(page.locator(f"#village-{V1} .why")).to_contain_text("本村党组织列为软弱涣散")

    # override 高坪村 with 赵教, giving the reason
    row.get_by_text("调整", exact=True).click()
    row.get_by_label("改派人选").select_option(label="赵教（县教育局）")
    row.get_by_label("调整理由").fill("本人曾在高坪镇挂职，熟悉村情")
    row.get_by_role("button", name="保存调整").click()
    expect(page.get_by_text("已调整，并记录理由。")).to_be_visible()
    row = page.locator(f"#village-{V3}")
    expect(row.locator(".chosen")).to_contain_text("赵教")
    expect(row.locator(".override")).to_contain_text("系统推荐 张农，42.00 分")
    page.screenshot(path=str(SHOTS / "fupin-matching-round.png"), full_page=True)

    # accept: the postings follow
    page.get_by_role("button", name="确认匹配并生成选派").click()
    expect(page.get_by_text("已确认匹配，选派记录已生成。")).to_be_visible()
    r.refresh_from_db()
    assert r.status == MatchRound.Status.ACCEPTED
    postings = dict(Posting.objects.filter(round=r).values_list("area_code", "cadre__name"))
    assert postings == {V1: "李党", V2: "王经", V3: "赵教"}
    override = Proposal.objects.get(round=r, area_code=V3)
    assert (
        override.source == "override" and override.override_reason == "本人曾在高坪镇挂职，熟悉村情"
    )
    assert override.solver_candidate_id == world.candidates["张农"].pk
    assert AuditEvent.objects.filter(action="matching.proposal_override", actor=users["county_admin"]).exists()  # fmt: skip
    page.goto(f"{base}/matching/postings/")
    expect(page.locator("#postings")).to_contain_text("赵教")
