"""Every write of the Party organisation app: organisations and where they are built, the
economic bodies and which organisations cover them (支部建在产业链上), members (saved,
transferred out), meetings of 三会一课 with their attendance, and commendations and
sanctions in a member's file.

Each service checks that the actor holds a role allowed to do it over the area concerned
(county admins and township officers manage organisations, bodies and members; village
secretaries also record their village organisations' meetings; auditors change nothing),
runs in one transaction and writes an audit row in it. ``actor=None`` is the system
itself (the demo, the CLI)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fupin.accounts.guard import require as _require
from fupin.accounts.guard import user_of as _user
from fupin.accounts.models import Role
from fupin.accounts.scope import scope_for
from fupin.areas.codes import level_of, prefix_of
from fupin.areas.models import Area
from fupin.assistance.models import Cadre, Unit
from fupin.audit.services import AppAudit
from fupin.core import clock
from fupin.core.clean import text as _text
from fupin.core.errors import Conflict, InvalidInput, NotFound
from fupin.party.models import (
    EconomicBody,
    Gender,
    Meeting,
    MemberRecord,
    PartyMember,
    PartyOrganisation,
)
from fupin.registry.choices import Education
from fupin.registry.models import Household

COUNTY = (Role.COUNTY_ADMIN,)
TOWNSHIP = (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN)
VILLAGE = (Role.VILLAGE_SECRETARY, Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN)

# Who manages what: organisations, bodies, members and their records are the township's
# and the county's (the organisation department's line); meetings are recorded where they
# are held, by the village secretary for the village's own organisations.
MANAGERS = TOWNSHIP
MEETING_RECORDERS = VILLAGE


# --- helpers -------------------------------------------------------------------------------


def _visible(actor: Any, area_code: str) -> bool:
    return actor is None or scope_for(actor).covers(area_code)


_audit = AppAudit("party")


def _day(value: Any, field: str, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise InvalidInput(fields={field: [_("必填")]})
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(fields={field: [_("日期格式应为 YYYY-MM-DD")]}) from None


def _not_future(day: dt.date | None, field: str) -> None:
    if day is not None and day > clock.today():
        raise InvalidInput(fields={field: [_("不能晚于今天")]})


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(fields={field: [_("取值无效")]})
    return value


def _area(area_code: str) -> str:
    """A known area code (township, village or county); refused otherwise."""
    code = str(area_code or "").strip()
    try:
        level_of(code)
    except InvalidInput:
        raise InvalidInput(fields={"area_code": [_("区划代码无效")]}) from None
    if not Area.objects.filter(code=code).exists():
        raise InvalidInput(fields={"area_code": [_("没有这个区划")]})
    return code


def _within(inner: str, outer: str) -> bool:
    """Whether area ``inner`` lies in area ``outer`` (or is it)."""
    return inner.startswith(prefix_of(outer))


def _organisation(
    actor: Any, organisation_id: int | None, *, lock: bool = False
) -> PartyOrganisation:
    qs = PartyOrganisation.objects.all()
    if lock:
        qs = qs.select_for_update()
    organisation = qs.filter(pk=organisation_id or 0).first()
    if organisation is None or not _visible(actor, organisation.area_code):
        raise NotFound()
    return organisation


def _member(actor: Any, member_id: int | None, *, lock: bool = False) -> PartyMember:
    qs = PartyMember.objects.all()
    if lock:
        qs = qs.select_for_update()
    member = qs.filter(pk=member_id or 0).first()
    if member is None or not _visible(actor, member.area_code):
        raise NotFound()
    return member


def _check_version(current: int, expected: int | None) -> None:
    if expected is not None and current != expected:
        raise Conflict()


# --- organisations -------------------------------------------------------------------------


@transaction.atomic
def organisation_save(
    *,
    actor: Any,
    name: str,
    kind: str,
    base: str,
    area_code: str,
    parent_id: int | None = None,
    unit_id: int | None = None,
    secretary_name: str = "",
    founded_on: dt.date | str | None = None,
    organisation_id: int | None = None,
    version: int | None = None,
    channel: str = "web",
) -> PartyOrganisation:
    """Create or change a Party organisation. Its parent must be one the actor sees whose
    area contains the organisation's (a village branch under its township committee); a
    unit's organisation names its unit."""
    area_code = _area(area_code)
    _require(actor, MANAGERS, area_code)
    kind = _choice(kind, PartyOrganisation.Kind, "kind")
    base = _choice(base, PartyOrganisation.Base, "base")
    name = _text(name, "name", 100)
    if organisation_id is None:
        organisation = PartyOrganisation()
    else:
        organisation = _organisation(actor, organisation_id, lock=True)
        _require(actor, MANAGERS, organisation.area_code)
        _check_version(organisation.version, version)
        organisation.version += 1
    parent = None
    if parent_id:
        parent = PartyOrganisation.objects.filter(pk=parent_id).first()
        if parent is None or not _visible(actor, parent.area_code):
            raise InvalidInput(fields={"parent": [_("上级党组织不存在或不在管辖范围内")]})
        if not _within(area_code, parent.area_code):
            raise InvalidInput(fields={"parent": [_("上级党组织的区划须包含本组织的区划")]})
        # no cycles: the parent may not be this organisation or one below it
        seen: PartyOrganisation | None = parent
        while seen is not None:
            if organisation.pk is not None and seen.pk == organisation.pk:
                raise InvalidInput(fields={"parent": [_("上级党组织不能是本组织或其下级")]})
            seen = seen.parent
    unit = None
    if unit_id:
        unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
        if unit is None:
            raise InvalidInput(fields={"unit": [_("单位不存在")]})
    if base == PartyOrganisation.Base.UNIT and unit is None:
        raise InvalidInput(fields={"unit": [_("建在单位的党组织须指明所在单位")]})
    if (
        PartyOrganisation.objects.filter(area_code=area_code, name=name)
        .exclude(pk=organisation.pk)
        .exists()
    ):
        raise Conflict(_("该区划已有同名党组织。"))
    if (
        organisation.pk is not None
        and organisation.area_code != area_code
        and (organisation.members.exists() or organisation.meetings.exists())
    ):
        raise InvalidInput(fields={"area_code": [_("已有党员或会议记录的组织不能改变区划")]})
    organisation.name, organisation.kind, organisation.base = name, kind, base
    organisation.area_code = area_code
    organisation.parent = parent
    organisation.unit = unit
    organisation.secretary_name = _text(secretary_name, "secretary_name", 64, required=False)
    founded = _day(founded_on, "founded_on", required=False)
    _not_future(founded, "founded_on")
    organisation.founded_on = founded
    organisation.save()
    _audit(actor, "organisation_save", "party_organisation", [organisation.pk], area_code, channel)
    return organisation


