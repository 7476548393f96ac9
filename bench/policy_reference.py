"""Reference implementations of the household rules, written apart from the engine.

The rules (POLICY.md §4–§5, with the parameters of the standard in force) as read here:

* exit clauses (a bit each, 0 = the household meets the standard):
  income 1 — no income record of the income year, or per-capita net income
  ((wage + business + property + transfer − business costs) / household_size, rounded to
  the cent, half away from zero) not above the poverty line; schooling 2 — an active
  member whose schooling is ``非在校生`` aged school_age_min…school_age_max in whole years
  on the age reference day (birth date = ID digits 7–14); medical 4 — an active member
  without basic medical insurance; housing 8 — a dangerous grade; water 16 — unsafe water;
  each only where the standard requires it;
* monitoring risks: low income 1 — an income record and per capita below the monitoring
  threshold; rigid expense 2 — medical + schooling expenses of the income year above zero
  and above share × the net income (a missing or negative income counts as 0);
  hardship 4 — an event of a counted kind in the 12 months up to the as-of day
  (after as_of minus 12 calendar months, the day clamped to the month's end; up to and
  including as_of);
* status groups: not_exited/returned → poor; exited, or monitored/risk_cleared with an
  exit year → exited; the rest → other. Category: exited with any risk → unstable;
  other with low income → marginal; other with any other risk → hardship; else "".

Amounts are handled as whole cents (int64), never floats. Each implementation takes the
same loaded tables (:func:`load`) and returns a pandas frame indexed by household id with
columns exit_fails, risks, category, people, per_capita_cents.
"""

from __future__ import annotations

import calendar
import datetime as dt
import time
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

C_INCOME, C_SCHOOLING, C_MEDICAL, C_HOUSING, C_WATER = 1, 2, 4, 8, 16
R_LOW_INCOME, R_RIGID_EXPENSE, R_HARDSHIP = 1, 2, 4
OUT_OF_SCHOOL = "非在校生"
POOR = ("not_exited", "returned")
EXITED_IF_YEAR = ("monitored", "risk_cleared")


@dataclass(frozen=True)
class Rules:
    """The parameters the household rules read, in the units used here."""

    income_year: int  # identification and monitoring: everyone but the registered poor
    exit_income_year: int  # exit: registered poor households (未脱贫, 返贫)
    age_ref: dt.date
    school_min: int
    school_max: int
    line_cents: int
    threshold_cents: int
    share: Fraction
    dangerous: tuple[str, ...]
    kinds: tuple[str, ...]
    window_first: dt.date  # first day counted
    as_of: dt.date
    require_schooling: bool
    require_medical: bool
    require_housing: bool
    require_water: bool


def months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def cents(value: Any) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value(ROUND_HALF_UP))


def rules_from(params: dict[str, Any], year: int, as_of: dt.date) -> Rules:
    month, day = (int(x) for x in str(params["age_reference"]).split("-"))
    return Rules(
        income_year=year + int(params["identification_income_year_offset"]),
        exit_income_year=year + int(params["exit_income_year_offset"]),
        age_ref=dt.date(year, month, day),
        school_min=int(params["school_age_min"]),
        school_max=int(params["school_age_max"]),
        line_cents=cents(params["poverty_line"]),
        threshold_cents=cents(params["monitoring_threshold"]),
        share=Fraction(str(params["rigid_expense_share"])),
        dangerous=tuple(params["dangerous_grades"]),
        kinds=tuple(params["hardship_kinds"]),
        window_first=months_before(as_of, int(params["hardship_window_months"]))
        + dt.timedelta(days=1),
        as_of=as_of,
        require_schooling=bool(params["require_schooling"]),
        require_medical=bool(params["require_medical"]),
        require_housing=bool(params["require_housing"]),
        require_water=bool(params["require_safe_water"]),
    )


# --- loading ---------------------------------------------------------------------------


