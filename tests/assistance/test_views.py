"""Assistance pages: access by role and area, the visit form with a photo and a concern,
routing, resolving and telling through the web, leave by level, the household section."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from fupin.assistance import services
from fupin.assistance.models import Concern, Leave, Measure, Notification, Plan, Visit
from tests import factories
from tests.assistance.test_api import world

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# page -> the roles that may see it; every other fixed user is refused
LIST_PAGES = {
    "/assistance/": ("township_officer", "county_admin", "auditor"),
    "/assistance/norms/": ("township_officer", "county_admin", "auditor"),
    "/assistance/cadres/": ("township_officer", "county_admin", "auditor"),
    "/assistance/units/": ("township_officer", "county_admin", "auditor"),
    "/assistance/visit/": ("cadre", "village_secretary", "township_officer", "county_admin"),
    "/assistance/concerns/": (
        "cadre",
        "village_secretary",
        "township_officer",
        "county_admin",
        "auditor",
    ),
    "/assistance/teams/": (
        "cadre",
        "village_secretary",
        "township_officer",
        "county_admin",
        "auditor",
    ),
    "/assistance/leaves/": ("township_officer", "county_admin"),
}
REFUSED = ("outsider", "cadre", "village_secretary", "auditor")


@pytest.mark.parametrize("url", list(LIST_PAGES))
def test_pages_need_a_login_and_a_role(
    client_for: Any, users: dict[str, Any], url: str, django_assert_max_num_queries: Any
) -> None:
    w = world(users)
    concern = services.concern_raise(actor=None, text="路灯不亮", household_id=w.household.pk)
    services.concern_route(actor=None, concern_id=concern.pk, level="village")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
    for key in REFUSED:
        if key not in LIST_PAGES[url]:
            assert client_for(key).get(url).status_code in (403, 404), (key, url)
    for key in LIST_PAGES[url]:
        client = client_for(key)
        with django_assert_max_num_queries(60):
            page = client.get(url)
        assert page.status_code == 200, (key, url, page.content[:500])


def test_personal_pages(client_for: Any, users: dict[str, Any]) -> None:
    w = world(users)
    for url in ("/assistance/todo/", "/assistance/notifications/"):
        assert Client().get(url).status_code == 302
    polite = client_for("village_secretary").get("/assistance/todo/").content.decode()
    assert "没有关联帮扶干部" in polite
    todo = client_for("cadre").get("/assistance/todo/").content.decode()
    assert w.household.number in todo
    Notification.objects.create(user=users["cadre"], kind="x", text="新的通知甲", url="/")
    page = client_for("cadre").get("/assistance/notifications/").content.decode()
    assert "新的通知甲" in page
    client_for("cadre").post("/assistance/notifications/", {})
    assert not Notification.objects.filter(user=users["cadre"], read_at__isnull=True).exists()


def test_agenda(client_for: Any, users: dict[str, Any]) -> None:
    w = world(users)
    services.concern_raise(actor=None, text="村道塌方", household_id=w.household.pk)
    page = client_for("village_secretary").get(f"/assistance/agenda/{factories.VILLAGE}/")
    assert page.status_code == 200 and "村道塌方" in page.content.decode()
    township = client_for("township_officer").get("/assistance/agenda/422822100000/")
    assert township.status_code == 200 and "村道塌方" not in township.content.decode()
    assert (
        client_for("other_secretary").get(f"/assistance/agenda/{factories.VILLAGE}/").status_code
        == 404
    )
    assert client_for("outsider").get(f"/assistance/agenda/{factories.VILLAGE}/").status_code in (
        403,
        404,
    )


def test_the_visit_form_with_a_photo_and_a_concern(
    client_for: Any, users: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    w = world(users)
    cadre = client_for("cadre")
    form = cadre.get("/assistance/visit/").content.decode()
    assert w.household.number in form and 'capture="environment"' in form
    found = cadre.get(f"/assistance/visit/?q={w.household.number}").content.decode()
    assert w.household.number in found
    photo = SimpleUploadedFile("house.png", PNG, content_type="image/png")
    response = cadre.post(
        "/assistance/visit/",
        {
            "household": w.household.pk,
            "visited_on": timezone.localdate().isoformat(),
            "mode": "home",
            "seen": "屋顶漏雨，已联系危房改造",
            "concerns": "自来水经常停水\n\n孩子上学路远",
            "latitude": "30.601200",
            "longitude": "109.723400",
            "photos": [photo],
        },
    )
    assert response.status_code == 302, response.content[:500]
    visit = Visit.objects.get()
    assert visit.photos.count() == 1 and visit.latitude is not None
    assert sorted(visit.concerns.values_list("text", flat=True)) == [
        "孩子上学路远",
        "自来水经常停水",
    ]
    # a bad date is a message on the page, not an exception
    late = cadre.post(
        "/assistance/visit/",
        {
            "household": w.household.pk,
            "visited_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
            "mode": "home",
            "seen": "x",
        },
        follow=True,
    )
    assert late.status_code == 200 and "60 天" in late.content.decode()
    # the secretary has no cadre record: told so
    page = client_for("village_secretary").get("/assistance/visit/").content.decode()
    assert "没有关联帮扶干部" in page
    household_page = client_for("village_secretary").get(f"/households/{w.household.pk}/")
    text = household_page.content.decode()
    assert "屋顶漏雨" in text and "自来水经常停水" in text and "王帮扶" in text
    assert "139****5678" in text  # the secretary does not see personal data
    assert (
        "13912345678"
        in client_for("township_officer").get(f"/households/{w.household.pk}/").content.decode()
    )


def test_route_resolve_and_tell_through_the_web(client_for: Any, users: dict[str, Any]) -> None:
    w = world(users)
    concern = services.concern_raise(actor=None, text="低保未到账", household_id=w.household.pk)
    url = f"/assistance/concerns/{concern.pk}/"
    assert client_for("other_secretary").get(url).status_code == 404
    assert client_for("outsider").get(url).status_code in (403, 404)
    secretary = client_for("village_secretary")
    page = secretary.get(url).content.decode()
    assert "低保未到账" in page and 'value="route"' in page
    refused = client_for("cadre").post(url, {"what": "route", "level": "village"}, follow=True)
    assert refused.status_code == 200 and "无权" in refused.content.decode()
    secretary.post(url, {"what": "route", "level": "village", "version": concern.version})
    concern.refresh_from_db()
    assert concern.status == "routed" and concern.level == "village"
    secretary.post(url, {"what": "resolve", "resolution": "已补发", "version": concern.version})
    concern.refresh_from_db()
    assert concern.status == "resolved"
    client_for("cadre").post(
        url, {"what": "tell", "note": "已告知户主", "told_on": timezone.localdate().isoformat()}
    )
    concern.refresh_from_db()
    assert concern.status == "told" and concern.told_note == "已告知户主"
    listed = secretary.get("/assistance/concerns/?status=told").content.decode()
    assert "低保未到账" in listed


def test_overdue_concerns_are_flagged(client_for: Any, users: dict[str, Any]) -> None:
    w = world(users)
    concern = services.concern_raise(actor=None, text="桥梁损坏", household_id=w.household.pk)
    services.concern_route(actor=None, concern_id=concern.pk, level="village")
    Concern.objects.filter(pk=concern.pk).update(due_on=timezone.localdate() - dt.timedelta(days=2))
    page = client_for("township_officer").get("/assistance/concerns/").content.decode()
    assert "已逾期" in page
    norms = client_for("township_officer").get("/assistance/norms/").content.decode()
    assert "桥梁损坏" in norms


def test_pairing_from_the_overview_and_cadre_leaving(
    client_for: Any, users: dict[str, Any]
) -> None:
    w = world(users)
    gap = factories.household()
    officer = client_for("township_officer")
    page = officer.get("/assistance/").content.decode()
    assert gap.number in page and "刘干部" in page
    refused = client_for("village_secretary").post(
        "/assistance/pair/", {"household": gap.pk, "cadre": w.other.pk}
    )
    assert refused.status_code in (302, 403)
    officer.post("/assistance/pair/", {"household": gap.pk, "cadre": w.other.pk})
    assert gap.pairings.filter(ends_on__isnull=True, cadre=w.other).exists()
    left = officer.post("/assistance/cadres/", {"what": "leave", "cadre": w.cadre.pk}, follow=True)
    assert w.household.number in left.content.decode()  # now to be paired again
    assert "待重新结对" in left.content.decode()


def test_cadre_and_unit_forms(client_for: Any, users: dict[str, Any]) -> None:
    w = world(users)
    officer = client_for("township_officer")
    officer.post(
        "/assistance/cadres/",
        {"what": "save", "name": "陈新", "unit": w.unit.pk, "area_code": "422822100000"},
    )
    page = officer.get("/assistance/cadres/").content.decode()
    assert "陈新" in page
    county = client_for("county_admin")
    county.post(
        "/assistance/units/",
        {"what": "unit", "name": "县教育局", "kind": "department", "area_code": "422822000000"},
    )
    assert "县教育局" in county.get("/assistance/units/").content.decode()
    county.post(
        "/assistance/units/",
        {
            "what": "village",
            "unit": w.unit.pk,
            "area_code": factories.VILLAGE,
            "starts_on": "2026-01-01",
        },
    )
    assert "东门村" in county.get("/assistance/units/").content.decode()


def test_plan_and_measures(client_for: Any, users: dict[str, Any]) -> None:
    w = world(users)
    url = f"/assistance/plans/{w.household.pk}/"
    assert client_for("other_secretary").get(url).status_code == 404
    cadre = client_for("cadre")
    year = timezone.localdate().year
    cadre.post(url, {"what": "plan", "year": year, "income_target": "5000"})
    plan = Plan.objects.get()
    cadre.post(
        url,
        {
            "what": "item",
            "plan": plan.pk,
            "type": "skills_training",
            "description": "电工培训",
            "due_on": timezone.localdate().isoformat(),
        },
    )
    page = cadre.get(url).content.decode()
    assert "电工培训" in page and "0 / 1" in page
    item = plan.items.get()
    new = f"/assistance/measures/new/?household={w.household.pk}"
    assert cadre.get(new).status_code == 200
    cadre.post(
        new,
        {
            "household": w.household.pk,
            "type": "skills_training",
            "delivered_on": timezone.localdate().isoformat(),
            "description": "参加电工培训",
            "planned": item.pk,
        },
    )
    assert Measure.objects.get().planned.pk == item.pk  # type: ignore[attr-defined]
    cadre.post(
        url,
        {
            "what": "participation",
            "kind": "cooperative",
            "name": "茶叶合作社",
            "starts_on": "2025-03-01",
        },
    )
    participation = w.household.participations.get()
    cadre.post(
        url,
        {"what": "income", "participation": participation.pk, "year": year - 1, "amount": "600"},
    )
    assert participation.incomes.get().amount == 600
    household_page = cadre.get(f"/households/{w.household.pk}/").content.decode()
    assert "参加电工培训" in household_page and "茶叶合作社" in household_page


def test_teams_presence_and_leave_by_level(client_for: Any, users: dict[str, Any]) -> None:
    w = world(users)
    members = [
        services.cadre_save(
            actor=None, unit_id=w.unit.pk, name=f"队员{i}", area_code=factories.VILLAGE
        )
        for i in range(2)
    ]
    today = timezone.localdate()
    county = client_for("county_admin")
    county.post(
        "/assistance/teams/",
        {
            "what": "create",
            "area_code": factories.VILLAGE,
            "leader": w.cadre.pk,
            "members": [m.pk for m in members],
            "starts_on": (today - dt.timedelta(days=40)).isoformat(),
            "ends_on": (today + dt.timedelta(days=800)).isoformat(),
        },
    )
    page = county.get("/assistance/teams/").content.decode()
    assert "队员0" in page and "第一书记" in page
    cadre = client_for("cadre")
    cadre.post("/assistance/teams/", {"what": "presence", "days": [today.isoformat()]})
    assert w.cadre.team_terms.get().presence.count() == 1
    cadre.post(
        "/assistance/teams/",
        {
            "what": "leave",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=4)).isoformat(),
            "reason": "家中有事",
        },
    )
    leave = Leave.objects.get()
    assert leave.days == 5 and leave.approver_level == "county"
    officer = client_for("township_officer")
    assert "须由县级审批" in officer.get("/assistance/leaves/").content.decode()
    refused = officer.post("/assistance/leaves/", {"leave": leave.pk, "approve": "1"}, follow=True)
    assert "县级审批" in refused.content.decode()
    leave.refresh_from_db()
    assert leave.status == "requested"
    county.post("/assistance/leaves/", {"leave": leave.pk, "approve": "1"})
    leave.refresh_from_db()
    assert leave.status == "approved"
    member = members[0].team_terms.get()
    county.post(
        "/assistance/teams/", {"what": "recall", "member": member.pk, "grounds": "长期不在岗"}
    )
    member.refresh_from_db()
    assert member.recalled


def test_escalation_command_and_task(users: dict[str, Any]) -> None:
    from io import StringIO

    from django.core.management import call_command

    from fupin.assistance.tasks import concerns_escalate_task

    w = world(users)
    concern = services.concern_raise(actor=None, text="水渠堵塞", household_id=w.household.pk)
    services.concern_route(actor=None, concern_id=concern.pk, level="village")
    Concern.objects.filter(pk=concern.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    out = StringIO()
    call_command("escalate_concerns", stdout=out)
    assert "1" in out.getvalue()
    concern.refresh_from_db()
    assert concern.level == "township" and concern.escalations == 1
    assert concerns_escalate_task.call() == 0
