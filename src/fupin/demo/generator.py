"""A realistic demo county (建始县, as in seed 000), built reproducibly from a seed.

Everything is decided by one ``random.Random(seed)`` consumed in a fixed order, and dates
are counted from ``REFERENCE_DATE`` rather than from today, so a seed always gives the
same county. The data is made in Python lists and written set-based: areas level by
level with ``bulk_create`` and the villages' facts, then households in chunks, each
chunk in one transaction (households with ids allocated up front, members, incomes, rigid
expenses, hardship events, history rows) through ``fupin.core.bulk`` (COPY on PostgreSQL,
executemany on SQLite), with no per-row query; last the county's third-party assessment.

A few norms are broken on purpose (DEMO_FACTS.md), at small deterministic rates, so that
the checks, lists and maps have something real to show; see ``ERROR_RATES``. For the
policy engine the county also has what monitoring and exit look at: rigid expenses for a
quarter of the households (large ones where someone is seriously ill), hardship events in
the year before ``REFERENCE_DATE`` (some on never-registered households, so that sudden
hardship shows), village facts with a few villages short of the collective-income norm or
not yet reported, and the 2020 assessment only, so that later years show as missing.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.test.utils import override_settings

from fupin.accounts.models import ApiToken, Role, RoleAssignment
from fupin.accounts.services import user_create
from fupin.areas.models import Area, PovertyStatus
from fupin.assistance.models import Cadre, Notification, Unit
from fupin.audit.services import audit_write
from fupin.core.bulk import bulk_insert, insert_instances
from fupin.demo import assistance, organisation
from fupin.demo.names import (
    CHINESE_NUMERALS,
    FEMALE_CHARS_NEW,
    FEMALE_CHARS_OLD,
    GIVEN_FEMALE,
    GIVEN_MALE,
    MALE_CHARS_NEW,
    MALE_CHARS_OLD,
    SURNAMES,
    VILLAGE_FIRST,
    VILLAGE_LAST,
    VILLAGE_MIDDLE,
)
from fupin.leadership.models import WeakCriterion
from fupin.policy.models import CountyAssessment, EvaluationRun, VillageFacts
from fupin.registry.choices import (
    Cause,
    DangerGrade,
    Education,
    Health,
    HouseholdStatus,
    HouseholdType,
    Labour,
    MigrantStatus,
    Relation,
    Sex,
    Standard,
)
from fupin.registry.models import (
    HardshipEvent,
    Household,
    HouseholdChange,
    HouseholdExpense,
    IncomeRecord,
    Member,
)
from fupin.registry.validation import build_id_number, id_search_key, name_search_keys

# Ages, grades and incomes are counted from this day (the start of the 2026 school year),
# never from today, so that a seed always builds the same county.
REFERENCE_DATE = date(2026, 9, 1)
REGION = "422822"  # 建始县: the first six digits of every ID number
PROVINCE = ("420000000000", "湖北省")
PREFECTURE = ("422800000000", "恩施土家族苗族自治州")
COUNTY = ("422822000000", "建始县")
# (code digits 7-9, name, number of villages). Towns (镇) are numbered from 100 and
# townships (乡) from 200, as in the statistical division codes.
TOWNSHIPS: tuple[tuple[str, str, int], ...] = (
    ("100", "业州镇", 28),
    ("101", "高坪镇", 24),
    ("102", "红岩寺镇", 20),
    ("103", "景阳镇", 22),
    ("104", "官店镇", 25),
    ("105", "花坪镇", 22),
    ("106", "长梁镇", 17),
    ("200", "茅田乡", 14),
    ("201", "龙坪乡", 16),
    ("202", "三里乡", 13),
)
DEFAULT_HOUSEHOLDS = 20000
DEFAULT_SEED = 2017
# Rural registered population per registered household: 20,000 households (about 64,000
# people, 16 %) in a county of 400,000 rural people, as DEMO_FACTS.md describes.
RURAL_PEOPLE_PER_HOUSEHOLD = 20
POOR_VILLAGE_SHARE = 0.45
INCOME_YEARS = (2023, 2024, 2025)
# The year being judged has its income too, as the yearly income survey (收入监测) records
# it by the reference day and projects it to the year's end: an exit is judged on the
# income of its own year (exit_income_year_offset 0), identification on the year before.
JUDGED_INCOME_YEAR = REFERENCE_DATE.year
# The poverty line of POLICY.md §3 for 2020, the last one; later incomes are held to it.
POVERTY_LINE = 4000
CHUNK = 5000
BATCH = 2000

# Deliberate errors: the share of eligible rows that break a norm, spread evenly over the
# county by an accumulator so that even a small build has some of each.
ERROR_RATES = {
    "child_out_of_school": 0.01,  # of children aged 7–13: 非在校生
    "uninsured": 0.004,  # of members: no basic medical insurance
    "exited_dangerous_house": 0.015,  # of exited households: C/D dangerous house
    "exited_low_income": 0.02,  # of exited households: income below the line
}

ETHNICITIES = (("土家族", 47), ("汉族", 44), ("苗族", 7), ("侗族", 2))
HOUSEHOLD_SIZES = ((1, 13), (2, 23), (3, 22), (4, 22), (5, 12), (6, 6), (7, 2))
MAIN_CAUSES = (
    (Cause.ILLNESS, 42),
    (Cause.DISABILITY, 8),
    (Cause.SCHOOLING, 7),
    (Cause.DISASTER, 3),
    (Cause.LACK_LAND, 3),
    (Cause.LACK_WATER, 2),
    (Cause.LACK_SKILLS, 10),
    (Cause.LACK_LABOUR, 9),
    (Cause.LACK_FUNDS, 10),
    (Cause.POOR_TRANSPORT, 2),
    (Cause.LACK_DRIVE, 3),
    (Cause.OTHER, 1),
)
IDENTIFIED_YEARS = ((2014, 62), (2015, 14), (2016, 12), (2017, 5), (2018, 4), (2019, 3))
EXIT_YEARS = ((2014, 3), (2015, 10), (2016, 18), (2017, 24), (2018, 25), (2019, 15), (2020, 5))
HISTORY_REASON = "演示数据（fupin demo 生成）"

# --- what the policy engine looks at ---
# Never-registered households (非建档立卡) in the registry because a hardship was reported:
# the monitoring's candidates for 突发严重困难户. Each has a hardship event.
UNREGISTERED_SHARE = 0.005
# Registered households with a hardship event in the year before REFERENCE_DATE, without
# and with a seriously ill member (who makes one far likelier).
HARDSHIP_SHARE = 0.006
HARDSHIP_SHARE_SERIOUS = 0.025
HARDSHIP_DAYS = 365  # events fall in the 365 days before REFERENCE_DATE ...
HARDSHIP_RECENT_DAYS = 240  # ... those of never-registered households in the last 240
Kind = HardshipEvent.Kind
HARDSHIP_KINDS = (
    (Kind.SERIOUS_ILLNESS, 45),
    (Kind.ACCIDENT, 20),
    (Kind.DISASTER, 17),
    (Kind.JOB_LOSS, 12),
    (Kind.OTHER, 6),
)
# (median loss in 元, spread of its logarithm, share with the loss not recorded)
HARDSHIP_LOSS: dict[str, tuple[int, float, float]] = {
    Kind.SERIOUS_ILLNESS: (45000, 0.6, 0.0),
    Kind.ACCIDENT: (20000, 0.7, 0.1),
    Kind.DISASTER: (25000, 0.8, 0.1),
    Kind.JOB_LOSS: (15000, 0.4, 0.3),
    Kind.OTHER: (8000, 0.7, 0.3),
}
HARDSHIP_TEXTS: dict[str, tuple[str, ...]] = {
    Kind.SERIOUS_ILLNESS: (
        "确诊恶性肿瘤，住院手术治疗",
        "突发脑梗死，住院治疗",
        "确诊尿毒症，需长期透析",
        "急性心肌梗死，住院抢救",
        "确诊白血病，住院化疗",
        "重症肺炎，住院治疗",
    ),
    Kind.ACCIDENT: (
        "交通事故受伤，住院治疗",
        "务工时从高处摔伤",
        "操作农机时受伤",
        "上山劳动时摔伤骨折",
    ),
    Kind.DISASTER: (
        "暴雨引发山体滑坡，房屋受损",
        "洪涝冲毁农田和烤烟",
        "冰雹致农作物绝收",
        "房屋因火灾受损",
    ),
    Kind.JOB_LOSS: (
        "务工企业停产，失去工作",
        "务工单位裁员，返乡待业",
        "务工项目完工后未找到新工作",
    ),
    Kind.OTHER: (
        "家庭主要劳动力意外离世",
        "家中生猪染病死亡",
        "经营的农家乐停业",
    ),
}
# The cause recorded for a never-registered household, from its hardship.
HARDSHIP_CAUSE: dict[str, str] = {
    Kind.SERIOUS_ILLNESS: Cause.ILLNESS,
    Kind.ACCIDENT: Cause.ILLNESS,
    Kind.DISASTER: Cause.DISASTER,
    Kind.JOB_LOSS: Cause.LACK_SKILLS,
    Kind.OTHER: Cause.OTHER,
}
# Yearly schooling costs per student (元, low and high) beyond what is free: board and
# meals in compulsory school, fees and living costs after it.
SCHOOL_COSTS = (
    ("小学", 300, 900),
    ("初中", 600, 1600),
    ("高中", 2500, 5500),
    ("中职", 1200, 3200),
    ("大专", 6000, 11000),
    ("本科及以上", 8000, 16000),
)
# The years village facts are given for: the last income year and the reference year.
VILLAGE_FACT_YEARS = (INCOME_YEARS[-1], REFERENCE_DATE.year)
COLLECTIVE_INCOME_MIN = 40000  # 元 a year (DEMO_FACTS.md, seed 003)
# Of villages: collective income below the norm (DEMO_FACTS.md: 95.1 % have a stable
# one), and no facts reported for the year (the reference year is reported less fully).
VILLAGE_LOW_INCOME_SHARE = 0.049
VILLAGE_MISSING_SHARE = {INCOME_YEARS[-1]: 0.01, REFERENCE_DATE.year: 0.03}
# (facility, share of villages that have it in the first of those years)
VILLAGE_INFRASTRUCTURE = (
    ("hard_road", 0.985),
    ("safe_water", 0.98),
    ("electricity", 0.998),
    ("clinic", 0.95),
)
ASSESSMENT_YEAR = 2020  # the exit year: the only year with third-party figures
ASSESSMENT_SOURCE = "2020年脱贫攻坚普查及第三方评估（演示数据）"


@dataclass(frozen=True)
class DemoUserSpec:
    username: str
    role: str | None
    area: str  # "county", "township" or "village"


DEMO_USERS = (
    DemoUserSpec("county_admin", Role.COUNTY_ADMIN, "county"),
    DemoUserSpec("township_officer", Role.TOWNSHIP_OFFICER, "township"),
    DemoUserSpec("village_secretary", Role.VILLAGE_SECRETARY, "village"),
    DemoUserSpec("cadre", Role.CADRE, "village"),
    DemoUserSpec("auditor", Role.AUDITOR, "county"),
    DemoUserSpec("outsider", None, ""),
)
DEMO_USERNAMES = tuple(u.username for u in DEMO_USERS)


@dataclass
class VillagePlan:
    code: str
    name: str
    poor: bool
    households: int
    rural_population: int
    groups: list[tuple[str, int]] = field(default_factory=list)  # (group code, households)


@dataclass
class BuildResult:
    households: int
    members: int
    incomes: int
    areas: int
    seconds: float
    expenses: int = 0
    hardships: int = 0
    village_facts: int = 0
    assessments: int = 0
    assistance: dict[str, int] = field(default_factory=dict)
    assistance_seconds: float = 0.0
    organisation: dict[str, int] = field(default_factory=dict)
    organisation_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.households / self.seconds if self.seconds else 0.0


@dataclass
class DemoUser:
    username: str
    password: str
    role: str | None
    area_code: str
    area_name: str


Progress = Callable[[int, int, float], None]


# --- small helpers -------------------------------------------------------------------


def _cumulative(pairs: tuple[tuple[Any, float], ...]) -> tuple[list[Any], list[float]]:
    values, weights, total = [], [], 0.0
    for value, weight in pairs:
        total += weight
        values.append(value)
        weights.append(total)
    return values, weights


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` exactly (largest remainder)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class _Quota:
    """Yields True for a share ``rate`` of the calls, evenly, from a seeded start."""

    def __init__(self, rate: float, start: float) -> None:
        self.rate = rate
        self.level = start

    def hit(self) -> bool:
        self.level += self.rate
        if self.level >= 1.0:
            self.level -= 1.0
            return True
        return False


# --- areas -----------------------------------------------------------------------------


def plan_areas(rng: random.Random, households: int) -> list[VillagePlan]:
    """Villages with their groups, households and rural population, in code order."""
    villages: list[VillagePlan] = []
    used: set[str] = set()
    weights: list[float] = []
    for digits, _name, count in TOWNSHIPS:
        for index in range(count):
            while True:
                name = rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_MIDDLE)
                name += rng.choice(VILLAGE_LAST)
                if name not in used and name[-1] != name[-2]:
                    break
            used.add(name)
            code = f"{REGION}{digits}{200 + index + 1:03d}"
            villages.append(
                VillagePlan(
                    code=code, name=name + "村", poor=False, households=0, rural_population=0
                )
            )
            weights.append(rng.uniform(0.6, 1.4))
    poor = set(rng.sample(range(len(villages)), round(len(villages) * POOR_VILLAGE_SHARE)))
    factors = [
        rng.uniform(1.5, 2.6) if i in poor else rng.uniform(0.3, 0.9) for i in range(len(villages))
    ]
    people = _apportion(households * RURAL_PEOPLE_PER_HOUSEHOLD, weights)
    counts = _apportion(households, [w * f for w, f in zip(weights, factors, strict=True)])
    for i, village in enumerate(villages):
        village.poor = i in poor
        village.households = counts[i]
        # A village always has more rural people than registered ones.
        village.rural_population = max(people[i], math.ceil(counts[i] * 3.2 * 2))
        n_groups = rng.randint(3, 8)
        group_counts = _apportion(counts[i], [rng.uniform(0.5, 1.5) for _ in range(n_groups)])
        village.groups = [(f"{village.code}{g + 1:03d}", group_counts[g]) for g in range(n_groups)]
    return villages


def _area_rows(villages: list[VillagePlan]) -> list[tuple[str, str, str, str | None, int | None]]:
    """(code, name, level, parent code, rural population), parents first."""
    rows: list[tuple[str, str, str, str | None, int | None]] = []
    county_people = sum(v.rural_population for v in villages)
    rows.append((PROVINCE[0], PROVINCE[1], Area.Level.PROVINCE, None, None))
    rows.append((PREFECTURE[0], PREFECTURE[1], Area.Level.PREFECTURE, PROVINCE[0], None))
    rows.append((COUNTY[0], COUNTY[1], Area.Level.COUNTY, PREFECTURE[0], county_people))
    for digits, name, _count in TOWNSHIPS:
        code = f"{REGION}{digits}000"
        people = sum(v.rural_population for v in villages if v.code.startswith(code[:9]))
        rows.append((code, name, Area.Level.TOWNSHIP, COUNTY[0], people))
    for v in villages:
        rows.append((v.code, v.name, Area.Level.VILLAGE, v.code[:9] + "000", v.rural_population))
    for v in villages:
        short = v.name[:-1]
        for number, (code, _n) in enumerate(v.groups):
            rows.append(
                (code, f"{short}村{CHINESE_NUMERALS[number]}组", Area.Level.GROUP, v.code, None)
            )
    return rows


def areas_write(villages: list[VillagePlan]) -> dict[str, int]:
    """Create the missing areas level by level; returns code → id for every area."""
    rows = _area_rows(villages)
    ids = dict(Area.objects.filter(code__in=[r[0] for r in rows]).values_list("code", "id"))
    for level in (
        Area.Level.PROVINCE,
        Area.Level.PREFECTURE,
        Area.Level.COUNTY,
        Area.Level.TOWNSHIP,
        Area.Level.VILLAGE,
        Area.Level.GROUP,
    ):
        new = [
            Area(
                code=code,
                name=name,
                level=lvl,
                parent_id=ids[parent] if parent else None,
                rural_population=people,
            )
            for code, name, lvl, parent, people in rows
            if lvl == level and code not in ids
        ]
        if not new:
            continue
        if level == Area.Level.VILLAGE:
            plans = {v.code: v for v in villages}
            for area in new:
                _poverty_mark(area, plans[area.code])
        Area.objects.bulk_create(new, batch_size=BATCH)
        ids.update(Area.objects.filter(code__in=[a.code for a in new]).values_list("code", "id"))
    return ids


def _poverty_mark(area: Area, plan: VillagePlan) -> None:
    """Registered poor villages (2014); most exited in 2016–2019, a few are still on the
    list so that the village exit procedure has something to do."""
    if not plan.poor:
        return
    area.poverty_status = PovertyStatus.POOR
    area.poverty_identified_year = 2014
    serial = int(plan.code[-3:])
    if serial % 7:
        area.poverty_status = PovertyStatus.EXITED
        area.poverty_exited_year = 2016 + serial % 4


# --- village and county facts --------------------------------------------------------------


def village_facts(
    rng: random.Random, villages: list[VillagePlan], ids: dict[str, int]
) -> list[VillageFacts]:
    """One record per village and year of VILLAGE_FACT_YEARS, unsaved.

    Most villages have a collective income of 40,000 元 or more (a former poor village
    less than the others) and every facility; a few fall short, and a few have reported
    nothing for a year (no row), so that the village checks have something to show.
    """
    start = 1.0 - rng.uniform(0.0, 1.0)
    low_quota = _Quota(VILLAGE_LOW_INCOME_SHARE, start)
    missing = {
        year: _Quota(share, 1.0 - share * rng.uniform(1.0, 10.0))
        for year, share in VILLAGE_MISSING_SHARE.items()
    }
    rows: list[VillageFacts] = []
    for village in villages:
        low = low_quota.hit()
        if low:
            income = rng.uniform(8000, COLLECTIVE_INCOME_MIN * 0.9)
        else:
            median = 70000 if village.poor else 120000
            income = max(COLLECTIVE_INCOME_MIN * 1.02, rng.lognormvariate(math.log(median), 0.55))
        has = {name: rng.random() < share for name, share in VILLAGE_INFRASTRUCTURE}
        for index, year in enumerate(VILLAGE_FACT_YEARS):
            if index:
                # a year later: income moves a little, a missing facility is often built
                income *= rng.uniform(0.95, 1.15)
                if low:
                    income = min(income, COLLECTIVE_INCOME_MIN * 0.95)
                else:
                    income = max(income, COLLECTIVE_INCOME_MIN * 1.02)
                has = {name: value or rng.random() < 0.5 for name, value in has.items()}
            skipped = missing[year].hit() if year in missing else False
            if skipped:
                continue
            # now and then a facility is not filled in
            flags = {
                name: None if rng.random() < 0.01 else has[name]
                for name, _ in VILLAGE_INFRASTRUCTURE
            }
            rows.append(
                VillageFacts(
                    area_id=ids[village.code],
                    year=year,
                    collective_income=Decimal(round(income)),
                    **flags,
                )
            )
    return rows


def assessment(
    rng: random.Random, county_id: int, people: int, exited_people: int
) -> CountyAssessment:
    """The third-party assessment of the exit year, every figure given; all pass."""
    wrong = Decimal(f"{rng.uniform(0.0005, 0.006):.4f}")
    miss = Decimal(f"{rng.uniform(0.0005, 0.005):.4f}")
    approval = Decimal(f"{rng.uniform(0.93, 0.985):.4f}")
    return CountyAssessment(
        area_id=county_id,
        year=ASSESSMENT_YEAR,
        wrong_exit_rate=wrong,
        miss_rate=miss,
        approval_rate=approval,
        missed_people=round(people * float(miss)),
        wrongly_exited_people=round(exited_people * float(wrong)),
        source=ASSESSMENT_SOURCE,
    )


# --- people ------------------------------------------------------------------------------


@dataclass
class _Person:
    relation: str
    male: bool
    age: int
    surname: str
    ethnicity: str


class _County:
    """The random decisions of one build, in the order they are made."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.surnames, self.surname_weights = _cumulative(SURNAMES)
        self.sizes, self.size_weights = _cumulative(HOUSEHOLD_SIZES)
        self.causes, self.cause_weights = _cumulative(MAIN_CAUSES)
        self.ethnicities, self.ethnicity_weights = _cumulative(ETHNICITIES)
        self.identified, self.identified_weights = _cumulative(IDENTIFIED_YEARS)
        self.search_keys: dict[str, tuple[str, str]] = {}
        self.sequences: dict[int, int] = {}
        # The first error of each kind comes within the first 20 eligible rows, so that
        # even a small build shows every kind.
        self.quotas = {
            name: _Quota(rate, 1.0 - rate * rng.uniform(1.0, min(20.0, 1.0 / rate)))
            for name, rate in ERROR_RATES.items()
        }
        self.unregistered = _Quota(
            UNREGISTERED_SHARE, 1.0 - UNREGISTERED_SHARE * rng.uniform(1.0, 20.0)
        )
        self.hardship_kinds, self.hardship_weights = _cumulative(HARDSHIP_KINDS)
        self.school_costs: dict[str, tuple[int, int] | None] = {}  # by schooling value

    # names and ID numbers

    def surname(self) -> str:
        return str(self.rng.choices(self.surnames, cum_weights=self.surname_weights)[0])

    def ethnicity(self) -> str:
        return str(self.rng.choices(self.ethnicities, cum_weights=self.ethnicity_weights)[0])

    def given_name(self, male: bool, born: int) -> str:
        rng = self.rng
        draw = rng.random()
        if draw < 0.2:
            return rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)
        if male:
            first, second = MALE_CHARS_NEW if born >= 1985 else MALE_CHARS_OLD
        else:
            first, second = FEMALE_CHARS_NEW if born >= 1985 else FEMALE_CHARS_OLD
        if draw < 0.32:
            return rng.choice(second)
        return rng.choice(first) + rng.choice(second)

    def keys(self, name: str) -> tuple[str, str]:
        found = self.search_keys.get(name)
        if found is None:
            found = self.search_keys[name] = name_search_keys(name)
        return found

    def id_number(self, age: int, male: bool) -> str:
        """A unique valid ID: birth date from the age, a sequence whose parity is the sex.

        500 sequences per day and sex; each day walks them in a scrambled order.
        """
        days = int(age * 365.2425) + self.rng.randrange(365)
        birth = REFERENCE_DATE - timedelta(days=days)
        if _age_on(birth, REFERENCE_DATE) != age:  # leap-year edge: stay in the age year
            birth += (
                timedelta(days=1) if _age_on(birth, REFERENCE_DATE) > age else timedelta(days=-1)
            )
        while True:
            ordinal = birth.toordinal()
            key = ordinal * 2 + male
            used = self.sequences.get(key, 0)
            if used < 500:
                self.sequences[key] = used + 1
                index = (used * 211 + ordinal) % 500
                return build_id_number(REGION, birth, index * 2 + 1 if male else index * 2)
            birth -= timedelta(days=1)

    # composition

    def people(self, size: int, elderly: bool) -> list[_Person]:
        rng = self.rng
        family = self.surname()
        ethnicity = self.ethnicity()
        if size == 1:
            age = rng.randint(60, 90) if elderly or rng.random() < 0.8 else rng.randint(30, 59)
            return [_Person(Relation.HEAD, rng.random() < 0.55, age, family, ethnicity)]
        head_age = rng.randint(62, 85) if elderly else min(88, max(24, int(rng.gauss(54, 12))))
        head_male = rng.random() < 0.86
        head = _Person(Relation.HEAD, head_male, head_age, family, ethnicity)
        out = [head]
        slots = size - 1
        # The children's surname is the father's.
        children_surname = family if head_male else self.surname()
        if rng.random() < 0.88:
            shift = int(rng.gauss(-2, 3)) if head_male else int(rng.gauss(2, 3))
            spouse_ethnicity = ethnicity if rng.random() < 0.7 else self.ethnicity()
            out.append(
                _Person(
                    Relation.SPOUSE,
                    not head_male,
                    min(95, max(20, head_age + shift)),
                    children_surname if not head_male else self.surname(),
                    spouse_ethnicity,
                )
            )
            slots -= 1
        if slots >= 1 and head_age <= 55 and rng.random() < 0.3:
            father_age = min(96, head_age + rng.randint(22, 34))
            mother_age = min(96, max(head_age + 18, father_age - rng.randint(0, 5)))
            both = slots >= 3 and rng.random() < 0.5
            # A widowed mother lives with a child more often than a widowed father.
            father = both or rng.random() < 0.35
            if father:
                out.append(_Person(Relation.FATHER, True, father_age, family, ethnicity))
                slots -= 1
            if both or not father:
                out.append(_Person(Relation.MOTHER, False, mother_age, self.surname(), ethnicity))
                slots -= 1
        if slots >= 3 and head_age >= 50 and rng.random() < 0.65:
            child_age = min(70, max(20, head_age - rng.randint(22, 30)))
            partner_age = max(18, child_age + rng.randint(-4, 3))
            if rng.random() < 0.7:
                out.append(_Person(Relation.SON, True, child_age, children_surname, ethnicity))
                out.append(
                    _Person(
                        Relation.DAUGHTER_IN_LAW,
                        False,
                        partner_age,
                        self.surname(),
                        self.ethnicity(),
                    )
                )
            else:  # a son-in-law married into the family (上门女婿)
                out.append(
                    _Person(Relation.DAUGHTER, False, child_age, children_surname, ethnicity)
                )
                out.append(
                    _Person(
                        Relation.SON_IN_LAW, True, partner_age, self.surname(), self.ethnicity()
                    )
                )
            slots -= 2
            if slots >= 2 and rng.random() < 0.25:
                male = rng.random() < 0.53
                out.append(
                    _Person(
                        Relation.SON if male else Relation.DAUGHTER,
                        male,
                        max(16, child_age - rng.randint(2, 6)),
                        children_surname,
                        ethnicity,
                    )
                )
                slots -= 1
            age = min(20, max(0, child_age - rng.randint(20, 28)))
            for _ in range(slots):
                male = rng.random() < 0.53
                out.append(
                    _Person(
                        Relation.GRANDSON if male else Relation.GRANDDAUGHTER,
                        male,
                        age,
                        children_surname,
                        ethnicity,
                    )
                )
                age = max(0, age - rng.randint(1, 5))
            return out
        mother = (
            head_age
            if not head_male
            else (
                out[1].age if len(out) > 1 and out[1].relation == Relation.SPOUSE else head_age - 2
            )
        )
        age = max(0, mother - rng.randint(22, 32))
        for _ in range(slots):
            if rng.random() < 0.01:
                out.append(
                    _Person(
                        Relation.OTHER,
                        rng.random() < 0.5,
                        max(16, head_age + rng.randint(-10, 10)),
                        family,
                        ethnicity,
                    )
                )
                continue
            male = rng.random() < 0.53
            out.append(
                _Person(
                    Relation.SON if male else Relation.DAUGHTER,
                    male,
                    age,
                    children_surname,
                    ethnicity,
                )
            )
            age = max(0, age - rng.randint(1, 5))
        return out

    def schooling(self, age: int) -> tuple[str, str]:
        """(education, schooling) for an age on REFERENCE_DATE (1 September)."""
        rng = self.rng
        if age < 3:
            return Education.PRESCHOOL_CHILD, ""
        if age < 6:
            return Education.PRESCHOOL_CHILD, "学前"
        if age < 12:
            if 7 <= age <= 13 and self.quotas["child_out_of_school"].hit():
                return Education.PRIMARY, "非在校生"
            return Education.PRIMARY, f"小学{age - 5}年级"
        if age < 15:
            if age <= 13 and self.quotas["child_out_of_school"].hit():
                return Education.PRIMARY, "非在校生"
            return Education.JUNIOR, f"初中{age - 11}年级"
        if age < 18:
            draw = rng.random()
            if age == 15 or draw < 0.7:
                return Education.SENIOR, f"高中{age - 14}年级"
            if draw < 0.85:
                return Education.SENIOR, f"中职{age - 14}年级"
            return Education.JUNIOR, "非在校生"
        if age < 23 and rng.random() < 0.22:
            return Education.COLLEGE, "大专" if rng.random() < 0.55 else "本科及以上"
        draw = rng.random()
        levels: tuple[tuple[float, str], ...]
        if age >= 70:
            levels = (
                (0.45, Education.ILLITERATE),
                (0.9, Education.PRIMARY),
                (1.0, Education.JUNIOR),
            )
        elif age >= 50:
            levels = (
                (0.15, Education.ILLITERATE),
                (0.65, Education.PRIMARY),
                (0.95, Education.JUNIOR),
                (1.0, Education.SENIOR),
            )
        elif age >= 30:
            levels = (
                (0.02, Education.ILLITERATE),
                (0.27, Education.PRIMARY),
                (0.82, Education.JUNIOR),
                (0.96, Education.SENIOR),
                (1.0, Education.COLLEGE),
            )
        else:
            levels = (
                (0.1, Education.PRIMARY),
                (0.55, Education.JUNIOR),
                (0.87, Education.SENIOR),
                (1.0, Education.COLLEGE),
            )
        for bound, level in levels:
            if draw < bound:
                return level, "非在校生"
        return levels[-1][1], "非在校生"

    def health(self, age: int) -> str:
        draw = self.rng.random()
        if age < 18:
            bounds = (0.96, 0.98, 0.99)
        elif age < 60:
            bounds = (0.82, 0.92, 0.96)
        else:
            bounds = (0.5, 0.85, 0.93)
        if draw < bounds[0]:
            return Health.HEALTHY
        if draw < bounds[1]:
            return Health.CHRONIC
        if draw < bounds[2]:
            return Health.SERIOUS
        return Health.DISABLED

    def labour(self, age: int, health: str, student: bool) -> str:
        rng = self.rng
        if age < 16 or student:
            return Labour.NONE
        if health == Health.SERIOUS:
            return Labour.LOST
        if health == Health.DISABLED:
            return Labour.LOST if rng.random() < 0.7 else Labour.NONE
        if health == Health.CHRONIC:
            return Labour.LOST if rng.random() < 0.4 or age >= 65 else Labour.ORDINARY
        if age >= 70:
            return Labour.NONE if rng.random() < 0.6 else Labour.ORDINARY
        if age >= 60:
            return Labour.ORDINARY
        return Labour.SKILLED if rng.random() < 0.25 else Labour.ORDINARY

    def migrant(self, age: int, labour: str) -> tuple[str, int]:
        rng = self.rng
        if labour not in (Labour.ORDINARY, Labour.SKILLED) or not 18 <= age <= 55:
            return MigrantStatus.NONE, 0
        if rng.random() >= 0.45:
            return MigrantStatus.NONE, 0
        draw = rng.random()
        where = (
            MigrantStatus.OUT_OF_PROVINCE
            if draw < 0.5
            else MigrantStatus.IN_PROVINCE
            if draw < 0.75
            else MigrantStatus.IN_COUNTY
        )
        return where, min(12, max(3, int(rng.gauss(9, 2.5))))

    # households

    def status(self) -> tuple[str, int | None, int | None]:
        """(status, identified year, exited year)."""
        rng = self.rng
        draw = rng.random()
        identified = int(rng.choices(self.identified, cum_weights=self.identified_weights)[0])
        if draw < 0.83:
            return HouseholdStatus.EXITED, identified, self.exit_year(identified)
        if draw < 0.89:
            if rng.random() < 0.7:
                return HouseholdStatus.RISK_CLEARED, identified, self.exit_year(identified)
            return HouseholdStatus.RISK_CLEARED, rng.randint(2021, 2024), None
        if draw < 0.945:
            if rng.random() < 0.6:  # 脱贫不稳定户
                return HouseholdStatus.MONITORED, identified, self.exit_year(identified)
            return HouseholdStatus.MONITORED, rng.randint(2021, 2025), None  # 边缘易致贫户
        if draw < 0.96:
            return HouseholdStatus.RETURNED, identified, self.exit_year(identified)
        return HouseholdStatus.NOT_EXITED, identified, None

    def exit_year(self, identified: int) -> int:
        years = [(y, w) for y, w in EXIT_YEARS if y >= identified]
        values, weights = _cumulative(tuple(years))
        return int(self.rng.choices(values, cum_weights=weights)[0])

    def cause(self, people: list[_Person]) -> tuple[str, list[str]]:
        rng = self.rng
        has_student = any(12 <= p.age <= 22 for p in people)
        while True:
            main = str(rng.choices(self.causes, cum_weights=self.cause_weights)[0])
            if main != Cause.SCHOOLING or has_student:
                break
        others: list[str] = []
        for _ in range(rng.choices((0, 1, 2), cum_weights=(30, 70, 100))[0]):
            other = str(rng.choices(self.causes, cum_weights=self.cause_weights)[0])
            if other != main and other not in others:
                others.append(other)
        return main, others

    def income_per_capita(self, status: str, low: bool) -> tuple[float, float]:
        """(per-capita net income of the last year, yearly growth)."""
        rng = self.rng
        if status in (HouseholdStatus.EXITED, HouseholdStatus.RISK_CLEARED):
            if low:
                return rng.uniform(2300, 3700), rng.uniform(1.0, 1.03)
            return min(
                60000.0, max(5200.0, rng.lognormvariate(math.log(11500), 0.35))
            ), rng.uniform(1.03, 1.09)
        if status == HouseholdStatus.MONITORED:
            return rng.uniform(3200, 7800), rng.uniform(1.0, 1.06)
        if status == HouseholdStatus.RETURNED:
            return rng.uniform(2000, 4300), rng.uniform(0.97, 1.03)
        return rng.uniform(1800, 3900), rng.uniform(1.0, 1.04)

    # what monitoring looks at

    def hardships(
        self, people: list[_Person], healths: list[str], unregistered: bool
    ) -> list[_Hardship]:
        """The household's hardship events in the year before REFERENCE_DATE.

        A seriously ill member is named in an illness event; when the event is illness and
        nobody is seriously ill yet, the member it names becomes so (``healths`` changes).
        """
        rng = self.rng
        seriously_ill = [i for i, h in enumerate(healths) if h == Health.SERIOUS]
        if not unregistered:
            share = HARDSHIP_SHARE_SERIOUS if seriously_ill else HARDSHIP_SHARE
            if rng.random() >= share:
                return []
        days = HARDSHIP_RECENT_DAYS if unregistered else HARDSHIP_DAYS
        events: list[_Hardship] = []
        for _ in range(2 if rng.random() < 0.1 else 1):
            kind = str(rng.choices(self.hardship_kinds, cum_weights=self.hardship_weights)[0])
            # what brings a never-registered household in is one that monitoring counts
            while unregistered and not events and kind == Kind.OTHER:
                kind = str(rng.choices(self.hardship_kinds, cum_weights=self.hardship_weights)[0])
            if any(e.kind == kind for e in events):
                continue
            working = [i for i, p in enumerate(people) if 16 <= p.age <= 64]
            member: int | None = None
            if kind == Kind.SERIOUS_ILLNESS:
                member = rng.choice(seriously_ill or range(len(people)))
                healths[member] = Health.SERIOUS
            elif kind == Kind.ACCIDENT:
                member = rng.choice(working or range(len(people)))
            elif kind == Kind.JOB_LOSS and working:
                member = rng.choice(working)
            median, spread, unknown = HARDSHIP_LOSS[kind]
            loss = None
            if rng.random() >= unknown:
                loss = Decimal(round(rng.lognormvariate(math.log(median), spread), -2))
            events.append(
                _Hardship(
                    kind=kind,
                    member=member,
                    occurred_on=REFERENCE_DATE - timedelta(days=rng.randint(1, days)),
                    loss=loss,
                    description=rng.choice(HARDSHIP_TEXTS[kind]),
                )
            )
        return events

    def expenses(
        self, healths: list[str], schoolings: list[str], events: list[_Hardship]
    ) -> list[tuple[int, Decimal, Decimal]]:
        """(year, medical, schooling) for every income year, or none for most households.

        Medical costs are small for most; where someone is seriously ill they are often
        larger than the household's income. Schooling costs come from the students.
        """
        rng = self.rng
        serious = healths.count(Health.SERIOUS)
        chronic = healths.count(Health.CHRONIC)
        known = self.school_costs
        costs: list[tuple[int, int]] = []
        for s in schoolings:
            if s not in known:
                known[s] = next(((lo, hi) for p, lo, hi in SCHOOL_COSTS if s.startswith(p)), None)
            cost = known[s]
            if cost is not None:
                costs.append(cost)
        # about a quarter of all households
        if serious:
            share = 0.4
        elif any(low >= 1000 for low, _high in costs):
            share = 0.45
        elif chronic:
            share = 0.25
        elif costs:
            share = 0.1
        else:
            share = 0.05
        if rng.random() >= share:
            return []
        last = INCOME_YEARS[-1]
        # the year the serious illness began: before it, only the smaller costs
        onset = rng.choice(INCOME_YEARS)
        ill_cost = sum(rng.lognormvariate(math.log(9000), 0.85) for _ in range(serious))
        chronic_cost = sum(rng.lognormvariate(math.log(1500), 0.6) for _ in range(chronic))
        other_cost = rng.lognormvariate(math.log(600), 0.8)
        school_cost = sum(rng.uniform(low, high) for low, high in costs)
        event_cost = sum(
            float(e.loss) * rng.uniform(0.5, 0.9)
            for e in events
            if e.kind == Kind.SERIOUS_ILLNESS and e.loss and e.occurred_on.year == last
        )
        out = []
        for year in INCOME_YEARS:
            factor = 1.0 if year == last else rng.uniform(0.75, 1.1)
            medical = (chronic_cost + other_cost) * factor
            if year >= onset:
                medical += ill_cost * (1.0 if year == last else rng.uniform(0.5, 1.2))
            if year == last:
                medical += event_cost
            schooling = school_cost * (1.0 if year == last else rng.uniform(0.7, 1.0))
            out.append((year, Decimal(round(medical)), Decimal(round(schooling))))
        return out