@transaction.atomic
def organisation_close(
    *, actor: Any, organisation_id: int, version: int | None = None, channel: str = "web"
) -> PartyOrganisation:
    """An organisation is dissolved (撤销): it must have no members left in its roll."""
    organisation = _organisation(actor, organisation_id, lock=True)
    _require(actor, MANAGERS, organisation.area_code)
    _check_version(organisation.version, version)
    if organisation.members.filter(is_active=True).exists():
        raise InvalidInput(_("该组织仍有在册党员，请先转出。"))
    organisation.is_active = False
    organisation.version += 1
    organisation.save(update_fields=["is_active", "version"])
    organisation.bodies.clear()
    _audit(actor, "organisation_close", "party_organisation", [organisation.pk],
           organisation.area_code, channel)  # fmt: skip
    return organisation


# --- economic bodies and coverage ------------------------------------------------------------


@transaction.atomic
def body_save(
    *,
    actor: Any,
    name: str,
    kind: str,
    area_code: str,
    industry: str = "",
    poor_households: int = 0,
    founded_on: dt.date | str | None = None,
    is_active: bool = True,
    body_id: int | None = None,
    channel: str = "web",
) -> EconomicBody:
    """Create or change an economic body (a cooperative, an enterprise …)."""
    area_code = _area(area_code)
    _require(actor, MANAGERS, area_code)
    kind = _choice(kind, EconomicBody.Kind, "kind")
    name = _text(name, "name", 100)
    try:
        poor = int(poor_households or 0)
    except (TypeError, ValueError):
        raise InvalidInput(fields={"poor_households": [_("须为整数")]}) from None
    if poor < 0:
        raise InvalidInput(fields={"poor_households": [_("不能小于0")]})
    if body_id is None:
        body = EconomicBody()
    else:
        found = EconomicBody.objects.select_for_update().filter(pk=body_id).first()
        if found is None or not _visible(actor, found.area_code):
            raise NotFound()
        _require(actor, MANAGERS, found.area_code)
        body = found
    if EconomicBody.objects.filter(area_code=area_code, name=name).exclude(pk=body.pk).exists():
        raise Conflict(_("该区划已有同名经济组织。"))
    body.name, body.kind, body.area_code = name, kind, area_code
    body.industry = _text(industry, "industry", 64, required=False)
    body.poor_households = poor
    founded = _day(founded_on, "founded_on", required=False)
    _not_future(founded, "founded_on")
    body.founded_on = founded
    body.is_active = bool(is_active)
    body.save()
    _audit(actor, "body_save", "economic_body", [body.pk], area_code, channel)
    return body


