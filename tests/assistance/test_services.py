"""Assistance services: who may do what, the pairing limit, plans and measures, schemes
feeding income, visits with concerns through to the resident being told, escalation,
work teams, presence and leave."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest

from fupin.assistance import services
from fupin.assistance.models import (
    Concern,
    ConcernEvent,
    Leave,
    Notification,
    Pairing,
    Plan,
    TeamMember,
    Visit,
    VisitPhoto,
)
from fupin.audit.models import AuditEvent
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.registry.models import IncomeRecord
from tests import factories

pytestmark = pytest.mark.django_db
COUNTY = "422822000000"
TODAY = dt.date(2026, 6, 1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def on(day: dt.date) -> Any:
    return mock.patch("django.utils.timezone.localdate", return_value=day)


@pytest.fixture
def unit(users: dict[str, Any]) -> Any:
    return services.unit_save(
        actor=users["county_admin"],
        name="县水利局",
        kind="department",
        area_code=COUNTY,
        handles_concerns=True,
    )


@pytest.fixture
def cadre(users: dict[str, Any], unit: Any) -> Any:
    """The test user with the cadre role, as a cadre of the water bureau."""
    return services.cadre_save(
        actor=users["county_admin"],
        unit_id=unit.pk,
        name="王建国",
        area_code=factories.VILLAGE,
        phone="13900001111",
        is_party_member=True,
        user_id=users["cadre"].pk,
    )


def upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_units_and_cadres_are_the_countys(users: dict[str, Any], unit: Any) -> None:
    with pytest.raises((AccessDenied, NotFound)):
        services.unit_save(
            actor=users["township_officer"], name="x", kind="enterprise", area_code=COUNTY
        )
    with pytest.raises(Conflict):
        services.unit_save(
            actor=users["county_admin"], name="县水利局", kind="department", area_code=COUNTY
        )
    with pytest.raises(InvalidInput) as exc:
        services.cadre_save(
            actor=users["township_officer"],
            unit_id=unit.pk,
            name="李四",
            area_code=factories.VILLAGE,
            phone="139-abc",
        )
    assert "phone" in exc.value.fields
    with pytest.raises(NotFound):  # another township's officer does not see this village
        services.cadre_save(
            actor=users["other_secretary"],
            unit_id=unit.pk,
            name="李四",
            area_code=factories.VILLAGE,
        )
    cadre = services.cadre_save(
        actor=users["township_officer"], unit_id=unit.pk, name="李四", area_code=factories.VILLAGE
    )
    assert AuditEvent.objects.filter(action="assistance.cadre_save", object_ids=[cadre.pk]).exists()
    assert "13900001111" not in str(list(AuditEvent.objects.values()))  # never logged


def test_pairing_limit_replacement_and_notification(
    users: dict[str, Any], unit: Any, cadre: Any
) -> None:
    officer = users["township_officer"]
    households = [factories.household(status="not_exited") for _ in range(6)]
    with pytest.raises(AccessDenied):  # pairing is the township's
        services.pairing_create(
            actor=users["village_secretary"], cadre_id=cadre.pk, household_id=households[0].pk
        )
    for h in households[:5]:
        services.pairing_create(actor=officer, cadre_id=cadre.pk, household_id=h.pk)
    with pytest.raises(InvalidInput, match="最多 5 户"):
        services.pairing_create(actor=officer, cadre_id=cadre.pk, household_id=households[5].pk)
    assert Notification.objects.filter(user=users["cadre"], kind="pairing").count() == 5
    other = services.cadre_save(
        actor=officer, unit_id=unit.pk, name="赵六", area_code=factories.VILLAGE
    )
    with pytest.raises(Conflict):
        services.pairing_create(actor=officer, cadre_id=cadre.pk, household_id=households[0].pk)
    services.pairing_create(actor=officer, cadre_id=other.pk, household_id=households[0].pk)
    old = Pairing.objects.get(household=households[0], cadre=cadre)
    assert old.end_reason == "replaced" and old.ends_on is not None
    assert Pairing.objects.filter(household=households[0], ends_on=None).get().cadre == other
    # now the first cadre has room again
    services.pairing_create(actor=officer, cadre_id=cadre.pk, household_id=households[5].pk)


def test_a_cadre_leaving_ends_pairings_and_lists_the_households(
    users: dict[str, Any], cadre: Any
) -> None:
    officer = users["township_officer"]
    a, b = factories.household(status="not_exited"), factories.household(status="exited")
    for h in (a, b):
        services.pairing_create(actor=officer, cadre_id=cadre.pk, household_id=h.pk)
    with on(TODAY):
        left = services.cadre_leave(actor=officer, cadre_id=cadre.pk)
    assert sorted(left) == sorted([a.pk, b.pk])
    assert set(Pairing.objects.values_list("end_reason", "ends_on")) == {("cadre_left", TODAY)}
    with pytest.raises(InvalidInput, match="调离"):
        services.pairing_create(actor=officer, cadre_id=cadre.pk, household_id=a.pk)


def test_plan_takes_needs_from_the_latest_verdict_and_measures_fulfil_it(
    users: dict[str, Any], cadre: Any
) -> None:
    from fupin.policy import services as policy_services
    from fupin.registry.services import income_record_set

    h = factories.household(status="not_exited")
    income_record_set(
        actor=None, household_id=h.pk, year=2025, data={"wage": "3000", "household_size": 1}
    )
    run = policy_services.evaluation_run_create(actor=None, area_code=COUNTY, year=2026)
    policy_services.evaluation_run_execute(run_id=run.pk)
    with on(TODAY):
        with pytest.raises(NotFound):
            services.plan_save(
                actor=users["other_secretary"], household_id=h.pk, year=2026, income_target="7000"
            )
        plan = services.plan_save(
            actor=users["cadre"], household_id=h.pk, year=2026, income_target="7000", note="养牛"
        )
        assert "income" in plan.needs
        item = services.planned_measure_add(
            actor=users["cadre"],
            plan_id=plan.pk,
            type_code="livestock",
            description="发放能繁母牛 2 头",
            due_on="2026-07-01",
            amount="16000",
        )
        with pytest.raises(InvalidInput):
            services.planned_measure_add(
                actor=users["cadre"],
                plan_id=plan.pk,
                type_code="nope",
                description="x",
                due_on="2026-07-01",
            )
        with pytest.raises(InvalidInput, match="字段"):
            services.measure_record(
                actor=users["cadre"],
                household_id=h.pk,
                type_code="livestock",
                delivered_on="2026-06-02",
                description="x",
            )
        measure = services.measure_record(
            actor=users["cadre"],
            household_id=h.pk,
            type_code="livestock",
            delivered_on="2026-05-30",
            description="母牛 2 头到户",
            amount="16000",
            planned_id=item.pk,
        )
        with pytest.raises(Conflict):
            services.measure_record(
                actor=users["cadre"],
                household_id=h.pk,
                type_code="livestock",
                delivered_on="2026-05-30",
                description="again",
                planned_id=item.pk,
            )
        again = services.plan_save(
            actor=users["cadre"],
            household_id=h.pk,
            year=2026,
            income_target="7500",
            version=plan.version,
        )
        with pytest.raises(Conflict):
            services.plan_save(
                actor=users["cadre"],
                household_id=h.pk,
                year=2026,
                income_target="8000",
                version=plan.version,
            )
    item.refresh_from_db()
    assert item.delivered_id == measure.pk
    assert measure.cadre_id == cadre.pk  # the acting cadre by default
    assert (again.income_target, Plan.objects.count()) == (Decimal("7500.00"), 1)


def test_scheme_income_feeds_the_income_record_once(users: dict[str, Any]) -> None:
    from fupin.registry.services import income_record_set

    h = factories.household(status="not_exited")
    income_record_set(
        actor=None,
        household_id=h.pk,
        year=2025,
        data={"wage": "5000", "property_income": "200", "household_size": 2},
    )
    scheme = services.participation_add(
        actor=users["village_secretary"],
        household_id=h.pk,
        kind="photovoltaic",
        name="村级光伏电站",
        starts_on="2019-05-01",
    )
    assert scheme.income_field == "property_income"
    services.participation_income_set(
        actor=users["cadre"], participation_id=scheme.pk, year=2025, amount="1200"
    )
    record = IncomeRecord.objects.get(household=h, year=2025)
    assert record.property_income == Decimal("1400.00")
    services.participation_income_set(  # a correction replaces, it does not add again
        actor=users["cadre"], participation_id=scheme.pk, year=2025, amount="1000"
    )
    record.refresh_from_db()
    assert (record.property_income, record.wage) == (Decimal("1200.00"), Decimal("5000.00"))
    # a year with no record yet gets one
    services.participation_income_set(
        actor=None, participation_id=scheme.pk, year=2024, amount="900"
    )
    assert IncomeRecord.objects.get(household=h, year=2024).property_income == Decimal("900.00")
    with pytest.raises((NotFound, AccessDenied)):
        services.participation_income_set(
            actor=users["other_secretary"], participation_id=scheme.pk, year=2025, amount="1"
        )


def test_visit_with_photo_and_concern_through_to_the_resident_told(
    users: dict[str, Any], unit: Any, cadre: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    h = factories.household(status="not_exited")
    with on(TODAY):
        with pytest.raises(AccessDenied, match="没有关联"):  # the secretary has no cadre file
            services.visit_record(
                actor=users["village_secretary"], household_id=h.pk, visited_on=TODAY, seen="x"
            )
        with pytest.raises(InvalidInput):
            services.visit_record(
                actor=users["cadre"],
                household_id=h.pk,
                visited_on=TODAY,
                seen="看了",
                photos=[upload("a.pdf", b"%PDF-1.4 x")],
            )
        assert not Visit.objects.exists() and not list(tmp_path.rglob("*.pdf"))
        visit = services.visit_record(
            actor=users["cadre"],
            household_id=h.pk,
            visited_on=TODAY,
            seen="牛长势良好，厨房漏雨",
            photos=[upload("cow.png", PNG)],
            latitude="30.6",
            longitude="109.7",
            concerns=["厨房屋顶漏雨，需要维修", " "],
        )
    assert VisitPhoto.objects.filter(visit=visit).count() == 1
    assert len(list(tmp_path.rglob("*.png"))) == 1
    concern = Concern.objects.get()
    assert (concern.visit_id, concern.status, concern.raised_by) == (
        visit.pk,
        "raised",
        users["cadre"],
    )
    assert Notification.objects.filter(user=users["village_secretary"], kind="concern_raised")
    officer = users["township_officer"]
    with on(TODAY):
        with pytest.raises(AccessDenied):  # the village may route only to itself
            services.concern_route(
                actor=users["village_secretary"], concern_id=concern.pk, level="township"
            )
        with pytest.raises(InvalidInput):  # resolving before routing
            services.concern_resolve(actor=officer, concern_id=concern.pk, resolution="x")
        routed = services.concern_route(actor=officer, concern_id=concern.pk, level="township")
    assert routed.due_on == TODAY + dt.timedelta(days=15)  # the national standard's days
    assert Notification.objects.filter(user=officer, kind="concern_assigned").exists()
    with on(TODAY), pytest.raises(AccessDenied):  # routed to the township, not the village
        services.concern_resolve(
            actor=users["village_secretary"], concern_id=concern.pk, resolution="x"
        )
    with on(TODAY), pytest.raises(InvalidInput):  # not resolved yet
        services.concern_tell(actor=users["cadre"], concern_id=concern.pk, note="已告知")
    with on(TODAY + dt.timedelta(days=3)):
        services.concern_resolve(
            actor=officer, concern_id=concern.pk, resolution="危房改造资金维修屋顶，已完工"
        )
    assert Notification.objects.filter(user=users["cadre"], kind="concern_resolved").exists()
    with on(TODAY + dt.timedelta(days=4)):
        told = services.concern_tell(
            actor=users["cadre"], concern_id=concern.pk, note="入户告知户主，户主满意"
        )
    assert (told.status, told.told_on) == ("told", TODAY + dt.timedelta(days=4))
    assert list(ConcernEvent.objects.filter(concern=concern).values_list("action", flat=True)) == [
        "raised",
        "routed",
        "resolved",
        "told",
    ]


def test_department_concerns_are_handled_by_its_cadres(
    users: dict[str, Any], unit: Any, cadre: Any
) -> None:
    concern = services.concern_raise(
        actor=users["village_secretary"], area_code=factories.VILLAGE, text="三组饮水管破裂"
    )
    with pytest.raises(InvalidInput):  # a department must be named
        services.concern_route(
            actor=users["township_officer"], concern_id=concern.pk, level="department"
        )
    services.concern_route(
        actor=users["township_officer"],
        concern_id=concern.pk,
        level="department",
        department_id=unit.pk,
    )
    # the water bureau's cadre (the cadre user) is told and may resolve it
    assert Notification.objects.filter(user=users["cadre"], kind="concern_assigned").exists()
    services.concern_resolve(actor=users["cadre"], concern_id=concern.pk, resolution="已更换管道")
    assert Concern.objects.get().status == "resolved"


def test_overdue_concerns_escalate_once(users: dict[str, Any]) -> None:
    with on(TODAY):
        a = services.concern_raise(actor=None, area_code=factories.VILLAGE, text="路灯坏了")
        b = services.concern_raise(actor=None, area_code=factories.VILLAGE, text="低保复核")
        services.concern_route(actor=None, concern_id=a.pk, level="village")
        services.concern_route(actor=None, concern_id=b.pk, level="township")
    a.refresh_from_db()
    assert a.due_on == TODAY + dt.timedelta(days=7)
    assert services.concerns_escalate(today=a.due_on) == 0  # due today is not overdue
    late = a.due_on + dt.timedelta(days=1)
    assert services.concerns_escalate(today=late) == 1
    assert services.concerns_escalate(today=late) == 0  # a rerun changes nothing
    a.refresh_from_db()
    assert (a.level, a.escalations, a.due_on) == ("township", 1, late + dt.timedelta(days=15))
    assert Notification.objects.filter(
        user=users["township_officer"], kind="concern_overdue"
    ).exists()
    b_late = TODAY + dt.timedelta(days=16)
    services.concerns_escalate(today=b_late)
    b.refresh_from_db()
    assert (b.level, b.escalations) == ("county", 1)


def test_work_team_rules_presence_and_leave(users: dict[str, Any], unit: Any, cadre: Any) -> None:
    county = users["county_admin"]
    others = [
        services.cadre_save(actor=None, unit_id=unit.pk, name=n, area_code=factories.VILLAGE)
        for n in ("甲", "乙")
    ]
    args = {
        "area_code": factories.VILLAGE,
        "leader_id": cadre.pk,
        "unit_id": unit.pk,
        "starts_on": "2026-03-01",
    }
    with pytest.raises(AccessDenied):
        services.team_create(
            actor=users["township_officer"],
            member_ids=[o.pk for o in others],
            ends_on="2028-03-01",
            **args,
        )
    with pytest.raises(InvalidInput) as term:
        services.team_create(
            actor=county, member_ids=[o.pk for o in others], ends_on="2028-02-28", **args
        )
    assert "2 年" in str(term.value.fields["ends_on"])
    with pytest.raises(InvalidInput) as size:
        services.team_create(actor=county, member_ids=[others[0].pk], ends_on="2028-03-01", **args)
    assert "至少 3 人" in str(size.value.fields["members"])
    team = services.team_create(
        actor=county, member_ids=[o.pk for o in others], ends_on="2028-03-01", **args
    )
    assert TeamMember.objects.filter(team=team, is_leader=True).get().cadre == cadre
    with on(TODAY):
        n = services.presence_record(
            actor=users["cadre"], days=[TODAY, TODAY - dt.timedelta(days=1), TODAY]
        )
        again = services.presence_record(actor=users["cadre"], days=[TODAY])
        with pytest.raises(InvalidInput):
            services.presence_record(actor=users["cadre"], days=[TODAY + dt.timedelta(days=1)])
        short = services.leave_request(
            actor=users["cadre"], starts_on="2026-06-10", ends_on="2026-06-12", reason="家中有事"
        )
        long = services.leave_request(
            actor=users["cadre"], starts_on="2026-06-20", ends_on="2026-06-24", reason="住院"
        )
    assert (n, again) == (2, 0)
    assert (short.approver_level, long.approver_level) == ("township", "county")
    services.leave_decide(actor=users["township_officer"], leave_id=short.pk, approve=True)
    with pytest.raises(AccessDenied, match="县级"):
        services.leave_decide(actor=users["township_officer"], leave_id=long.pk, approve=True)
    services.leave_decide(actor=county, leave_id=long.pk, approve=False)
    assert set(Leave.objects.values_list("status", flat=True)) == {"approved", "refused"}
    with pytest.raises(Conflict):
        services.leave_decide(actor=county, leave_id=long.pk, approve=True)
    member = TeamMember.objects.get(cadre=others[0])
    with pytest.raises(InvalidInput):
        services.team_member_recall(actor=county, member_id=member.pk, grounds=" ")
    services.team_member_recall(actor=county, member_id=member.pk, grounds="长期不在岗")
    member.refresh_from_db()
    assert member.recalled and member.ends_on is not None


def test_a_crash_while_recording_a_visit_leaves_nothing(
    users: dict[str, Any], cadre: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    h = factories.household(status="not_exited")
    with (
        on(TODAY),
        mock.patch("fupin.assistance.services._audit", side_effect=RuntimeError("power cut")),
        pytest.raises(RuntimeError),
    ):
        services.visit_record(
            actor=users["cadre"],
            household_id=h.pk,
            visited_on=TODAY,
            seen="x",
            photos=[upload("a.png", PNG)],
            concerns=["y"],
        )
    assert not Visit.objects.exists() and not Concern.objects.exists()
    assert not list(tmp_path.rglob("*.png"))


def test_notifications_read(users: dict[str, Any], cadre: Any) -> None:
    h = factories.household(status="not_exited")
    services.pairing_create(actor=None, cadre_id=cadre.pk, household_id=h.pk)
    with pytest.raises(AccessDenied):
        services.notifications_read(actor=None)
    assert services.notifications_read(actor=users["village_secretary"]) == 0
    assert services.notifications_read(actor=users["cadre"]) == 1
    assert not Notification.objects.filter(read_at__isnull=True).exists()