@dataclass
class _Hardship:
    kind: str
    member: int | None  # index into the household's members
    occurred_on: date
    loss: Decimal | None
    description: str


@dataclass
class _Built:
    household: Household
    members: list[Member]
    incomes: list[IncomeRecord]
    expenses: list[tuple[int, Decimal, Decimal]]
    hardships: list[_Hardship]


def _household(c: _County, number: str, area_id: int, area_code: str) -> _Built:
    rng = c.rng
    unregistered = c.unregistered.hit()
    size = int(rng.choices(c.sizes, cum_weights=c.size_weights)[0])
    draw = rng.random()
    household_type = (
        HouseholdType.ORDINARY
        if unregistered
        else HouseholdType.TEKUN
        if size <= 2 and draw < 0.18
        else HouseholdType.DIBAO
        if draw < 0.4
        else HouseholdType.ORDINARY
    )
    people = c.people(size, elderly=household_type == HouseholdType.TEKUN)
    healths = [c.health(p.age) for p in people]
    main_cause, other_causes = c.cause(people)
    adults = [i for i, p in enumerate(people) if p.age >= 18] or [0]
    if main_cause == Cause.ILLNESS and not any(
        h in (Health.CHRONIC, Health.SERIOUS) for h in healths
    ):
        healths[rng.choice(adults)] = Health.SERIOUS if rng.random() < 0.4 else Health.CHRONIC
    if main_cause == Cause.DISABILITY and Health.DISABLED not in healths:
        healths[rng.choice(adults)] = Health.DISABLED
    status: str
    identified: int | None
    exited: int | None
    if unregistered:
        status, identified, exited = HouseholdStatus.UNREGISTERED, None, None
    else:
        status, identified, exited = c.status()
    exited_household = status == HouseholdStatus.EXITED
    hardships = c.hardships(people, healths, unregistered)
    if unregistered:
        # Not poor when registered: what brought the household in is its hardship.
        main_cause, other_causes = HARDSHIP_CAUSE[hardships[0].kind], []

    members: list[Member] = []
    schoolings: list[str] = []
    migrants = 0
    pensioners = 0
    for person, health in zip(people, healths, strict=True):
        education, schooling = c.schooling(person.age)
        schoolings.append(schooling)
        student = schooling not in ("", "学前", "非在校生")
        labour = c.labour(person.age, health, student)
        migrant_status, months = c.migrant(person.age, labour)
        migrants += migrant_status != MigrantStatus.NONE
        pensioners += person.age >= 60
        born = REFERENCE_DATE.year - person.age
        given = c.given_name(person.male, born)
        name = person.surname + given
        id_number = c.id_number(person.age, person.male)
        insured = not c.quotas["uninsured"].hit()
        pinyin, initials = c.keys(name)
        members.append(
            Member(
                name=name,
                sex=Sex.MALE if person.male else Sex.FEMALE,
                id_number=id_number,
                relation=person.relation,
                ethnicity=person.ethnicity,
                education=education,
                schooling=schooling,
                health=health,
                labour=labour,
                migrant_status=migrant_status,
                migrant_months=months,
                medical_insurance=insured,
                serious_illness_insurance=insured,
                pension_insurance=person.age >= 16 and not student and rng.random() < 0.86,
                dibao=household_type == HouseholdType.DIBAO,
                tekun=household_type == HouseholdType.TEKUN,
                name_pinyin=pinyin,
                name_initials=initials,
                id_reversed=id_search_key(id_number),
            )
        )

    relocated = rng.random() < 0.08
    draw = rng.random()
    if exited_household and c.quotas["exited_dangerous_house"].hit():
        danger = DangerGrade.C if rng.random() < 0.7 else DangerGrade.D
    elif relocated:
        danger = DangerGrade.NONE
    elif status in (
        HouseholdStatus.EXITED,
        HouseholdStatus.RISK_CLEARED,
        HouseholdStatus.UNREGISTERED,
    ):
        danger = DangerGrade.NONE if draw < 0.8 else DangerGrade.A if draw < 0.93 else DangerGrade.B
    else:
        danger = (
            DangerGrade.NONE
            if draw < 0.66
            else DangerGrade.A
            if draw < 0.81
            else DangerGrade.B
            if draw < 0.91
            else DangerGrade.C
            if draw < 0.97
            else DangerGrade.D
        )
    household = Household(
        number=number,
        area_id=area_id,
        area_code=area_code,
        phone=f"1{rng.choice('35789')}{rng.randrange(10**9):09d}" if rng.random() < 0.92 else "",
        standard=Standard.NATIONAL if rng.random() < 0.97 else Standard.PROVINCIAL,
        household_type=household_type,
        main_cause=main_cause,
        other_causes=other_causes,
        housing_area=Decimal(f"{size * rng.uniform(22, 40) + rng.uniform(20, 50):.2f}"),
        danger_grade=danger,
        relocated=relocated,
        safe_water=rng.random() < 0.995,
        has_electricity=rng.random() < 0.999,
        road_distance_km=Decimal(f"{min(12.0, rng.expovariate(1.4)):.2f}"),
        status=status,
        identified_year=identified,
        exited_year=exited,
    )

    low = exited_household and c.quotas["exited_low_income"].hit()
    # A never-registered household earns like one that has left poverty.
    per_capita, growth = c.income_per_capita(
        HouseholdStatus.EXITED if unregistered else status, low
    )
    transfer_per_dibao = rng.uniform(2400, 3300)
    eco = rng.uniform(200, 900)
    wage_share = rng.uniform(0.65, 0.85) if migrants else rng.uniform(0.15, 0.4)
    property_share = rng.uniform(0.0, 0.03)
    cost_share = rng.uniform(0.3, 0.55)
    incomes = []
    last = INCOME_YEARS[-1]
    for year in (*INCOME_YEARS, JUDGED_INCOME_YEAR):
        total = int(per_capita / growth ** (last - year) * size)
        transfer = eco + 1800 * pensioners
        if household_type == HouseholdType.DIBAO:
            transfer += transfer_per_dibao * size
        elif household_type == HouseholdType.TEKUN:
            transfer += 6500 * size
        transfer_int = min(int(transfer), int(total * 0.85))
        rest = total - transfer_int
        wage = int(rest * wage_share)
        property_income = int(rest * property_share)
        business_net = rest - wage - property_income
        costs = int(business_net * cost_share / (1 - cost_share))
        incomes.append(
            IncomeRecord(
                year=year,
                wage=Decimal(wage),
                business=Decimal(business_net + costs),
                property_income=Decimal(property_income),
                transfer=Decimal(transfer_int),
                business_costs=Decimal(costs),
                household_size=size,
            )
        )
    expenses = c.expenses(healths, schoolings, hardships)
    return _Built(household, members, incomes, expenses, hardships)


