"""The leadership endpoints: rosters, reserve gaps, structure statistics, weak-branch cases
with their transitions, the instructors' and supervisors' check, trainings and who has
not been trained.

HTTP translation only: the services check who may do what and the selectors restrict to
the caller's areas; a record outside them is "not found". An official's phone is masked
unless the caller's role sees personal data in the village (an unmasked view is logged).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.responses import codes_4xx
from pydantic import ConfigDict

from fupin.accounts.scope import Scope, scope_for
from fupin.core import clock, pii
from fupin.core.errors import AccessDenied, NotFound
from fupin.core.params import AreaFilter, Year
from fupin.leadership import selectors, services
from fupin.leadership.models import RectificationItem, VillageOfficial, WeakCase
from fupin.registry.schemas import ErrorOut

CHANNEL = "api"

router = Router(tags=["leadership 村级班子与基层党建"])


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _scope(request: HttpRequest) -> Scope:
    scope = scope_for(_actor(request))
    if scope.is_empty:
        raise AccessDenied()
    return scope


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


# --- shapes -------------------------------------------------------------------------------


class OfficialOut(Schema):
    id: int
    name: str
    post: str
    post_label: str
    gender: str
    birth_date: date
    education: str
    is_party_member: bool
    phone: str = Field(description="masked unless your role sees personal data")
    starts_on: date
    ends_on: date | None
    version: int


class ReserveGapOut(Schema):
    area_code: str
    area_name: str
    township_name: str
    reserves: int
    required: int


class StructureOut(Schema):
    area_code: str
    area_name: str
    level: str
    officials: int
    young: int
    educated: int
    women: int
    party: int
    share_young: float | None
    share_educated: float | None
    share_women: float | None
    share_party: float | None
    average_age: float | None


class WeakItemOut(Schema):
    id: int
    text: str
    due_on: date
    overdue: bool
    closed_on: date | None
    closed_note: str
    evidence_name: str


class CaseOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    area_code: str
    year: int
    status: str
    status_label: str
    criteria: list[str]
    finding: str
    flagged_on: date
    county_leader: str | None
    first_secretary: str | None
    township_lead: str
    closed_on: date | None
    items: list[WeakItemOut]
    version: int


class CaseFlagIn(InputSchema):
    organisation_id: int
    criteria: list[str] = Field(description="keys of the checklist items met (at least one)")
    finding: str = ""
    flagged_on: date | None = None


class TeamIn(InputSchema):
    county_leader_id: int
    first_secretary_id: int
    township_lead: str
    version: int | None = None


class ItemIn(InputSchema):
    text: str
    due_on: date


class CaseCloseIn(InputSchema):
    version: int | None = None
    closed_on: date | None = None


class VillageOut(Schema):
    area_code: str
    area_name: str
    count: int
    people: list[str]


class SupervisorOut(Schema):
    cadre_id: int
    name: str
    villages: int
    min: int
    max: int
    over: bool
    under: bool


class CheckOut(Schema):
    villages: int
    without_instructor: list[VillageOut]
    many_instructors: list[VillageOut]
    without_supervisor: list[VillageOut]
    supervisors: list[SupervisorOut]


class CourseOut(Schema):
    id: int
    title: str
    kind: str
    area_code: str
    organiser: str
    starts_on: date
    ends_on: date
    hours: Decimal
    topics: str
    attendees: int


class CourseIn(InputSchema):
    title: str
    kind: str
    area_code: str
    organiser: str
    starts_on: date
    ends_on: date
    hours: Decimal
    topics: str = ""


class AttendanceIn(InputSchema):
    member_ids: list[int] = []
    official_ids: list[int] = []


class UntrainedOut(Schema):
    area_code: str
    area_name: str
    officials: list[str]
    members: list[str]


# --- village leadership -----------------------------------------------------------------------


def official_phones(*, viewer: pii.Viewer, rows: list[VillageOfficial]) -> dict[int, str]:
    """Each official's phone as the viewer's actor may see it."""
    return {
        o.pk: viewer.phone(o.phone, area_code=o.area_code, ref=("village_official", o.pk))
        for o in rows
    }


@router.get(
    "/leadership/villages/{code}/officials",
    response={200: list[OfficialOut], codes_4xx: ErrorOut},
)
def village_officials(request: HttpRequest, code: str) -> Any:
    """The village's two committees in post."""
    roster = selectors.village_roster(scope=_scope(request), code=code)
    phones = official_phones(viewer=pii.viewer(request, CHANNEL), rows=roster.officials)
    return [
        {
            "id": o.pk,
            "name": o.name,
            "post": o.post,
            "post_label": str(o.get_post_display()),
            "gender": o.gender,
            "birth_date": o.birth_date,
            "education": o.education,
            "is_party_member": o.is_party_member,
            "phone": phones[o.pk],
            "starts_on": o.starts_on,
            "ends_on": o.ends_on,
            "version": o.version,
        }
        for o in roster.officials
    ]


