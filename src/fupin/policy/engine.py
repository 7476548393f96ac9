"""The evaluation engine: the rules of POLICY.md as a few set-based SQL statements.

Each rule is a fixed structure with parameters from the standard in force; the SQL text
is built only from this module's own fragments, and every value from a standard is passed
as a query parameter. A run covers a scope (an area prefix); a standard override under
it splits the scope into *parts* (the override's range, the rest), and each part is
judged by two statements with its own parameters:

1. member findings: every active member behind a member-level reason (a child of
   compulsory-school age out of school, a member without basic medical insurance);
2. household verdicts: per household the values judged (per-capita net income, rigid
   expenses, people), the raw facts, the failed exit clauses, the monitoring risks and
   the category — from the household, its income and expense of the income year, the
   aggregated findings and the hardship events inside the window.

The same rules are implemented independently in ``bench/policy_reference.py`` (DuckDB and
pandas) and compared row by row in the benchmark.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from fupin.areas.codes import _next_prefix

# Raw facts (HouseholdVerdict.facts), found whatever the standard requires.
F_CHILD_OUT_OF_SCHOOL = 1
F_UNINSURED = 2
F_DANGER_HOUSE = 4
F_UNSAFE_WATER = 8
F_HARDSHIP = 16
F_NO_INCOME = 32

# Exit clauses (HouseholdVerdict.exit_fails): 0 means the household meets the standard.
C_INCOME = 1
C_SCHOOLING = 2
C_MEDICAL = 4
C_HOUSING = 8
C_WATER = 16
CLAUSES = (
    ("income", C_INCOME),
    ("schooling", C_SCHOOLING),
    ("medical", C_MEDICAL),
    ("housing", C_HOUSING),
    ("water", C_WATER),
)

# Monitoring risks (HouseholdVerdict.risks).
R_LOW_INCOME = 1
R_RIGID_EXPENSE = 2
R_HARDSHIP = 4
RISKS = (("low_income", R_LOW_INCOME), ("rigid_expense", R_RIGID_EXPENSE), ("hardship", R_HARDSHIP))

# Status groups (HouseholdVerdict.status_group).
G_POOR = 0  # 未脱贫, 返贫: judged for exit
G_EXITED = 1  # 已脱贫 (also monitored or risk-cleared after exit): unstable if at risk
G_OTHER = 2  # never registered: marginal or sudden hardship if at risk

CATEGORIES = ("unstable", "marginal", "hardship")

OUT_OF_SCHOOL = "非在校生"
POOR_STATUSES = ("not_exited", "returned")
POOR_SQL = "('not_exited', 'returned')"


@dataclass(frozen=True)
class Part:
    """A piece of the scope judged with one set of parameters."""

    region: str  # the narrowest standard region in force here ("" = national)
    prefix: str  # the range this part covers
    excluded: tuple[str, ...]  # narrower override regions inside it, judged separately
    params: dict[str, Any]


def _range_sql(column: str, prefix: str, args: list[Any]) -> str:
    if not prefix:
        return "1=1"
    upper = _next_prefix(prefix)
    args.append(prefix)
    if upper is None:
        return f"{column} >= %s"
    args.append(upper)
    return f"({column} >= %s AND {column} < %s)"


def part_filter(column: str, part: Part, args: list[Any]) -> str:
    sql = _range_sql(column, part.prefix, args)
    for inner in part.excluded:
        sql += f" AND NOT {_range_sql(column, inner, args)}"
    return sql


def _number(value: Any) -> Any:
    """A parameter as the database compares it: exact on PostgreSQL, float on SQLite
    (whose driver would otherwise bind a Decimal as text, which sorts above every number)."""
    number = Decimal(str(value))
    if connection.vendor == "sqlite":
        return float(number)
    return number


def _date_int(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def age_reference(year: int, params: dict[str, Any]) -> dt.date:
    month, day = (int(x) for x in str(params["age_reference"]).split("-"))
    return dt.date(year, month, day)


def income_year(year: int, params: dict[str, Any], *, for_exit: bool) -> int:
    """The income year judged: for exit (a registered poor household) the year being
    judged; for identification and monitoring (everyone else) the year before, by default.
    Runs stored before the two were separate judged both with ``income_year_offset``."""
    key = "exit_income_year_offset" if for_exit else "identification_income_year_offset"
    return year + int(params.get(key, params.get("income_year_offset", -1)))


def hardship_window(as_of: dt.date, params: dict[str, Any]) -> tuple[dt.date, dt.date]:
    """(first day, last day) of the window in which a hardship event counts: the N months
    up to ``as_of`` — from the day after the same day N months earlier (the month's last
    day when it is shorter), e.g. 2025-12-31 → 2025-01-01 … 2025-12-31."""
    months = int(params["hardship_window_months"])
    month_index = as_of.year * 12 + as_of.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(as_of.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day) + dt.timedelta(days=1), as_of


def _in_list(values: Sequence[str], args: list[Any]) -> str:
    if not values:
        return "(NULL)"
    args.extend(values)
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def _age_sql(ref: int) -> str:
    # 18-digit resident IDs (and disability numbers built on them) carry yyyymmdd at 7–14;
    # whole years of age are (reference - birth) // 10000 in that integer form.
    return f"(({ref} - CAST(SUBSTR(m.id_number, 7, 8) AS INTEGER)) / 10000)"


def optimisation_fence() -> str:
    """Keeps a subquery a subquery: both planners would otherwise inline it and compute its
    expressions (per-capita income, the fact mask, the risk mask) again at every use."""
    return "LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else "OFFSET 0"


def findings_sql(run_id: int, year: int, part: Part) -> tuple[str, list[Any]]:
    p = part.params
    ref = _date_int(age_reference(year, p))
    age = _age_sql(ref)
    args: list[Any] = [int(p["school_age_min"]), int(p["school_age_max"])]
    child = (
        f"CASE WHEN m.schooling = '{OUT_OF_SCHOOL}' THEN "
        f"CASE WHEN {age} BETWEEN %s AND %s THEN {F_CHILD_OUT_OF_SCHOOL} ELSE 0 END ELSE 0 END"
    )
    uninsured = f"CASE WHEN m.medical_insurance THEN 0 ELSE {F_UNINSURED} END"
    where = part_filter("h.area_code", part, args)
    # The partial index holds only the members this statement wants (its condition is the
    # last line below, word for word); SQLite takes it only when told, PostgreSQL by itself.
    findings_index = "INDEXED BY member_policy_findings" if connection.vendor == "sqlite" else ""
    sql = f"""
        INSERT INTO policy_memberfinding (run_id, household_id, member_id, age, facts)
        SELECT {int(run_id)}, x.household_id, x.member_id, x.age, x.facts FROM (
            SELECT m.household_id AS household_id, m.id AS member_id,
                   {age} AS age, ({child}) + ({uninsured}) AS facts
            FROM registry_member m {findings_index}
            JOIN registry_household h ON h.id = m.household_id
            WHERE m.is_active AND h.is_active AND {where}
              AND (NOT m.medical_insurance OR m.schooling = '{OUT_OF_SCHOOL}')
        ) x
        WHERE x.facts <> 0
    """
    return sql, args


def exit_fails_sql(p: dict[str, Any], args: list[Any], src: str = "b") -> str:
    """The failed-clause mask from stored values (shared by the run and the what-if)."""
    args.append(_number(p["poverty_line"]))
    parts = [
        f"CASE WHEN {src}.per_capita IS NULL OR {src}.per_capita <= %s THEN {C_INCOME} ELSE 0 END"
    ]
    if p["require_schooling"]:
        parts.append(
            f"CASE WHEN ({src}.facts & {F_CHILD_OUT_OF_SCHOOL}) <> 0 THEN {C_SCHOOLING} ELSE 0 END"
        )
    if p["require_medical"]:
        parts.append(f"CASE WHEN ({src}.facts & {F_UNINSURED}) <> 0 THEN {C_MEDICAL} ELSE 0 END")
    if p["require_housing"]:
        parts.append(f"CASE WHEN ({src}.facts & {F_DANGER_HOUSE}) <> 0 THEN {C_HOUSING} ELSE 0 END")
    if p["require_safe_water"]:
        parts.append(f"CASE WHEN ({src}.facts & {F_UNSAFE_WATER}) <> 0 THEN {C_WATER} ELSE 0 END")
    return " + ".join(f"({x})" for x in parts)


def risks_sql(p: dict[str, Any], args: list[Any], src: str = "b") -> str:
    args.append(_number(p["monitoring_threshold"]))
    args.append(_number(p["rigid_expense_share"]))
    return (
        f"(CASE WHEN {src}.per_capita IS NOT NULL AND {src}.per_capita < %s "
        f"THEN {R_LOW_INCOME} ELSE 0 END)"
        f" + (CASE WHEN {src}.expenses > 0 AND "
        f"{src}.expenses > %s * (CASE WHEN {src}.net_income > 0 THEN {src}.net_income ELSE 0 END)"
        f" THEN {R_RIGID_EXPENSE} ELSE 0 END)"
        f" + (CASE WHEN ({src}.facts & {F_HARDSHIP}) <> 0 THEN {R_HARDSHIP} ELSE 0 END)"
    )


def category_sql(risks: str, src: str = "b") -> str:
    return (
        f"CASE WHEN {src}.status_group = {G_EXITED} AND ({risks}) <> 0 THEN 'unstable'"
        f" WHEN {src}.status_group = {G_OTHER} AND (({risks}) & {R_LOW_INCOME}) <> 0"
        " THEN 'marginal'"
        f" WHEN {src}.status_group = {G_OTHER} AND ({risks}) <> 0 THEN 'hardship'"
        " ELSE '' END"
    )


def verdicts_sql(
    run_id: int, year: int, as_of: dt.date, part: Part, *, most_of_table: bool = True
) -> tuple[str, list[Any]]:
    p = part.params
    exit_year = income_year(year, p, for_exit=True)
    other_year = income_year(year, p, for_exit=False)
    first, last = hardship_window(as_of, p)
    base_args: list[Any] = []
    danger = _in_list(list(p["dangerous_grades"]), base_args)
    if exit_year == other_year:
        income_on = "i.year = %s"
        base_args.append(exit_year)
    else:
        # registered poor households are judged for exit, the others for identification
        # and monitoring: each reads its own year (one row per household all the same)
        income_on = f"i.year = CASE WHEN h.status IN {POOR_SQL} THEN %s ELSE %s END"
        base_args.extend([exit_year, other_year])
    # rigid expenses count only for monitoring: the identification year
    base_args.append(other_year)
    if connection.vendor == "sqlite":
        # One look-up per household in the partial index member_active_household (no
        # table rows read); SQLite would otherwise sort every member to group them.
        people = (
            "(SELECT COUNT(*) FROM registry_member m INDEXED BY member_active_household"
            " WHERE m.household_id = h.id AND m.is_active)"
        )
        people_join = ""
    elif most_of_table:
        # Counting every active member in index order is one pass with no sort or hash;
        # the households outside the scope are left out by the join.
        people = "COALESCE(mc.people, 0)"
        people_join = """LEFT JOIN (
            SELECT m.household_id, COUNT(*) AS people
            FROM registry_member m WHERE m.is_active GROUP BY m.household_id
        ) mc ON mc.household_id = h.id"""
    else:
        # A small part of a big registry: an index-only count per household in scope.
        people = (
            "(SELECT COUNT(*) FROM registry_member m WHERE m.household_id = h.id AND m.is_active)"
        )
        people_join = ""
    base_args.extend([int(run_id), first, last])
    kinds = _in_list(list(p["hardship_kinds"]), base_args)
    where = part_filter("h.area_code", part, base_args)
    fence = optimisation_fence()
    base = f"""
        SELECT h.id AS household_id, h.area_code AS area_code, h.danger_grade AS danger_grade,
          CASE WHEN h.status IN {POOR_SQL} THEN {G_POOR}
               WHEN h.status = 'exited' OR (h.status IN ('monitored', 'risk_cleared')
                    AND h.exited_year IS NOT NULL) THEN {G_EXITED}
               ELSE {G_OTHER} END AS status_group,
          {people} AS people,
          ROUND((i.wage + i.business + i.property_income + i.transfer - i.business_costs)
                * 1.0 / i.household_size, 2) AS per_capita,
          (i.wage + i.business + i.property_income + i.transfer - i.business_costs)
                AS net_income,
          (e.medical + e.schooling) AS expenses,
          COALESCE(mf.facts, 0)
            + (CASE WHEN h.danger_grade IN {danger} THEN {F_DANGER_HOUSE} ELSE 0 END)
            + (CASE WHEN h.safe_water THEN 0 ELSE {F_UNSAFE_WATER} END)
            + (CASE WHEN ev.household_id IS NULL THEN 0 ELSE {F_HARDSHIP} END)
            + (CASE WHEN i.id IS NULL THEN {F_NO_INCOME} ELSE 0 END) AS facts
        FROM registry_household h
        LEFT JOIN registry_incomerecord i ON i.household_id = h.id AND {income_on}
        LEFT JOIN registry_householdexpense e ON e.household_id = h.id AND e.year = %s
        {people_join}
        LEFT JOIN (
            SELECT household_id, MAX(facts & {F_CHILD_OUT_OF_SCHOOL})
                   + MAX(facts & {F_UNINSURED}) AS facts
            FROM policy_memberfinding WHERE run_id = %s GROUP BY household_id
        ) mf ON mf.household_id = h.id
        LEFT JOIN (
            SELECT DISTINCT household_id FROM registry_hardshipevent
            WHERE occurred_on >= %s AND occurred_on <= %s AND kind IN {kinds}
        ) ev ON ev.household_id = h.id
        WHERE h.is_active AND {where} {fence}
    """
    # Placeholders in text order: the judged layer's expressions, then the base query.
    args: list[Any] = []
    fails = exit_fails_sql(p, args)
    risks = risks_sql(p, args)
    args.extend(base_args)
    # The risk mask is computed once in the inner layer and the category read from it.
    sql = f"""
        INSERT INTO policy_householdverdict (run_id, household_id, area_code, status_group,
            people, per_capita, net_income, expenses, danger_grade, facts, exit_fails, risks,
            category)
        SELECT {int(run_id)}, j.household_id, j.area_code, j.status_group, j.people,
            j.per_capita, j.net_income, j.expenses, j.danger_grade, j.facts,
            j.exit_fails, j.risks, {category_sql("j.risks", src="j")}
        FROM (
            SELECT b.*, {fails} AS exit_fails, {risks} AS risks FROM ({base}) b {fence}
        ) j
    """
    return sql, args


def _most_of_table(cursor: Any, part: Part) -> bool:
    """Whether a part holds a good share (a fifth or more) of all households: then one pass
    over every member beats a look-up per household (PostgreSQL's plan choice)."""
    if connection.vendor != "postgresql":
        return False
    cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'registry_household'")
    row = cursor.fetchone()
    total = float(row[0]) if row else -1.0
    if total <= 0:  # never analysed: small, or just loaded; counting is cheap then
        cursor.execute("SELECT COUNT(*) FROM registry_household")
        total = float(cursor.fetchone()[0])
    args: list[Any] = []
    where = part_filter("h.area_code", part, args)
    cursor.execute(f"SELECT COUNT(*) FROM registry_household h WHERE {where}", args)
    inside = float(cursor.fetchone()[0])
    return total == 0 or inside >= total / 5


def run_parts(
    run_id: int,
    year: int,
    as_of: dt.date,
    parts: Sequence[Part],
    progress: Callable[[str, int, int], None] | None = None,
) -> None:
    """Judge every household of every part; call inside the caller's transaction."""
    total = 2 * len(parts)
    done = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The per-household member counts are a hash aggregate over every member; with
            # the default 4 MB it spills to disk at a county's size. For this transaction only.
            cursor.execute("SET LOCAL work_mem = '256MB'")
        for part in parts:
            sql, args = findings_sql(run_id, year, part)
            cursor.execute(sql, args)
            done += 1
            if progress:
                progress("findings", done, total)
            most = _most_of_table(cursor, part)
            sql, args = verdicts_sql(run_id, year, as_of, part, most_of_table=most)
            if most:
                # Households, incomes, expenses and member counts can all be read in
                # household order (primary key, unique (household, year), the partial
                # member index), so merge joins stream them where the planner's hash joins
                # would build tables of millions of rows (1M households: 9.6 s → 5.9 s;
                # 10M: 129 s → 109 s). For this statement only.
                cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute(sql, args)
            if most:
                cursor.execute("SET LOCAL enable_hashjoin = on")
            done += 1
            if progress:
                progress("verdicts", done, total)
