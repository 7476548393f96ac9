"""Leadership writes: roles over areas, transitions, evidence, audit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.audit.models import AuditEvent
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.leadership import services
from fupin.leadership.models import BuildingAssignment, CourseAttendance, WeakCase
from fupin.procedures import evidence
from tests import factories
from tests.leadership.conftest import PDF, PNG, TOWNSHIP, World, official, reserve

pytestmark = pytest.mark.django_db

V1, V3 = factories.VILLAGE, factories.OTHER_TOWNSHIP_VILLAGE
PERSON = {
    "name": "王村委",
    "gender": "female",
    "birth_date": "1990-04-01",
    "education": "senior",
}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_official_appoint_and_end(users: dict[str, Any]) -> None:
    officer = users["township_officer"]
    o = services.official_appoint(
        actor=officer, area_code=V1, post="committee_member", phone="139-1234", **PERSON
    )
    assert o.ends_on is None and o.starts_on is not None
    assert AuditEvent.objects.filter(action="leadership.official_appoint").count() == 1
    with pytest.raises(AccessDenied):
        services.official_appoint(
            actor=users["village_secretary"], area_code=V1, post="secretary", **PERSON
        )
    with pytest.raises(NotFound):
        services.official_appoint(actor=officer, area_code=V3, post="secretary", **PERSON)
    with pytest.raises(InvalidInput) as bad:
        services.official_appoint(actor=officer, area_code=V1, post="king", **PERSON)
    assert "post" in bad.value.fields
    with pytest.raises(Conflict):
        services.official_end(actor=officer, official_id=o.pk, version=o.version + 1)
    ended = services.official_end(actor=officer, official_id=o.pk, version=o.version)
    assert ended.ends_on is not None and ended.version == 2
    with pytest.raises(Conflict):
        services.official_end(actor=officer, official_id=o.pk)


def test_reserve_secretary_proposes_township_removes(users: dict[str, Any]) -> None:
    row = services.reserve_add(
        actor=users["village_secretary"], area_code=V1, source="veteran", **PERSON
    )
    with pytest.raises(NotFound):
        services.reserve_add(
            actor=users["other_secretary"], area_code=V1, source="veteran", **PERSON
        )
    with pytest.raises(AccessDenied):
        services.reserve_add(actor=users["cadre"], area_code=V1, source="veteran", **PERSON)
    with pytest.raises(AccessDenied):
        services.reserve_remove(actor=users["village_secretary"], reserve_id=row.pk, reason="调走")
    with pytest.raises(InvalidInput):
        services.reserve_remove(actor=users["township_officer"], reserve_id=row.pk, reason="")
    done = services.reserve_remove(
        actor=users["township_officer"], reserve_id=row.pk, reason="调走"
    )
    assert done.removed_on is not None and done.removed_reason == "调走"


def upload(data: bytes = PNG, name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def flagged(users: dict[str, Any], world: World) -> WeakCase:
    return services.weak_case_flag(
        actor=users["county_admin"],
        organisation_id=world.branch.pk,
        criteria=["secretary", "organisational_life"],
        finding="书记不胜任",
    )


def test_weak_case_flag_needs_the_county_and_a_criterion(
    users: dict[str, Any], world: World
) -> None:
    with pytest.raises(AccessDenied):
        services.weak_case_flag(
            actor=users["township_officer"], organisation_id=world.branch.pk, criteria=["secretary"]
        )
    with pytest.raises(InvalidInput) as none:
        services.weak_case_flag(
            actor=users["county_admin"], organisation_id=world.branch.pk, criteria=[]
        )
    assert "criteria" in none.value.fields
    with pytest.raises(InvalidInput):
        services.weak_case_flag(
            actor=users["county_admin"], organisation_id=world.branch.pk, criteria=["nonsense"]
        )
    case = flagged(users, world)
    assert case.status == WeakCase.Status.FLAGGED and case.criteria.count() == 2
    assert case.area_code == V1 and case.year == case.flagged_on.year
    with pytest.raises(Conflict):
        flagged(users, world)  # one open case per branch


def test_weak_case_lifecycle(users: dict[str, Any], world: World) -> None:
    county, officer = users["county_admin"], users["township_officer"]
    case = flagged(users, world)
    # the team: a county leader, a first secretary, the township's person
    with pytest.raises(AccessDenied):
        services.weak_case_team_assign(
            actor=officer, case_id=case.pk, county_leader_id=world.leader.pk,
            first_secretary_id=world.cadres[0].pk, township_lead="赵镇长",
        )  # fmt: skip
    with pytest.raises(InvalidInput) as bad:
        services.weak_case_team_assign(
            actor=county, case_id=case.pk, county_leader_id=None,
            first_secretary_id=world.cadres[0].pk, township_lead="赵镇长",
        )  # fmt: skip
    assert "county_leader" in bad.value.fields
    item = services.rectification_item_add(
        actor=officer, case_id=case.pk, text="选优配强书记", due_on="2099-01-01"
    )
    with pytest.raises(InvalidInput) as noteam:
        services.weak_case_close(actor=county, case_id=case.pk)
    assert "team" in noteam.value.fields
    case = services.weak_case_team_assign(
        actor=county, case_id=case.pk, county_leader_id=world.leader.pk,
        first_secretary_id=world.cadres[0].pk, township_lead="赵镇长",
    )  # fmt: skip
    assert case.status == WeakCase.Status.RECTIFYING
    with pytest.raises(AccessDenied):
        services.rectification_item_add(
            actor=users["village_secretary"], case_id=case.pk, text="x", due_on="2099-01-01"
        )
    second = services.rectification_item_add(
        actor=officer, case_id=case.pk, text="规范三会一课", due_on="2099-02-01"
    )
    # closing an item needs evidence, checked by its content, and a note
    with pytest.raises(InvalidInput) as noevidence:
        services.rectification_item_close(actor=officer, item_id=item.pk, note="已调整")
    assert "evidence" in noevidence.value.fields
    with pytest.raises(InvalidInput):
        services.rectification_item_close(
            actor=officer,
            item_id=item.pk,
            note="已调整",
            upload=upload(b"MZ-not-a-picture", "a.png"),
        )
    with pytest.raises(InvalidInput) as nonote:
        services.rectification_item_close(actor=officer, item_id=item.pk, note="", upload=upload())
    assert "note" in nonote.value.fields
    with pytest.raises(AccessDenied):
        services.rectification_item_close(
            actor=users["village_secretary"], item_id=item.pk, note="已调整", upload=upload()
        )
    closed = services.rectification_item_close(
        actor=officer, item_id=item.pk, note="已调整", upload=upload()
    )
    assert closed.closed_on is not None and closed.evidence_name == "photo.png"
    assert evidence.absolute(closed.evidence).read_bytes() == PNG
    # the case closes only when every item is closed
    with pytest.raises(InvalidInput) as still:
        services.weak_case_close(actor=county, case_id=case.pk)
    assert "items" in still.value.fields
    # the village secretary attaches the evidence; the township closes the item
    attached = services.rectification_evidence_attach(
        actor=users["village_secretary"], item_id=second.pk, upload=upload(PDF, "会议记录.pdf")
    )
    assert attached.evidence.endswith(".pdf") and attached.closed_on is None
    with pytest.raises(NotFound):
        services.rectification_evidence_attach(
            actor=users["other_secretary"], item_id=second.pk, upload=upload()
        )
    services.rectification_item_close(actor=officer, item_id=second.pk, note="每月开展")
    with pytest.raises(AccessDenied):
        services.weak_case_close(actor=officer, case_id=case.pk)
    case.refresh_from_db()
    with pytest.raises(Conflict):
        services.weak_case_close(actor=county, case_id=case.pk, version=case.version - 1)
    done = services.weak_case_close(actor=county, case_id=case.pk, version=case.version)
    assert done.status == WeakCase.Status.CLOSED and done.closed_by == county
    with pytest.raises(Conflict):
        services.rectification_item_add(
            actor=officer, case_id=case.pk, text="x", due_on="2099-01-01"
        )
    assert AuditEvent.objects.filter(action__startswith="leadership.").count() == 8
    # a new case may be flagged once the old one is closed
    assert flagged(users, world).pk != case.pk


def test_case_without_items_does_not_close(users: dict[str, Any], world: World) -> None:
    case = flagged(users, world)
    services.weak_case_team_assign(
        actor=None, case_id=case.pk, county_leader_id=world.leader.pk,
        first_secretary_id=world.cadres[0].pk, township_lead="赵镇长",
    )  # fmt: skip
    with pytest.raises(InvalidInput):
        services.weak_case_close(actor=None, case_id=case.pk)


def test_building_assign(users: dict[str, Any], world: World) -> None:
    officer = users["township_officer"]
    row = services.building_assign(
        actor=officer, kind="instructor", cadre_id=world.cadres[0].pk, area_code=V1
    )
    with pytest.raises(Conflict):  # one instructor per village
        services.building_assign(
            actor=officer, kind="instructor", cadre_id=world.cadres[1].pk, area_code=V1
        )
    with pytest.raises(NotFound):
        services.building_assign(
            actor=officer, kind="instructor", cadre_id=world.cadres[1].pk, area_code=V3
        )
    with pytest.raises(AccessDenied):
        services.building_assign(
            actor=users["village_secretary"], kind="supervisor", cadre_id=world.cadres[1].pk,
            area_code=V1,
        )  # fmt: skip
    services.building_end(actor=officer, assignment_id=row.pk)
    services.building_assign(
        actor=officer, kind="instructor", cadre_id=world.cadres[1].pk, area_code=V1
    )
    # a supervisor takes no more than supervisor_villages_max (7) villages
    for i in range(7):
        BuildingAssignment.objects.create(
            kind="supervisor", cadre=world.cadres[2], area_code=f"42282210200{i + 1}",
            starts_on=dt.date(2025, 1, 1),
        )  # fmt: skip
    with pytest.raises(InvalidInput):
        services.building_assign(
            actor=officer, kind="supervisor", cadre_id=world.cadres[2].pk, area_code=V1
        )


def test_goal_record(users: dict[str, Any]) -> None:
    secretary = users["village_secretary"]
    g = services.goal_record(
        actor=secretary, area_code=V1, year=2026, goal="team", note="班子调整到位",
        reached_on="2026-04-01",
    )  # fmt: skip
    again = services.goal_record(
        actor=secretary, area_code=V1, year=2026, goal="team", note="更新", reached_on="2026-05-01"
    )
    assert again.pk == g.pk and again.note == "更新"
    with pytest.raises(InvalidInput):
        services.goal_record(
            actor=secretary, area_code=V1, year=2026, goal="team", note="x", reached_on="2025-05-01"
        )
    with pytest.raises(AccessDenied):
        services.goal_record(actor=users["cadre"], area_code=V1, year=2026, goal="plan", note="x")


def test_course_and_attendance(users: dict[str, Any], world: World) -> None:
    officer = users["township_officer"]
    body = {
        "title": "村干部轮训", "kind": "rotation", "organiser": "镇党委",
        "starts_on": "2026-03-01", "ends_on": "2026-03-02", "hours": "12",
    }  # fmt: skip
    with pytest.raises(NotFound):  # a county course is the county's
        services.course_save(actor=officer, area_code="422822000000", **body)
    with pytest.raises(InvalidInput):
        services.course_save(actor=officer, area_code=TOWNSHIP, **{**body, "ends_on": "2026-02-01"})
    course = services.course_save(actor=officer, area_code=TOWNSHIP, **body)
    mine = official(V1)
    far = official(V3)
    rows = services.attendance_record(
        actor=officer, course_id=course.pk, member_ids=[world.member.pk], official_ids=[mine.pk]
    )
    assert len(rows) == 2
    again = services.attendance_record(actor=officer, course_id=course.pk, official_ids=[mine.pk])
    assert again == [] and CourseAttendance.objects.count() == 2
    with pytest.raises(InvalidInput):  # outside the course's township
        services.attendance_record(actor=None, course_id=course.pk, official_ids=[far.pk])
    with pytest.raises(AccessDenied):
        services.attendance_record(
            actor=users["village_secretary"], course_id=course.pk, official_ids=[mine.pk]
        )
    county_course = services.course_save(
        actor=users["county_admin"], area_code="422822000000", **body
    )
    with pytest.raises(AccessDenied):  # the township may not record the county's course
        services.attendance_record(
            actor=officer, course_id=county_course.pk, official_ids=[mine.pk]
        )
    services.attendance_record(
        actor=users["county_admin"], course_id=county_course.pk, official_ids=[far.pk]
    )
    row = CourseAttendance.objects.get(course=course, official=mine)
    services.attendance_remove(actor=officer, attendance_id=row.pk)
    assert CourseAttendance.objects.count() == 2
    assert reserve(V1).pk  # the helper works (used by views tests)
