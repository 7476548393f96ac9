"""Every write of village leadership and grassroots Party building: the 两委 roster and
reserve cadres, weak branches (软弱涣散) and their rectification, Party-building
instructors and supervisors with their 六个一 goals, trainings and their attendance.

Each service checks that the actor holds a role allowed to do it over the area concerned,
runs in one transaction and writes an audit row in it. ``actor=None`` is the system
itself (the demo, the CLI).

Who may do what (docs/leadership.md):
- the township (and the county) appoints and ends village officials and removes reserve
  cadres; the village secretary may *propose* reserve cadres (adds them) for the village;
- the county flags weak branches, assigns their 三对一 team and closes (销号) a case;
  the township adds rectification items and closes them; the village secretary may attach
  evidence to an item of the village's branch, but not close it;
- the township assigns instructors and supervisors to its villages; a village's 六个一
  goals are recorded by the village secretary or the township;
- the township (for its own courses) and the county record courses and attendance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from fupin.accounts.guard import require as _require
from fupin.accounts.guard import user_of as _user
from fupin.accounts.models import Role
from fupin.accounts.scope import holds_role, scope_for
from fupin.areas.codes import prefix_of
from fupin.areas.models import Area
from fupin.assistance.models import Cadre
from fupin.audit.services import AppAudit
from fupin.command.models import Leader
from fupin.core import clock
from fupin.core.clean import text as _text
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.leadership.models import (
    BuildingAssignment,
    Course,
    CourseAttendance,
    Goal,
    GoalProgress,
    RectificationItem,
    ReserveCadre,
    VillageOfficial,
    WeakCase,
    WeakCriterion,
)
from fupin.party.models import Gender, PartyMember, PartyOrganisation
from fupin.policy import standards
from fupin.procedures import evidence
from fupin.registry.choices import Education

COUNTY = (Role.COUNTY_ADMIN,)
TOWNSHIP = (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN)
VILLAGE = (Role.VILLAGE_SECRETARY, Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN)

EVIDENCE_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


# --- helpers -------------------------------------------------------------------------------


_audit = AppAudit("leadership")


def _day(value: Any, field: str, *, default: dt.date | None = None) -> dt.date:
    if value in (None, ""):
        if default is not None:
            return default
        raise InvalidInput(fields={field: [_("必填")]})
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(fields={field: [_("日期格式应为 YYYY-MM-DD")]}) from None


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(fields={field: [_("取值无效")]})
    return value


def _village(area_code: str) -> Area:
    area = Area.objects.filter(code=area_code, level=Area.Level.VILLAGE).first()
    if area is None:
        raise NotFound()
    return area


def _phone(value: Any) -> str:
    phone = _text(value, "phone", 32, required=False)
    if phone and not phone.replace("-", "").isdigit():
        raise InvalidInput(fields={"phone": [_("电话号码只能包含数字和“-”")]})
    return phone


def _birth(value: Any, today: dt.date) -> dt.date:
    born = _day(value, "birth_date")
    if born >= today or born.year < today.year - 100:
        raise InvalidInput(fields={"birth_date": [_("出生日期不合理")]})
    return born


def _params(area_code: str, year: int) -> dict[str, Any]:
    return standards.effective(area_code, standards.in_force(year))


# --- the 两委 roster and reserve cadres ---------------------------------------------------------


@transaction.atomic
def official_appoint(
    *,
    actor: Any,
    area_code: str,
    name: str,
    post: str,
    gender: str,
    birth_date: Any,
    education: str,
    is_party_member: bool = False,
    member_id: int | None = None,
    phone: str = "",
    starts_on: Any = None,
    channel: str = "web",
) -> VillageOfficial:
    """Put a person in post on the village's two committees (the township)."""
    _village(area_code)
    _require(actor, TOWNSHIP, area_code)
    today = clock.today()
    member = None
    if member_id is not None:
        member = PartyMember.objects.filter(pk=member_id, is_active=True).first()
        if member is None or member.area_code[:12] != area_code:
            raise InvalidInput(fields={"member": [_("党员不在本村党组织")]})
        is_party_member = True
    official = VillageOfficial.objects.create(
        area_code=area_code,
        name=_text(name, "name", 64),
        post=_choice(post, VillageOfficial.Post, "post"),
        gender=_choice(gender, Gender, "gender"),
        birth_date=_birth(birth_date, today),
        education=_choice(education, Education, "education"),
        is_party_member=bool(is_party_member),
        member=member,
        phone=_phone(phone),
        starts_on=_day(starts_on, "starts_on", default=today),
    )
    _audit(actor, "official_appoint", "village_official", [official.pk], area_code, channel)
    return official