@router.get("/leadership/reserve-gaps", response={200: list[ReserveGapOut], codes_4xx: ErrorOut})
def reserve_gaps(request: HttpRequest, area: AreaFilter = "") -> Any:
    """Villages with fewer reserve cadres than the norm (reserve_cadres_min)."""
    return [
        {
            "area_code": g.code,
            "area_name": g.name,
            "township_name": g.township_name,
            "reserves": g.reserves,
            "required": g.required,
        }
        for g in selectors.reserve_gaps(scope=_scope(request), area=area)
    ]


@router.get("/leadership/structure", response={200: list[StructureOut], codes_4xx: ErrorOut})
def structure(request: HttpRequest, area: AreaFilter = "") -> Any:
    """Structure of the village officials in post per township and county: shares under
    young_official_age, with high school or more, women, Party members; average age."""
    return [
        {
            "area_code": r.code,
            "area_name": r.name,
            "level": r.level,
            "officials": r.officials,
            "young": r.young,
            "educated": r.educated,
            "women": r.women,
            "party": r.party,
            "share_young": r.share_young,
            "share_educated": r.share_educated,
            "share_women": r.share_women,
            "share_party": r.share_party,
            "average_age": r.average_age,
        }
        for r in selectors.structure(scope=_scope(request), area=area)
    ]


# --- weak branches ----------------------------------------------------------------------------


