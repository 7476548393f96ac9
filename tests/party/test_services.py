"""Party writes: who may do what where, the checks of each service, versions and audit."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from fupin.audit.models import AuditEvent
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.party import services
from fupin.party.models import EconomicBody, MemberRecord, PartyMember, PartyOrganisation
from tests import factories

pytestmark = pytest.mark.django_db

V = factories.VILLAGE
TOWNSHIP = "422822100000"


def org(actor: Any = None, **kw: Any) -> PartyOrganisation:
    data: dict[str, Any] = {
        "name": "东门村党支部",
        "kind": "branch",
        "base": "village",
        "area_code": V,
    }
    data.update(kw)
    return services.organisation_save(actor=actor, **data)


def new_member(actor: Any, organisation: PartyOrganisation, **kw: Any) -> PartyMember:
    data: dict[str, Any] = {
        "name": "张党员",
        "gender": "male",
        "birth_date": "1970-01-01",
        "education": "junior",
        "joined_on": "1995-07-01",
        "phone": "13900000000",
    }
    data.update(kw)
    return services.member_save(actor=actor, organisation_id=organisation.pk, **data)


def test_township_officer_saves_an_organisation_with_a_parent(users: dict[str, Any]) -> None:
    officer = users["township_officer"]
    committee = org(officer, name="业州镇党委", kind="committee", base="other", area_code=TOWNSHIP)
    branch = org(officer, parent_id=committee.pk, secretary_name="李书记")
    assert branch.parent == committee and branch.version == 1
    event = AuditEvent.objects.filter(action="party.organisation_save").order_by("pk").last()
    assert event is not None and event.object_ids == [branch.pk]
    changed = org(officer, organisation_id=branch.pk, version=1, name="东门村党总支",
                  kind="general_branch", parent_id=committee.pk)  # fmt: skip
    assert changed.version == 2 and changed.kind == "general_branch"
    with pytest.raises(Conflict):
        org(officer, organisation_id=branch.pk, version=1)


def test_organisation_parent_must_contain_it_and_no_cycles(users: dict[str, Any]) -> None:
    other_township = org(None, name="高坪镇党委", kind="committee", base="other",
                         area_code="422822101000")  # fmt: skip
    with pytest.raises(InvalidInput) as exc:
        org(None, parent_id=other_township.pk)
    assert "parent" in exc.value.fields
    committee = org(None, name="业州镇党委", kind="committee", base="other", area_code=TOWNSHIP)
    branch = org(None, parent_id=committee.pk)
    with pytest.raises(InvalidInput):
        org(None, organisation_id=committee.pk, name="业州镇党委", kind="committee",
            base="other", area_code=TOWNSHIP, parent_id=branch.pk)  # fmt: skip
    # a township officer cannot hang a branch under an organisation they do not see
    with pytest.raises(InvalidInput):
        org(users["township_officer"], name="南门村党支部",
            area_code=factories.OTHER_VILLAGE_SAME_TOWNSHIP, parent_id=other_township.pk)  # fmt: skip


def test_unit_organisation_names_its_unit(areas: None) -> None:
    with pytest.raises(InvalidInput) as exc:
        org(None, name="县农业农村局机关党支部", base="unit", area_code="422822000000")
    assert "unit" in exc.value.fields


def test_roles_for_organisations(users: dict[str, Any]) -> None:
    with pytest.raises(AccessDenied):
        org(users["village_secretary"])
    with pytest.raises(AccessDenied):
        org(users["auditor"])
    with pytest.raises(NotFound):
        org(users["other_secretary"])
    with pytest.raises(NotFound):
        org(users["outsider"])
    with pytest.raises(InvalidInput):
        org(None, kind="nonsense")
    with pytest.raises(Conflict):
        org(None)
        org(None)


def test_cover_and_uncover(users: dict[str, Any]) -> None:
    officer = users["township_officer"]
    branch = org(officer)
    body = services.body_save(actor=officer, name="东门村茶叶专业合作社", kind="cooperative",
                              area_code=V, industry="茶叶", poor_households=12)  # fmt: skip
    services.body_cover(actor=officer, organisation_id=branch.pk, body_id=body.pk)
    assert list(body.organisations.all()) == [branch]
    with pytest.raises(Conflict):
        services.body_cover(actor=officer, organisation_id=branch.pk, body_id=body.pk)
    elsewhere = services.body_save(actor=None, name="南门村合作社", kind="cooperative",
                                   area_code=factories.OTHER_VILLAGE_SAME_TOWNSHIP)  # fmt: skip
    with pytest.raises(InvalidInput):
        services.body_cover(actor=officer, organisation_id=branch.pk, body_id=elsewhere.pk)
    with pytest.raises(AccessDenied):
        services.body_cover(actor=users["village_secretary"], organisation_id=branch.pk,
                            body_id=body.pk)  # fmt: skip
    services.body_uncover(actor=officer, organisation_id=branch.pk, body_id=body.pk)
    assert body.organisations.count() == 0
    with pytest.raises(NotFound):
        services.body_uncover(actor=officer, organisation_id=branch.pk, body_id=body.pk)
    assert AuditEvent.objects.filter(action__startswith="party.body_").count() == 4


def test_member_save_checks(users: dict[str, Any], household: Any, other_household: Any) -> None:
    officer = users["township_officer"]
    branch = org(None)
    m = new_member(officer, branch, household_id=household.pk, is_demonstration_household=True)
    assert m.area_code == V and m.household == household
    with pytest.raises(InvalidInput) as exc:
        new_member(officer, branch, is_demonstration_household=True)
    assert "household" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        new_member(officer, branch, household_id=other_household.pk)
    assert "household" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        new_member(officer, branch, joined_on="1980-01-01")  # aged 10
    assert "joined_on" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        new_member(officer, branch, households_led=5)
    assert "households_led" in exc.value.fields
    leader = new_member(officer, branch, is_business_leader=True, households_led=5)
    assert leader.households_led == 5
    with pytest.raises(AccessDenied):
        new_member(users["village_secretary"], branch)
    with pytest.raises(NotFound):
        new_member(users["other_secretary"], branch)
    changed = new_member(officer, branch, member_id=m.pk, version=1, name="张改名",
                         household_id=household.pk, is_demonstration_household=True)  # fmt: skip
    assert changed.version == 2 and changed.name == "张改名"
    with pytest.raises(Conflict):
        new_member(officer, branch, member_id=m.pk, version=1)


def test_member_cadre_link_is_unique(users: dict[str, Any]) -> None:
    from fupin.assistance.models import Cadre, Unit

    unit = Unit.objects.create(name="县农业农村局", kind="department", area_code="422822000000")
    cadre = Cadre.objects.create(name="王", unit=unit, area_code=V, is_party_member=True)
    branch = org(None)
    new_member(None, branch, cadre_id=cadre.pk)
    with pytest.raises(Conflict):
        new_member(None, branch, cadre_id=cadre.pk)


def test_transfer_out(users: dict[str, Any]) -> None:
    officer = users["township_officer"]
    branch = org(None)
    m = new_member(None, branch)
    out = services.member_transfer_out(actor=officer, member_id=m.pk, left_on="2025-06-30",
                                       version=1)  # fmt: skip
    assert (out.is_active, out.left_on, out.version) == (False, dt.date(2025, 6, 30), 2)
    with pytest.raises(Conflict):
        services.member_transfer_out(actor=officer, member_id=m.pk)
    with pytest.raises(InvalidInput):
        new_member(officer, branch, member_id=m.pk)


def test_meeting_record_attendance_belongs_to_the_organisation(users: dict[str, Any]) -> None:
    secretary = users["village_secretary"]
    branch = org(None)
    other = org(None, name="南门村党支部", area_code=factories.OTHER_VILLAGE_SAME_TOWNSHIP)
    a, b = new_member(None, branch, name="甲"), new_member(None, branch, name="乙")
    stranger = new_member(None, other, name="外")
    meeting = services.meeting_record(actor=secretary, organisation_id=branch.pk,
                                      kind="theme_day", held_on="2025-05-15", topic="主题党日",
                                      attendee_ids=[a.pk, b.pk])  # fmt: skip
    assert set(meeting.attendees.all()) == {a, b} and meeting.recorded_by == secretary
    with pytest.raises(InvalidInput) as exc:
        services.meeting_record(actor=secretary, organisation_id=branch.pk, kind="general",
                                held_on="2025-05-16", topic="党员大会",
                                attendee_ids=[a.pk, stranger.pk])  # fmt: skip
    assert "attendees" in exc.value.fields
    # the secretary of 东门村 does not record 南门村's meetings
    with pytest.raises(NotFound):
        services.meeting_record(actor=secretary, organisation_id=other.pk, kind="general",
                                held_on="2025-05-16", topic="党员大会")  # fmt: skip
    with pytest.raises(AccessDenied):
        services.meeting_record(actor=users["auditor"], organisation_id=branch.pk,
                                kind="general", held_on="2025-05-16", topic="x")  # fmt: skip
    with pytest.raises(InvalidInput):
        services.meeting_record(actor=secretary, organisation_id=branch.pk, kind="general",
                                held_on="2999-01-01", topic="未来")  # fmt: skip
    services.meeting_attendance_set(actor=secretary, meeting_id=meeting.pk, attendee_ids=[a.pk])
    assert list(meeting.attendees.all()) == [a]
    # a transferred-out member no longer attends
    services.member_transfer_out(actor=None, member_id=b.pk, left_on="2025-06-01")
    with pytest.raises(InvalidInput):
        services.meeting_attendance_set(actor=secretary, meeting_id=meeting.pk,
                                        attendee_ids=[b.pk])  # fmt: skip


def test_records_need_grounds(users: dict[str, Any]) -> None:
    officer = users["township_officer"]
    m = new_member(None, org(None))
    with pytest.raises(InvalidInput) as exc:
        services.record_add(actor=officer, member_id=m.pk, kind="sanction", on="2025-03-01",
                            title="党内警告", grounds="  ")  # fmt: skip
    assert "grounds" in exc.value.fields
    r = services.record_add(actor=officer, member_id=m.pk, kind="sanction", on="2025-03-01",
                            title="党内警告", grounds="违反组织纪律", issued_by="镇纪委")  # fmt: skip
    assert r.area_code == V and r.recorded_by == officer
    assert MemberRecord.objects.count() == 1
    with pytest.raises(AccessDenied):
        services.record_add(actor=users["village_secretary"], member_id=m.pk,
                            kind="commendation", on="2025-03-01", title="t", grounds="g")  # fmt: skip
    with pytest.raises(NotFound):
        services.record_add(actor=users["other_secretary"], member_id=m.pk,
                            kind="commendation", on="2025-03-01", title="t", grounds="g")  # fmt: skip


def test_close_organisation(world: SimpleNamespace) -> None:
    with pytest.raises(InvalidInput):
        services.organisation_close(actor=None, organisation_id=world.east.pk)
    closed = services.organisation_close(actor=None, organisation_id=world.township_committee.pk)
    assert closed.is_active is False
    assert not EconomicBody.objects.filter(organisations=closed).exists()
