"""Policy endpoints: standards (read, save a version), evaluation runs (start, status,
areas, households, diff), what-if, a household's latest verdict, village and county facts.

Only HTTP translation here: the services check who may act, the selectors what the caller
may see. A run or household outside the caller's areas is "not found".
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.responses import codes_4xx
from pydantic import Field

from fupin.accounts.scope import Scope, scope_for
from fupin.core.errors import NotFound
from fupin.core.params import AreaFilter
from fupin.policy import engine, selectors, services, standards
from fupin.policy import params as P
from fupin.policy.models import AreaResult, EvaluationRun, HouseholdVerdict, PolicyStandard
from fupin.policy.reasons import CATEGORY_LABELS, CLAUSE_LABELS, area_reason_text
from fupin.registry.schemas import ErrorOut
from fupin.registry.selectors import household_get

CHANNEL = "api"

router = Router(tags=["policy 政策标准与评估"])


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _scope(request: HttpRequest) -> Scope:
    return scope_for(_actor(request))


# --- schemas ------------------------------------------------------------------------------


class ParamOut(Schema):
    key: str
    label: str
    group: str
    kind: str
    unit: str
    what_if: bool


class VersionOut(Schema):
    id: int
    number: int
    params: dict[str, Any]
    note: str
    created_by: str | None
    created_at: datetime


class StandardOut(Schema):
    id: int
    region: str = Field(description="'' = national; else the area code prefix")
    region_name: str
    year: int
    current: VersionOut
    effective: dict[str, Any] = Field(description="this standard laid over those above it")


class StandardIn(Schema):
    region: str = ""
    year: int
    params: dict[str, Any]
    note: str = ""
    expected_number: int | None = Field(
        None, description="the version you edited; a newer one is refused with 409"
    )


class RunsQuery(Schema):
    limit: int = Field(50, ge=1, le=200)


class HouseholdsQuery(Schema):
    area: AreaFilter = ""
    verdict: str = Field("", description="meets | fails | candidates | failing_exited")
    clause: str = Field("", description="income | schooling | medical | housing | water")
    category: str = Field("", description="unstable | marginal | hardship")
    cursor: str = ""
    limit: int = Field(50, ge=1, le=500)


class DiffQuery(Schema):
    before: int
    after: int
    area: AreaFilter = ""
    limit: int = Field(200, ge=1, le=1000)


class RunIn(Schema):
    area_code: str
    year: int


class RunOut(Schema):
    id: int
    year: int
    scope_prefix: str
    scope_name: str
    status: str
    status_label: str
    created_at: datetime
    finished_at: datetime | None
    seconds: float | None
    standards: dict[str, Any]
    params: dict[str, Any]
    summary: dict[str, Any]
    progress: dict[str, Any] | None
    error: str


class AreaReasonOut(Schema):
    code: str
    state: str
    value: Any = None
    limit: Any = None
    text: str


class AreaResultOut(Schema):
    area_code: str
    name: str
    level: str
    households: int
    people: int
    poor_households: int
    poor_people: int
    remaining_poor_people: int
    rural_population: int | None
    meets_exit: int
    exit_candidates: int
    failing_exited: int
    clause_counts: dict[str, int]
    category_counts: dict[str, int]
    verdict: str
    verdict_label: str
    reasons: list[AreaReasonOut]


class VerdictReasonOut(Schema):
    kind: str
    clause: str
    clause_label: str
    text: str
    member_id: int | None


class VerdictOut(Schema):
    run_id: int
    year: int
    household_id: int
    area_code: str
    meets_exit: bool
    failed_clauses: list[str]
    risks: list[str]
    category: str
    category_label: str
    per_capita: Decimal | None
    people: int
    reasons: list[VerdictReasonOut] = []


class VerdictRowOut(Schema):
    household_id: int
    number: str
    head_name: str
    status: str
    area_code: str
    meets_exit: bool
    failed_clauses: list[str]
    category: str
    per_capita: Decimal | None


class VerdictPageOut(Schema):
    items: list[VerdictRowOut]
    next_cursor: str | None


class DiffRowOut(Schema):
    household_id: int
    number: str
    head_name: str
    area_code: str
    before_failed: list[str] | None
    after_failed: list[str] | None
    before_category: str | None
    after_category: str | None


class DiffOut(Schema):
    before: int
    after: int
    counts: dict[str, int]
    items: list[DiffRowOut]


class WhatIfIn(Schema):
    region: str = ""
    changes: dict[str, Any]
    area: str = ""


class VillageChangeOut(Schema):
    code: str
    name: str
    changed: int
    now_meet: int
    now_fail: int
    into_monitoring: int
    out_of_monitoring: int
    verdict_before: str
    verdict_after: str


class WhatIfOut(Schema):
    run_id: int
    region: str
    changes: dict[str, Any]
    totals: dict[str, int]
    villages: list[VillageChangeOut]
    seconds: float


class VillageFactsIn(Schema):
    year: int
    collective_income: Decimal | None = None
    hard_road: bool | None = None
    safe_water: bool | None = None
    electricity: bool | None = None
    clinic: bool | None = None
    version: int | None = None


class CountyAssessmentIn(Schema):
    year: int
    wrong_exit_rate: Decimal | None = None
    miss_rate: Decimal | None = None
    approval_rate: Decimal | None = None
    missed_people: int | None = None
    wrongly_exited_people: int | None = None
    source: str = ""
    version: int | None = None


class SavedOut(Schema):
    id: int
    version: int


# --- presenting ------------------------------------------------------------------------------


def _standard_out(standard: PolicyStandard) -> dict[str, Any]:
    version = selectors.standard_current(standard=standard)
    force = standards.in_force(standard.year)
    try:
        effective = standards.effective(standard.region, force)
    except NotFound:  # no national standard yet for that year
        effective = dict(version.params)
    return {
        "id": standard.pk,
        "region": standard.region,
        "region_name": standard.region_name,
        "year": standard.year,
        "current": _version_out(version),
        "effective": effective,
    }


def _version_out(version: Any) -> dict[str, Any]:
    return {
        "id": version.pk,
        "number": version.number,
        "params": version.params,
        "note": version.note,
        "created_by": version.created_by.username if version.created_by_id else None,
        "created_at": version.created_at,
    }


def _run_out(run: EvaluationRun, scope: Scope | None = None) -> dict[str, Any]:
    """A run; its totals those of the part the caller sees (``scope``), as on the page."""
    return {
        "id": run.pk,
        "year": run.year,
        "scope_prefix": run.scope_prefix,
        "scope_name": run.scope_name,
        "status": run.status,
        "status_label": run.get_status_display(),
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "seconds": run.seconds,
        "standards": run.standards,
        "params": run.params,
        "summary": run.summary if scope is None else selectors.run_summary(scope=scope, run=run),
        "progress": services.progress_read(run.pk)
        if run.status in (EvaluationRun.Status.QUEUED, EvaluationRun.Status.RUNNING)
        else None,
        "error": run.error,
    }


def _clauses(mask: int | None) -> list[str] | None:
    if mask is None:
        return None
    return [name for name, bit in engine.CLAUSES if mask & bit]


def _risks(mask: int) -> list[str]:
    return [name for name, bit in engine.RISKS if mask & bit]


def _area_out(row: AreaResult) -> dict[str, Any]:
    return {
        **{
            f: getattr(row, f)
            for f in (
                "area_code",
                "level",
                "households",
                "people",
                "poor_households",
                "poor_people",
                "remaining_poor_people",
                "rural_population",
                "meets_exit",
                "exit_candidates",
                "failing_exited",
                "clause_counts",
                "category_counts",
                "verdict",
            )
        },
        "name": getattr(row, "name", row.area_code),
        "verdict_label": row.get_verdict_display(),
        "reasons": [{**r, "text": area_reason_text(r)} for r in row.reasons],
    }


def _verdict_out(v: HouseholdVerdict, run: EvaluationRun) -> dict[str, Any]:
    return {
        "run_id": run.pk,
        "year": run.year,
        "household_id": v.household_id,
        "area_code": v.area_code,
        "meets_exit": v.exit_fails == 0,
        "failed_clauses": _clauses(v.exit_fails),
        "risks": _risks(v.risks),
        "category": v.category,
        "category_label": str(CATEGORY_LABELS.get(v.category, v.category)),
        "per_capita": v.per_capita,
        "people": v.people,
    }


# --- standards ----------------------------------------------------------------------------


@router.get("/policy/params", response=list[ParamOut])
def params_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The parameters a standard may hold, with their labels and units."""
    return [
        {
            "key": p.key,
            "label": str(p.label),
            "group": str(p.group),
            "kind": p.kind,
            "unit": str(p.unit),
            "what_if": p.what_if,
        }
        for p in P.PARAMS
    ]