@dataclass
class Tables:
    households: pd.DataFrame
    members: pd.DataFrame
    incomes: pd.DataFrame
    expenses: pd.DataFrame
    events: pd.DataFrame
    seconds: float


def _money(column: pd.Series) -> pd.Series:
    # Decimal (PostgreSQL) or int/float (SQLite) → whole cents
    if len(column) and isinstance(column.iloc[0], Decimal):
        return column.map(lambda v: int(v * 100)).astype("int64")
    return (column.astype("float64") * 100).round().astype("int64")


def load(scope_prefix: str) -> Tables:
    """Read the registry under ``scope_prefix`` from the Django database."""
    from django.db import connection

    started = time.perf_counter()
    upper = str(int(scope_prefix) + 1).zfill(len(scope_prefix))
    scope = "h.area_code >= %s AND h.area_code < %s"
    args = [scope_prefix, upper]

    def frame(sql: str, columns: list[str]) -> pd.DataFrame:
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)

    households = frame(
        f"""SELECT h.id, h.area_code, h.status, h.exited_year, h.danger_grade, h.safe_water
        FROM registry_household h WHERE h.is_active AND {scope}""",
        ["id", "area_code", "status", "exited_year", "danger_grade", "safe_water"],
    )
    households["safe_water"] = households["safe_water"].astype(bool)
    households["has_exit_year"] = households["exited_year"].notna()
    households = households.drop(columns=["exited_year"])
    members = frame(
        f"""SELECT m.household_id, m.id_number, m.schooling, m.medical_insurance
        FROM registry_member m JOIN registry_household h ON h.id = m.household_id
        WHERE m.is_active AND h.is_active AND {scope}""",
        ["household_id", "id_number", "schooling", "medical_insurance"],
    )
    members["medical_insurance"] = members["medical_insurance"].astype(bool)
    incomes = frame(
        f"""SELECT i.household_id, i.year, i.wage, i.business, i.property_income, i.transfer,
            i.business_costs, i.household_size
        FROM registry_incomerecord i JOIN registry_household h ON h.id = i.household_id
        WHERE {scope}""",
        ["household_id", "year", "wage", "business", "property", "transfer", "costs", "size"],
    )
    for c in ("wage", "business", "property", "transfer", "costs"):
        incomes[c] = _money(incomes[c])
    expenses = frame(
        f"""SELECT e.household_id, e.year, e.medical, e.schooling
        FROM registry_householdexpense e JOIN registry_household h ON h.id = e.household_id
        WHERE {scope}""",
        ["household_id", "year", "medical", "schooling"],
    )
    for c in ("medical", "schooling"):
        expenses[c] = _money(expenses[c])
    events = frame(
        f"""SELECT v.household_id, v.kind, v.occurred_on
        FROM registry_hardshipevent v JOIN registry_household h ON h.id = v.household_id
        WHERE {scope}""",
        ["household_id", "kind", "occurred_on"],
    )
    events["occurred_on"] = pd.to_datetime(events["occurred_on"].astype(str)).dt.date
    return Tables(households, members, incomes, expenses, events, time.perf_counter() - started)


# --- pandas ----------------------------------------------------------------------------


def _round_div(net: np.ndarray, size: np.ndarray) -> np.ndarray:
    """net / size rounded half away from zero, in integers."""
    magnitude = (2 * np.abs(net) + size) // (2 * size)
    return np.sign(net) * magnitude


