"""Assistance endpoints: pairings, the measures ledger, visits, concerns, coverage.

HTTP translation only: the services check who may do what, and lists are filtered by the
caller's areas; a record outside them is "not found". A cadre's phone is masked unless
the caller's role sees personal data in the area (an unmasked view is logged).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.responses import codes_4xx
from pydantic import ConfigDict, Field

from fupin.accounts.scope import Scope, scope_for
from fupin.areas.codes import prefix_q
from fupin.assistance import selectors, services
from fupin.assistance.models import Cadre, Concern, Measure, Pairing, Visit
from fupin.core import clock, pii
from fupin.core.errors import NotFound
from fupin.core.params import AreaFilter, PositiveId
from fupin.registry.schemas import ErrorOut

CHANNEL = "api"

router = Router(tags=["assistance 精准帮扶"])


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


# --- shapes ---------------------------------------------------------------------------------


class ListQuery(Schema):
    area: AreaFilter = Field("", description="an area code within your scope, to narrow the list")
    household_id: PositiveId | None = None
    limit: int = Field(100, ge=1, le=500)


class PairingQuery(ListQuery):
    active: bool = Field(True, description="only the pairings not ended")


class PairingOut(Schema):
    id: int
    cadre_id: int
    cadre_name: str
    cadre_phone: str = Field(description="masked unless your role sees personal data")
    unit_name: str
    household_id: int
    household_number: str
    area_code: str
    starts_on: date
    ends_on: date | None
    end_reason: str


class PairingIn(InputSchema):
    cadre_id: int
    household_id: int
    starts_on: date | None = None


class PairingEndIn(InputSchema):
    reason: str = Field(description="replaced | cadre_left | no_longer_needed | household_gone")
    ends_on: date | None = None


class MeasureOut(Schema):
    id: int
    household_id: int
    area_code: str
    type_code: str
    type_name: str
    category: str
    project: str
    delivered_on: date
    amount: Decimal | None
    description: str
    cadre_id: int | None
    project_name: str
    planned_id: int | None


class MeasureIn(InputSchema):
    household_id: int
    type_code: str
    delivered_on: date
    description: str
    amount: Decimal | None = None
    cadre_id: int | None = None
    project_name: str = ""
    planned_id: int | None = Field(None, description="the planned measure this delivers")
    participation_id: int | None = None


class VisitOut(Schema):
    id: int
    cadre_id: int
    cadre_name: str
    household_id: int
    area_code: str
    visited_on: date
    mode: str
    seen: str
    latitude: Decimal | None
    longitude: Decimal | None
    photos: int
    concern_ids: list[int]


class VisitIn(InputSchema):
    household_id: int
    visited_on: date
    seen: str
    mode: str = Field("home", description="home | phone | other")
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    concerns: list[str] = Field([], description="the concerns raised, one text each")


class ConcernQuery(ListQuery):
    status: str = Field("", description="raised | routed | resolved | told | '' for all")
    level: str = ""
    overdue: bool = False


class ConcernEventOut(Schema):
    action: str
    actor: str | None
    at: datetime
    note: str


class ConcernOut(Schema):
    id: int
    household_id: int | None
    area_code: str
    visit_id: int | None
    text: str
    raised_on: date
    status: str
    status_label: str
    level: str
    department_id: int | None
    department_name: str | None
    due_on: date | None
    overdue: bool
    escalations: int
    resolution: str
    resolved_on: date | None
    told_on: date | None
    told_note: str
    version: int
    events: list[ConcernEventOut] = []


class ConcernIn(InputSchema):
    text: str
    household_id: int | None = None
    area_code: str = Field("", description="the village or group, for a concern of no household")


class RouteIn(InputSchema):
    level: str = Field(description="village | township | department | county")
    department_id: int | None = None
    due_on: date | None = None
    note: str = ""
    version: int | None = None


class ConcernResolveIn(InputSchema):
    resolution: str
    version: int | None = None


class TellIn(InputSchema):
    note: str
    told_on: date | None = None
    version: int | None = None


class CoverageOut(Schema):
    area_code: str
    area_name: str
    needing: int
    covered: int
    gaps: int
    share: float | None


# --- helpers --------------------------------------------------------------------------------


def _scoped(qs: QuerySet[Any], scope: Scope, query: ListQuery) -> QuerySet[Any]:
    qs = qs.filter(prefix_q("area_code", scope.prefixes))
    if query.area:
        qs = qs.filter(prefix_q("area_code", [query.area]))
    if query.household_id is not None:
        qs = qs.filter(household_id=query.household_id)
    return qs


def cadre_phones(*, viewer: pii.Viewer, rows: list[tuple[Cadre, str]]) -> dict[int, str]:
    """Each cadre's phone as the viewer's actor may see it, judged in the area of the
    record shown (the household's); unmasked in any of them wins."""
    out: dict[int, str] = {}
    for cadre, area_code in rows:
        phone = viewer.phone(cadre.phone, area_code=area_code, ref=("cadre", cadre.pk))
        if cadre.pk not in out or phone == cadre.phone:
            out[cadre.pk] = phone
    return out


def _pairing_out(p: Pairing, phones: dict[int, str]) -> dict[str, Any]:
    return {
        "id": p.pk,
        "cadre_id": p.cadre_id,
        "cadre_name": p.cadre.name,
        "cadre_phone": phones.get(p.cadre_id, ""),
        "unit_name": p.cadre.unit.name,
        "household_id": p.household_id,
        "household_number": p.household.number,
        "area_code": p.area_code,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "end_reason": p.end_reason,
    }


def _pairings_out(request: HttpRequest, rows: list[Pairing]) -> list[dict[str, Any]]:
    phones = cadre_phones(
        viewer=pii.viewer(request, CHANNEL), rows=[(p.cadre, p.area_code) for p in rows]
    )
    return [_pairing_out(p, phones) for p in rows]


def _measure_out(m: Measure) -> dict[str, Any]:
    planned = getattr(m, "planned", None)
    return {
        "id": m.pk,
        "household_id": m.household_id,
        "area_code": m.area_code,
        "type_code": m.type.code,
        "type_name": m.type.name,
        "category": m.type.category,
        "project": m.type.project,
        "delivered_on": m.delivered_on,
        "amount": m.amount,
        "description": m.description,
        "cadre_id": m.cadre_id,
        "project_name": m.project_name,
        "planned_id": planned.pk if planned is not None else None,
    }


def _visit_out(v: Visit) -> dict[str, Any]:
    return {
        "id": v.pk,
        "cadre_id": v.cadre_id,
        "cadre_name": v.cadre.name,
        "household_id": v.household_id,
        "area_code": v.area_code,
        "visited_on": v.visited_on,
        "mode": v.mode,
        "seen": v.seen,
        "latitude": v.latitude,
        "longitude": v.longitude,
        "photos": len(v.photos.all()),
        "concern_ids": sorted(c.pk for c in v.concerns.all()),
    }


def concern_overdue(c: Concern, today: date) -> bool:
    return c.status == Concern.Status.ROUTED and c.due_on is not None and c.due_on < today


def _concern_out(c: Concern, *, with_events: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.pk,
        "household_id": c.household_id,
        "area_code": c.area_code,
        "visit_id": c.visit_id,
        "text": c.text,
        "raised_on": c.raised_on,
        "status": c.status,
        "status_label": str(c.get_status_display()),
        "level": c.level,
        "department_id": c.department_id,
        "department_name": c.department.name if c.department else None,
        "due_on": c.due_on,
        "overdue": concern_overdue(c, clock.today()),
        "escalations": c.escalations,
        "resolution": c.resolution,
        "resolved_on": c.resolved_on,
        "told_on": c.told_on,
        "told_note": c.told_note,
        "version": c.version,
    }
    if with_events:
        out["events"] = [
            {
                "action": e.action,
                "actor": e.actor.get_username() if e.actor is not None else None,
                "at": e.at,
                "note": e.note,
            }
            for e in c.events.select_related("actor")
        ]
    return out


def concerns_visible(user: Any) -> QuerySet[Concern]:
    """The concerns in the user's areas, and those routed to the department the user
    works in as a cadre (a department may handle a concern outside its areas)."""
    scope = scope_for(user)
    where = prefix_q("area_code", scope.prefixes)
    if getattr(user, "pk", None):
        where |= Q(
            level=Concern.Level.DEPARTMENT,
            department__cadres__user=user,
            department__cadres__left_on__isnull=True,
        )
    return Concern.objects.filter(where).select_related("department").distinct()


def concern_get(user: Any, concern_id: int) -> Concern:
    concern = concerns_visible(user).filter(pk=concern_id).first()
    if concern is None:
        raise NotFound()
    return concern


# --- pairings ------------------------------------------------------------------------------


@router.get("/pairings", response=list[PairingOut])
def pairing_list(request: HttpRequest, query: Query[PairingQuery]) -> list[dict[str, Any]]:
    qs = _scoped(Pairing.objects.all(), scope_for(_actor(request)), query)
    if query.active:
        qs = qs.filter(ends_on__isnull=True)
    rows = list(
        qs.select_related("cadre__unit", "household").order_by("area_code", "id")[: query.limit]
    )
    return _pairings_out(request, rows)


@router.post("/pairings", response={201: PairingOut, codes_4xx: ErrorOut})
def pairing_create(request: HttpRequest, payload: PairingIn) -> Any:
    """Make a cadre the household's responsible cadre (the township); a previous one is
    replaced."""
    pairing = services.pairing_create(
        actor=_actor(request),
        cadre_id=payload.cadre_id,
        household_id=payload.household_id,
        starts_on=payload.starts_on,
        channel=CHANNEL,
    )
    return Status(201, _pairings_out(request, [pairing])[0])


@router.post("/pairings/{pairing_id}/end", response={200: PairingOut, codes_4xx: ErrorOut})
def pairing_end(request: HttpRequest, pairing_id: int, payload: PairingEndIn) -> Any:
    pairing = services.pairing_end(
        actor=_actor(request),
        pairing_id=pairing_id,
        reason=payload.reason,
        ends_on=payload.ends_on,
        channel=CHANNEL,
    )
    return _pairings_out(request, [pairing])[0]


# --- measures -------------------------------------------------------------------------------


@router.get("/measures", response=list[MeasureOut])
def measure_list(request: HttpRequest, query: Query[ListQuery]) -> list[dict[str, Any]]:
    """The measures ledger (帮扶措施账), newest first."""
    qs = _scoped(Measure.objects.all(), scope_for(_actor(request)), query)
    rows = qs.select_related("type", "planned").order_by("-delivered_on", "-id")[: query.limit]
    return [_measure_out(m) for m in rows]


@router.post("/measures", response={201: MeasureOut, codes_4xx: ErrorOut})
def measure_record(request: HttpRequest, payload: MeasureIn) -> Any:
    measure = services.measure_record(
        actor=_actor(request),
        household_id=payload.household_id,
        type_code=payload.type_code,
        delivered_on=payload.delivered_on,
        description=payload.description,
        amount=payload.amount,
        cadre_id=payload.cadre_id,
        project_name=payload.project_name,
        planned_id=payload.planned_id,
        participation_id=payload.participation_id,
        channel=CHANNEL,
    )
    return Status(201, _measure_out(Measure.objects.select_related("type").get(pk=measure.pk)))


# --- visits ---------------------------------------------------------------------------------


def _visits(qs: QuerySet[Visit]) -> QuerySet[Visit]:
    return qs.select_related("cadre").prefetch_related("photos", "concerns")


@router.get("/visits", response=list[VisitOut])
def visit_list(request: HttpRequest, query: Query[ListQuery]) -> list[dict[str, Any]]:
    """Visits (民情日记), newest first."""
    qs = _scoped(Visit.objects.all(), scope_for(_actor(request)), query)
    return [_visit_out(v) for v in _visits(qs.order_by("-visited_on", "-id"))[: query.limit]]


@router.post("/visits", response={201: VisitOut, codes_4xx: ErrorOut})
def visit_record(request: HttpRequest, payload: VisitIn) -> Any:
    """Log a visit as the calling cadre, with the concerns raised; photos are added on the
    web form."""
    visit = services.visit_record(
        actor=_actor(request),
        household_id=payload.household_id,
        visited_on=payload.visited_on,
        seen=payload.seen,
        mode=payload.mode,
        latitude=payload.latitude,
        longitude=payload.longitude,
        concerns=payload.concerns,
        channel=CHANNEL,
    )
    return Status(201, _visit_out(_visits(Visit.objects.filter(pk=visit.pk)).get()))


# --- concerns -------------------------------------------------------------------------------


@router.get("/concerns", response=list[ConcernOut])
def concern_list(request: HttpRequest, query: Query[ConcernQuery]) -> list[dict[str, Any]]:
    qs = concerns_visible(_actor(request))
    if query.area:
        qs = qs.filter(prefix_q("area_code", [query.area]))
    if query.household_id is not None:
        qs = qs.filter(household_id=query.household_id)
    if query.status:
        qs = qs.filter(status=query.status)
    if query.level:
        qs = qs.filter(level=query.level)
    if query.overdue:
        qs = qs.filter(status=Concern.Status.ROUTED, due_on__lt=clock.today())
    return [_concern_out(c) for c in qs.order_by("-raised_on", "-id")[: query.limit]]


@router.get("/concerns/{concern_id}", response={200: ConcernOut, codes_4xx: ErrorOut})
def concern_detail(request: HttpRequest, concern_id: int) -> Any:
    return _concern_out(concern_get(_actor(request), concern_id), with_events=True)


@router.post("/concerns", response={201: ConcernOut, codes_4xx: ErrorOut})
def concern_raise(request: HttpRequest, payload: ConcernIn) -> Any:
    """A concern raised outside a visit (by a household, or about a village)."""
    concern = services.concern_raise(
        actor=_actor(request),
        text=payload.text,
        household_id=payload.household_id,
        area_code=payload.area_code,
        channel=CHANNEL,
    )
    return Status(201, _concern_out(concern, with_events=True))


def _after(request: HttpRequest, concern_id: int) -> dict[str, Any]:
    return _concern_out(concern_get(_actor(request), concern_id), with_events=True)


@router.post("/concerns/{concern_id}/route", response={200: ConcernOut, codes_4xx: ErrorOut})
def concern_route(request: HttpRequest, concern_id: int, payload: RouteIn) -> Any:
    """Send the concern to a level (and a department), with a deadline."""
    concern_get(_actor(request), concern_id)
    services.concern_route(
        actor=_actor(request),
        concern_id=concern_id,
        level=payload.level,
        department_id=payload.department_id,
        due_on=payload.due_on,
        note=payload.note,
        version=payload.version,
        channel=CHANNEL,
    )
    return _after(request, concern_id)


@router.post("/concerns/{concern_id}/resolve", response={200: ConcernOut, codes_4xx: ErrorOut})
def concern_resolve(request: HttpRequest, concern_id: int, payload: ConcernResolveIn) -> Any:
    concern_get(_actor(request), concern_id)
    services.concern_resolve(
        actor=_actor(request),
        concern_id=concern_id,
        resolution=payload.resolution,
        version=payload.version,
        channel=CHANNEL,
    )
    return _after(request, concern_id)


@router.post("/concerns/{concern_id}/tell", response={200: ConcernOut, codes_4xx: ErrorOut})
def concern_tell(request: HttpRequest, concern_id: int, payload: TellIn) -> Any:
    """The resident has been told the outcome (反馈): the concern closes."""
    concern_get(_actor(request), concern_id)
    services.concern_tell(
        actor=_actor(request),
        concern_id=concern_id,
        note=payload.note,
        told_on=payload.told_on,
        version=payload.version,
        channel=CHANNEL,
    )
    return _after(request, concern_id)


# --- coverage -------------------------------------------------------------------------------


@router.get("/assistance/coverage", response={200: list[CoverageOut], codes_4xx: ErrorOut})
def coverage(request: HttpRequest, area: AreaFilter = "") -> Any:
    """Per village: households needing a responsible cadre, those with one, the gaps and
    the share covered (null when none is needed)."""
    rows = selectors.coverage(scope=scope_for(_actor(request)), area=area)
    return [
        {
            "area_code": r.code,
            "area_name": r.name,
            "needing": r.needing,
            "covered": r.covered,
            "gaps": r.gaps,
            "share": r.share,
        }
        for r in rows
    ]