# --- the build -----------------------------------------------------------------------


def _chunks(
    c: _County, villages: list[VillagePlan], group_ids: dict[str, int]
) -> Iterator[list[_Built]]:
    width = max(4, len(str(max((v.households for v in villages), default=0))))
    chunk: list[_Built] = []
    for village in villages:
        sequence = 0
        for group_code, count in village.groups:
            group_id = group_ids[group_code]
            for _ in range(count):
                sequence += 1
                chunk.append(
                    _household(c, f"{village.code}{sequence:0{width}d}", group_id, group_code)
                )
                if len(chunk) >= CHUNK:
                    yield chunk
                    chunk = []
    if chunk:
        yield chunk


@dataclass
class _Written:
    members: int = 0
    incomes: int = 0
    expenses: int = 0
    hardships: int = 0
    exited_people: int = 0


# Every column of HouseholdExpense but the key (tests/demo checks that none is missing).
EXPENSE_FIELDS = ("household", "year", "medical", "schooling", "version")


def _write(chunk: list[_Built]) -> _Written:
    households = [b.household for b in chunk]
    with transaction.atomic():
        # core.bulk writes by COPY / executemany: several times faster than bulk_create here.
        insert_instances(Household, households)
        members: list[Member] = []
        incomes: list[IncomeRecord] = []
        changes: list[HouseholdChange] = []
        expenses: list[tuple[Any, ...]] = []
        exited_people = 0
        for b in chunk:
            hid = b.household.pk
            for m in b.members:
                m.household_id = hid
            for i in b.incomes:
                i.household_id = hid
            members.extend(b.members)
            incomes.extend(b.incomes)
            expenses.extend((hid, *e, 1) for e in b.expenses)
            if b.household.status == HouseholdStatus.EXITED:
                exited_people += len(b.members)
            changes.append(
                HouseholdChange(
                    household_id=hid,
                    action=HouseholdChange.Action.CREATE,
                    changes={
                        "number": [None, b.household.number],
                        "status": [None, b.household.status],
                    },
                    reason=HISTORY_REASON,
                )
            )
        insert_instances(Member, members)
        insert_instances(IncomeRecord, incomes)
        # As plain rows: three times faster than model instances for this many.
        bulk_insert(HouseholdExpense, EXPENSE_FIELDS, expenses)
        # Hardship events name members, whose ids are known now; each is in the history.
        hardships: list[HardshipEvent] = []
        for b in chunk:
            for e in b.hardships:
                member = None if e.member is None else b.members[e.member].pk
                hardships.append(
                    HardshipEvent(
                        household_id=b.household.pk,
                        member_id=member,
                        kind=e.kind,
                        occurred_on=e.occurred_on,
                        loss=e.loss,
                        description=e.description,
                    )
                )
                changes.append(
                    HouseholdChange(
                        household_id=b.household.pk,
                        member_id=member,
                        action=HouseholdChange.Action.HARDSHIP_ADD,
                        changes={
                            "kind": [None, e.kind],
                            "occurred_on": [None, e.occurred_on.isoformat()],
                            "loss": [None, None if e.loss is None else str(e.loss)],
                        },
                        reason=e.description,
                    )
                )
        insert_instances(HardshipEvent, hardships)
        insert_instances(HouseholdChange, changes)
    return _Written(
        members=len(members),
        incomes=len(incomes),
        expenses=len(expenses),
        hardships=len(hardships),
        exited_people=exited_people,
    )


