"""Roll-ups of a run: villages (incidence and exit verdict), townships, counties (the four
vetoes). One GROUP BY over the run's verdicts gives the village figures; townships and
counties are sums of those, computed on a polars frame; verdicts are column expressions.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl
from django.db import connection

from fupin.areas.codes import prefix_q
from fupin.areas.models import Area
from fupin.core.bulk import insert_rows
from fupin.policy.engine import CATEGORIES, CLAUSES
from fupin.policy.models import AreaResult, CountyAssessment, VillageFacts

PASS, FAIL, MISSING = "pass", "fail", "missing"
VILLAGE_CONDITIONS = ("hard_road", "safe_water", "electricity", "clinic")

# The counts every level of a run carries; the run's summary gives them for a scope.
COUNT_COLUMNS = (
    "households",
    "people",
    "poor_households",
    "poor_people",
    "remaining_poor_people",
    "meets_exit",
    "exit_candidates",
    "failing_exited",
)
SUM_COLUMNS = (
    *COUNT_COLUMNS,
    *(f"clause_{name}" for name, _ in CLAUSES),
    *(f"category_{c}" for c in CATEGORIES),
)


def _village_sql(run_id: int) -> str:
    clause_sums = ", ".join(
        f"SUM(CASE WHEN (exit_fails & {bit}) <> 0 THEN 1 ELSE 0 END)" for _, bit in CLAUSES
    )
    category_sums = ", ".join(
        f"SUM(CASE WHEN category = '{c}' THEN 1 ELSE 0 END)" for c in CATEGORIES
    )
    return f"""
        SELECT SUBSTR(area_code, 1, 12), COUNT(*), SUM(people),
            SUM(CASE WHEN status_group = 0 THEN 1 ELSE 0 END),
            SUM(CASE WHEN status_group = 0 THEN people ELSE 0 END),
            SUM(CASE WHEN status_group = 0 AND exit_fails <> 0 THEN people ELSE 0 END),
            SUM(CASE WHEN exit_fails = 0 THEN 1 ELSE 0 END),
            SUM(CASE WHEN status_group = 0 AND exit_fails = 0 THEN 1 ELSE 0 END),
            SUM(CASE WHEN status_group = 1 AND exit_fails <> 0 THEN 1 ELSE 0 END),
            {clause_sums}, {category_sums}
        FROM policy_householdverdict WHERE run_id = {int(run_id)}
        GROUP BY SUBSTR(area_code, 1, 12)
    """


def _rate(numerator: int, denominator: int | None) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def area_verdict(reasons: list[dict[str, Any]]) -> str:
    states = {r["state"] for r in reasons}
    if FAIL in states:
        return AreaResult.Verdict.FAIL
    if MISSING in states:
        return AreaResult.Verdict.PENDING
    return AreaResult.Verdict.PASS


def _params_for(code: str, params_by_region: dict[str, dict[str, Any]]) -> dict[str, Any]:
    region = max((r for r in params_by_region if code.startswith(r)), key=len)
    return params_by_region[region]


def village_reasons(
    *,
    remaining: int,
    population: int | None,
    facts: dict[str, Any] | None,
    params: dict[str, Any],
) -> list[dict[str, Any]]:
    """The exit conditions of one village (POLICY.md §4) with value, limit and state."""
    limit = Decimal(str(params["village_incidence_limit"]))
    rate = _rate(remaining, population)
    reasons: list[dict[str, Any]] = [
        {
            "code": "incidence",
            "state": MISSING if rate is None else (PASS if rate < limit else FAIL),
            "value": _text(rate),
            "limit": _text(limit),
            "people": remaining,
            "population": population,
        }
    ]
    minimum = params.get("village_collective_income_min")
    if minimum is not None:
        income = None if facts is None else facts.get("collective_income")
        state = MISSING if income is None else (PASS if income >= Decimal(minimum) else FAIL)
        reasons.append(
            {
                "code": "collective_income",
                "state": state,
                "value": None if income is None else format(income, "f"),
                "limit": str(minimum),
            }
        )
    for name in VILLAGE_CONDITIONS:
        if params.get(f"village_require_{name}"):
            value = None if facts is None else facts.get(name)
            reasons.append(
                {
                    "code": name,
                    "state": MISSING if value is None else (PASS if value else FAIL),
                    "value": value,
                    "limit": True,
                }
            )
    return reasons


def county_reasons(
    *,
    remaining: int,
    population: int | None,
    assessment: dict[str, Any] | None,
    params: dict[str, Any],
) -> list[dict[str, Any]]:
    """The four vetoes of a county's exit; third-party figures missing stay missing."""
    a = assessment or {}
    missed, wrong = a.get("missed_people"), a.get("wrongly_exited_people")
    limit = Decimal(str(params["county_incidence_limit"]))
    known = remaining + (missed or 0) + (wrong or 0)
    rate = _rate(known, population)
    if rate is None:
        state = MISSING
    elif rate >= limit:
        state = FAIL  # already over the limit with what is known: missing figures only add
    elif missed is None or wrong is None:
        state = MISSING
    else:
        state = PASS
    reasons: list[dict[str, Any]] = [
        {
            "code": "county_incidence",
            "state": state,
            "value": _text(rate),
            "limit": _text(limit),
            "people": remaining,
            "missed_people": missed,
            "wrongly_exited_people": wrong,
            "population": population,
        }
    ]
    for code, key, limit_key, below in (
        ("wrong_exit_rate", "wrong_exit_rate", "county_wrong_exit_limit", True),
        ("miss_rate", "miss_rate", "county_miss_limit", True),
        ("approval_rate", "approval_rate", "county_approval_min", False),
    ):
        value = a.get(key)
        bound = Decimal(str(params[limit_key]))
        if value is None:
            state = MISSING
        elif below:
            state = PASS if value < bound else FAIL
        else:
            state = PASS if value > bound else FAIL
        reasons.append(
            {
                "code": code,
                "state": state,
                "value": None if value is None else format(value, "f"),
                "limit": _text(bound),
            }
        )
    return reasons