def _cover_pair(
    actor: Any, organisation_id: int, body_id: int
) -> tuple[PartyOrganisation, EconomicBody]:
    organisation = _organisation(actor, organisation_id)
    body = EconomicBody.objects.filter(pk=body_id).first()
    if body is None or not _visible(actor, body.area_code):
        raise NotFound()
    _require(actor, MANAGERS, body.area_code)
    return organisation, body


@transaction.atomic
def body_cover(
    *, actor: Any, organisation_id: int, body_id: int, channel: str = "web"
) -> EconomicBody:
    """An organisation covers an economic body (党组织覆盖): the body must lie in the
    organisation's area, and both be active."""
    organisation, body = _cover_pair(actor, organisation_id, body_id)
    if not organisation.is_active or not body.is_active:
        raise InvalidInput(_("已撤销的组织或已停止的经济组织不能建立覆盖。"))
    if not _within(body.area_code, organisation.area_code):
        raise InvalidInput(fields={"organisation": [_("经济组织不在该党组织的区划内")]})
    if body.organisations.filter(pk=organisation.pk).exists():
        raise Conflict(_("该党组织已覆盖这个经济组织。"))
    body.organisations.add(organisation)
    _audit(actor, "body_cover", "economic_body", [body.pk], body.area_code, channel)
    return body


@transaction.atomic
def body_uncover(
    *, actor: Any, organisation_id: int, body_id: int, channel: str = "web"
) -> EconomicBody:
    organisation, body = _cover_pair(actor, organisation_id, body_id)
    if not body.organisations.filter(pk=organisation.pk).exists():
        raise NotFound()
    body.organisations.remove(organisation)
    _audit(actor, "body_uncover", "economic_body", [body.pk], body.area_code, channel)
    return body


# --- members -------------------------------------------------------------------------------


