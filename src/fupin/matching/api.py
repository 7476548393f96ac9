"""The matching endpoints: rounds (list, create, detail with proposals and reasons),
solve, override a village's proposal, accept, and the postings.

HTTP translation only: the services check who may do what and the selectors keep to the
caller's areas; a round outside them is "not found". Reading is for the township, the
county and auditors (others get 403). No personal data is returned (no phones)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.responses import codes_4xx
from pydantic import ConfigDict, Field

from fupin.accounts.scope import scope_for
from fupin.core.params import AreaFilter
from fupin.matching import selectors, services
from fupin.matching.models import MatchRound, Posting
from fupin.registry.schemas import ErrorOut

CHANNEL = "api"

router = Router(tags=["matching 第一书记选派"])


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _reader(request: HttpRequest) -> Any:
    actor = _actor(request)
    services.require_reader(actor)
    return scope_for(actor)


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class RoundOut(Schema):
    id: int
    area_code: str
    title: str
    starts_on: date
    status: str
    villages: int
    candidates: int
    filled: int
    total_score: Decimal | None
    version: int


class RoundIn(InputSchema):
    area_code: str
    title: str
    starts_on: date
    village_codes: list[str] | None = Field(
        None, description="default: the area's registered poor villages without a first secretary"
    )
    candidate_ids: list[int] | None = Field(None, description="default: every available candidate")
    weights: dict[str, Decimal] | None = Field(None, description="match_weight_* etc.")


class MatchingReasonOut(Schema):
    criterion: str
    points: str
    text: str


class ChoiceOut(Schema):
    candidate_id: int
    name: str
    unit: str
    score: Decimal
    reasons: list[MatchingReasonOut]


class ProposalOut(Schema):
    area_code: str
    village_name: str
    candidate: ChoiceOut | None
    source: str | None
    score: Decimal | None
    solver_candidate_id: int | None
    solver_score: Decimal | None
    override_reason: str
    alternatives: list[ChoiceOut]


class RuleOut(Schema):
    id: int
    kind: str
    area_code: str
    candidate_id: int
    reason: str


class RoundDetailOut(RoundOut):
    weights: dict[str, str]
    proposals: list[ProposalOut]
    rules: list[RuleOut]
    not_offered: list[str]


class VersionIn(InputSchema):
    version: int | None = None


class OverrideIn(InputSchema):
    candidate_id: int | None = Field(description="null: leave the village without one")
    reason: str


class PostingQuery(Schema):
    status: str = Field("", description="active | ended | recalled")
    area: AreaFilter = ""
    limit: int = Field(200, ge=1, le=1000)


class AppraisalOut(Schema):
    year: int
    grade: str


class PostingOut(Schema):
    id: int
    cadre_id: int
    cadre_name: str
    unit_name: str
    area_code: str
    village_name: str
    round_id: int | None
    starts_on: date
    ends_on: date
    status: str
    left_on: date | None
    recall_grounds: str
    appraisals: list[AppraisalOut]


def _round_out(
    r: MatchRound, filled: int | None = None, people: int | None = None
) -> dict[str, Any]:
    return {
        "id": r.pk,
        "area_code": r.area_code,
        "title": r.title,
        "starts_on": r.starts_on,
        "status": r.status,
        "villages": len(r.villages),
        "candidates": people if people is not None else r.candidates.count(),
        "filled": filled
        if filled is not None
        else r.proposals.filter(candidate__isnull=False).count(),
        "total_score": r.total_score,
        "version": r.version,
    }


def _choice(c: selectors.Choice | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "candidate_id": c.candidate_id,
        "name": c.name,
        "unit": c.unit,
        "score": c.score,
        "reasons": c.reasons,
    }


def _detail(request: HttpRequest, round_id: int) -> dict[str, Any]:
    view = selectors.round_detail(scope=scope_for(_actor(request)), round_id=round_id)
    r = view.round
    out = _round_out(r)
    out["weights"] = dict(r.weights)
    out["proposals"] = [
        {
            "area_code": row.area_code,
            "village_name": row.village_name,
            "candidate": _choice(row.chosen),
            "source": row.proposal.source if row.proposal else None,
            "score": row.proposal.score if row.proposal else None,
            "solver_candidate_id": row.proposal.solver_candidate_id if row.proposal else None,
            "solver_score": row.proposal.solver_score if row.proposal else None,
            "override_reason": row.proposal.override_reason if row.proposal else "",
            "alternatives": [_choice(a) for a in row.alternatives],
        }
        for row in view.rows
    ]
    out["rules"] = [
        {
            "id": x.pk,
            "kind": x.kind,
            "area_code": x.area_code,
            "candidate_id": x.candidate_id,
            "reason": x.reason,
        }
        for x in view.rules
    ]
    out["not_offered"] = view.not_offered
    return out


@router.get("/matching/rounds", response={200: list[RoundOut], codes_4xx: ErrorOut})
def round_list(request: HttpRequest) -> Any:
    scope = _reader(request)
    return [_round_out(r, r.filled, r.people) for r in selectors.rounds_list(scope=scope)]  # type: ignore[attr-defined]


@router.post("/matching/rounds", response={201: RoundDetailOut, codes_4xx: ErrorOut})
def round_create(request: HttpRequest, payload: RoundIn) -> Any:
    """A round over the villages and candidates given, or the defaults (the county)."""
    _reader(request)
    r = services.round_create(
        actor=_actor(request),
        area_code=payload.area_code,
        title=payload.title,
        starts_on=payload.starts_on,
        village_codes=payload.village_codes,
        candidate_ids=payload.candidate_ids,
        weights={k: str(v) for k, v in (payload.weights or {}).items()},
        channel=CHANNEL,
    )
    return Status(201, _detail(request, r.pk))


@router.get("/matching/rounds/{round_id}", response={200: RoundDetailOut, codes_4xx: ErrorOut})
def round_get(request: HttpRequest, round_id: int) -> Any:
    """The round: each village's proposal with the score, the reasons and the top other
    candidates; the pair rules; the candidates not offered."""
    _reader(request)
    return _detail(request, round_id)


def _visible_round(request: HttpRequest, round_id: int) -> MatchRound:
    return selectors.round_get(scope=_reader(request), round_id=round_id)


@router.post(
    "/matching/rounds/{round_id}/solve", response={200: RoundDetailOut, codes_4xx: ErrorOut}
)
def round_solve(request: HttpRequest, round_id: int, payload: VersionIn) -> Any:
    _visible_round(request, round_id)
    services.round_solve(
        actor=_actor(request), round_id=round_id, version=payload.version, channel=CHANNEL
    )
    return _detail(request, round_id)


@router.post(
    "/matching/rounds/{round_id}/proposals/{area_code}/override",
    response={200: RoundDetailOut, codes_4xx: ErrorOut},
)
def proposal_override(
    request: HttpRequest, round_id: int, area_code: str, payload: OverrideIn
) -> Any:
    _visible_round(request, round_id)
    services.proposal_override(
        actor=_actor(request),
        round_id=round_id,
        area_code=area_code,
        candidate_id=payload.candidate_id,
        reason=payload.reason,
        channel=CHANNEL,
    )
    return _detail(request, round_id)


@router.post(
    "/matching/rounds/{round_id}/accept", response={200: RoundDetailOut, codes_4xx: ErrorOut}
)
def round_accept(request: HttpRequest, round_id: int, payload: VersionIn) -> Any:
    _visible_round(request, round_id)
    services.round_accept(
        actor=_actor(request), round_id=round_id, version=payload.version, channel=CHANNEL
    )
    return _detail(request, round_id)


@router.get("/matching/postings", response={200: list[PostingOut], codes_4xx: ErrorOut})
def posting_list(request: HttpRequest, query: Query[PostingQuery]) -> Any:
    scope = _reader(request)
    status = query.status if query.status in Posting.Status.values else ""
    rows = selectors.postings_list(scope=scope, status=status, area=query.area, limit=query.limit)
    return [
        {
            "id": p.pk,
            "cadre_id": p.cadre_id,
            "cadre_name": p.cadre.name,
            "unit_name": p.cadre.unit.name,
            "area_code": p.area_code,
            "village_name": p.village_name,  # type: ignore[attr-defined]
            "round_id": p.round_id,
            "starts_on": p.starts_on,
            "ends_on": p.ends_on,
            "status": p.status,
            "left_on": p.left_on,
            "recall_grounds": p.recall_grounds,
            "appraisals": [{"year": a.year, "grade": a.grade} for a in p.appraisals.all()],
        }
        for p in rows
    ]
