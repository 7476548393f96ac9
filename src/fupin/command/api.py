"""The command endpoints: HQs and their charts, leaders and the figures of the areas they
answer for, contact points, and the violations of the contact-point rules.

HTTP translation only: reading needs a township, county or auditor role and shows the
caller's areas only (a record outside them is "not found"); the services check who may
write. A leader's phone is masked unless the caller's role sees personal data in the
leader's area (an unmasked view is logged)."""

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
from fupin.command import selectors, services
from fupin.command.models import ContactPoint, Leader
from fupin.core import pii
from fupin.core.errors import AccessDenied, NotFound
from fupin.core.params import AreaFilter
from fupin.registry.schemas import ErrorOut

CHANNEL = "api"
READERS = (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN, Role.AUDITOR)

router = Router(tags=["command 作战指挥"])


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _reader(request: HttpRequest) -> Scope:
    scope = scope_for(_actor(request))
    if scope.is_empty or not any(role in READERS for role, _code in scope.roles):
        raise AccessDenied()
    return scope


def _phones(request: HttpRequest, leaders: list[tuple[int, str, str]]) -> dict[int, str]:
    """(id, area code, phone) → the phone as the caller may see it."""
    viewer = pii.viewer(request, CHANNEL)
    return {
        pk: viewer.phone(phone, area_code=area_code, ref=("leader", pk))
        for pk, area_code, phone in leaders
    }


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


# --- shapes ---------------------------------------------------------------------------------


class HqOut(Schema):
    id: int
    area_code: str
    area_name: str
    level: str
    name: str
    commander: str
    posts: int
    groups: int


class PostOut(Schema):
    id: int
    leader_id: int
    leader_name: str
    leader_post: str
    role: str
    duty: str


class GroupOut(Schema):
    id: int
    line: str
    name: str
    head_id: int | None
    head_name: str
    lead_unit: str
    units: list[str]
    duties: str


class SubHqOut(Schema):
    area_code: str
    area_name: str
    command_id: int | None
    name: str
    commander: str


class ChartOut(Schema):
    area_code: str
    area_name: str
    level: str
    id: int | None
    name: str
    established_on: date | None
    posts: list[PostOut]
    groups: list[GroupOut]
    townships: list[SubHqOut]


class LeaderOut(Schema):
    id: int
    name: str
    post: str
    level: str
    area_code: str
    phone: str = Field(description="masked unless your role sees personal data")
    is_active: bool
    townships: int
    key_villages: int
    weak_villages: int
    listed: int


class CommandAreaOut(Schema):
    contact_id: int
    kind: str
    area_code: str
    area_name: str
    level: str
    starts_on: date
    villages: int
    households: int
    poor_households: int
    poor_people: int
    rural_population: int | None
    incidence: Decimal | None
    needing: int
    covered: int
    open_concerns: int
    weak_villages: int


class LeaderDetailOut(LeaderOut):
    areas: list[CommandAreaOut]


class ContactQuery(Schema):
    area: AreaFilter = Field("", description="an area code within your scope, to narrow the list")
    current: bool = Field(True, description="only the contact points in force today")


class ContactOut(Schema):
    id: int
    leader_id: int
    leader_name: str
    kind: str
    area_code: str
    area_name: str
    starts_on: date
    ends_on: date | None
    note: str


class ContactIn(InputSchema):
    leader_id: int
    kind: str = Field(description="township | key_village | weak_village | listed")
    area_code: str
    starts_on: date | None = None
    note: str = ""


class ContactEndIn(InputSchema):
    ends_on: date | None = None


class ViolationQuery(Schema):
    area: AreaFilter = Field("", description="an area code within your scope, to narrow the list")


class ViolationOut(Schema):
    rule: str
    label: str
    area_code: str
    area_name: str
    township_code: str
    township_name: str
    leader_id: int | None
    leader_name: str
    count: int
    norm: str
    message: str
    incidence: Decimal | None
    population: int | None


# --- HQs ------------------------------------------------------------------------------------


@router.get("/command/hqs", response=list[HqOut])
def hq_list(request: HttpRequest) -> list[Any]:
    """The county's and townships' HQs in your areas."""
    return selectors.hqs(scope=_reader(request))


