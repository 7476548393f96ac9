"""Reads of the policy engine, always within the actor's areas: standards, runs and their
results, a household's latest verdict with its reasons, the difference between two runs,
and the what-if preview (a changed standard re-applied to a stored run, nothing saved).
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from fupin.accounts.scope import Scope
from fupin.areas.codes import prefix_q
from fupin.areas.models import Area
from fupin.core.errors import InvalidInput, NotFound
from fupin.policy import engine
from fupin.policy import params as P
from fupin.policy.models import (
    AreaResult,
    CountyAssessment,
    EvaluationRun,
    HouseholdVerdict,
    MemberFinding,
    PolicyStandard,
    StandardVersion,
    VillageFacts,
)
from fupin.policy.reasons import Reason, household_reasons
from fupin.policy.rollup import COUNT_COLUMNS, area_verdict, village_reasons
from fupin.registry.choices import Relation
from fupin.registry.models import HardshipEvent, Household, Member

# --- standards (public policy data: every signed-in user may read them) ---------------


def standard_list() -> QuerySet[PolicyStandard]:
    return PolicyStandard.objects.order_by("region", "-year")


def standard_get(*, standard_id: int) -> PolicyStandard:
    standard = PolicyStandard.objects.filter(pk=standard_id).first()
    if standard is None:
        raise NotFound()
    return standard


def standard_versions(*, standard: PolicyStandard) -> list[StandardVersion]:
    return list(standard.versions.select_related("created_by").order_by("-number"))


def standard_current(*, standard: PolicyStandard) -> StandardVersion:
    version = standard.versions.order_by("-number").first()
    if version is None:  # pragma: no cover - a standard is created with its first version
        raise NotFound()
    return version


# --- village facts and county assessments ----------------------------------------------


def village_facts_for(*, scope: Scope, areas: list[Area], year: int) -> dict[int, VillageFacts]:
    """{area id: facts} of these villages in ``year``, those in the actor's areas only."""
    ids = [a.pk for a in areas if scope.covers(a.code)]
    return {f.area_id: f for f in VillageFacts.objects.filter(area_id__in=ids, year=year)}


def county_assessments_for(
    *, scope: Scope, areas: list[Area], year: int
) -> dict[int, CountyAssessment]:
    ids = [a.pk for a in areas if scope.covers(a.code)]
    return {a.area_id: a for a in CountyAssessment.objects.filter(area_id__in=ids, year=year)}


# --- runs -------------------------------------------------------------------------------


def _overlaps(scope: Scope) -> Q:
    """Runs over one of the actor's areas, or over a wider area containing one of them
    (whose results the actor then sees only for their own areas)."""
    condition = prefix_q("scope_prefix", scope.prefixes)
    for prefix in scope.prefixes:
        wider = [prefix[:n] for n in (2, 4, 6, 9, 12) if n <= len(prefix)]
        condition |= Q(scope_prefix__in=wider)
    return condition


def run_list(*, scope: Scope) -> QuerySet[EvaluationRun]:
    return EvaluationRun.objects.filter(_overlaps(scope)).select_related("created_by")


def run_get(*, scope: Scope, run_id: int) -> EvaluationRun:
    run = run_list(scope=scope).filter(pk=run_id).first()
    if run is None:
        raise NotFound()
    return run


def view_prefixes(scope: Scope, run: EvaluationRun) -> list[str]:
    """The part of a run an actor sees: the run's scope cut down to the actor's areas."""
    out = []
    for prefix in scope.prefixes:
        if prefix.startswith(run.scope_prefix):
            out.append(prefix)
        elif run.scope_prefix.startswith(prefix):
            out.append(run.scope_prefix)
    return sorted(set(out))


# A run's area rows stop at the county: a wider view is summed from its counties.
ROW_LEVEL_BY_PREFIX = {
    2: Area.Level.COUNTY,
    4: Area.Level.COUNTY,
    6: Area.Level.COUNTY,
    9: Area.Level.TOWNSHIP,
    12: Area.Level.VILLAGE,
}