@transaction.atomic
def member_save(
    *,
    actor: Any,
    organisation_id: int,
    name: str,
    gender: str,
    birth_date: dt.date | str,
    education: str,
    joined_on: dt.date | str,
    phone: str = "",
    cadre_id: int | None = None,
    household_id: int | None = None,
    is_demonstration_household: bool = False,
    is_business_leader: bool = False,
    households_led: int = 0,
    member_id: int | None = None,
    version: int | None = None,
    channel: str = "web",
) -> PartyMember:
    """Create or change a member's file. A member moved to another organisation keeps the
    file (the new organisation must be active, and the actor must manage both areas); a
    demonstration household names the registry household, which lies in the organisation's
    area. The phone is personal data: written, never logged."""
    organisation = _organisation(actor, organisation_id)
    _require(actor, MANAGERS, organisation.area_code)
    if not organisation.is_active:
        raise InvalidInput(fields={"organisation": [_("该党组织已撤销")]})
    if member_id is None:
        member = PartyMember()
    else:
        member = _member(actor, member_id, lock=True)
        _require(actor, MANAGERS, member.area_code)
        _check_version(member.version, version)
        if not member.is_active:
            raise InvalidInput(_("该党员已转出，档案不能修改。"))
        member.version += 1
    errors: dict[str, list[str]] = {}
    born = _day(birth_date, "birth_date")
    joined = _day(joined_on, "joined_on")
    assert born is not None and joined is not None  # required above
    _not_future(joined, "joined_on")
    if joined < born + dt.timedelta(days=18 * 365):
        errors["joined_on"] = [_("入党时应年满十八岁")]
    phone = _text(phone, "phone", 32, required=False)
    if phone and not phone.replace("-", "").isdigit():
        errors["phone"] = [_("电话号码只能包含数字和“-”")]
    try:
        led = int(households_led or 0)
    except (TypeError, ValueError):
        led = -1
    if led < 0:
        errors["households_led"] = [_("须为不小于0的整数")]
    elif led and not is_business_leader:
        errors["households_led"] = [_("只有党员致富带头人登记带动户数")]
    household = None
    if household_id:
        household = Household.objects.filter(pk=household_id, is_active=True).first()
        if household is None or not _within(household.area_code, organisation.area_code):
            errors["household"] = [_("农户不存在或不在该党组织的区划内")]
    if is_demonstration_household and household_id is None:
        errors["household"] = [_("党员示范户须关联所在农户")]
    if errors:
        raise InvalidInput(fields=errors)
    if cadre_id:
        cadre = Cadre.objects.filter(pk=cadre_id).first()
        if cadre is None or not _visible(actor, cadre.area_code):
            raise InvalidInput(fields={"cadre": [_("帮扶干部不存在或不在管辖范围内")]})
        if PartyMember.objects.filter(cadre_id=cadre_id).exclude(pk=member.pk).exists():
            raise Conflict(_("该帮扶干部已关联其他党员档案。"))
    member.name = _text(name, "name", 64)
    member.gender = _choice(gender, Gender, "gender")
    member.education = _choice(education, Education, "education")
    member.birth_date, member.joined_on = born, joined
    member.phone = phone
    member.organisation = organisation
    member.area_code = organisation.area_code
    member.cadre_id = cadre_id or None
    member.household = household
    member.is_demonstration_household = bool(is_demonstration_household)
    member.is_business_leader = bool(is_business_leader)
    member.households_led = led
    member.save()
    _audit(actor, "member_save", "party_member", [member.pk], member.area_code, channel)
    return member


@transaction.atomic
def member_transfer_out(
    *,
    actor: Any,
    member_id: int,
    left_on: dt.date | str | None = None,
    version: int | None = None,
    channel: str = "web",
) -> PartyMember:
    """A member's organisational relationship is transferred out (转出): the file stays,
    off the roll; the cadre link stays so the facts remain traceable."""
    member = _member(actor, member_id, lock=True)
    _require(actor, MANAGERS, member.area_code)
    _check_version(member.version, version)
    if not member.is_active:
        raise Conflict(_("该党员已转出。"))
    day = _day(left_on, "left_on", required=False) or clock.today()
    _not_future(day, "left_on")
    if day < member.joined_on:
        raise InvalidInput(fields={"left_on": [_("转出日期不能早于入党日期")]})
    member.is_active = False
    member.left_on = day
    member.version += 1
    member.save(update_fields=["is_active", "left_on", "version"])
    _audit(actor, "member_transfer_out", "party_member", [member.pk], member.area_code, channel)
    return member


