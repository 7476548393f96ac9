"""At phone width: a cadre logs a visit with a photo and raises a concern; a township
officer routes it and records it solved; the cadre records telling the resident; the
concern closes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from fupin.assistance import services
from fupin.assistance.models import Concern, Visit, VisitPhoto
from tests import factories
from tests.browser.conftest import SHOTS
from tests.browser.test_household_flow import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 740}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81"
    b"\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _phone(browser: Browser, base: str, username: str) -> Page:
    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    _login(page, base, username)
    return page


def test_concern_flow_at_phone_width(
    live_server: Any,
    browser: Browser,
    users: dict[str, Any],
    settings: Any,
    tmp_path: Path,
) -> None:
    from fupin.policy.services import standards_install_defaults

    standards_install_defaults()  # emptied by an earlier transactional test, if any
    settings.MEDIA_ROOT = str(tmp_path / "media")
    base = live_server.url
    household = factories.household(
        status="not_exited", members=[factories.member_data(name="向德林")]
    )
    unit = services.unit_save(
        actor=None, name="县住建局", kind="department", area_code="422822000000"
    )
    cadre = services.cadre_save(
        actor=None,
        unit_id=unit.pk,
        name="田晓梅",
        area_code=factories.VILLAGE,
        phone="13972000001",
        is_party_member=True,
        user_id=users["cadre"].pk,
    )
    services.pairing_create(actor=None, cadre_id=cadre.pk, household_id=household.pk)
    photo = tmp_path / "roof.png"
    photo.write_bytes(PNG)

    # the cadre, on a phone, logs the visit with a photo and the concern raised
    phone = _phone(browser, base, "cadre")
    phone.goto(f"{base}/assistance/visit/")
    phone.get_by_label("走访户").select_option(str(household.pk))
    phone.get_by_label("走访情况").fill("户主腿伤已好转，厨房屋顶漏雨")
    phone.locator('input[name="photos"]').set_input_files(str(photo))
    phone.get_by_label("群众反映的问题（每行一个）").fill("厨房屋顶漏雨，需要维修")
    # nothing on the form is wider than the phone's screen
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(SHOTS / "fupin-visit-phone.png"), full_page=True)
    phone.get_by_role("button", name="保存走访记录").click()
    expect(phone.get_by_text("1 个问题已登记")).to_be_visible()
    visit = Visit.objects.get()
    assert (visit.cadre_id, visit.household_id) == (cadre.pk, household.pk)
    assert VisitPhoto.objects.filter(visit=visit).count() == 1
    concern = Concern.objects.get()
    assert concern.status == "raised"

    # the township officer routes it to the township and records it solved
    officer = _phone(browser, base, "township_officer")
    officer.goto(f"{base}/assistance/concerns/{concern.pk}/")
    officer.get_by_label("交办层级").select_option("township")
    officer.get_by_role("button", name="交办").last.click()
    expect(officer.get_by_text("已交办。")).to_be_visible()
    officer.get_by_label("办理结果").fill("纳入危房改造，屋顶已翻修")
    officer.get_by_role("button", name="记录办理结果").click()
    expect(officer.get_by_text("已办结，请向群众反馈。")).to_be_visible()

    # the cadre tells the resident; the concern closes
    phone.goto(f"{base}/assistance/todo/")
    expect(phone.get_by_text("厨房屋顶漏雨").first).to_be_visible()
    phone.goto(f"{base}/assistance/concerns/{concern.pk}/")
    phone.get_by_label("反馈情况").fill("入户告知户主，户主表示满意")
    phone.get_by_role("button", name="登记反馈").click()
    expect(phone.get_by_text("已登记向群众反馈，问题办结。")).to_be_visible()
    concern.refresh_from_db()
    assert concern.status == "told" and concern.told_note.startswith("入户告知")
    for step in ("登记", "交办", "办结", "反馈群众"):
        expect(phone.locator("ol.timeline").get_by_text(step, exact=True)).to_be_visible()
    phone.screenshot(path=str(SHOTS / "fupin-concern-closed-phone.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