def run_summary(*, scope: Scope, run: EvaluationRun) -> dict[str, Any]:
    """The run's totals, or — for an actor who sees only part of the run — the totals of
    that part, summed from its area rows (the page and the API show the same)."""
    view = view_prefixes(scope, run)
    if view == [run.scope_prefix] or run.status != EvaluationRun.Status.DONE:
        return dict(run.summary)
    out: dict[str, Any] = {key: 0 for key in COUNT_COLUMNS}
    for name, _bit in engine.CLAUSES:
        out[f"clause_{name}"] = 0
    for c in engine.CATEGORIES:
        out[f"category_{c}"] = 0
    for prefix in view:
        level = ROW_LEVEL_BY_PREFIX.get(len(prefix))
        if level is None:
            continue
        for row in run_areas(scope=scope, run=run, parent=prefix, level=level):
            for key in COUNT_COLUMNS:
                out[key] += getattr(row, key)
            for name, count in row.clause_counts.items():
                out[f"clause_{name}"] = out.get(f"clause_{name}", 0) + int(count)
            for c, count in row.category_counts.items():
                out[f"category_{c}"] = out.get(f"category_{c}", 0) + int(count)
    villages = run_areas(scope=scope, run=run, level=Area.Level.VILLAGE)
    out["villages"] = len(villages)
    out["villages_passing"] = sum(1 for v in villages if v.verdict == AreaResult.Verdict.PASS)
    if "as_of" in run.summary:
        out["as_of"] = run.summary["as_of"]
    return out


def latest_run(*, scope: Scope, prefix: str, year: int | None = None) -> EvaluationRun | None:
    """The newest finished run whose scope contains ``prefix``."""
    wider = [prefix[:n] for n in (2, 4, 6, 9, 12) if n <= len(prefix)]
    qs = run_list(scope=scope).filter(status=EvaluationRun.Status.DONE, scope_prefix__in=wider)
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-finished_at", "-id").first()


def run_areas(
    *, scope: Scope, run: EvaluationRun, parent: str = "", level: str = ""
) -> list[AreaResult]:
    """The run's area rows under ``parent`` (a prefix) at ``level``, within the actor's view."""
    qs = AreaResult.objects.filter(run=run).filter(prefix_q("area_code", view_prefixes(scope, run)))
    if parent:
        qs = qs.filter(prefix_q("area_code", [parent]))
    if level:
        qs = qs.filter(level=level)
    rows = list(qs.order_by("area_code"))
    names = dict(
        Area.objects.filter(code__in=[r.area_code for r in rows]).values_list("code", "name")
    )
    for row in rows:
        row.name = names.get(row.area_code, row.area_code)  # type: ignore[attr-defined]
    return rows


@dataclass
class VerdictRow:
    verdict: HouseholdVerdict
    number: str
    head_name: str
    status: str


@dataclass
class VerdictPage:
    rows: list[VerdictRow]
    next_cursor: str | None


def _encode(code: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{code}:{pk}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, int] | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        code, pk = text.split(":")
        # a forged cursor: only digits go into the query (PostgreSQL refuses NUL in text)
        if not (code.isascii() and code.isdigit() and pk.isascii() and pk.isdigit()):
            return None
        return code, int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


VERDICT_FILTERS = ("meets", "fails", "candidates", "failing_exited")