@transaction.atomic
def official_end(
    *,
    actor: Any,
    official_id: int,
    ends_on: Any = None,
    version: int | None = None,
    channel: str = "web",
) -> VillageOfficial:
    """End an official's term (离任)."""
    official = VillageOfficial.objects.select_for_update().filter(pk=official_id).first()
    if official is None:
        raise NotFound()
    _require(actor, TOWNSHIP, official.area_code)
    if version is not None and version != official.version:
        raise Conflict()
    if official.ends_on is not None:
        raise Conflict(_("该成员已离任。"))
    ends = _day(ends_on, "ends_on", default=clock.today())
    if ends < official.starts_on:
        raise InvalidInput(fields={"ends_on": [_("离任日期不能早于任职日期")]})
    official.ends_on = ends
    official.version = F("version") + 1
    official.save(update_fields=["ends_on", "version"])
    official.refresh_from_db()
    _audit(actor, "official_end", "village_official", [official.pk], official.area_code, channel)
    return official


@transaction.atomic
def reserve_add(
    *,
    actor: Any,
    area_code: str,
    name: str,
    gender: str,
    birth_date: Any,
    education: str,
    source: str,
    is_party_member: bool = False,
    added_on: Any = None,
    channel: str = "web",
) -> ReserveCadre:
    """Add a reserve cadre (后备干部) to the village's pool: the village secretary
    proposes, the township or the county may add as well."""
    _village(area_code)
    _require(actor, VILLAGE, area_code)
    today = clock.today()
    row = ReserveCadre.objects.create(
        area_code=area_code,
        name=_text(name, "name", 64),
        gender=_choice(gender, Gender, "gender"),
        birth_date=_birth(birth_date, today),
        education=_choice(education, Education, "education"),
        is_party_member=bool(is_party_member),
        source=_choice(source, ReserveCadre.Source, "source"),
        added_on=_day(added_on, "added_on", default=today),
    )
    _audit(actor, "reserve_add", "reserve_cadre", [row.pk], area_code, channel)
    return row


@transaction.atomic
def reserve_remove(
    *,
    actor: Any,
    reserve_id: int,
    reason: str,
    removed_on: Any = None,
    channel: str = "web",
) -> ReserveCadre:
    """Take a reserve cadre out of the pool (appointed, moved away, unfit): the township."""
    row = ReserveCadre.objects.select_for_update().filter(pk=reserve_id).first()
    if row is None:
        raise NotFound()
    _require(actor, TOWNSHIP, row.area_code)
    if row.removed_on is not None:
        raise Conflict(_("该后备干部已出库。"))
    row.removed_reason = _text(reason, "reason", 200)
    row.removed_on = _day(removed_on, "removed_on", default=clock.today())
    row.save(update_fields=["removed_reason", "removed_on"])
    _audit(actor, "reserve_remove", "reserve_cadre", [row.pk], row.area_code, channel)
    return row


# --- weak branches ---------------------------------------------------------------------------


def _case_for_update(case_id: int) -> WeakCase:
    case = WeakCase.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return case


def _check_version(case: WeakCase, version: int | None) -> None:
    if version is not None and version != case.version:
        raise Conflict()


def _bump(case: WeakCase, fields: list[str]) -> WeakCase:
    case.version = F("version") + 1
    case.save(update_fields=[*fields, "version"])
    case.refresh_from_db()
    return case