# --- meetings ------------------------------------------------------------------------------


def _attendees(organisation: PartyOrganisation, attendee_ids: Iterable[int]) -> list[int]:
    """The ids, each an active member of the organisation; refused otherwise."""
    ids = sorted({int(i) for i in attendee_ids})
    found = set(
        PartyMember.objects.filter(
            pk__in=ids, organisation=organisation, is_active=True
        ).values_list("pk", flat=True)
    )
    strangers = [i for i in ids if i not in found]
    if strangers:
        raise InvalidInput(
            fields={"attendees": [_("参会人须为本组织在册党员：%(ids)s")
                                  % {"ids": "、".join(str(i) for i in strangers)}]}
        )  # fmt: skip
    return ids


@transaction.atomic
def meeting_record(
    *,
    actor: Any,
    organisation_id: int,
    kind: str,
    held_on: dt.date | str,
    topic: str,
    attendee_ids: Iterable[int] = (),
    channel: str = "web",
) -> Meeting:
    """Record a meeting of 三会一课 and who attended (members of the organisation)."""
    organisation = _organisation(actor, organisation_id)
    _require(actor, MEETING_RECORDERS, organisation.area_code)
    if not organisation.is_active:
        raise InvalidInput(fields={"organisation": [_("该党组织已撤销")]})
    kind = _choice(kind, Meeting.Kind, "kind")
    day = _day(held_on, "held_on")
    _not_future(day, "held_on")
    assert day is not None
    topic = _text(topic, "topic", 200)
    ids = _attendees(organisation, attendee_ids)
    meeting = Meeting.objects.create(
        organisation=organisation,
        area_code=organisation.area_code,
        kind=kind,
        held_on=day,
        topic=topic,
        recorded_by=_user(actor),
    )
    meeting.attendees.set(ids)
    _audit(actor, "meeting_record", "party_meeting", [meeting.pk], meeting.area_code, channel)
    return meeting


@transaction.atomic
def meeting_attendance_set(
    *, actor: Any, meeting_id: int, attendee_ids: Iterable[int], channel: str = "web"
) -> Meeting:
    """Correct a meeting's attendance (the sign-in sheet found later)."""
    meeting = Meeting.objects.select_related("organisation").filter(pk=meeting_id).first()
    if meeting is None or not _visible(actor, meeting.area_code):
        raise NotFound()
    _require(actor, MEETING_RECORDERS, meeting.area_code)
    meeting.attendees.set(_attendees(meeting.organisation, attendee_ids))
    _audit(actor, "meeting_attendance", "party_meeting", [meeting.pk], meeting.area_code, channel)
    return meeting


# --- commendations and sanctions -----------------------------------------------------------


@transaction.atomic
def record_add(
    *,
    actor: Any,
    member_id: int,
    kind: str,
    on: dt.date | str,
    title: str,
    grounds: str,
    issued_by: str = "",
    channel: str = "web",
) -> MemberRecord:
    """A commendation (表彰) or sanction (处分) in a member's file, with its grounds."""
    member = _member(actor, member_id)
    _require(actor, MANAGERS, member.area_code)
    kind = _choice(kind, MemberRecord.Kind, "kind")
    day = _day(on, "on")
    _not_future(day, "on")
    assert day is not None
    record = MemberRecord.objects.create(
        member=member,
        area_code=member.area_code,
        kind=kind,
        on=day,
        title=_text(title, "title", 200),
        grounds=_text(grounds, "grounds", 2000),
        issued_by=_text(issued_by, "issued_by", 100, required=False),
        recorded_by=_user(actor),
    )
    _audit(actor, "record_add", "party_member_record", [record.pk], record.area_code, channel)
    return record