def run_households(
    *,
    scope: Scope,
    run: EvaluationRun,
    area: str = "",
    verdict: str = "",
    clause: str = "",
    category: str = "",
    cursor: str = "",
    limit: int = 50,
) -> VerdictPage:
    """Households of a run, filtered, in (area code, id) order by keyset."""
    qs = HouseholdVerdict.objects.filter(run=run).filter(
        prefix_q("area_code", view_prefixes(scope, run))
    )
    if area:
        qs = qs.filter(prefix_q("area_code", [area]))
    if verdict == "meets":
        qs = qs.filter(exit_fails=0)
    elif verdict == "fails":
        qs = qs.exclude(exit_fails=0)
    elif verdict == "candidates":
        qs = qs.filter(exit_fails=0, status_group=engine.G_POOR)
    elif verdict == "failing_exited":
        qs = qs.filter(status_group=engine.G_EXITED).exclude(exit_fails=0)
    bits = dict(engine.CLAUSES)
    if clause in bits:
        qs = qs.extra(where=[f"(exit_fails & {bits[clause]}) <> 0"])  # noqa: S610 - constant
    if category in engine.CATEGORIES:
        qs = qs.filter(category=category)
    position = _decode(cursor) if cursor else None
    if position:
        code, pk = position
        qs = qs.filter(Q(area_code__gt=code) | Q(area_code=code, household_id__gt=pk))
    verdicts = list(qs.order_by("area_code", "household_id")[: limit + 1])
    more = len(verdicts) > limit
    verdicts = verdicts[:limit]
    ids = [v.household_id for v in verdicts]
    households = dict(Household.objects.filter(pk__in=ids).values_list("pk", "number"))
    statuses = dict(Household.objects.filter(pk__in=ids).values_list("pk", "status"))
    heads = dict(
        Member.objects.filter(
            household_id__in=ids, relation=Relation.HEAD, is_active=True
        ).values_list("household_id", "name")
    )
    rows = [
        VerdictRow(
            verdict=v,
            number=households.get(v.household_id, ""),
            head_name=heads.get(v.household_id, ""),
            status=statuses.get(v.household_id, ""),
        )
        for v in verdicts
    ]
    last = verdicts[-1] if verdicts else None
    return VerdictPage(
        rows=rows,
        next_cursor=_encode(last.area_code, last.household_id) if more and last else None,
    )


# --- a household's verdict ------------------------------------------------------------------


@dataclass
class HouseholdVerdictView:
    run: EvaluationRun
    verdict: HouseholdVerdict
    params: dict[str, Any]
    reasons: list[Reason]

    @property
    def meets_exit(self) -> bool:
        return self.verdict.exit_fails == 0


def params_at(run: EvaluationRun, code: str) -> dict[str, Any]:
    region = max((r for r in run.params if code.startswith(r)), key=len)
    params: dict[str, Any] = run.params[region]
    return params


def household_verdict(
    *, scope: Scope, household: Household, run: EvaluationRun | None = None
) -> HouseholdVerdictView | None:
    """The household's verdict in ``run`` or in the latest finished run that judged it."""
    if not scope.covers(household.area_code):
        raise NotFound()
    if run is None:
        wider = [household.area_code[:n] for n in (2, 4, 6, 9, 12)]
        candidates = run_list(scope=scope).filter(
            status=EvaluationRun.Status.DONE, scope_prefix__in=wider
        )
        verdict = (
            HouseholdVerdict.objects.filter(household_id=household.pk, run__in=candidates)
            .select_related("run")
            .order_by("-run__finished_at", "-run_id")
            .first()
        )
    else:
        verdict = (
            HouseholdVerdict.objects.filter(household_id=household.pk, run=run)
            .select_related("run")
            .first()
        )
    if verdict is None:
        return None
    params = params_at(verdict.run, verdict.area_code)
    findings = list(
        MemberFinding.objects.filter(run_id=verdict.run_id, household_id=household.pk).order_by(
            "member_id"
        )
    )
    names = dict(
        Member.objects.filter(pk__in=[f.member_id for f in findings]).values_list("pk", "name")
    )
    events: list[HardshipEvent] = []
    if verdict.facts & engine.F_HARDSHIP:
        as_of = verdict.run.summary.get("as_of") or verdict.run.created_at.date().isoformat()
        first, last = engine.hardship_window(_date(as_of), params)
        events = list(
            HardshipEvent.objects.filter(
                household_id=household.pk,
                occurred_on__gte=first,
                occurred_on__lte=last,
                kind__in=params["hardship_kinds"],
            ).order_by("occurred_on")
        )
    reasons = household_reasons(
        verdict=verdict,
        params=params,
        year=verdict.run.year,
        findings=[(f, names.get(f.member_id, "")) for f in findings],
        events=events,
    )
    return HouseholdVerdictView(run=verdict.run, verdict=verdict, params=params, reasons=reasons)