def _tune_for_bulk_load() -> None:
    """Session settings for a big load; they end with the connection."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size=-512000")  # 500 MB of page cache
        elif connection.vendor == "postgresql":
            # Demo data can be rebuilt, so a crash may lose the last commits.
            cursor.execute("SET synchronous_commit TO off")


def build(
    *,
    households: int = DEFAULT_HOUSEHOLDS,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the demo county into an empty database (or one without this county)."""
    started = time.monotonic()
    _tune_for_bulk_load()
    rng = random.Random(seed)
    # Village and county facts draw from their own stream: the households stay as they are.
    facts_rng = random.Random(f"fupin-demo-facts:{seed}")
    villages = plan_areas(rng, households)
    with transaction.atomic():
        ids = areas_write(villages)
        facts = village_facts(facts_rng, villages, ids)
        insert_instances(VillageFacts, facts)
        audit_write(
            actor=None,
            action="demo.build",
            object_type="area",
            object_ids=[COUNTY[0]],
            fields=[f"households={households}", f"seed={seed}"],
            channel="cli",
            area_code=COUNTY[0],
        )
    county = _County(rng)
    done = 0
    total = _Written()
    # In debug mode Django keeps the text of every query (up to 9,000 of them); bulk
    # inserts of a million households would hold gigabytes and spend time formatting it.
    with override_settings(DEBUG=False):
        for chunk in _chunks(county, villages, ids):
            w = _write(chunk)
            done += len(chunk)
            total.members += w.members
            total.incomes += w.incomes
            total.expenses += w.expenses
            total.hardships += w.hardships
            total.exited_people += w.exited_people
            if progress:
                progress(done, households, time.monotonic() - started)
    with transaction.atomic():
        insert_instances(
            CountyAssessment,
            [assessment(facts_rng, ids[COUNTY[0]], total.members, total.exited_people)],
        )
    # Units, cadres, pairing, plans, visits, concerns, work teams: built on the registry.
    with override_settings(DEBUG=False):
        helped = assistance.build(seed=seed)
        # HQs, leaders, Party organisations and members, village leadership, matching
        organised = organisation.build(seed=seed)
    return BuildResult(
        households=done,
        members=total.members,
        incomes=total.incomes,
        areas=len(ids),
        seconds=time.monotonic() - started,
        expenses=total.expenses,
        hardships=total.hardships,
        village_facts=len(facts),
        assessments=1,
        assistance=helped.counts,
        assistance_seconds=helped.seconds,
        organisation=organised.counts,
        organisation_seconds=organised.seconds,
    )