@router.get("/policy/standards", response=list[StandardOut])
def standards_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every standard (national and regional overrides) at its current version."""
    return [_standard_out(s) for s in selectors.standard_list()]


@router.get("/policy/standards/{standard_id}", response={200: StandardOut, codes_4xx: ErrorOut})
def standard_detail(request: HttpRequest, standard_id: int) -> Any:
    return _standard_out(selectors.standard_get(standard_id=standard_id))


@router.get(
    "/policy/standards/{standard_id}/versions",
    response={200: list[VersionOut], codes_4xx: ErrorOut},
)
def standard_versions(request: HttpRequest, standard_id: int) -> Any:
    standard = selectors.standard_get(standard_id=standard_id)
    return [_version_out(v) for v in selectors.standard_versions(standard=standard)]


@router.post("/policy/standards", response={201: StandardOut, codes_4xx: ErrorOut})
def standard_save(request: HttpRequest, payload: StandardIn) -> Any:
    """Save a new version of a standard (creating it for a new region or year)."""
    version = services.standard_save(
        actor=_actor(request),
        region=payload.region,
        year=payload.year,
        params=payload.params,
        note=payload.note,
        expected_number=payload.expected_number,
        channel=CHANNEL,
    )
    return Status(201, _standard_out(version.standard))


# --- runs ---------------------------------------------------------------------------------


@router.get("/policy/runs", response=list[RunOut])
def runs_list(request: HttpRequest, query: Query[RunsQuery]) -> list[dict[str, Any]]:
    scope = _scope(request)
    return [_run_out(r, scope) for r in selectors.run_list(scope=scope)[: query.limit]]


@router.post("/policy/runs", response={202: RunOut, codes_4xx: ErrorOut})
def run_create(request: HttpRequest, payload: RunIn) -> Any:
    """Queue an evaluation of an area for a year; poll the run until it is done."""
    run = services.evaluation_run_create(
        actor=_actor(request), area_code=payload.area_code, year=payload.year, channel=CHANNEL
    )
    return Status(202, _run_out(run))


@router.get("/policy/runs/{run_id}", response={200: RunOut, codes_4xx: ErrorOut})
def run_detail(request: HttpRequest, run_id: int) -> Any:
    scope = _scope(request)
    return _run_out(selectors.run_get(scope=scope, run_id=run_id), scope)


@router.post("/policy/runs/{run_id}/retry", response={202: RunOut, codes_4xx: ErrorOut})
def run_retry(request: HttpRequest, run_id: int) -> Any:
    run = services.evaluation_run_retry(actor=_actor(request), run_id=run_id, channel=CHANNEL)
    return Status(202, _run_out(run))


@router.get("/policy/runs/{run_id}/areas", response={200: list[AreaResultOut], codes_4xx: ErrorOut})
def run_areas(request: HttpRequest, run_id: int, parent: AreaFilter = "", level: str = "") -> Any:
    """Villages, townships and counties of a run with figures, verdicts and reasons."""
    scope = _scope(request)
    run = selectors.run_get(scope=scope, run_id=run_id)
    return [
        _area_out(r) for r in selectors.run_areas(scope=scope, run=run, parent=parent, level=level)
    ]


@router.get("/policy/runs/{run_id}/households", response={200: VerdictPageOut, codes_4xx: ErrorOut})
def run_households(
    request: HttpRequest,
    run_id: int,
    query: Query[HouseholdsQuery],
) -> Any:
    scope = _scope(request)
    run = selectors.run_get(scope=scope, run_id=run_id)
    page = selectors.run_households(
        scope=scope,
        run=run,
        area=query.area,
        verdict=query.verdict,
        clause=query.clause,
        category=query.category,
        cursor=query.cursor,
        limit=query.limit,
    )
    return {
        "items": [
            {
                "household_id": r.verdict.household_id,
                "number": r.number,
                "head_name": r.head_name,
                "status": r.status,
                "area_code": r.verdict.area_code,
                "meets_exit": r.verdict.exit_fails == 0,
                "failed_clauses": _clauses(r.verdict.exit_fails),
                "category": r.verdict.category,
                "per_capita": r.verdict.per_capita,
            }
            for r in page.rows
        ],
        "next_cursor": page.next_cursor,
    }


@router.get("/policy/diff", response={200: DiffOut, codes_4xx: ErrorOut})
def run_diff(request: HttpRequest, query: Query[DiffQuery]) -> Any:
    """Households whose verdict differs between two runs."""
    diff = selectors.run_diff(
        scope=_scope(request),
        before_id=query.before,
        after_id=query.after,
        area=query.area,
        limit=query.limit,
    )
    return {
        "before": diff.before.pk,
        "after": diff.after.pk,
        "counts": diff.counts,
        "items": [
            {
                "household_id": r.household_id,
                "number": r.number,
                "head_name": r.head_name,
                "area_code": r.area_code,
                "before_failed": _clauses(r.before_fails),
                "after_failed": _clauses(r.after_fails),
                "before_category": r.before_category,
                "after_category": r.after_category,
            }
            for r in diff.rows
        ],
    }


@router.post("/policy/runs/{run_id}/what-if", response={200: WhatIfOut, codes_4xx: ErrorOut})
def what_if(request: HttpRequest, run_id: int, payload: WhatIfIn) -> Any:
    """How many households would change verdict if a standard had these numbers; nothing
    is saved."""
    result = selectors.what_if(
        scope=_scope(request),
        run_id=run_id,
        region=payload.region,
        changes=payload.changes,
        area=payload.area,
    )
    return {
        "run_id": result.run.pk,
        "region": result.region,
        "changes": result.changes,
        "totals": result.totals,
        "villages": [v.__dict__ for v in result.villages],
        "seconds": result.seconds,
    }


# --- a household's verdict -------------------------------------------------------------------


@router.get(
    "/households/{household_id}/verdict", response={200: VerdictOut, 204: None, codes_4xx: ErrorOut}
)
def household_verdict(request: HttpRequest, household_id: int) -> Any:
    """The household's verdict in the latest finished run, with its reasons; 204 if no run
    has judged it yet."""
    scope = _scope(request)
    household = household_get(scope=scope, household_id=household_id)
    view = selectors.household_verdict(scope=scope, household=household)
    if view is None:
        return Status(204, None)
    out = _verdict_out(view.verdict, view.run)
    out["reasons"] = [
        {
            "kind": r.kind,
            "clause": r.clause,
            "clause_label": str(CLAUSE_LABELS.get(r.clause, r.clause)),
            "text": r.text,
            "member_id": r.member_id,
        }
        for r in view.reasons
    ]
    return out


# --- village and county facts ----------------------------------------------------------------


@router.put("/policy/villages/{area_code}/facts", response={200: SavedOut, codes_4xx: ErrorOut})
def village_facts(request: HttpRequest, area_code: str, payload: VillageFactsIn) -> Any:
    data = payload.dict(exclude={"year", "version"}, exclude_unset=True)
    record = services.village_facts_set(
        actor=_actor(request),
        area_code=area_code,
        year=payload.year,
        data=data,
        version=payload.version,
        channel=CHANNEL,
    )
    return {"id": record.pk, "version": record.version}


@router.put(
    "/policy/counties/{area_code}/assessment", response={200: SavedOut, codes_4xx: ErrorOut}
)
def county_assessment(request: HttpRequest, area_code: str, payload: CountyAssessmentIn) -> Any:
    data = payload.dict(exclude={"year", "version"}, exclude_unset=True)
    record = services.county_assessment_set(
        actor=_actor(request),
        area_code=area_code,
        year=payload.year,
        data=data,
        version=payload.version,
        channel=CHANNEL,
    )
    return {"id": record.pk, "version": record.version}
