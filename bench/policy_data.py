"""A fast, set-based generator of synthetic registry data for the policy benchmark.

Everything is written straight in SQL (``INSERT … SELECT`` over ``generate_series`` on
PostgreSQL, over a recursive CTE on SQLite) into a migrated database, so a million
households take a minute or two instead of the demo generator's quarter of an hour. The
data is deterministic: every choice is a hash of the row's id (``hx``), never
``random()``, so SQLite and PostgreSQL hold the same registry.

Shape (per county: 10 townships × 21 villages × 5 groups; one county up to 1M households,
one county per million above that, all under one prefecture):

* households on village-group codes (90 %) or village codes (10 %), in contiguous blocks;
  statuses not_exited 12 %, returned 2 %, exited 60 %, monitored with an exit year 4 %,
  monitored without 4 %, risk_cleared 3 %, unregistered 15 %; danger grades none/A/B/C/D;
  safe water 99 %; 0.5 % deactivated;
* 1–7 members (mean ≈ 3.2), one head; 18-digit ID numbers whose digits 7–14 are the
  birth date (ages 0–90 on the age reference day) and 18th a valid check digit, unique by
  construction (region and sequence encode the member id); school-age children mostly at
  school, ~4 % ``非在校生`` (also some just outside 6–15 and some adults); 0.8 % without
  medical insurance; 2 % of non-heads no longer active;
* an income record of the income year for 95 % of households (and the year before for
  30 %): per capita exactly 4,000.00 (10 %), exactly 6,000.00 (5 %), negative (1 %), else
  spread over 2,500–5,500, 5,000–7,500 and 7,000–20,000, in whole yuan with a remainder
  so per-capita cents occur; household_size differs from the member count for 3 %;
* rigid expenses of the income year for 10 % (some exactly half the net income);
* hardship events for ~1.2 % (all five kinds, spread over 2023-07-01 … 2025-12-31);
* rural population on villages, townships and counties.

Django's defaults do not apply to raw SQL: every NOT NULL column is filled here.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

P = 2147483647  # the hash modulus (2^31 - 1)
PROVINCE = ("420000000000", "湖北省")
PREFECTURE = ("422800000000", "恩施土家族苗族自治州")
TOWNSHIPS = 10
VILLAGES_PER_TOWNSHIP = 21
GROUPS_PER_VILLAGE = 5
HOUSEHOLDS_PER_COUNTY = 1_000_000
DAYS = 34_000  # birth dates: up to 93 years before the age reference day
TS = "2025-01-01 00:00:00"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉春梅林海云凤文斌辉波宁"
KINDS = ("serious_illness", "accident", "disaster", "job_loss", "other")
CAUSES = ("illness", "disability", "schooling", "disaster", "lack_skills", "lack_labour")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # ID check digit (GB 11643)


def hx(expr: str, a: int) -> str:
    """A deterministic hash of an integer SQL expression into [0, 2^31-1): one multiply
    mod a prime, squared, plus the input (so different multipliers are not linear)."""
    v = f"((({expr}) * {a}) % {P})"
    return f"(({v} * {v} + ({expr})) % {P})"


def counties(households: int) -> list[str]:
    """County codes (6 digits): 422822 for one county, 422801… for several."""
    n = max(1, -(-households // HOUSEHOLDS_PER_COUNTY))
    if n == 1:
        return ["422822"]
    return [f"4228{i:02d}" for i in range(1, n + 1)]


def scope_code(households: int) -> str:
    """The area a full run covers: the county, or the prefecture over several."""
    c = counties(households)
    return f"{c[0]}000000" if len(c) == 1 else PREFECTURE[0]


class Dialect:
    def __init__(self, vendor: str) -> None:
        self.pg = vendor == "postgresql"

    def numbers(self, n: int) -> str:
        """A FROM item yielding column ``n`` = 1..n."""
        if self.pg:
            return f"generate_series(1::bigint, {int(n)}::bigint) AS s(n)"
        return (
            f"(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {int(n)})"
            " SELECT n FROM s) s"
        )

    def pad(self, expr: str, width: int) -> str:
        if self.pg:
            return f"lpad(({expr})::text, {width}, '0')"
        return f"substr('{'0' * width}' || ({expr}), -{width}, {width})"

    def text(self, expr: str) -> str:
        return f"({expr})::text" if self.pg else f"CAST(({expr}) AS TEXT)"

    def day_plus(self, base: str, expr: str) -> str:
        if self.pg:
            return f"(DATE '{base}' + ({expr})::int)"
        return f"date('{base}', '+' || ({expr}) || ' days')"

    def boolean(self, cond: str) -> str:
        return f"({cond})" if self.pg else f"(CASE WHEN {cond} THEN 1 ELSE 0 END)"


def size_sql(hid: str) -> str:
    """Members per household (1–7, mean ≈ 3.2), from the household id."""
    r = f"({hx(hid, 48271)} % 100)"
    return (
        f"(CASE WHEN {r} < 13 THEN 1 WHEN {r} < 36 THEN 2 WHEN {r} < 58 THEN 3 "
        f"WHEN {r} < 80 THEN 4 WHEN {r} < 92 THEN 5 WHEN {r} < 98 THEN 6 ELSE 7 END)"
    )


def head_age_sql(hid: str) -> str:
    return f"(25 + {hx(hid, 69621)} % 66)"


def exists(cursor: Any) -> int:
    """Households already in the database (0 when it has to be built)."""
    cursor.execute("SELECT COUNT(*) FROM registry_household")
    return int(cursor.fetchone()[0])


def build(
    households: int,
    *,
    year: int,
    age_reference: dt.date,
    log: Callable[[str], None] = print,
) -> dict[str, float]:
    """Fill an empty migrated database; returns seconds per step."""
    from django.db import connection, transaction

    d = Dialect(connection.vendor)
    income_year = year - 1
    steps: dict[str, float] = {}

    def step(name: str, sql: str, args: list[Any] | None = None) -> None:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, args)  # None: no placeholders, '%' is modulo
        steps[name] = round(time.perf_counter() - started, 2)
        log(f"  {name}: {steps[name]:.1f} s")

    with connection.cursor() as cursor:
        if exists(cursor):
            raise SystemExit("the bench database already holds households")
        if d.pg:
            cursor.execute("SET synchronous_commit TO off")
            cursor.execute("SET maintenance_work_mem TO '1GB'")
            cursor.execute("SET work_mem TO '256MB'")
            # skip the per-row foreign-key triggers: the rows are made consistent here
            cursor.execute("SET session_replication_role TO replica")
        else:
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1000000")
            cursor.execute("PRAGMA temp_store=MEMORY")

    started_all = time.perf_counter()
    with transaction.atomic():
        slots = _areas(households)
        _lookup_tables(d, slots, age_reference)
        dropped = _drop_indexes(d, ("registry_household", "registry_member"))
        n_slots = len(slots)
        status = f"({hx('x.n', 16807)} % 1000)"
        h6 = hx("x.n", 39373)
        identified = f"(2014 + {h6} % 6)"
        exited = f"(CASE WHEN {identified} + ({h6} / 7) % 4 > 2020 THEN 2020 ELSE {identified} + ({h6} / 7) % 4 END)"
        danger = f"({hx('x.n', 950706376)} % 100)"
        cause = f"({hx('x.n', 742938285)} % {len(CAUSES)})"
        step(
            "households",
            f"""
            INSERT INTO registry_household (id, number, area_id, area_code, phone, standard,
                household_type, main_cause, other_causes, housing_area, danger_grade, relocated,
                safe_water, has_electricity, road_distance_km, status, identified_year,
                exited_year, is_active, version, created_at, updated_at)
            SELECT x.n, substr(a.code, 1, 12) || {d.pad("x.n", 8)}, a.area_id, a.code, '',
                'national',
                CASE WHEN {hx("x.n", 1583458089)} % 100 < 8 THEN 'dibao'
                     WHEN {hx("x.n", 1583458089)} % 100 < 10 THEN 'tekun' ELSE 'ordinary' END,
                CASE {cause} {" ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(CAUSES))} END,
                '[]', NULL,
                CASE WHEN {danger} < 70 THEN 'none' WHEN {danger} < 82 THEN 'A'
                     WHEN {danger} < 92 THEN 'B' WHEN {danger} < 97 THEN 'C' ELSE 'D' END,
                {d.boolean(f"{hx('x.n', 1201)} % 100 < 5")},
                {d.boolean(f"{hx('x.n', 2203)} % 1000 >= 10")},
                {d.boolean("1 = 1")}, NULL,
                CASE WHEN {status} < 120 THEN 'not_exited' WHEN {status} < 140 THEN 'returned'
                     WHEN {status} < 740 THEN 'exited' WHEN {status} < 820 THEN 'monitored'
                     WHEN {status} < 850 THEN 'risk_cleared' ELSE 'unregistered' END,
                CASE WHEN {status} < 780 OR ({status} >= 820 AND {status} < 850)
                     THEN {identified}
                     WHEN {status} < 820 THEN 2021 + {h6} % 4 ELSE NULL END,
                CASE WHEN {status} >= 140 AND ({status} < 780 OR ({status} >= 820
                     AND {status} < 850)) THEN {exited} ELSE NULL END,
                {d.boolean(f"{hx('x.n', 3307)} % 1000 >= 5")}, 1, '{TS}', '{TS}'
            FROM (SELECT n, ((n - 1) * {n_slots}) / {households} AS slot
                  FROM {d.numbers(households)}) x
            JOIN bench_slot a ON a.slot = x.slot
            """,
        )
        _members(d, step, age_reference)
        _incomes(d, step, income_year)
        _expenses(d, step, income_year)
        _hardships(d, step)
        for name, sql in dropped:
            step(f"index {name}", sql)
        _finish(d, step)
    with connection.cursor() as cursor:
        step("analyze", "ANALYZE")
        if not d.pg:
            cursor.execute("PRAGMA foreign_keys=ON")
    steps["total"] = round(time.perf_counter() - started_all, 1)
    return steps


def _areas(households: int) -> list[tuple[int, str]]:
    """Province, prefecture, counties, townships, villages, groups; returns the slots
    households sit on: (area id, code), in code order."""
    from fupin.areas.models import Area

    def make(rows: list[tuple[str, str, str, int | None]]) -> dict[str, int]:
        Area.objects.bulk_create(
            [Area(code=c, name=n, level=lv, parent_id=p) for c, n, lv, p in rows],
            batch_size=2000,
        )
        return dict(Area.objects.filter(code__in=[r[0] for r in rows]).values_list("code", "id"))

    ids = make([(PROVINCE[0], PROVINCE[1], "province", None)])
    ids |= make([(PREFECTURE[0], PREFECTURE[1], "prefecture", ids[PROVINCE[0]])])
    county_rows, township_rows, village_rows, group_rows = [], [], [], []
    for i, c in enumerate(counties(households)):
        county_rows.append((f"{c}000000", f"第{i + 1}县", "county", ids[PREFECTURE[0]]))
    ids |= make(county_rows)
    for c in counties(households):
        for t in range(TOWNSHIPS):
            code = f"{c}{100 + t:03d}000"
            township_rows.append((code, f"{c}乡镇{t + 1}", "township", ids[f"{c}000000"]))
    ids |= make(township_rows)
    for code, _n, _l, _p in township_rows:
        for v in range(VILLAGES_PER_TOWNSHIP):
            vcode = f"{code[:9]}{201 + v:03d}"
            village_rows.append((vcode, f"{vcode}村", "village", ids[code]))
    ids |= make(village_rows)
    for vcode, _n, _l, _p in village_rows:
        for g in range(GROUPS_PER_VILLAGE):
            group_rows.append((f"{vcode}{g + 1:03d}", f"{vcode}村{g + 1}组", "group", ids[vcode]))
    ids |= make(group_rows)
    # each village: its own code (10 % of its households), then its groups (18 % each)
    slots: list[tuple[int, str]] = []
    for vcode, _n, _l, _p in village_rows:
        slots.append((ids[vcode], vcode))
        for g in range(GROUPS_PER_VILLAGE):
            code = f"{vcode}{g + 1:03d}"
            slots.extend([(ids[code], code)] * 2)
    # 11 slots per village: 1 on the village, 2 on each group → 9 % / 18 %
    return slots


def _lookup_tables(d: Dialect, slots: list[tuple[int, str]], age_reference: dt.date) -> None:
    from django.db import connection

    from fupin.registry.validation import name_search_keys

    temp = "TEMP TABLE"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE {temp} bench_slot (slot INTEGER PRIMARY KEY, area_id BIGINT, code TEXT)"
        )
        cursor.executemany(
            "INSERT INTO bench_slot VALUES (%s, %s, %s)",
            [(i, a, c) for i, (a, c) in enumerate(slots)],
        )
        cursor.execute(
            f"CREATE {temp} bench_char (kind INTEGER, i INTEGER, ch TEXT, py TEXT, ini TEXT, "
            "PRIMARY KEY (kind, i))"
        )
        rows = []
        for kind, chars in ((0, SURNAMES), (1, GIVEN)):
            for i, ch in enumerate(chars):
                py, ini = name_search_keys(ch)
                rows.append((kind, i, ch, py, ini))
        cursor.executemany("INSERT INTO bench_char VALUES (%s, %s, %s, %s, %s)", rows)
        # birth dates by days before the age reference day, with their ID digits reversed
        # and their share of the check-digit sum
        cursor.execute(
            f"CREATE {temp} bench_day (d INTEGER PRIMARY KEY, ymd TEXT, rev TEXT, w INTEGER)"
        )
        rows = []
        for back in range(DAYS):
            ymd = (age_reference - dt.timedelta(days=back)).strftime("%Y%m%d")
            w = sum(int(c) * WEIGHTS[6 + j] for j, c in enumerate(ymd))
            rows.append((back, ymd, ymd[::-1], w))
        cursor.executemany("INSERT INTO bench_day VALUES (%s, %s, %s, %s)", rows)
        cursor.execute(f"CREATE {temp} bench_k (k INTEGER PRIMARY KEY)")
        cursor.executemany("INSERT INTO bench_k VALUES (%s)", [(k,) for k in range(7)])
        if d.pg:
            cursor.execute("ANALYZE bench_slot")
            cursor.execute("ANALYZE bench_char")
            cursor.execute("ANALYZE bench_day")
            cursor.execute("ANALYZE bench_k")


def _drop_indexes(d: Dialect, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """Drop the secondary indexes of ``tables`` (built again after the load, which is
    several times faster than maintaining them row by row); returns how to rebuild them."""
    from django.db import connection

    out: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        for table in tables:
            if d.pg:
                cursor.execute(
                    """SELECT i.indexname, i.indexdef FROM pg_indexes i
                    WHERE i.tablename = %s AND i.indexname NOT IN (
                        SELECT c.conname FROM pg_constraint c
                        WHERE c.conrelid = %s::regclass)""",
                    [table, table],
                )
            else:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = %s AND sql IS NOT NULL",
                    [table],
                )
            rows = cursor.fetchall()
            for name, sql in rows:
                cursor.execute(f'DROP INDEX "{name}"')
                out.append((name, sql))
    return out


def _members(d: Dialect, step: Callable[..., None], age_reference: dt.date) -> None:
    mid = "(h.id * 8 + k.k)"
    size = size_sql("h.id")
    head_age = head_age_sql("h.id")
    kind = f"({hx(mid, 1103515245)} % 100)"
    # intended age: head 25–90, spouse near the head, then children, adult children, parents
    age = (
        f"(CASE WHEN k.k = 0 THEN {head_age} "
        f"WHEN k.k = 1 THEN (CASE WHEN {head_age} - 3 + {hx(mid, 7)} % 7 > 90 THEN 90 "
        f"ELSE {head_age} - 3 + {hx(mid, 7)} % 7 END) "
        f"WHEN {kind} < 55 THEN {hx(mid, 11)} % 18 "
        f"WHEN {kind} < 75 THEN 18 + {hx(mid, 13)} % 23 "
        f"ELSE 60 + {hx(mid, 17)} % 31 END)"
    )
    back = f"({age} * 365 + {age} / 4 + {hx(mid, 19)} % 365)"
    region = f"(420000 + {mid} / 1000)"
    seq = f"({mid} % 1000)"

    def digit(expr: str, place: int) -> str:
        return f"(({expr} / {10**place}) % 10)"

    region_w = " + ".join(f"{digit(region, 5 - j)} * {WEIGHTS[j]}" for j in range(6))
    seq_w = " + ".join(f"{digit(seq, 2 - j)} * {WEIGHTS[14 + j]}" for j in range(3))
    check = f"substr('10X98765432', CAST((({region_w}) + dy.w + ({seq_w})) % 11 + 1 AS INTEGER), 1)"
    region_t = d.text(region)
    seq_t = d.pad(seq, 3)
    id_number = f"({region_t} || dy.ymd || {seq_t} || {check})"
    region_rev = " || ".join(d.text(digit(region, j)) for j in range(6))
    seq_rev = " || ".join(d.text(digit(seq, j)) for j in range(3))
    id_reversed = f"({check} || {seq_rev} || dy.rev || {region_rev})"
    school = f"({hx(mid, 23)} % 100)"
    schooling = (
        f"(CASE WHEN {age} BETWEEN 6 AND 15 THEN "
        f"(CASE WHEN {school} < 4 THEN '非在校生' WHEN {age} < 12 THEN '小学在读' "
        f"ELSE '初中在读' END) "
        f"WHEN {age} IN (4, 5, 16, 17) THEN (CASE WHEN {school} < 10 THEN '非在校生' "
        f"WHEN {age} < 6 THEN '学前' ELSE '高中在读' END) "
        f"WHEN {age} >= 18 AND {school} < 5 THEN '非在校生' ELSE '' END)"
    )
    relation = (
        f"(CASE WHEN k.k = 0 THEN 'head' WHEN k.k = 1 THEN 'spouse' "
        f"WHEN {kind} < 75 THEN (CASE WHEN {hx(mid, 29)} % 2 = 0 THEN 'son' ELSE 'daughter' END) "
        f"ELSE (CASE WHEN {hx(mid, 29)} % 2 = 0 THEN 'father' ELSE 'mother' END) END)"
    )
    male = f"({hx('h.id', 31)} % 100 < 85)"
    sex = (
        f"(CASE WHEN k.k = 0 THEN (CASE WHEN {male} THEN 'male' ELSE 'female' END) "
        f"WHEN k.k = 1 THEN (CASE WHEN {male} THEN 'female' ELSE 'male' END) "
        f"WHEN {hx(mid, 29)} % 2 = 0 THEN 'male' ELSE 'female' END)"
    )
    insured = f"{hx(mid, 37)} % 1000 >= 8"
    active = f"h.is_active AND (k.k = 0 OR {hx(mid, 41)} % 100 >= 2)"
    n_sur, n_giv = len(SURNAMES), len(GIVEN)
    sur = f"(CASE WHEN k.k = 1 THEN {hx(mid, 43)} ELSE {hx('h.id', 43)} END) % {n_sur}"
    g1 = f"{hx(mid, 47)} % {n_giv}"
    g2 = f"{hx(mid, 53)} % {n_giv}"
    two = f"({hx(mid, 59)} % 100 < 70)"
    step(
        "members",
        f"""
        INSERT INTO registry_member (id, household_id, name, sex, id_number, relation,
            ethnicity, education, schooling, health, labour, migrant_status, migrant_months,
            medical_insurance, serious_illness_insurance, pension_insurance, dibao, tekun,
            is_active, name_pinyin, name_initials, id_reversed, version, created_at, updated_at)
        SELECT {mid}, h.id,
            s.ch || g1.ch || (CASE WHEN {two} THEN g2.ch ELSE '' END),
            {sex}, {id_number}, {relation}, '汉族', '', {schooling}, 'healthy', 'ordinary',
            'none', 0, {d.boolean(insured)}, {d.boolean(insured)}, {d.boolean("1 = 0")},
            {d.boolean("1 = 0")}, {d.boolean("1 = 0")}, {d.boolean(active)},
            s.py || g1.py || (CASE WHEN {two} THEN g2.py ELSE '' END),
            s.ini || g1.ini || (CASE WHEN {two} THEN g2.ini ELSE '' END),
            {id_reversed}, 1, '{TS}', '{TS}'
        FROM registry_household h
        CROSS JOIN bench_k k CROSS JOIN bench_day dy CROSS JOIN bench_char s
        CROSS JOIN bench_char g1 CROSS JOIN bench_char g2
        WHERE k.k < {size} AND dy.d = {back}
          AND s.kind = 0 AND s.i = {sur} AND g1.kind = 1 AND g1.i = {g1}
          AND g2.kind = 1 AND g2.i = {g2}
        """,
    )


def _incomes(d: Dialect, step: Callable[..., None], income_year: int) -> None:
    c = f"({hx('h.id', 61)} % 100)"
    r = hx("h.id", 67)
    size = f"({size_sql('h.id')} + (CASE WHEN {hx('h.id', 71)} % 100 < 3 THEN 1 ELSE 0 END))"
    pc = (
        f"(CASE WHEN {c} < 10 THEN 4000 WHEN {c} < 15 THEN 6000 "
        f"WHEN {c} < 16 THEN -1 - {r} % 3000 "
        f"WHEN {c} < 46 THEN 2500 + {r} % 3000 WHEN {c} < 76 THEN 5000 + {r} % 2500 "
        f"ELSE 7000 + {r} % 13000 END)"
    )
    net = f"({pc} * {size} + (CASE WHEN {c} < 15 THEN 0 ELSE ({r} / 7) % {size} END))"
    negative = f"{c} >= 15 AND {c} < 16"
    for year, share, salt in ((income_year, 95, 73), (income_year - 1, 30, 79)):
        step(
            f"incomes {year}",
            f"""
            INSERT INTO registry_incomerecord (household_id, year, wage, business,
                property_income, transfer, business_costs, household_size, version)
            SELECT x.id, {year},
                CASE WHEN x.neg THEN 0 ELSE x.net / 2 END,
                CASE WHEN x.neg THEN 100
                     ELSE x.net - x.net / 2 - x.net / 5 - x.net / 50 + x.net / 10 END,
                CASE WHEN x.neg THEN 0 ELSE x.net / 50 END,
                CASE WHEN x.neg THEN 0 ELSE x.net / 5 END,
                CASE WHEN x.neg THEN 100 - x.net ELSE x.net / 10 END,
                x.size, 1
            FROM (SELECT h.id AS id, {net} AS net, {size} AS size,
                         {d.boolean(negative)} AS neg
                  FROM registry_household h
                  WHERE {hx("h.id", salt)} % 100 < {share}) x
            """.replace("WHEN x.neg", "WHEN x.neg <> 0" if not d.pg else "WHEN x.neg"),
        )


def _expenses(d: Dialect, step: Callable[..., None], income_year: int) -> None:
    net = "(i.wage + i.business + i.property_income + i.transfer - i.business_costs)"
    net_int = f"CAST({net} AS BIGINT)" if d.pg else f"CAST({net} AS INTEGER)"
    step(
        "expenses",
        f"""
        INSERT INTO registry_householdexpense (household_id, year, medical, schooling, version)
        SELECT h.id, {income_year},
            CASE WHEN {hx("h.id", 83)} % 5 = 0 AND i.id IS NOT NULL AND {net} > 0
                 THEN {net_int} / 2 ELSE {hx("h.id", 89)} % 20000 END,
            CASE WHEN {hx("h.id", 83)} % 5 = 0 THEN 0
                 WHEN {hx("h.id", 97)} % 3 = 0 THEN {hx("h.id", 101)} % 5000 ELSE 0 END,
            1
        FROM registry_household h
        LEFT JOIN registry_incomerecord i ON i.household_id = h.id AND i.year = {income_year}
        WHERE {hx("h.id", 103)} % 100 < 10
        """,
    )


def _hardships(d: Dialect, step: Callable[..., None]) -> None:
    kind = f"({hx('h.id', 107)} % {len(KINDS)})"
    kinds = " ".join(f"WHEN {i} THEN '{k}'" for i, k in enumerate(KINDS))
    for name, where, salt in (
        ("hardships", f"{hx('h.id', 109)} % 1000 < 12", 113),
        ("hardships (second)", f"{hx('h.id', 109)} % 1000 < 2", 127),
    ):
        step(
            name,
            f"""
            INSERT INTO registry_hardshipevent (household_id, member_id, kind, occurred_on,
                loss, description, recorded_by_id, recorded_at)
            SELECT h.id, NULL, CASE ({kind} + {salt}) % {len(KINDS)} {kinds} END,
                {d.day_plus("2023-07-01", f"{hx('h.id', salt)} % 915")}, NULL, '', NULL, '{TS}'
            FROM registry_household h WHERE {where}
            """,
        )


def _finish(d: Dialect, step: Callable[..., None]) -> None:
    # rural registered population: about six times the registered households' people
    step(
        "rural population (villages)",
        """
        UPDATE areas_area SET rural_population = (
            SELECT COUNT(*) * 19 FROM registry_household h
            WHERE h.area_code >= areas_area.code AND h.area_code < areas_area.code || 'a')
        WHERE level = 'village'
        """,
    )
    for level, length in (("township", 9), ("county", 6)):
        step(
            f"rural population ({level}s)",
            f"""
            UPDATE areas_area SET rural_population = (
                SELECT SUM(v.rural_population) FROM areas_area v
                WHERE v.level = 'village'
                  AND substr(v.code, 1, {length}) = substr(areas_area.code, 1, {length}))
            WHERE level = '{level}'
            """,
        )
    if d.pg:
        for table in ("registry_household", "registry_member"):
            step(
                f"sequence {table}",
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))",
            )
    step("drop lookups", "DROP TABLE bench_slot")
    for t in ("bench_char", "bench_day", "bench_k"):
        step(f"drop {t}", f"DROP TABLE {t}")
