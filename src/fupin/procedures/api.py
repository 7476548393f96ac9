"""Procedure endpoints: list, open, advance (also a batch), notices, objections, cancel.

HTTP translation only: the services check who may take which step, the selectors what
the caller may see; a procedure outside the caller's areas is "not found".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.responses import codes_4xx
from pydantic import Field

from fupin.accounts.scope import scope_for
from fupin.core.params import AreaFilter
from fupin.procedures import selectors, services
from fupin.procedures.definitions import DEFINITIONS
from fupin.procedures.models import Notice, Objection, Procedure
from fupin.registry.schemas import ErrorOut

CHANNEL = "api"

router = Router(tags=["procedures 程序与公示"])


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


class StepOut(Schema):
    step: str
    label: str
    action: str
    actor: str | None
    at: datetime
    note: str
    notice_id: int | None


class ProcedureOut(Schema):
    id: int
    kind: str
    kind_label: str
    household_id: int | None = Field(description="None for a village's own procedure")
    household_number: str | None
    area_code: str
    step: str
    step_label: str
    next_step: str | None
    next_step_label: str | None
    state: str
    opened_on: date
    due_on: date | None
    version: int
    steps: list[StepOut] = []


class ProcedureQuery(Schema):
    state: str = Field("open", description="open | done | cancelled | '' for all")
    kind: str = ""
    area: AreaFilter = ""
    limit: int = Field(100, ge=1, le=500)


class OpenIn(Schema):
    kind: str
    household_id: int | None = Field(None, description="for a household's procedure")
    area_code: str = Field("", description="the village, for the village exit")
    note: str = ""
    run_id: int | None = Field(
        None,
        description=(
            "the evaluation run naming the household as a candidate: required for exit, "
            "monitoring and risk_clearing (400 run_required / not_a_candidate otherwise)"
        ),
    )


class AdvanceIn(Schema):
    step: str
    version: int | None = None
    note: str = ""


class BatchIn(Schema):
    procedure_ids: list[int]
    step: str
    note: str = ""


class NoticeIn(Schema):
    procedure_ids: list[int]
    title: str = ""
    starts_on: date | None = None


class NoticeOut(Schema):
    id: int
    title: str
    kind: str
    step: str
    starts_on: date
    ends_on: date
    day_kind: str
    days: int
    procedure_ids: list[int]


class ObjectionIn(Schema):
    notice_id: int
    text: str
    name: str = ""
    contact: str = ""


class ObjectionOut(Schema):
    id: int
    notice_id: int
    procedure_id: int
    channel: str
    text: str
    status: str
    finding: str


class ObjectionResolveIn(Schema):
    upheld: bool
    finding: str


class ObjectionsResolveIn(Schema):
    objection_ids: list[int] = Field(
        min_length=1, description="open objections to the same household on the same notice"
    )
    upheld: bool
    finding: str


class CancelIn(Schema):
    reason: str
    version: int | None = None


class CountOut(Schema):
    done: int


def _label(kind: str, code: str | None) -> str | None:
    if code is None:
        return None
    definition = DEFINITIONS[kind]
    return str(definition.steps[definition.index(code)].label)


def _procedure_out(p: Procedure, *, with_steps: bool = False) -> dict[str, Any]:
    nxt = selectors.next_step(p)
    out: dict[str, Any] = {
        "id": p.pk,
        "kind": p.kind,
        "kind_label": str(DEFINITIONS[p.kind].label),
        "household_id": p.household_id,
        "household_number": p.household.number if p.household else None,
        "area_code": p.area_code,
        "step": p.step,
        "step_label": _label(p.kind, p.step),
        "next_step": nxt.code if nxt else None,
        "next_step_label": str(nxt.label) if nxt else None,
        "state": p.state,
        "opened_on": p.opened_on,
        "due_on": p.due_on,
        "version": p.version,
    }
    if with_steps:
        out["steps"] = [
            {
                "step": s.step,
                "label": _label(p.kind, s.step),
                "action": s.action,
                "actor": s.actor.get_username() if s.actor is not None else None,
                "at": s.at,
                "note": s.note,
                "notice_id": s.notice_id,
            }
            for s in p.steps.select_related("actor").order_by("at", "id")
        ]
    return out


def _notice_out(n: Notice) -> dict[str, Any]:
    return {
        "id": n.pk,
        "title": n.title,
        "kind": n.kind,
        "step": n.step,
        "starts_on": n.starts_on,
        "ends_on": n.ends_on,
        "day_kind": n.day_kind,
        "days": n.days,
        "procedure_ids": list(n.procedures.values_list("pk", flat=True)),
    }


def _objection_out(o: Objection) -> dict[str, Any]:
    return {
        "id": o.pk,
        "notice_id": o.notice_id,
        "procedure_id": o.procedure_id,
        "channel": o.channel,
        "text": o.text,
        "status": o.status,
        "finding": o.finding,
    }


def _get(request: HttpRequest, procedure_id: int) -> Procedure:
    return selectors.procedure_get(scope=scope_for(_actor(request)), procedure_id=procedure_id)


@router.get("/procedures", response=list[ProcedureOut])
def procedure_list(request: HttpRequest, query: Query[ProcedureQuery]) -> list[dict[str, Any]]:
    qs = selectors.procedure_list(
        scope=scope_for(_actor(request)), state=query.state, kind=query.kind, area=query.area
    )
    return [_procedure_out(p) for p in qs[: query.limit]]


# before /procedures/{procedure_id}, which would otherwise take this path
@router.post("/procedures/advance", response={200: CountOut, codes_4xx: ErrorOut})
def procedures_advance(request: HttpRequest, payload: BatchIn) -> Any:
    """The same next step for many households at once: all of them or none."""
    for procedure_id in payload.procedure_ids:
        _get(request, procedure_id)
    n = services.procedures_advance(
        actor=_actor(request),
        procedure_ids=payload.procedure_ids,
        step=payload.step,
        note=payload.note,
        channel=CHANNEL,
    )
    return {"done": n}


@router.get("/procedures/{procedure_id}", response={200: ProcedureOut, codes_4xx: ErrorOut})
def procedure_detail(request: HttpRequest, procedure_id: int) -> Any:
    return _procedure_out(_get(request, procedure_id), with_steps=True)


@router.post("/procedures", response={201: ProcedureOut, codes_4xx: ErrorOut})
def procedure_open(request: HttpRequest, payload: OpenIn) -> Any:
    p = services.procedure_open(
        actor=_actor(request),
        kind=payload.kind,
        household_id=payload.household_id,
        area_code=payload.area_code,
        note=payload.note,
        run_id=payload.run_id,
        channel=CHANNEL,
    )
    return Status(201, _procedure_out(p, with_steps=True))


@router.post(
    "/procedures/{procedure_id}/advance", response={200: ProcedureOut, codes_4xx: ErrorOut}
)
def procedure_advance(request: HttpRequest, procedure_id: int, payload: AdvanceIn) -> Any:
    _get(request, procedure_id)
    p = services.procedure_advance(
        actor=_actor(request),
        procedure_id=procedure_id,
        step=payload.step,
        version=payload.version,
        note=payload.note,
        channel=CHANNEL,
    )
    return _procedure_out(p, with_steps=True)


@router.post("/procedures/{procedure_id}/cancel", response={200: ProcedureOut, codes_4xx: ErrorOut})
def procedure_cancel(request: HttpRequest, procedure_id: int, payload: CancelIn) -> Any:
    _get(request, procedure_id)
    p = services.procedure_cancel(
        actor=_actor(request),
        procedure_id=procedure_id,
        reason=payload.reason,
        version=payload.version,
        channel=CHANNEL,
    )
    return _procedure_out(p, with_steps=True)


@router.post("/notices", response={201: NoticeOut, codes_4xx: ErrorOut})
def notice_publish(request: HttpRequest, payload: NoticeIn) -> Any:
    """Publish one notice for households at the same step (a village's batch)."""
    for procedure_id in payload.procedure_ids:
        _get(request, procedure_id)
    notice = services.notice_publish(
        actor=_actor(request),
        procedure_ids=payload.procedure_ids,
        title=payload.title,
        starts_on=payload.starts_on,
        channel=CHANNEL,
    )
    return Status(201, _notice_out(notice))


@router.post(
    "/procedures/{procedure_id}/objections", response={201: ObjectionOut, codes_4xx: ErrorOut}
)
def objection_record(request: HttpRequest, procedure_id: int, payload: ObjectionIn) -> Any:
    """Record an objection made in person (the public page takes them without login)."""
    _get(request, procedure_id)
    objection = services.objection_raise(
        notice_id=payload.notice_id,
        procedure_id=procedure_id,
        text=payload.text,
        name=payload.name,
        contact=payload.contact,
        actor=_actor(request),
        channel="in_person",
    )
    return Status(201, _objection_out(objection))


@router.post(
    "/objections/{objection_id}/resolve", response={200: ObjectionOut, codes_4xx: ErrorOut}
)
def objection_resolve(request: HttpRequest, objection_id: int, payload: ObjectionResolveIn) -> Any:
    objection = Objection.objects.filter(pk=objection_id).first()
    if objection is not None:
        _get(request, objection.procedure_id)
    return _objection_out(
        services.objection_resolve(
            actor=_actor(request),
            objection_id=objection_id,
            upheld=payload.upheld,
            finding=payload.finding,
            channel=CHANNEL,
        )
    )


@router.post("/objections/resolve", response={200: list[ObjectionOut], codes_4xx: ErrorOut})
def objections_resolve(request: HttpRequest, payload: ObjectionsResolveIn) -> Any:
    """One finding for several objections (ones that repeat one another): all or none."""
    procedure_ids = set(
        Objection.objects.filter(pk__in=payload.objection_ids).values_list(
            "procedure_id", flat=True
        )
    )
    for procedure_id in procedure_ids:
        _get(request, procedure_id)
    return [
        _objection_out(o)
        for o in services.objections_resolve(
            actor=_actor(request),
            objection_ids=payload.objection_ids,
            upheld=payload.upheld,
            finding=payload.finding,
            channel=CHANNEL,
        )
    ]