def evaluate_pandas(t: Tables, r: Rules) -> pd.DataFrame:
    h = t.households.set_index("id")
    out = pd.DataFrame(index=h.index)
    m = t.members
    birth = m["id_number"].str.slice(6, 14).astype("int64")
    y, md = birth // 10000, birth % 10000
    ref_md = r.age_ref.month * 100 + r.age_ref.day
    age = r.age_ref.year - y - (md > ref_md).astype("int64")
    child = (m["schooling"] == OUT_OF_SCHOOL) & age.between(r.school_min, r.school_max)
    flags = pd.DataFrame(
        {"hid": m["household_id"], "child": child, "uninsured": ~m["medical_insurance"]}
    )
    per = flags.groupby("hid").agg(
        people=("child", "size"), child=("child", "any"), uninsured=("uninsured", "any")
    )
    out = out.join(per)
    out["people"] = out["people"].fillna(0).astype("int64")
    out["child"] = out["child"].astype("boolean").fillna(False).astype(bool)
    out["uninsured"] = out["uninsured"].astype("boolean").fillna(False).astype(bool)

    poor_ids = h.index[h["status"].isin(POOR)]
    inc = t.incomes[
        (t.incomes["year"] == r.income_year) & ~t.incomes["household_id"].isin(poor_ids)
        | (t.incomes["year"] == r.exit_income_year) & t.incomes["household_id"].isin(poor_ids)
    ].set_index("household_id")
    net = inc["wage"] + inc["business"] + inc["property"] + inc["transfer"] - inc["costs"]
    pc = pd.Series(
        _round_div(net.to_numpy(), inc["size"].to_numpy().astype("int64")), index=inc.index
    )
    out["net"] = net
    out["per_capita_cents"] = pc
    has_income = out["per_capita_cents"].notna()
    pcv = out["per_capita_cents"]

    exp = t.expenses[t.expenses["year"] == r.income_year].set_index("household_id")
    out["expenses"] = exp["medical"] + exp["schooling"]

    ev = t.events
    counted = ev[
        ev["kind"].isin(r.kinds)
        & (ev["occurred_on"] >= r.window_first)
        & (ev["occurred_on"] <= r.as_of)
    ]
    hardship = out.index.isin(counted["household_id"].unique())

    fails = np.where(~has_income | (pcv <= r.line_cents), C_INCOME, 0)
    if r.require_schooling:
        fails = fails + np.where(out["child"], C_SCHOOLING, 0)
    if r.require_medical:
        fails = fails + np.where(out["uninsured"], C_MEDICAL, 0)
    if r.require_housing:
        fails = fails + np.where(h["danger_grade"].isin(r.dangerous), C_HOUSING, 0)
    if r.require_water:
        fails = fails + np.where(~h["safe_water"], C_WATER, 0)
    expenses = out["expenses"].fillna(0).astype("int64")
    net_pos = out["net"].fillna(0).clip(lower=0).astype("int64")
    rigid = (expenses > 0) & (expenses * r.share.denominator > net_pos * r.share.numerator)
    risks = (
        np.where(has_income & (pcv < r.threshold_cents), R_LOW_INCOME, 0)
        + np.where(rigid, R_RIGID_EXPENSE, 0)
        + np.where(hardship, R_HARDSHIP, 0)
    )
    status = h["status"]
    exited = (status == "exited") | (status.isin(EXITED_IF_YEAR) & h["has_exit_year"])
    other = ~status.isin(POOR) & ~exited
    category = np.select(
        [exited & (risks != 0), other & ((risks & R_LOW_INCOME) != 0), other & (risks != 0)],
        ["unstable", "marginal", "hardship"],
        "",
    )
    return pd.DataFrame(
        {
            "exit_fails": np.asarray(fails, dtype="int64"),
            "risks": np.asarray(risks, dtype="int64"),
            "category": category,
            "people": out["people"].to_numpy(),
            "per_capita_cents": out["per_capita_cents"].astype("Int64").to_numpy(),
        },
        index=h.index,
    ).sort_index()


# --- DuckDB ----------------------------------------------------------------------------


