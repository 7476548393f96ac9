"""Party endpoints: organisations, members (phones masked), the vanguard index with the
facts behind each point, the ranking, cooperatives without a covering branch; meetings
with attendance, commendations and sanctions, and coverage written through the services.

HTTP translation only: the services check who may do what, and every read is filtered by
the caller's areas; a record outside them is "not found". Cadres (who have no Party
roll to keep) and users without a role are refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.responses import codes_4xx
from pydantic import ConfigDict, Field

from fupin.accounts.models import Role
from fupin.accounts.scope import Scope, scope_for
from fupin.core import clock, pii
from fupin.core.errors import AccessDenied
from fupin.core.params import AreaFilter, PositiveId, Year
from fupin.party import selectors, services
from fupin.party.models import PartyMember
from fupin.registry.schemas import ErrorOut

CHANNEL = "api"
READERS = (Role.VILLAGE_SECRETARY, Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN, Role.AUDITOR)

router = Router(tags=["party 党组织与党员"])


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def reader_scope(user: Any) -> Scope:
    """The user's scope, refused unless they hold a role that reads the Party roll."""
    scope = scope_for(user)
    if scope.is_empty or not any(role in READERS for role, _code in scope.roles):
        raise AccessDenied()
    return scope


def member_phones(*, viewer: pii.Viewer, rows: list[PartyMember]) -> dict[int, str]:
    """Each member's phone as the viewer's actor may see it."""
    return {
        m.pk: viewer.phone(m.phone, area_code=m.area_code, ref=("party_member", m.pk)) for m in rows
    }


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


# --- shapes ---------------------------------------------------------------------------------


class OrganisationQuery(Schema):
    area: AreaFilter = Field("", description="an area code or prefix within your scope")
    base: str = Field("", description="village | unit | cooperative | enterprise | other")
    kind: str = Field("", description="committee | general_branch | branch")


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    base: str
    area_code: str
    parent_id: int | None
    unit_id: int | None
    secretary_name: str
    member_count: int
    body_count: int
    version: int


class MemberQuery(Schema):
    area: AreaFilter = ""
    organisation_id: PositiveId | None = None
    name: str = ""
    limit: int = Field(200, ge=1, le=1000)


class PartyMemberOut(Schema):
    id: int
    name: str
    organisation_id: int
    organisation_name: str
    area_code: str
    gender: str
    birth_date: date
    education: str
    joined_on: date
    phone: str = Field(description="masked unless your role sees personal data")
    cadre_id: int | None
    household_id: int | None
    is_demonstration_household: bool
    is_business_leader: bool
    households_led: int
    version: int


class YearQuery(Schema):
    year: Year | None = Field(None, description="default: this year")


class RankingQuery(YearQuery):
    area: AreaFilter = ""
    organisation_id: PositiveId | None = None


class FactOut(Schema):
    on: date | None
    text: str


class PartyItemOut(Schema):
    key: str
    label: str
    count: int
    unit_points: Decimal
    cap: Decimal | None
    points: Decimal
    capped: bool
    facts: list[FactOut]


class VanguardOut(Schema):
    member_id: int
    name: str
    organisation_id: int
    year: int
    total: Decimal
    rank: int | None
    ranked: int
    standard_region: str
    items: list[PartyItemOut]


class RankingOut(Schema):
    member_id: int
    name: str
    organisation_id: int
    organisation_name: str
    area_code: str
    points: dict[str, Decimal]
    total: Decimal
    rank: int


class BodyOut(Schema):
    id: int
    name: str
    kind: str
    area_code: str
    industry: str
    poor_households: int
    organisation_ids: list[int]


class MeetingIn(InputSchema):
    kind: str = Field(description="general | committee | group | lecture | theme_day")
    held_on: date
    topic: str
    attendee_ids: list[int] = []


class MeetingOut(Schema):
    id: int
    organisation_id: int
    kind: str
    held_on: date
    topic: str
    attendee_ids: list[int]


class RecordIn(InputSchema):
    kind: str = Field(description="commendation | sanction")
    on: date
    title: str
    grounds: str
    issued_by: str = ""


class RecordOut(Schema):
    id: int
    member_id: int
    kind: str
    on: date
    title: str
    grounds: str
    issued_by: str


class CoverIn(InputSchema):
    body_id: int


# --- organisations and bodies -----------------------------------------------------------------


def _organisation_out(o: Any) -> dict[str, Any]:
    return {
        "id": o.pk,
        "name": o.name,
        "kind": o.kind,
        "base": o.base,
        "area_code": o.area_code,
        "parent_id": o.parent_id,
        "unit_id": o.unit_id,
        "secretary_name": o.secretary_name,
        "member_count": o.member_count,
        "body_count": o.body_count,
        "version": o.version,
    }


@router.get("/party/organisations", response=list[OrganisationOut])
def organisation_list(
    request: HttpRequest, query: Query[OrganisationQuery]
) -> list[dict[str, Any]]:
    scope = reader_scope(_actor(request))
    rows = selectors.organisations(scope=scope, area=query.area, base=query.base, kind=query.kind)
    return [_organisation_out(o) for o in rows]


def _body_out(b: Any) -> dict[str, Any]:
    return {
        "id": b.pk,
        "name": b.name,
        "kind": b.kind,
        "area_code": b.area_code,
        "industry": b.industry,
        "poor_households": b.poor_households,
        "organisation_ids": [o.pk for o in b.covering],
    }