@transaction.atomic
def weak_case_flag(
    *,
    actor: Any,
    organisation_id: int,
    criteria: Iterable[str],
    finding: str = "",
    year: int | None = None,
    flagged_on: Any = None,
    channel: str = "web",
) -> WeakCase:
    """Flag a branch weak and lax (认定) with the checklist items it meets (at least one):
    the county's organisation department. A branch has at most one open case."""
    org = PartyOrganisation.objects.filter(pk=organisation_id, is_active=True).first()
    if org is None:
        raise NotFound()
    _require(actor, COUNTY, org.area_code)
    keys = sorted({str(k) for k in criteria})
    found = list(WeakCriterion.objects.filter(key__in=keys, is_active=True))
    if not keys or len(found) != len(keys):
        raise InvalidInput(fields={"criteria": [_("至少选择一项认定情形")]})
    if WeakCase.objects.filter(organisation=org).exclude(status=WeakCase.Status.CLOSED).exists():
        raise Conflict(_("该党组织已有未销号的整顿。"))
    day = _day(flagged_on, "flagged_on", default=clock.today())
    case = WeakCase.objects.create(
        organisation=org,
        area_code=org.area_code,
        year=year or day.year,
        finding=_text(finding, "finding", 2000, required=False),
        flagged_on=day,
    )
    case.criteria.set(found)
    _audit(actor, "weak_case_flag", "weak_case", [case.pk], case.area_code, channel)
    return case


@transaction.atomic
def weak_case_team_assign(
    *,
    actor: Any,
    case_id: int,
    county_leader_id: int | None,
    first_secretary_id: int | None,
    township_lead: str,
    version: int | None = None,
    channel: str = "web",
) -> WeakCase:
    """Assign the 三对一 team (a county leader, the first secretary, the township Party
    committee's responsible person): the county. A flagged case becomes rectifying; a
    rectifying one may have its team changed."""
    case = _case_for_update(case_id)
    _require(actor, COUNTY, case.area_code)
    _check_version(case, version)
    if case.status == WeakCase.Status.CLOSED:
        raise Conflict(_("已销号的整顿不能再更改。"))
    leader = Leader.objects.filter(
        pk=county_leader_id or 0, level=Leader.Level.COUNTY, is_active=True
    ).first()
    if leader is None or not case.area_code.startswith(leader.area_code[:6]):
        raise InvalidInput(fields={"county_leader": [_("须为本县在任的县级领导")]})
    cadre = Cadre.objects.filter(pk=first_secretary_id or 0, left_on__isnull=True).first()
    if cadre is None:
        raise InvalidInput(fields={"first_secretary": [_("须为在岗的帮扶干部")]})
    case.county_leader = leader
    case.first_secretary = cadre
    case.township_lead = _text(township_lead, "township_lead", 64)
    case.status = WeakCase.Status.RECTIFYING
    _bump(case, ["county_leader", "first_secretary", "township_lead", "status"])
    _audit(actor, "weak_case_team_assign", "weak_case", [case.pk], case.area_code, channel)
    return case


@transaction.atomic
def rectification_item_add(
    *, actor: Any, case_id: int, text: str, due_on: Any, channel: str = "web"
) -> RectificationItem:
    """Add an item to put right (the township, or the county)."""
    case = _case_for_update(case_id)
    _require(actor, TOWNSHIP, case.area_code)
    if case.status == WeakCase.Status.CLOSED:
        raise Conflict(_("已销号的整顿不能再添加事项。"))
    due = _day(due_on, "due_on")
    if due < case.flagged_on:
        raise InvalidInput(fields={"due_on": [_("完成时限不能早于认定日期")]})
    item = RectificationItem.objects.create(case=case, text=_text(text, "text", 300), due_on=due)
    _bump(case, [])
    _audit(
        actor, "rectification_item_add", "rectification_item", [item.pk], case.area_code, channel
    )
    return item


def _item_for_update(item_id: int) -> tuple[RectificationItem, WeakCase]:
    item = RectificationItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    case = WeakCase.objects.select_for_update().get(pk=item.case_id)
    return item, case


def _attach(item: RectificationItem, upload: Any) -> list[str]:
    """Check and store an uploaded evidence file on the item; returns the paths written."""
    checked = evidence.check(upload)
    old = [item.evidence] if item.evidence else []
    item.evidence = evidence.store(item.pk, checked, under="rectification")
    item.evidence_name = checked.name
    transaction.on_commit(lambda: evidence.remove(old))  # the replaced file, once it sticks
    return [item.evidence]