class Duck:
    """The loaded tables copied into an in-memory DuckDB database once (not timed)."""

    def __init__(self, t: Tables) -> None:
        import duckdb

        started = time.perf_counter()
        self.con = duckdb.connect(":memory:")
        for name, df in (
            ("households", t.households),
            ("members", t.members),
            ("incomes", t.incomes),
            ("expenses", t.expenses),
            ("events", t.events),
        ):
            self.con.register("src", df)
            self.con.execute(f"CREATE TABLE {name} AS SELECT * FROM src")
            self.con.unregister("src")
        self.seconds = time.perf_counter() - started

    def evaluate(self, r: Rules) -> pd.DataFrame:
        ref_md = r.age_ref.month * 100 + r.age_ref.day
        share_n, share_d = r.share.numerator, r.share.denominator
        fails = [f"CASE WHEN pc IS NULL OR pc <= {r.line_cents} THEN {C_INCOME} ELSE 0 END"]
        if r.require_schooling:
            fails.append(f"CASE WHEN child THEN {C_SCHOOLING} ELSE 0 END")
        if r.require_medical:
            fails.append(f"CASE WHEN uninsured THEN {C_MEDICAL} ELSE 0 END")
        if r.require_housing:
            fails.append(f"CASE WHEN dangerous THEN {C_HOUSING} ELSE 0 END")
        if r.require_water:
            fails.append(f"CASE WHEN NOT safe_water THEN {C_WATER} ELSE 0 END")
        sql = f"""
        WITH m AS (
            SELECT household_id, COUNT(*) AS people,
                BOOL_OR(schooling = '{OUT_OF_SCHOOL}' AND age BETWEEN $smin AND $smax) AS child,
                BOOL_OR(NOT medical_insurance) AS uninsured
            FROM (SELECT household_id, schooling, medical_insurance,
                    {r.age_ref.year} - CAST(substr(id_number, 7, 4) AS INTEGER)
                    - CASE WHEN CAST(substr(id_number, 11, 4) AS INTEGER) > {ref_md}
                      THEN 1 ELSE 0 END AS age
                  FROM members)
            GROUP BY household_id),
        i AS (
            SELECT household_id, wage + business + property + transfer - costs AS net,
                CAST(size AS BIGINT) AS size
            FROM incomes JOIN households hh ON hh.id = incomes.household_id
            WHERE year = CASE WHEN hh.status IN ('not_exited', 'returned') THEN $ey ELSE $iy END),
        e AS (SELECT household_id, medical + schooling AS expenses
              FROM expenses WHERE year = $iy),
        ev AS (SELECT DISTINCT household_id FROM events
               WHERE kind IN (SELECT unnest($kinds)) AND occurred_on >= $first
                 AND occurred_on <= $last),
        b AS (
            SELECT h.id, h.status, h.has_exit_year, h.safe_water,
                list_contains($dangerous, h.danger_grade) AS dangerous,
                COALESCE(m.people, 0) AS people, COALESCE(m.child, false) AS child,
                COALESCE(m.uninsured, false) AS uninsured,
                i.net, sign(i.net) * ((2 * abs(i.net) + i.size) // (2 * i.size)) AS pc,
                e.expenses, ev.household_id IS NOT NULL AS hardship
            FROM households h
            LEFT JOIN m ON m.household_id = h.id
            LEFT JOIN i ON i.household_id = h.id
            LEFT JOIN e ON e.household_id = h.id
            LEFT JOIN ev ON ev.household_id = h.id),
        v AS (
            SELECT *, {" + ".join(fails)} AS exit_fails,
                (CASE WHEN pc IS NOT NULL AND pc < {r.threshold_cents}
                      THEN {R_LOW_INCOME} ELSE 0 END)
                + (CASE WHEN COALESCE(expenses, 0) > 0 AND COALESCE(expenses, 0) * {share_d}
                        > greatest(COALESCE(net, 0), 0) * {share_n}
                      THEN {R_RIGID_EXPENSE} ELSE 0 END)
                + (CASE WHEN hardship THEN {R_HARDSHIP} ELSE 0 END) AS risks,
                status = 'exited' OR (status IN ('monitored', 'risk_cleared') AND has_exit_year)
                    AS exited,
                status NOT IN ('not_exited', 'returned') AS not_poor
            FROM b)
        SELECT id, exit_fails, risks,
            CASE WHEN exited AND risks <> 0 THEN 'unstable'
                 WHEN not_poor AND NOT exited AND (risks & {R_LOW_INCOME}) <> 0
                   THEN 'marginal'
                 WHEN not_poor AND NOT exited AND risks <> 0 THEN 'hardship'
                 ELSE '' END AS category,
            people, pc AS per_capita_cents
        FROM v ORDER BY id
        """
        frame = self.con.execute(
            sql,
            {
                "smin": r.school_min,
                "smax": r.school_max,
                "iy": r.income_year,
                "ey": r.exit_income_year,
                "kinds": list(r.kinds),
                "first": r.window_first,
                "last": r.as_of,
                "dangerous": list(r.dangerous),
            },
        ).df()
        frame["per_capita_cents"] = frame["per_capita_cents"].astype("Int64")
        return frame.set_index("id")