def _date(text: str) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(text)


# --- the difference between two runs ----------------------------------------------------


@dataclass
class DiffRow:
    household_id: int
    area_code: str
    before_fails: int | None
    after_fails: int | None
    before_category: str | None
    after_category: str | None
    number: str = ""
    head_name: str = ""


@dataclass
class RunDiff:
    before: EvaluationRun
    after: EvaluationRun
    counts: dict[str, int]
    rows: list[DiffRow]
    total: int


def run_diff(
    *, scope: Scope, before_id: int, after_id: int, area: str = "", limit: int = 200
) -> RunDiff:
    """Households whose verdict (exit or category) differs between two runs, and why."""
    before = run_get(scope=scope, run_id=before_id)
    after = run_get(scope=scope, run_id=after_id)
    prefixes = sorted(set(view_prefixes(scope, before)) & set(view_prefixes(scope, after)))
    if not prefixes:
        prefixes = view_prefixes(scope, after)
    if area:
        prefixes = [area] if any(area.startswith(p) for p in prefixes) else []
    args: list[Any] = []
    ranges = []
    for prefix in prefixes:
        ranges.append(engine._range_sql("x.area_code", prefix, args))
    where = " OR ".join(ranges) or "1=0"
    base = f"""
        SELECT a.household_id, a.area_code, a.exit_fails AS bf, b.exit_fails AS af,
               a.category AS bc, b.category AS ac
        FROM policy_householdverdict a
        LEFT JOIN policy_householdverdict b
          ON b.run_id = {int(after.pk)} AND b.household_id = a.household_id
        WHERE a.run_id = {int(before.pk)}
        UNION ALL
        SELECT b.household_id, b.area_code, NULL, b.exit_fails, NULL, b.category
        FROM policy_householdverdict b
        WHERE b.run_id = {int(after.pk)} AND NOT EXISTS (
            SELECT 1 FROM policy_householdverdict a
            WHERE a.run_id = {int(before.pk)} AND a.household_id = b.household_id)
    """
    changed = """
        (x.bf IS NULL OR x.af IS NULL OR x.bc <> x.ac
         OR (x.bf = 0 AND x.af <> 0) OR (x.bf <> 0 AND x.af = 0) OR x.bf <> x.af)
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT
                SUM(CASE WHEN x.bf IS NULL THEN 1 ELSE 0 END),
                SUM(CASE WHEN x.af IS NULL THEN 1 ELSE 0 END),
                SUM(CASE WHEN x.bf <> 0 AND x.af = 0 THEN 1 ELSE 0 END),
                SUM(CASE WHEN x.bf = 0 AND x.af <> 0 THEN 1 ELSE 0 END),
                SUM(CASE WHEN x.bf <> 0 AND x.af <> 0 AND x.bf <> x.af THEN 1 ELSE 0 END),
                SUM(CASE WHEN x.bc <> x.ac THEN 1 ELSE 0 END),
                COUNT(*)
            FROM ({base}) x WHERE ({where}) AND {changed}""",
            args,
        )
        sums = [int(v or 0) for v in cursor.fetchone()]
        cursor.execute(
            f"""SELECT x.household_id, x.area_code, x.bf, x.af, x.bc, x.ac
            FROM ({base}) x WHERE ({where}) AND {changed}
            ORDER BY x.area_code, x.household_id LIMIT {int(limit)}""",
            args,
        )
        rows = [DiffRow(*r) for r in cursor.fetchall()]
    ids = [r.household_id for r in rows]
    numbers = dict(Household.objects.filter(pk__in=ids).values_list("pk", "number"))
    heads = dict(
        Member.objects.filter(
            household_id__in=ids, relation=Relation.HEAD, is_active=True
        ).values_list("household_id", "name")
    )
    for r in rows:
        r.number = numbers.get(r.household_id, "")
        r.head_name = heads.get(r.household_id, "")
    keys = (
        "only_after",
        "only_before",
        "now_meet",
        "now_fail",
        "clauses_changed",
        "category_changed",
        "total",
    )
    counts = dict(zip(keys, sums, strict=True))
    return RunDiff(before=before, after=after, counts=counts, rows=rows, total=counts["total"])