@transaction.atomic
def rectification_evidence_attach(
    *, actor: Any, item_id: int, upload: Any, channel: str = "web"
) -> RectificationItem:
    """Attach (or replace) the evidence of an open item: the village secretary of the
    branch's village, the township or the county. Only the township closes the item."""
    item, case = _item_for_update(item_id)
    _require(actor, VILLAGE, case.area_code)
    if item.closed_on is not None:
        raise Conflict(_("该事项已完成，佐证材料不能再更改。"))
    written = _attach(item, upload)
    try:
        item.save(update_fields=["evidence", "evidence_name"])
        _audit(actor, "rectification_evidence_attach", "rectification_item", [item.pk],
               case.area_code, channel)  # fmt: skip
    except Exception:
        evidence.remove(written)
        raise
    return item


@transaction.atomic
def rectification_item_close(
    *,
    actor: Any,
    item_id: int,
    note: str,
    upload: Any = None,
    closed_on: Any = None,
    channel: str = "web",
) -> RectificationItem:
    """Close an item (完成): only with evidence (uploaded now, or attached before; checked
    by its content) and a note of what was done. The township or the county."""
    item, case = _item_for_update(item_id)
    _require(actor, TOWNSHIP, case.area_code)
    if item.closed_on is not None:
        raise Conflict(_("该事项已完成。"))
    if case.status == WeakCase.Status.CLOSED:
        raise Conflict(_("该整顿已销号。"))
    note = _text(note, "note", 2000)
    if upload is None and not item.evidence:
        raise InvalidInput(fields={"evidence": [_("须上传佐证材料")]})
    written = _attach(item, upload) if upload is not None else []
    try:
        item.closed_note = note
        item.closed_on = _day(closed_on, "closed_on", default=clock.today())
        item.closed_by = _user(actor)
        item.save()
        _bump(case, [])
        _audit(actor, "rectification_item_close", "rectification_item", [item.pk],
               case.area_code, channel)  # fmt: skip
    except Exception:
        evidence.remove(written)
        raise
    return item


@transaction.atomic
def weak_case_close(
    *,
    actor: Any,
    case_id: int,
    closed_on: Any = None,
    version: int | None = None,
    channel: str = "web",
) -> WeakCase:
    """销号: the county closes a case whose team is assigned and whose every item (there
    must be at least one) is closed."""
    case = _case_for_update(case_id)
    _require(actor, COUNTY, case.area_code)
    _check_version(case, version)
    if case.status == WeakCase.Status.CLOSED:
        raise Conflict(_("该整顿已销号。"))
    if case.status != WeakCase.Status.RECTIFYING or not (
        case.county_leader_id and case.first_secretary_id and case.township_lead
    ):
        raise InvalidInput(fields={"team": [_("须先落实“三对一”整顿力量")]})
    items = list(case.items.all())
    if not items:
        raise InvalidInput(fields={"items": [_("没有整改事项，不能销号")]})
    open_items = [i for i in items if i.closed_on is None]
    if open_items:
        raise InvalidInput(
            fields={"items": [_("还有 %(n)s 项整改事项未完成") % {"n": len(open_items)}]}
        )
    case.status = WeakCase.Status.CLOSED
    case.closed_on = _day(closed_on, "closed_on", default=clock.today())
    case.closed_by = _user(actor)
    _bump(case, ["status", "closed_on", "closed_by"])
    _audit(actor, "weak_case_close", "weak_case", [case.pk], case.area_code, channel)
    return case


# --- instructors and supervisors ---------------------------------------------------------------