# --- a naive per-household ORM loop ----------------------------------------------------


def evaluate_orm(household_ids: list[int], r: Rules) -> pd.DataFrame:
    """One household at a time, as a first implementation would: a query for the
    household, its members, its income, its expense and its hardship events."""
    from fupin.registry.models import HardshipEvent, Household, HouseholdExpense, IncomeRecord

    rows = []
    for hid in household_ids:
        h = Household.objects.get(pk=hid)
        people, child, uninsured = 0, False, False
        for m in h.members.filter(is_active=True):
            people += 1
            birth = dt.date(int(m.id_number[6:10]), int(m.id_number[10:12]), 1)
            md = int(m.id_number[10:14])
            age = r.age_ref.year - birth.year - (md > r.age_ref.month * 100 + r.age_ref.day)
            if m.schooling == OUT_OF_SCHOOL and r.school_min <= age <= r.school_max:
                child = True
            if not m.medical_insurance:
                uninsured = True
        income_year = r.exit_income_year if h.status in POOR else r.income_year
        income = IncomeRecord.objects.filter(household=h, year=income_year).first()
        expense = HouseholdExpense.objects.filter(household=h, year=r.income_year).first()
        hardship = HardshipEvent.objects.filter(
            household=h,
            kind__in=r.kinds,
            occurred_on__gte=r.window_first,
            occurred_on__lte=r.as_of,
        ).exists()
        pc: int | None = None
        net = 0
        if income is not None:
            net = cents(income.net_income)
            size = int(income.household_size)
            pc = (1 if net >= 0 else -1) * ((2 * abs(net) + size) // (2 * size))
        fails = C_INCOME if pc is None or pc <= r.line_cents else 0
        if r.require_schooling and child:
            fails |= C_SCHOOLING
        if r.require_medical and uninsured:
            fails |= C_MEDICAL
        if r.require_housing and h.danger_grade in r.dangerous:
            fails |= C_HOUSING
        if r.require_water and not h.safe_water:
            fails |= C_WATER
        risks = 0
        if pc is not None and pc < r.threshold_cents:
            risks |= R_LOW_INCOME
        spent = 0 if expense is None else cents(expense.total)
        if spent > 0 and spent * r.share.denominator > max(net, 0) * r.share.numerator:
            risks |= R_RIGID_EXPENSE
        if hardship:
            risks |= R_HARDSHIP
        exited = h.status == "exited" or (h.status in EXITED_IF_YEAR and h.exited_year is not None)
        other = h.status not in POOR and not exited
        if exited and risks:
            category = "unstable"
        elif other and risks & R_LOW_INCOME:
            category = "marginal"
        elif other and risks:
            category = "hardship"
        else:
            category = ""
        rows.append((hid, fails, risks, category, people, pc))
    frame = pd.DataFrame(
        rows, columns=["id", "exit_fails", "risks", "category", "people", "per_capita_cents"]
    ).set_index("id")
    frame["per_capita_cents"] = frame["per_capita_cents"].astype("Int64")
    return frame