def rollup(
    run_id: int, scope_prefix: str, year: int, params_by_region: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Write the run's AreaResult rows; returns the scope's totals for the run summary."""
    with connection.cursor() as cursor:
        cursor.execute(_village_sql(run_id))
        rows = cursor.fetchall()
    schema = {"code": pl.Utf8, **{c: pl.Int64 for c in SUM_COLUMNS}}
    frame = pl.DataFrame(
        [tuple(int(v or 0) if i else v for i, v in enumerate(r)) for r in rows],
        schema=schema,
        orient="row",
    )
    areas = list(
        Area.objects.filter(
            prefix_q("code", [scope_prefix]),
            level__in=[Area.Level.VILLAGE, Area.Level.TOWNSHIP, Area.Level.COUNTY],
        ).values_list("code", "level", "rural_population")
    )
    villages = pl.DataFrame(
        [(c, p) for c, level, p in areas if level == Area.Level.VILLAGE],
        schema={"code": pl.Utf8, "rural_population": pl.Int64},
        orient="row",
    )
    # every village of the scope, also those without households in the registry
    village_frame = villages.join(frame, on="code", how="full", coalesce=True).with_columns(
        [pl.col(c).fill_null(0) for c in SUM_COLUMNS]
    )
    facts = {
        code: row
        for code, *row in VillageFacts.objects.filter(
            prefix_q("area__code", [scope_prefix]), year=year
        ).values_list("area__code", "collective_income", *VILLAGE_CONDITIONS)
    }
    assessments: dict[str, dict[str, Any]] = {
        row["area__code"]: dict(row)
        for row in CountyAssessment.objects.filter(
            prefix_q("area__code", [scope_prefix]), year=year
        ).values(
            "area__code",
            "wrong_exit_rate",
            "miss_rate",
            "approval_rate",
            "missed_people",
            "wrongly_exited_people",
        )
    }
    own_population = {c[:6]: p for c, level, p in areas if level == Area.Level.COUNTY and p}

    def sums(key_len: int) -> pl.DataFrame:
        grouped = village_frame.group_by(pl.col("code").str.slice(0, key_len).alias("key")).agg(
            [pl.col(c).sum() for c in (*SUM_COLUMNS, "rural_population")]
        )
        return grouped.sort("key")

    out: list[tuple[Any, ...]] = []

    def emit(
        code: str,
        level: str,
        row: dict[str, Any],
        verdict: str,
        reasons: list[Any],
        facts: dict[str, Any] | None = None,
    ) -> None:
        out.append(
            (
                run_id,
                code,
                level,
                row["households"],
                row["people"],
                row["poor_households"],
                row["poor_people"],
                row["remaining_poor_people"],
                row["rural_population"],
                row["meets_exit"],
                row["exit_candidates"],
                row["failing_exited"],
                json.dumps({name: row[f"clause_{name}"] for name, _ in CLAUSES}),
                json.dumps({c: row[f"category_{c}"] for c in CATEGORIES}),
                verdict,
                json.dumps(reasons, ensure_ascii=False),
                json.dumps(facts or {}, default=str),
            )
        )

    for row in village_frame.sort("code").iter_rows(named=True):
        code = row["code"]
        fact = facts.get(code)
        village_facts = (
            None
            if fact is None
            else dict(zip(("collective_income", *VILLAGE_CONDITIONS), fact, strict=True))
        )
        reasons = village_reasons(
            remaining=row["remaining_poor_people"],
            population=row["rural_population"],
            facts=village_facts,
            params=_params_for(code, params_by_region),
        )
        emit(code, Area.Level.VILLAGE, row, area_verdict(reasons), reasons, village_facts)
    townships = sums(9) if len(scope_prefix) <= 9 else sums(9).clear()
    counties = sums(6) if len(scope_prefix) <= 6 else sums(6).clear()
    for row in townships.iter_rows(named=True):
        emit(row["key"].ljust(12, "0"), Area.Level.TOWNSHIP, row, AreaResult.Verdict.NONE, [])
    for row in counties.iter_rows(named=True):
        code = row["key"].ljust(12, "0")
        population = own_population.get(row["key"]) or row["rural_population"] or None
        row["rural_population"] = population
        reasons = county_reasons(
            remaining=row["remaining_poor_people"],
            population=population,
            assessment=assessments.get(code),
            params=_params_for(code, params_by_region),
        )
        emit(code, Area.Level.COUNTY, row, area_verdict(reasons), reasons)
    totals = {c: int(village_frame[c].sum()) for c in SUM_COLUMNS}
    totals["villages"] = village_frame.height
    totals["villages_passing"] = sum(1 for r in out if r[2] == "village" and r[14] == "pass")
    insert_rows(
        AreaResult._meta.db_table,
        [
            "run_id",
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
            "reasons",
            "facts",
        ],
        out,
    )
    return totals