@transaction.atomic
def building_assign(
    *,
    actor: Any,
    kind: str,
    cadre_id: int,
    area_code: str,
    starts_on: Any = None,
    channel: str = "web",
) -> BuildingAssignment:
    """Make a cadre a village's Party-building instructor (one per village) or supervisor
    (no more than ``supervisor_villages_max`` villages each): the township or county."""
    _choice(kind, BuildingAssignment.Kind, "kind")
    _village(area_code)
    _require(actor, TOWNSHIP, area_code)
    cadre = Cadre.objects.select_for_update().filter(pk=cadre_id, left_on__isnull=True).first()
    if cadre is None:
        raise InvalidInput(fields={"cadre": [_("须为在岗的帮扶干部")]})
    active = BuildingAssignment.objects.filter(ends_on__isnull=True)
    if active.filter(kind=kind, cadre=cadre, area_code=area_code).exists():
        raise Conflict(_("该干部已负责这个村。"))
    if kind == BuildingAssignment.Kind.INSTRUCTOR:
        if active.filter(kind=kind, area_code=area_code).exists():
            raise Conflict(_("该村已有党建指导员，请先结束原指导员的任务。"))
    else:
        limit = int(_params(area_code, clock.today().year)["supervisor_villages_max"])
        if active.filter(kind=kind, cadre=cadre).count() >= limit:
            raise InvalidInput(
                fields={"cadre": [_("每名督导员联系村不多于 %(n)s 个") % {"n": limit}]}
            )
    row = BuildingAssignment.objects.create(
        kind=kind,
        cadre=cadre,
        area_code=area_code,
        starts_on=_day(starts_on, "starts_on", default=clock.today()),
    )
    _audit(actor, "building_assign", "building_assignment", [row.pk], area_code, channel)
    return row


@transaction.atomic
def building_end(
    *, actor: Any, assignment_id: int, ends_on: Any = None, channel: str = "web"
) -> BuildingAssignment:
    row = BuildingAssignment.objects.select_for_update().filter(pk=assignment_id).first()
    if row is None:
        raise NotFound()
    _require(actor, TOWNSHIP, row.area_code)
    if row.ends_on is not None:
        raise Conflict(_("该任务已结束。"))
    ends = _day(ends_on, "ends_on", default=clock.today())
    if ends < row.starts_on:
        raise InvalidInput(fields={"ends_on": [_("结束日期不能早于开始日期")]})
    row.ends_on = ends
    row.save(update_fields=["ends_on"])
    _audit(actor, "building_end", "building_assignment", [row.pk], row.area_code, channel)
    return row


@transaction.atomic
def goal_record(
    *,
    actor: Any,
    area_code: str,
    year: int,
    goal: str,
    note: str,
    reached_on: Any = None,
    channel: str = "web",
) -> GoalProgress:
    """Record a 六个一 goal reached by the village in a year, with what shows it (the
    village secretary or the township); recording it again updates it."""
    _village(area_code)
    _require(actor, VILLAGE, area_code)
    _choice(goal, Goal, "goal")
    day = _day(reached_on, "reached_on", default=clock.today())
    if day.year != int(year):
        raise InvalidInput(fields={"reached_on": [_("达成日期须在该年度内")]})
    row, _created = GoalProgress.objects.update_or_create(
        area_code=area_code,
        year=int(year),
        goal=goal,
        defaults={
            "reached_on": day,
            "note": _text(note, "note", 300),
            "recorded_by": _user(actor),
        },
    )
    _audit(actor, "goal_record", "goal_progress", [row.pk], area_code, channel)
    return row


# --- trainings ---------------------------------------------------------------------------------