# --- one evaluation ------------------------------------------------------------------------


def evaluation_needed() -> bool:
    """True when the county has no finished run for the reference year."""
    return not EvaluationRun.objects.filter(
        scope_prefix=REGION, year=REFERENCE_DATE.year, status=EvaluationRun.Status.DONE
    ).exists()


def evaluate() -> EvaluationRun:
    """Judge the whole county for the reference year, here and now.

    ``evaluation_run_create`` also queues the run for the background worker; running it
    at once claims it, so the worker later finds it done and leaves it.
    """
    from fupin.policy import services

    run = services.evaluation_run_create(
        actor=None, area_code=COUNTY[0], year=REFERENCE_DATE.year, channel="cli"
    )
    return services.evaluation_run_execute(run_id=run.pk)


# --- existence, reset, users -----------------------------------------------------------


def county_exists() -> bool:
    return Area.objects.filter(code=COUNTY[0]).exists()


def county_households() -> int:
    return Household.objects.filter(area_code__startswith=REGION).count()


def _wipe_order() -> list[type[models.Model]]:
    """The registry, the areas, role assignments, assistance (but its measures catalogue)
    and every model that refers to them, ordered so that a model comes before the models
    it refers to."""
    targets: set[type[models.Model]] = {
        Area,
        Household,
        Member,
        IncomeRecord,
        HouseholdChange,
        RoleAssignment,
        # runs judged the registry that goes; their verdicts name its households
        EvaluationRun,
        # units and cadres bring their villages, pairings, teams, presence and leave
        Unit,
        Cadre,
        Notification,
        # the organisation apps but the weak-branch checklist, shipped as data
        *(
            m
            for label in ("command", "party", "leadership", "matching")
            for m in apps.get_app_config(label).get_models()
            if m is not WeakCriterion
        ),
    }
    grew = True
    while grew:
        grew = False
        for model in apps.get_models(include_auto_created=True):
            if model in targets:
                continue
            if any(
                f.is_relation and f.related_model in targets for f in model._meta.concrete_fields
            ):
                targets.add(model)
                grew = True
    order: list[type[models.Model]] = []
    remaining = set(targets)
    while remaining:
        # a model nobody else remaining refers to can go now
        free = sorted(
            (
                m
                for m in remaining
                if not any(
                    other is not m
                    and any(
                        f.is_relation and f.related_model is m for f in other._meta.concrete_fields
                    )
                    for other in remaining
                )
            ),
            key=lambda m: m._meta.label,
        )
        if not free:  # a cycle: delete the rest in one statement group
            free = sorted(remaining, key=lambda m: m._meta.label)
        order.extend(free)
        remaining -= set(free)
    return order