@router.get("/party/bodies/uncovered", response=list[BodyOut])
def body_uncovered(request: HttpRequest, area: AreaFilter = "") -> list[dict[str, Any]]:
    """Cooperatives and enterprises that no active Party organisation covers."""
    scope = reader_scope(_actor(request))
    return [_body_out(b) for b in selectors.uncovered_bodies(scope=scope, area=area)]


@router.post(
    "/party/organisations/{organisation_id}/bodies",
    response={201: BodyOut, codes_4xx: ErrorOut},
)
def body_cover(request: HttpRequest, organisation_id: int, payload: CoverIn) -> Any:
    """The organisation covers an economic body in its area (township, county)."""
    body = services.body_cover(
        actor=_actor(request),
        organisation_id=organisation_id,
        body_id=payload.body_id,
        channel=CHANNEL,
    )
    scope = scope_for(_actor(request))
    return Status(201, _body_out(selectors.bodies(scope=scope).get(pk=body.pk)))


# --- members and the vanguard index ------------------------------------------------------------


@router.get("/party/members", response=list[PartyMemberOut])
def member_list(request: HttpRequest, query: Query[MemberQuery]) -> list[dict[str, Any]]:
    actor = _actor(request)
    scope = reader_scope(actor)
    rows = list(
        selectors.members(
            scope=scope,
            area=query.area,
            organisation_id=query.organisation_id,
            name=query.name,
        )[: query.limit]
    )
    phones = member_phones(viewer=pii.viewer(request, CHANNEL), rows=rows)
    return [
        {
            "id": m.pk,
            "name": m.name,
            "organisation_id": m.organisation_id,
            "organisation_name": m.organisation.name,
            "area_code": m.area_code,
            "gender": m.gender,
            "birth_date": m.birth_date,
            "education": m.education,
            "joined_on": m.joined_on,
            "phone": phones[m.pk],
            "cadre_id": m.cadre_id,
            "household_id": m.household_id,
            "is_demonstration_household": m.is_demonstration_household,
            "is_business_leader": m.is_business_leader,
            "households_led": m.households_led,
            "version": m.version,
        }
        for m in rows
    ]


@router.get("/party/members/{member_id}/vanguard", response={200: VanguardOut, codes_4xx: ErrorOut})
def member_vanguard(request: HttpRequest, member_id: int, query: Query[YearQuery]) -> Any:
    """The member's vanguard index for a year, item by item, with the facts behind each
    item's points and the item's points per fact and cap."""
    scope = reader_scope(_actor(request))
    year = query.year or clock.today().year
    f = selectors.member_file(scope=scope, member_id=member_id, year=year)
    return {
        "member_id": f.member.pk,
        "name": f.member.name,
        "organisation_id": f.member.organisation_id,
        "year": year,
        "total": f.total,
        "rank": f.rank,
        "ranked": f.ranked,
        "standard_region": f.standard_region,
        "items": [
            {
                "key": i.key,
                "label": i.label,
                "count": i.count,
                "unit_points": i.unit_points,
                "cap": i.cap,
                "points": i.points,
                "capped": i.capped,
                "facts": [{"on": x.on, "text": x.text} for x in i.facts],
            }
            for i in f.items
        ],
    }


@router.get("/party/vanguard", response=list[RankingOut])
def vanguard_ranking(request: HttpRequest, query: Query[RankingQuery]) -> list[dict[str, Any]]:
    """The vanguard index of every member on the roll, ranked per organisation."""
    scope = reader_scope(_actor(request))
    rows = selectors.vanguard(
        scope=scope,
        year=query.year or clock.today().year,
        area=query.area,
        organisation_id=query.organisation_id,
    )
    return [
        {
            "member_id": r.member_id,
            "name": r.name,
            "organisation_id": r.organisation_id,
            "organisation_name": r.organisation_name,
            "area_code": r.area_code,
            "points": r.points,
            "total": r.total,
            "rank": r.rank,
        }
        for r in rows
    ]


# --- writes ----------------------------------------------------------------------------------


@router.post(
    "/party/organisations/{organisation_id}/meetings",
    response={201: MeetingOut, codes_4xx: ErrorOut},
)
def meeting_record(request: HttpRequest, organisation_id: int, payload: MeetingIn) -> Any:
    """Record a meeting of 三会一课 with who attended (members of the organisation)."""
    meeting = services.meeting_record(
        actor=_actor(request),
        organisation_id=organisation_id,
        kind=payload.kind,
        held_on=payload.held_on,
        topic=payload.topic,
        attendee_ids=payload.attendee_ids,
        channel=CHANNEL,
    )
    return Status(
        201,
        {
            "id": meeting.pk,
            "organisation_id": meeting.organisation_id,
            "kind": meeting.kind,
            "held_on": meeting.held_on,
            "topic": meeting.topic,
            "attendee_ids": sorted(meeting.attendees.values_list("pk", flat=True)),
        },
    )


@router.post("/party/members/{member_id}/records", response={201: RecordOut, codes_4xx: ErrorOut})
def record_add(request: HttpRequest, member_id: int, payload: RecordIn) -> Any:
    """A commendation or sanction in the member's file, with its grounds."""
    record = services.record_add(
        actor=_actor(request),
        member_id=member_id,
        kind=payload.kind,
        on=payload.on,
        title=payload.title,
        grounds=payload.grounds,
        issued_by=payload.issued_by,
        channel=CHANNEL,
    )
    return Status(
        201,
        {
            "id": record.pk,
            "member_id": record.member_id,
            "kind": record.kind,
            "on": record.on,
            "title": record.title,
            "grounds": record.grounds,
            "issued_by": record.issued_by,
        },
    )