@transaction.atomic
def course_save(
    *,
    actor: Any,
    title: str,
    kind: str,
    area_code: str,
    organiser: str,
    starts_on: Any,
    ends_on: Any,
    hours: Any,
    topics: str = "",
    course_id: int | None = None,
    channel: str = "web",
) -> Course:
    """Record (or correct) a course held by the area's organiser: the township for its
    own courses, the county for any."""
    if not Area.objects.filter(code=area_code).exists():
        raise NotFound()
    _require(actor, TOWNSHIP, area_code)
    starts = _day(starts_on, "starts_on")
    ends = _day(ends_on, "ends_on")
    if ends < starts:
        raise InvalidInput(fields={"ends_on": [_("结束日期不能早于开始日期")]})
    try:
        amount = Decimal(str(hours)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(fields={"hours": [_("须为数字")]}) from None
    if amount <= 0 or amount > 1000:
        raise InvalidInput(fields={"hours": [_("学时超出范围")]})
    if course_id is None:
        course = Course()
    else:
        found = Course.objects.select_for_update().filter(pk=course_id).first()
        if found is None:
            raise NotFound()
        _require(actor, TOWNSHIP, found.area_code)
        course = found
    course.title = _text(title, "title", 200)
    course.kind = _choice(kind, Course.Kind, "kind")
    course.area_code = area_code
    course.organiser = _text(organiser, "organiser", 100)
    course.starts_on, course.ends_on, course.hours = starts, ends, amount
    course.topics = _text(topics, "topics", 300, required=False)
    course.save()
    _audit(actor, "course_save", "course", [course.pk], area_code, channel)
    return course


def _course(actor: Any, course_id: int) -> Course:
    """A course the actor may record attendance of: one held by an area the actor holds a
    township or county role over. A course the actor only sees (a county course, for a
    township) is refused; one they do not see is not found."""
    from fupin.leadership.selectors import courses_visible

    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        raise NotFound()
    if actor is not None and not holds_role(actor, TOWNSHIP, course.area_code):
        if not courses_visible(scope_for(actor)).filter(pk=course.pk).exists():
            raise NotFound()
        raise AccessDenied()
    return course


@transaction.atomic
def attendance_record(
    *,
    actor: Any,
    course_id: int,
    member_ids: Iterable[int] = (),
    official_ids: Iterable[int] = (),
    channel: str = "web",
) -> list[CourseAttendance]:
    """Record who attended a course: Party members and village officials within the
    course's area and the actor's; those already recorded are left as they are."""
    course = _course(actor, course_id)
    wanted_members, wanted_officials = set(map(int, member_ids)), set(map(int, official_ids))
    if not wanted_members and not wanted_officials:
        raise InvalidInput(fields={"attendees": [_("请选择参训人员")]})
    members = dict(
        PartyMember.objects.filter(pk__in=wanted_members, is_active=True).values_list(
            "pk", "area_code"
        )
    )
    officials = dict(
        VillageOfficial.objects.filter(pk__in=wanted_officials).values_list("pk", "area_code")
    )
    areas = [*members.values(), *officials.values()]
    if len(members) != len(wanted_members) or len(officials) != len(wanted_officials):
        raise InvalidInput(fields={"attendees": [_("参训人员不存在")]})
    scope = scope_for(actor) if actor is not None else None
    for code in areas:
        if not code.startswith(prefix_of(course.area_code)):
            raise InvalidInput(fields={"attendees": [_("参训人员不在培训举办区划内")]})
        if scope is not None and not scope.covers(code):
            raise NotFound()
    have_members = set(
        CourseAttendance.objects.filter(course=course, member_id__in=members).values_list(
            "member_id", flat=True
        )
    )
    have_officials = set(
        CourseAttendance.objects.filter(course=course, official_id__in=officials).values_list(
            "official_id", flat=True
        )
    )
    rows = [
        CourseAttendance(course=course, member_id=pk, area_code=code)
        for pk, code in members.items()
        if pk not in have_members
    ] + [
        CourseAttendance(course=course, official_id=pk, area_code=code)
        for pk, code in officials.items()
        if pk not in have_officials
    ]
    created = CourseAttendance.objects.bulk_create(rows)
    ids = [r.pk for r in created if r.pk is not None]
    _audit(actor, "attendance_record", "course_attendance", ids or [course.pk],
           course.area_code, channel)  # fmt: skip
    return created


@transaction.atomic
def attendance_remove(*, actor: Any, attendance_id: int, channel: str = "web") -> None:
    row = CourseAttendance.objects.select_related("course").filter(pk=attendance_id).first()
    if row is None:
        raise NotFound()
    _course(actor, row.course_id)
    if actor is not None and not scope_for(actor).covers(row.area_code):
        raise NotFound()
    row.delete()
    _audit(actor, "attendance_remove", "course_attendance", [attendance_id],
           row.course.area_code, channel)  # fmt: skip


def may(actor: Any, roles: tuple[str, ...], area_code: str) -> bool:
    """Whether the actor may act with ``roles`` over the area (for pages showing forms)."""
    if actor is None:
        return True
    return scope_for(actor).covers(area_code) and holds_role(actor, roles, area_code)