def wipe() -> dict[str, int]:
    """Delete the registry, all areas, role assignments, evaluation runs, assistance and
    notifications, and the demo users' API tokens.

    The demo users themselves stay (the audit trail refers to them); they get their
    roles back when the county is rebuilt. Returns rows deleted per model label.
    """
    order = _wipe_order()
    counts: dict[str, int] = {}
    with transaction.atomic():
        ApiToken.objects.filter(user__username__in=DEMO_USERNAMES).delete()
        for model in order:
            counts[model._meta.label] = model._default_manager.count()
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in order)
            with connection.cursor() as cursor:
                # Rows written earlier in this transaction leave foreign-key checks
                # pending, and TRUNCATE refuses to run over them: check them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"TRUNCATE {tables}")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            with connection.cursor() as cursor:
                for model in order:
                    table = connection.ops.quote_name(model._meta.db_table)
                    cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - table name from model
        audit_write(
            actor=None,
            action="demo.reset",
            object_type="area",
            object_ids=[COUNTY[0]],
            fields=sorted(counts),
            channel="cli",
        )
    return counts


def demo_password(seed: int, username: str) -> str:
    """Deterministic from the seed, not guessable from the username alone."""
    digits = random.Random(f"fupin-demo-password:{seed}:{username}").randrange(1000, 10000)
    return f"fupin-{username.replace('_', '-')}-{digits}"