# --- what-if --------------------------------------------------------------------------


@dataclass
class VillageChange:
    code: str
    name: str
    changed: int = 0
    now_meet: int = 0
    now_fail: int = 0
    into_monitoring: int = 0
    out_of_monitoring: int = 0
    verdict_before: str = ""
    verdict_after: str = ""


@dataclass
class WhatIf:
    run: EvaluationRun
    region: str
    changes: dict[str, Any]
    villages: list[VillageChange] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


WHAT_IF_KEYS = tuple(p.key for p in P.PARAMS if p.what_if)


def _layer_params(run: EvaluationRun) -> dict[str, dict[str, Any]]:
    ids = [v["version"] for v in run.standards.values()]
    by_id = dict(StandardVersion.objects.filter(pk__in=ids).values_list("pk", "params"))
    return {region: by_id.get(v["version"], {}) for region, v in run.standards.items()}


def what_if(
    *, scope: Scope, run_id: int, region: str, changes: dict[str, Any], area: str = ""
) -> WhatIf:
    """How many households of a stored run would change verdict, per village, if the
    standard of ``region`` had ``changes``. Nothing is saved.

    The run keeps each household's values and raw facts, so the changed rules are
    re-applied to its verdict rows in one grouped query — no re-reading of the registry.
    """
    started = time.perf_counter()
    run = run_get(scope=scope, run_id=run_id)
    if run.status != EvaluationRun.Status.DONE:
        raise InvalidInput(_("该批次尚未完成，不能用于测算。"))
    unknown = [k for k in changes if k not in WHAT_IF_KEYS]
    if unknown:
        raise InvalidInput(
            fields={k: [_("此参数不能即时测算，请修改标准后重新评估")] for k in unknown}
        )
    cleaned = P.clean_params(dict(changes), complete=False)
    region = region or ""
    layers = _layer_params(run)
    visible = view_prefixes(scope, run)
    if area:
        visible = [area] if any(area.startswith(p) for p in visible) else []
    selects: list[str] = []
    args: list[Any] = []
    for prefix, old in run.params.items():
        chain = sorted((r for r in layers if prefix.startswith(r)), key=len)
        new = dict(old)
        for key, value in cleaned.items():
            # a narrower layer than the edited region that sets this key keeps its value
            narrower = [r for r in chain if len(r) > len(region) and key in layers[r]]
            if not narrower and (prefix.startswith(region) or region.startswith(prefix)):
                new[key] = value
        if new == old:
            continue
        part_args: list[Any] = []
        fails = engine.exit_fails_sql(new, part_args, src="v")
        risks = engine.risks_sql(new, part_args, src="v")
        others = sorted(r for r in run.params if r != prefix and r.startswith(prefix))
        filters = [engine._range_sql("v.area_code", prefix, part_args)]
        for inner in others:
            filters.append("NOT " + engine._range_sql("v.area_code", inner, part_args))
        if region.startswith(prefix) and region != prefix:
            filters.append(engine._range_sql("v.area_code", region, part_args))
        view_args: list[Any] = []
        view = " OR ".join(engine._range_sql("v.area_code", p, view_args) for p in visible)
        part_args.extend(view_args)
        selects.append(
            f"""SELECT v.area_code, v.status_group, v.people, v.exit_fails, v.category,
                       {fails} AS nf, {risks} AS nr
                FROM policy_householdverdict v
                WHERE v.run_id = {int(run.pk)} AND {" AND ".join(filters)} AND ({view or "1=0"})"""
        )
        args.extend(part_args)
    result = WhatIf(run=run, region=region, changes=cleaned)
    if selects:
        union = " UNION ALL ".join(selects)
        sql = f"""
            SELECT SUBSTR(x.area_code, 1, 12),
                   COUNT(*),
                   SUM(CASE WHEN x.exit_fails <> 0 AND x.nf = 0 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN x.exit_fails = 0 AND x.nf <> 0 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN x.category = '' AND x.nc <> '' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN x.category <> '' AND x.nc = '' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN x.status_group = {engine.G_POOR} THEN x.people *
                       ((CASE WHEN x.nf <> 0 THEN 1 ELSE 0 END)
                        - (CASE WHEN x.exit_fails <> 0 THEN 1 ELSE 0 END)) ELSE 0 END)
            FROM (
                SELECT u.*, {engine.category_sql("u.nr", src="u")} AS nc FROM ({union}) u
            ) x
            WHERE x.nf <> x.exit_fails OR x.nc <> x.category
            GROUP BY SUBSTR(x.area_code, 1, 12)
            ORDER BY 1
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            rows = cursor.fetchall()
    else:
        rows = []
    delta_remaining = {r[0]: int(r[6] or 0) for r in rows}
    village_keys = set(delta_remaining)
    # villages whose verdict may change: those with changed households, and all of them
    # when a village limit changed
    village_level = any(k.startswith("village_") for k in cleaned)
    area_rows = AreaResult.objects.filter(run=run, level=Area.Level.VILLAGE).filter(
        prefix_q("area_code", visible)
    )
    if not village_level:
        area_rows = area_rows.filter(area_code__in=village_keys)
    names = dict(
        Area.objects.filter(
            code__in=set(village_keys) | set(area_rows.values_list("area_code", flat=True))
        ).values_list("code", "name")
    )
    by_code = {r[0]: r for r in rows}
    for ar in area_rows.order_by("area_code"):
        params = dict(params_at(run, ar.area_code))
        new_params = dict(params)
        for key, value in cleaned.items():
            if key.startswith("village_"):
                new_params[key] = value
        after = village_reasons(
            remaining=ar.remaining_poor_people + delta_remaining.get(ar.area_code, 0),
            population=ar.rural_population,
            facts=_stored_facts(ar.facts),
            params=new_params,
        )
        verdict_after = area_verdict(after)
        row = by_code.get(ar.area_code)
        if row is None and verdict_after == ar.verdict:
            continue
        result.villages.append(
            VillageChange(
                code=ar.area_code,
                name=names.get(ar.area_code, ar.area_code),
                changed=int(row[1]) if row else 0,
                now_meet=int(row[2] or 0) if row else 0,
                now_fail=int(row[3] or 0) if row else 0,
                into_monitoring=int(row[4] or 0) if row else 0,
                out_of_monitoring=int(row[5] or 0) if row else 0,
                verdict_before=ar.verdict,
                verdict_after=verdict_after,
            )
        )
    result.totals = {
        "changed": sum(int(r[1]) for r in rows),
        "now_meet": sum(int(r[2] or 0) for r in rows),
        "now_fail": sum(int(r[3] or 0) for r in rows),
        "into_monitoring": sum(int(r[4] or 0) for r in rows),
        "out_of_monitoring": sum(int(r[5] or 0) for r in rows),
        "villages_changed": sum(1 for v in result.villages if v.verdict_before != v.verdict_after),
    }
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _stored_facts(facts: dict[str, Any] | None) -> dict[str, Any] | None:
    """A village's facts as the run stored them (JSON: the income as text)."""
    if not facts:
        return None
    out = dict(facts)
    if out.get("collective_income") is not None:
        out["collective_income"] = Decimal(str(out["collective_income"]))
    return out