@router.get("/command/hqs/{area_code}", response={200: ChartOut, codes_4xx: ErrorOut})
def hq_chart(request: HttpRequest, area_code: str) -> Any:
    """The organisation chart of the HQ of a county or township (404 when it has none)."""
    chart = selectors.hq_chart(scope=_reader(request), area_code=area_code)
    command = chart.command
    if command is None:
        raise NotFound()
    posts = [*chart.commanders, *chart.deputies, *chart.office, *chart.members]
    return {
        "area_code": chart.area_code,
        "area_name": chart.area_name,
        "level": chart.level,
        "id": command.pk,
        "name": command.name,
        "established_on": command.established_on,
        "posts": [
            {
                "id": p.pk,
                "leader_id": p.leader_id,
                "leader_name": p.leader.name,
                "leader_post": p.leader.post,
                "role": p.role,
                "duty": p.duty,
            }
            for p in posts
        ],
        "groups": [
            {
                "id": g.pk,
                "line": g.line,
                "name": g.name,
                "head_id": g.head_id,
                "head_name": g.head.name if g.head else "",
                "lead_unit": g.lead_unit.name if g.lead_unit else "",
                "units": [u.name for u in g.units.all()],
                "duties": g.duties,
            }
            for g in chart.groups
        ],
        "townships": [t.__dict__ for t in chart.townships],
    }


# --- leaders --------------------------------------------------------------------------------


@router.get("/command/leaders", response=list[LeaderOut])
def leader_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Leaders in your areas and those answering for an area there, with their current
    contact points counted by kind."""
    scope = _reader(request)
    rows = selectors.leaders(scope=scope)
    phones = _phones(request, [(r.id, r.area_code, r.phone) for r in rows])
    return [{**r.__dict__, "phone": phones[r.id]} for r in rows]


@router.get("/command/leaders/{leader_id}", response={200: LeaderDetailOut, codes_4xx: ErrorOut})
def leader_get(request: HttpRequest, leader_id: int) -> Any:
    """A leader and the areas answered for within your areas, with their current figures."""
    scope = _reader(request)
    detail = selectors.leader_detail(scope=scope, leader_id=leader_id)
    leader: Leader = detail.leader
    phone = _phones(request, [(leader.pk, leader.area_code, leader.phone)])
    count = {kind: 0 for kind in ContactPoint.Kind.values}
    for area in detail.areas:
        count[area.kind] += 1
    return {
        "id": leader.pk,
        "name": leader.name,
        "post": leader.post,
        "level": leader.level,
        "area_code": leader.area_code,
        "phone": phone[leader.pk],
        "is_active": leader.is_active,
        "townships": count["township"],
        "key_villages": count["key_village"],
        "weak_villages": count["weak_village"],
        "listed": count["listed"],
        "areas": [{k: v for k, v in a.__dict__.items() if k != "kind_label"} for a in detail.areas],
    }


# --- contact points ---------------------------------------------------------------------------


def _contact_out(row: selectors.ContactRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "leader_id": row.leader_id,
        "leader_name": row.leader_name,
        "kind": row.kind,
        "area_code": row.area_code,
        "area_name": row.area_name,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "note": row.note,
    }


def _one(request: HttpRequest, point: ContactPoint) -> dict[str, Any]:
    rows = selectors.contact_points(
        scope=scope_for(_actor(request)), area=point.area_code, current=False
    )
    return _contact_out(next(r for r in rows if r.id == point.pk))


@router.get("/command/contact-points", response=list[ContactOut])
def contact_list(request: HttpRequest, query: Query[ContactQuery]) -> list[dict[str, Any]]:
    """Contact points in your areas by township, kind and area."""
    rows = selectors.contact_points(scope=_reader(request), area=query.area, current=query.current)
    return [_contact_out(r) for r in rows]


@router.post("/command/contact-points", response={201: ContactOut, codes_4xx: ErrorOut})
def contact_create(request: HttpRequest, payload: ContactIn) -> Any:
    """Make a leader answerable for an area (the county)."""
    point = services.contact_assign(
        actor=_actor(request),
        leader_id=payload.leader_id,
        kind=payload.kind,
        area_code=payload.area_code,
        starts_on=payload.starts_on,
        note=payload.note,
        channel=CHANNEL,
    )
    return Status(201, _one(request, point))


@router.post(
    "/command/contact-points/{contact_id}/end", response={200: ContactOut, codes_4xx: ErrorOut}
)
def contact_end(request: HttpRequest, contact_id: int, payload: ContactEndIn) -> Any:
    point = services.contact_end(
        actor=_actor(request), contact_id=contact_id, ends_on=payload.ends_on, channel=CHANNEL
    )
    return _one(request, point)


# --- violations -----------------------------------------------------------------------------


@router.get("/command/violations", response=list[ViolationOut])
def violation_list(request: HttpRequest, query: Query[ViolationQuery]) -> list[Any]:
    """The breaches of the contact-point rules in your areas, with their numbers, under
    the standard in force."""
    return selectors.violations(scope=_reader(request), area=query.area)