def _user_area(kind: str) -> Area | None:
    if kind == "county":
        return Area.objects.filter(code=COUNTY[0]).first()
    if kind == "township":
        return Area.objects.filter(code=f"{REGION}{TOWNSHIPS[0][0]}000").first()
    if kind == "village":
        prefix = f"{REGION}{TOWNSHIPS[0][0]}"
        return (
            Area.objects.filter(level=Area.Level.VILLAGE, code__startswith=prefix)
            .order_by("code")
            .first()
        )
    return None


def users_ensure(seed: int) -> list[DemoUser]:
    """Create the demo users, or give existing ones back their roles and passwords."""
    User = get_user_model()
    rng = random.Random(f"fupin-demo-names:{seed}")
    out: list[DemoUser] = []
    with transaction.atomic():
        for spec in DEMO_USERS:
            password = demo_password(seed, spec.username)
            area = _user_area(spec.area) if spec.role else None
            full_name = rng.choice(SURNAMES)[0] + rng.choice(GIVEN_MALE + GIVEN_FEMALE)
            user = User.objects.filter(username=spec.username).first()
            if user is None:
                user = user_create(
                    actor=None,
                    username=spec.username,
                    password=password,
                    full_name=full_name,
                    password_rules=False,  # the demo's passwords are printed for visitors
                )
            else:
                user.set_password(password)
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
            RoleAssignment.objects.filter(user=user).exclude(
                role=spec.role or "", area=area
            ).delete()
            if spec.role and area is not None:
                RoleAssignment.objects.get_or_create(user=user, role=spec.role, area=area)
            out.append(
                DemoUser(
                    username=spec.username,
                    password=password,
                    role=spec.role,
                    area_code=area.code if area else "",
                    area_name=area.name if area else "",
                )
            )
    assistance.users_link()  # the cadre user's own cadre record and notifications
    return out