def _case_out(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """One case within the caller's areas (else not found)."""
    if not selectors.cases_visible(_scope(request)).filter(pk=case_id).exists():
        raise NotFound()
    return _cases_out(request, [case_id])[0]


class CaseQuery(Schema):
    area: AreaFilter = ""
    year: Year | None = None
    status: str = ""


@router.get("/leadership/weak-cases", response={200: list[CaseOut], codes_4xx: ErrorOut})
def weak_cases(request: HttpRequest, query: Query[CaseQuery]) -> Any:
    """Weak-branch cases in your areas, newest year first."""
    rows = selectors.weak_cases(
        scope=_scope(request), area=query.area, year=query.year, status=query.status
    )
    return _cases_out(request, [r.case.pk for r in rows])


def _cases_out(request: HttpRequest, ids: list[int]) -> list[dict[str, Any]]:
    """The cases of a list with their criteria and items, in a fixed number of queries."""
    today = clock.today()
    cases = {
        c.pk: c
        for c in WeakCase.objects.filter(pk__in=ids)
        .select_related("organisation", "county_leader", "first_secretary")
        .prefetch_related("criteria", Prefetch("items", RectificationItem.objects.all()))
    }
    return [
        {
            "id": c.pk,
            "organisation_id": c.organisation_id,
            "organisation_name": c.organisation.name,
            "area_code": c.area_code,
            "year": c.year,
            "status": c.status,
            "status_label": str(c.get_status_display()),
            "criteria": [cr.key for cr in c.criteria.all()],
            "finding": c.finding,
            "flagged_on": c.flagged_on,
            "county_leader": c.county_leader.name if c.county_leader else None,
            "first_secretary": c.first_secretary.name if c.first_secretary else None,
            "township_lead": c.township_lead,
            "closed_on": c.closed_on,
            "items": [
                {
                    "id": i.pk,
                    "text": i.text,
                    "due_on": i.due_on,
                    "overdue": i.closed_on is None and i.due_on < today,
                    "closed_on": i.closed_on,
                    "closed_note": i.closed_note,
                    "evidence_name": i.evidence_name,
                }
                for i in c.items.all()
            ],
            "version": c.version,
        }
        for c in (cases[pk] for pk in ids)
    ]


@router.get("/leadership/weak-cases/{case_id}", response={200: CaseOut, codes_4xx: ErrorOut})
def weak_case(request: HttpRequest, case_id: int) -> Any:
    return _case_out(request, case_id)


@router.post("/leadership/weak-cases", response={201: CaseOut, codes_4xx: ErrorOut})
def weak_case_flag(request: HttpRequest, payload: CaseFlagIn) -> Any:
    """Flag a branch weak and lax (the county)."""
    case = services.weak_case_flag(
        actor=_actor(request),
        organisation_id=payload.organisation_id,
        criteria=payload.criteria,
        finding=payload.finding,
        flagged_on=payload.flagged_on,
        channel=CHANNEL,
    )
    return Status(201, _case_out(request, case.pk))


@router.post("/leadership/weak-cases/{case_id}/team", response={200: CaseOut, codes_4xx: ErrorOut})
def weak_case_team(request: HttpRequest, case_id: int, payload: TeamIn) -> Any:
    """Assign the 三对一 team (the county): the case becomes rectifying."""
    services.weak_case_team_assign(
        actor=_actor(request),
        case_id=case_id,
        county_leader_id=payload.county_leader_id,
        first_secretary_id=payload.first_secretary_id,
        township_lead=payload.township_lead,
        version=payload.version,
        channel=CHANNEL,
    )
    return _case_out(request, case_id)


@router.post("/leadership/weak-cases/{case_id}/items", response={201: CaseOut, codes_4xx: ErrorOut})
def weak_case_item(request: HttpRequest, case_id: int, payload: ItemIn) -> Any:
    """Add a rectification item (the township)."""
    services.rectification_item_add(
        actor=_actor(request),
        case_id=case_id,
        text=payload.text,
        due_on=payload.due_on,
        channel=CHANNEL,
    )
    return Status(201, _case_out(request, case_id))


@router.post("/leadership/weak-cases/{case_id}/close", response={200: CaseOut, codes_4xx: ErrorOut})
def weak_case_close(request: HttpRequest, case_id: int, payload: CaseCloseIn) -> Any:
    """销号 (the county): only with the team assigned and every item closed. Items are
    closed with their evidence on the case's page (a file upload)."""
    services.weak_case_close(
        actor=_actor(request),
        case_id=case_id,
        version=payload.version,
        closed_on=payload.closed_on,
        channel=CHANNEL,
    )
    return _case_out(request, case_id)


# --- instructors and supervisors --------------------------------------------------------------


@router.get("/leadership/building/check", response={200: CheckOut, codes_4xx: ErrorOut})
def building_check(request: HttpRequest, area: AreaFilter = "") -> Any:
    """Villages without an instructor or with more than one, without a supervisor; each
    supervisor's villages against the norm."""
    check = selectors.building_check(scope=_scope(request), area=area)

    def villages(rows: list[selectors.VillageRef]) -> list[dict[str, Any]]:
        return [
            {"area_code": v.code, "area_name": v.name, "count": v.count, "people": v.people}
            for v in rows
        ]

    return {
        "villages": check.villages,
        "without_instructor": villages(check.without_instructor),
        "many_instructors": villages(check.many_instructors),
        "without_supervisor": villages(check.without_supervisor),
        "supervisors": [
            {
                "cadre_id": s.cadre_id,
                "name": s.name,
                "villages": s.villages,
                "min": s.low,
                "max": s.high,
                "over": s.over,
                "under": s.under,
            }
            for s in check.supervisors
        ],
    }


# --- trainings ----------------------------------------------------------------------------


def _course_out(row: selectors.CourseRow) -> dict[str, Any]:
    c = row.course
    return {
        "id": c.pk,
        "title": c.title,
        "kind": c.kind,
        "area_code": c.area_code,
        "organiser": c.organiser,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "hours": c.hours,
        "topics": c.topics,
        "attendees": row.attendees,
    }


@router.get("/leadership/trainings", response={200: list[CourseOut], codes_4xx: ErrorOut})
def trainings(request: HttpRequest, area: AreaFilter = "", year: Year | None = None) -> Any:
    """Courses held in your areas or by an area containing them, newest first."""
    return [_course_out(r) for r in selectors.courses(scope=_scope(request), area=area, year=year)]


@router.post("/leadership/trainings", response={201: CourseOut, codes_4xx: ErrorOut})
def training_create(request: HttpRequest, payload: CourseIn) -> Any:
    course = services.course_save(actor=_actor(request), channel=CHANNEL, **payload.dict())
    return Status(201, _course_out(selectors.CourseRow(course=course, attendees=0)))


@router.post(
    "/leadership/trainings/{course_id}/attendance",
    response={200: CourseOut, codes_4xx: ErrorOut},
)
def training_attendance(request: HttpRequest, course_id: int, payload: AttendanceIn) -> Any:
    services.attendance_record(
        actor=_actor(request),
        course_id=course_id,
        member_ids=payload.member_ids,
        official_ids=payload.official_ids,
        channel=CHANNEL,
    )
    rows = [r for r in selectors.courses(scope=_scope(request)) if r.course.pk == course_id]
    if not rows:
        raise NotFound()
    return _course_out(rows[0])


@router.get("/leadership/untrained", response={200: list[UntrainedOut], codes_4xx: ErrorOut})
def untrained(request: HttpRequest, area: AreaFilter = "", year: Year | None = None) -> Any:
    """Per village: officials in post and members of village branches not trained in the
    year (this year by default)."""
    return [
        {
            "area_code": r.code,
            "area_name": r.name,
            "officials": [name for _pk, name, _post in r.officials],
            "members": [name for _pk, name in r.members],
        }
        for r in selectors.untrained(scope=_scope(request), area=area, year=year)
    ]
