"""The demo county: a small build through ``fupin demo --no-serve``."""

from __future__ import annotations

import hashlib
import io
import random
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.http import HttpRequest
from django.test import Client

from fupin.accounts.models import Role, RoleAssignment
from fupin.accounts.scope import scope_for
from fupin.areas.codes import parent_code, prefix_of
from fupin.areas.models import Area
from fupin.demo import generator
from fupin.policy import engine
from fupin.policy.models import (
    AreaResult,
    CountyAssessment,
    EvaluationRun,
    HouseholdVerdict,
    VillageFacts,
)
from fupin.registry.choices import Health, HouseholdStatus, Relation
from fupin.registry.models import (
    HardshipEvent,
    Household,
    HouseholdChange,
    HouseholdExpense,
    IncomeRecord,
    Member,
)
from fupin.registry.validation import (
    check_id_number,
    check_schooling,
    id_search_key,
    name_search_keys,
)

HOUSEHOLDS = 300
SEED = 4242


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # the demo's evaluation run writes its progress file under the data directory
    settings.DATA_DIR = tmp_path


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, "--no-serve", stdout=out)
    return out.getvalue()


def build(seed: int = SEED, households: int = HOUSEHOLDS, reset: bool = False) -> str:
    args = ["--households", str(households), "--seed", str(seed)]
    return run_demo(*args, *(["--reset"] if reset else []))


def digest() -> str:
    """What must not change between two builds with one seed."""
    h = hashlib.sha256()
    rows = Member.objects.order_by("household__number", "id").values_list(
        "household__number", "name", "id_number", "relation"
    )
    for row in rows:
        h.update("|".join(row).encode())
    # ... nor the rigid expenses, hardship events, village facts and the assessment
    for values in (
        HouseholdExpense.objects.order_by("household__number", "year").values_list(
            "household__number", "year", "medical", "schooling"
        ),
        HardshipEvent.objects.order_by("household__number", "occurred_on", "kind").values_list(
            "household__number", "member__name", "kind", "occurred_on", "loss", "description"
        ),
        VillageFacts.objects.order_by("area__code", "year").values_list(
            "area__code",
            "year",
            "collective_income",
            "hard_road",
            "safe_water",
            "electricity",
            "clinic",
        ),
        CountyAssessment.objects.order_by("year").values_list(
            "year", "wrong_exit_rate", "miss_rate", "approval_rate", "missed_people"
        ),
    ):
        for record in values:
            h.update("|".join(map(str, record)).encode())
    return h.hexdigest()


def age(id_number: str, today: date) -> int:
    born = check_id_number(id_number).birth_date
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@pytest.fixture
def county(db: Any) -> str:
    return build()


def test_counts_and_structure(county: str) -> None:
    assert Household.objects.count() == HOUSEHOLDS
    assert "300 户" in county or "300" in county
    assert Area.objects.filter(level=Area.Level.TOWNSHIP).count() == len(generator.TOWNSHIPS)
    townships = set(Area.objects.filter(level="township").values_list("name", flat=True))
    assert {"业州镇", "高坪镇", "茅田乡", "三里乡"} <= townships
    villages = Area.objects.filter(level=Area.Level.VILLAGE)
    assert 180 <= villages.count() <= 230
    assert all(name.endswith("村") for name in villages.values_list("name", flat=True))
    groups_per_village = Counter(
        Area.objects.filter(level=Area.Level.GROUP).values_list("parent__code", flat=True)
    )
    assert set(groups_per_village) == set(villages.values_list("code", flat=True))
    assert min(groups_per_village.values()) >= 3
    assert max(groups_per_village.values()) <= 8
    # One history row, three income years per household, sizes agreeing with members.
    assert HouseholdChange.objects.filter(action="create").count() == HOUSEHOLDS
    assert IncomeRecord.objects.count() == HOUSEHOLDS * (len(generator.INCOME_YEARS) + 1)
    assert set(IncomeRecord.objects.values_list("year", flat=True)) == {
        *generator.INCOME_YEARS,
        generator.JUDGED_INCOME_YEAR,
    }
    sizes = dict(
        Member.objects.values("household").annotate(n=Count("id")).values_list("household", "n")
    )
    assert not IncomeRecord.objects.exclude(household_size__in=[1, 2, 3, 4, 5, 6, 7]).exists()
    for household_id, size in IncomeRecord.objects.values_list("household_id", "household_size"):
        assert sizes[household_id] == size
    # Numbers unique in the county.
    numbers = list(Household.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))


def test_area_codes_consistent(county: str) -> None:
    areas = dict(Area.objects.values_list("id", "code"))
    for code, parent_id, level in Area.objects.values_list("code", "parent_id", "level"):
        assert (
            prefix_of(code)
            == code[
                : {
                    "province": 2,
                    "prefecture": 4,
                    "county": 6,
                    "township": 9,
                    "village": 12,
                    "group": 15,
                }[level]
            ]
        )
        if level == "province":
            assert parent_id is None
            continue
        parent = areas[parent_id]
        assert parent == parent_code(code)
        assert code.startswith(prefix_of(parent))
    mismatched = Household.objects.exclude(area_code=F("area__code"))
    assert not mismatched.exists()
    assert set(Household.objects.values_list("area__level", flat=True)) == {"group"}
    # Each village has more rural people than registered members, and the county
    # population scales with the number of households.
    registered = Counter(
        code[:12] for code in Member.objects.values_list("household__area_code", flat=True)
    )
    for code, people in Area.objects.filter(level="village").values_list(
        "code", "rural_population"
    ):
        assert people is not None
        assert people > registered[code]
    county_area = Area.objects.get(code=generator.COUNTY[0])
    assert county_area.rural_population == pytest.approx(
        HOUSEHOLDS * generator.RURAL_PEOPLE_PER_HOUSEHOLD, rel=0.2
    )


def test_members_heads_ids_and_sizes(county: str) -> None:
    heads = Counter(
        Member.objects.filter(relation=Relation.HEAD, is_active=True).values_list(
            "household_id", flat=True
        )
    )
    assert len(heads) == HOUSEHOLDS
    assert set(heads.values()) == {1}
    members = list(
        Member.objects.values_list(
            "household_id",
            "name",
            "sex",
            "id_number",
            "relation",
            "schooling",
            "education",
            "name_pinyin",
            "name_initials",
            "id_reversed",
        )
    )
    average = len(members) / HOUSEHOLDS
    assert 2.6 <= average <= 3.8
    ids = [m[3] for m in members]
    assert len(ids) == len(set(ids))
    ages: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for (
        household_id,
        name,
        sex,
        id_number,
        relation,
        schooling,
        _edu,
        pinyin,
        initials,
        rev,
    ) in members:
        facts = check_id_number(id_number)
        assert facts.sex == sex
        assert id_number.startswith(generator.REGION)
        assert (pinyin, initials) == name_search_keys(name)
        assert rev == id_search_key(id_number)
        assert 2 <= len(name) <= 4
        assert check_schooling(schooling) == schooling
        ages[household_id][relation].append(age(id_number, generator.REFERENCE_DATE))
    for relations in ages.values():
        head = relations[Relation.HEAD][0]
        assert len(relations[Relation.SPOUSE]) <= 1
        for child in relations[Relation.SON] + relations[Relation.DAUGHTER]:
            assert head - child >= 15
        for grandchild in relations[Relation.GRANDSON] + relations[Relation.GRANDDAUGHTER]:
            assert head - grandchild >= 30
        for parent in relations[Relation.FATHER] + relations[Relation.MOTHER]:
            assert parent - head >= 15


def test_schooling_follows_age(county: str) -> None:
    rows = Member.objects.values_list("id_number", "schooling", "education")
    in_school = out_of_school = 0
    for id_number, schooling, education in rows:
        years = age(id_number, generator.REFERENCE_DATE)
        if years < 6:
            assert education == "preschool_child"
            assert schooling in ("", "学前")
        elif years <= 11:
            assert schooling.startswith("小学") or schooling == "非在校生"
        elif years >= 23:
            assert schooling == "非在校生"
            assert education != "preschool_child"
        if 6 <= years <= 15:
            if schooling == "非在校生":
                out_of_school += 1
            else:
                in_school += 1
    assert in_school > 10 * out_of_school


def test_plausible_mix(county: str) -> None:
    households = Household.objects
    causes = Counter(households.values_list("main_cause", flat=True))
    assert causes.most_common(1)[0][0] == "illness"
    assert 0.3 <= causes["illness"] / HOUSEHOLDS <= 0.55
    for main, others in households.values_list("main_cause", "other_causes"):
        assert len(others) <= 2
        assert main not in others
    statuses = Counter(households.values_list("status", flat=True))
    assert statuses[HouseholdStatus.EXITED] / HOUSEHOLDS >= 0.7
    assert statuses[HouseholdStatus.MONITORED] + statuses[HouseholdStatus.RISK_CLEARED] > 0
    exited = households.filter(status=HouseholdStatus.EXITED)
    assert not exited.filter(exited_year__isnull=True).exists()
    assert set(exited.values_list("exited_year", flat=True)) <= set(range(2014, 2021))
    assert not households.filter(exited_year__lt=F("identified_year")).exists()
    assert households.filter(identified_year__in=[2014, 2015, 2016]).count() / HOUSEHOLDS > 0.7
    assert not households.filter(
        status=HouseholdStatus.NOT_EXITED, exited_year__isnull=False
    ).exists()


def _per_capita(year: int) -> dict[int, Decimal]:
    return {r.household_id: r.net_income_per_capita for r in IncomeRecord.objects.filter(year=year)}


def test_deliberate_errors_exist_in_small_shares(county: str) -> None:
    today = date.today()
    children_out = [
        i
        for i, s in Member.objects.values_list("id_number", "schooling")
        if 6 <= age(i, today) <= 15 and s == "非在校生"
    ]
    assert 1 <= len(children_out) <= 10
    members = Member.objects.count()
    uninsured = Member.objects.filter(medical_insurance=False).count()
    assert 1 <= uninsured <= 0.02 * members
    exited = Household.objects.filter(status=HouseholdStatus.EXITED)
    dangerous = exited.filter(danger_grade__in=["C", "D"]).count()
    assert 1 <= dangerous <= 0.05 * exited.count()
    line = generator.POVERTY_LINE
    income = _per_capita(generator.INCOME_YEARS[-1])
    exited_ids = list(exited.values_list("id", flat=True))
    low = [h for h in exited_ids if income[h] < line]
    assert 1 <= len(low) <= 0.05 * len(exited_ids)
    # ... while the others still poor are mostly below the line.
    poor = Household.objects.filter(
        status__in=[HouseholdStatus.NOT_EXITED, HouseholdStatus.RETURNED]
    ).values_list("id", flat=True)
    assert poor
    assert sum(income[h] < line for h in poor) / len(poor) > 0.6


def test_users_roles_and_login(county: str) -> None:
    User = get_user_model()
    rows = {}
    for line in county.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 4 and cells[1] in generator.DEMO_USERNAMES:
            rows[cells[1]] = cells
    assert set(rows) == set(generator.DEMO_USERNAMES)
    expected = {
        "county_admin": (Role.COUNTY_ADMIN, "county", "建始县"),
        "township_officer": (Role.TOWNSHIP_OFFICER, "township", "业州镇"),
        "village_secretary": (Role.VILLAGE_SECRETARY, "village", None),
        "cadre": (Role.CADRE, "village", None),
        "auditor": (Role.AUDITOR, "county", "建始县"),
    }
    for username, (role, level, area_name) in expected.items():
        user = User.objects.get(username=username)
        assignment = RoleAssignment.objects.select_related("area").get(user=user)
        assert assignment.role == role
        assert assignment.area.level == level
        if area_name:
            assert assignment.area.name == area_name
        else:
            assert assignment.area.code.startswith("422822100")
        assert str(Role(role).label) in rows[username][0]
        assert assignment.area.name in rows[username][3]
        assert not scope_for(user).is_empty
    assert not RoleAssignment.objects.filter(user__username="outsider").exists()
    for username, cells in rows.items():
        password = cells[2]
        assert password == generator.demo_password(SEED, username)
        assert len(password) >= 12
        client = Client()
        # django-axes needs the request in authenticate(); the test client has none.
        assert client.login(request=HttpRequest(), username=username, password=password), username
        assert not client.login(request=HttpRequest(), username=username, password="fupin")


def test_same_seed_same_data_other_seed_other_data(db: Any) -> None:
    build()
    first = digest()
    out = build(reset=True)
    assert "已清空" in out
    assert digest() == first
    assert Household.objects.count() == HOUSEHOLDS
    build(seed=SEED + 1, reset=True)
    assert digest() != first
    assert Household.objects.count() == HOUSEHOLDS


def test_existing_county_is_kept_and_users_get_their_passwords_back(db: Any) -> None:
    build()
    before = digest()
    user = get_user_model().objects.get(username="county_admin")
    user.set_password("something-else-entirely")
    user.save()
    RoleAssignment.objects.filter(user=user).delete()
    out = build(households=50)
    assert "已存在" in out
    assert Household.objects.count() == HOUSEHOLDS
    assert digest() == before
    assert Client().login(
        request=HttpRequest(),
        username="county_admin",
        password=generator.demo_password(SEED, "county_admin"),
    )
    assert RoleAssignment.objects.filter(
        user__username="county_admin", role=Role.COUNTY_ADMIN
    ).exists()


def test_reset_keeps_other_users_and_audit(db: Any) -> None:
    build()
    other = get_user_model().objects.create_user(username="someone", password="x" * 12)
    build(reset=True)
    assert get_user_model().objects.filter(pk=other.pk).exists()
    assert Household.objects.filter(~Q(area_code__startswith=generator.REGION)).count() == 0
    assert Household.objects.count() == HOUSEHOLDS


# --- what the policy engine looks at ---------------------------------------------------


def in_school(schooling: str) -> bool:
    return any(schooling.startswith(prefix) for prefix, _low, _high in generator.SCHOOL_COSTS)


def test_rigid_expenses(county: str) -> None:
    years = Counter(HouseholdExpense.objects.values_list("household_id", flat=True))
    # every income year for a household that has expenses, for about a quarter of them
    assert set(years.values()) == {len(generator.INCOME_YEARS)}
    assert set(HouseholdExpense.objects.values_list("year", flat=True)) == set(
        generator.INCOME_YEARS
    )
    assert 0.15 <= len(years) / HOUSEHOLDS <= 0.35
    assert not HouseholdExpense.objects.filter(Q(medical__lt=0) | Q(schooling__lt=0)).exists()
    assert not HouseholdExpense.objects.filter(medical=0, schooling=0).exists()
    # schooling costs only where someone is in school
    students = {
        h for h, s in Member.objects.values_list("household_id", "schooling") if in_school(s)
    }
    schooling = set(
        HouseholdExpense.objects.filter(schooling__gt=0).values_list("household_id", flat=True)
    )
    assert schooling
    assert schooling <= students
    # medical costs are mostly small; where someone is seriously ill they are larger and
    # for some of them more than the household's whole net income
    last = generator.INCOME_YEARS[-1]
    serious = set(
        Member.objects.filter(health=Health.SERIOUS).values_list("household_id", flat=True)
    )
    medical = dict(
        HouseholdExpense.objects.filter(year=last).values_list("household_id", "medical")
    )
    ill = sorted(v for h, v in medical.items() if h in serious)
    others = sorted(v for h, v in medical.items() if h not in serious)
    assert ill
    assert others
    assert ill[len(ill) // 2] > 2 * others[len(others) // 2]
    assert others[len(others) // 2] < 3000
    net = {
        r.household_id: r.wage + r.business + r.property_income + r.transfer - r.business_costs
        for r in IncomeRecord.objects.filter(year=last)
    }
    totals = dict(
        HouseholdExpense.objects.filter(year=last).values_list(
            "household_id", F("medical") + F("schooling")
        )
    )
    above = [h for h, total in totals.items() if total > net[h]]
    assert 1 <= len(above) <= 0.08 * HOUSEHOLDS
    assert sum(h in serious for h in above) > len(above) / 2


def test_expense_rows_name_every_column() -> None:
    columns = {f.name for f in HouseholdExpense._meta.concrete_fields if not f.primary_key}
    assert set(generator.EXPENSE_FIELDS) == columns


def test_hardship_events(county: str) -> None:
    events = list(
        HardshipEvent.objects.select_related("household", "member").order_by("occurred_on")
    )
    households = {e.household_id for e in events}
    assert 0.005 * HOUSEHOLDS <= len(households) <= 0.04 * HOUSEHOLDS
    first = generator.REFERENCE_DATE - timedelta(days=generator.HARDSHIP_DAYS)
    for e in events:
        assert first <= e.occurred_on < generator.REFERENCE_DATE
        assert e.kind in HardshipEvent.Kind.values
        assert e.description
        assert e.loss is None or e.loss > 0
        if e.member is not None:
            assert e.member.household_id == e.household_id
        if e.kind == HardshipEvent.Kind.SERIOUS_ILLNESS:
            assert e.member is not None
            assert e.member.health == Health.SERIOUS
    # each in the household's history
    assert HouseholdChange.objects.filter(action="hardship_add").count() == len(events)
    # never-registered households came in with a hardship: sudden hardship to monitor
    unregistered = Household.objects.filter(status=HouseholdStatus.UNREGISTERED)
    assert 1 <= unregistered.count() <= 0.02 * HOUSEHOLDS
    assert set(unregistered.values_list("id", flat=True)) <= households
    assert not unregistered.filter(
        Q(identified_year__isnull=False) | Q(exited_year__isnull=False)
    ).exists()
    assert set(unregistered.values_list("household_type", flat=True)) == {"ordinary"}


def test_hardship_kinds_mixed_illness_most_common() -> None:
    county = generator._County(random.Random(SEED))
    people = [generator._Person(Relation.HEAD, True, 45, "张", "汉族")]
    kinds: Counter[str] = Counter()
    for _ in range(2000):
        healths = [Health.HEALTHY]
        events = county.hardships(people, healths, unregistered=True)
        # what brings a never-registered household in is a hardship monitoring counts
        assert events[0].kind != HardshipEvent.Kind.OTHER
        kinds.update(e.kind for e in events)
        if any(e.kind == HardshipEvent.Kind.SERIOUS_ILLNESS for e in events):
            assert healths == [Health.SERIOUS]
    assert set(kinds) == set(HardshipEvent.Kind.values)
    assert kinds.most_common(1)[0][0] == HardshipEvent.Kind.SERIOUS_ILLNESS


def test_village_facts_and_assessment(county: str) -> None:
    villages = set(Area.objects.filter(level=Area.Level.VILLAGE).values_list("id", flat=True))
    facts = VillageFacts.objects.all()
    assert set(facts.values_list("year", flat=True)) == set(generator.VILLAGE_FACT_YEARS)
    assert set(facts.values_list("area_id", flat=True)) <= villages
    for year in generator.VILLAGE_FACT_YEARS:
        of_year = facts.filter(year=year)
        # a few villages have not reported, the rest once each
        assert 0.9 * len(villages) <= of_year.count() < len(villages)
        assert of_year.values("area_id").distinct().count() == of_year.count()
        assert not of_year.filter(collective_income__isnull=True).exists()
        meeting = of_year.filter(collective_income__gte=generator.COLLECTIVE_INCOME_MIN).count()
        # DEMO_FACTS.md: 95.1 % of villages have a stable collective income
        assert 0.9 <= meeting / of_year.count() <= 0.99
        for name in ("hard_road", "safe_water", "electricity", "clinic"):
            assert of_year.filter(**{name: True}).count() >= 0.85 * of_year.count()
        assert of_year.filter(
            Q(hard_road=False) | Q(safe_water=False) | Q(electricity=False) | Q(clinic=False)
        ).exists()
    assessment = CountyAssessment.objects.get()
    assert assessment.area.code == generator.COUNTY[0]
    assert assessment.year == 2020
    for name in (
        "wrong_exit_rate",
        "miss_rate",
        "approval_rate",
        "missed_people",
        "wrongly_exited_people",
    ):
        assert getattr(assessment, name) is not None
    assert assessment.wrong_exit_rate < Decimal("0.02")
    assert assessment.miss_rate < Decimal("0.02")
    assert assessment.approval_rate > Decimal("0.9")


def test_demo_evaluates_the_county(county: str) -> None:
    run = EvaluationRun.objects.get()
    assert run.status == EvaluationRun.Status.DONE
    assert run.scope_prefix == generator.REGION
    assert run.year == generator.REFERENCE_DATE.year
    assert f"批次 run {run.pk}" in county
    assert run.summary["households"] == HOUSEHOLDS
    assert HouseholdVerdict.objects.filter(run=run).count() == HOUSEHOLDS
    # exits are judged on the judged year's own income, which the demo records: some of
    # the still-poor households meet the standard, and none fails for want of a record
    assert run.summary["exit_candidates"] > 0
    poor = HouseholdVerdict.objects.filter(run=run, status_group=engine.G_POOR)
    assert poor.exists()
    assert not poor.filter(per_capita__isnull=True).exists()
    # never-registered households with a counted hardship are found as sudden hardship
    # (or as marginal, when their income is low too)
    params = run.params[generator.REGION]
    first, last = engine.hardship_window(date.fromisoformat(run.summary["as_of"]), params)
    counted = set(
        HardshipEvent.objects.filter(
            household__status=HouseholdStatus.UNREGISTERED,
            kind__in=params["hardship_kinds"],
            occurred_on__range=(first, last),
        ).values_list("household_id", flat=True)
    )
    assert counted
    categories = dict(
        HouseholdVerdict.objects.filter(run=run, household_id__in=counted).values_list(
            "household_id", "category"
        )
    )
    assert set(categories.values()) <= {"hardship", "marginal"}
    assert len(categories) == len(counted)
    # villages without facts for the year are pending, those short of income fail
    village_reasons = [
        reason
        for reasons in AreaResult.objects.filter(run=run, level="village").values_list(
            "reasons", flat=True
        )
        for reason in reasons
        if reason["code"] == "collective_income"
    ]
    states = Counter(r["state"] for r in village_reasons)
    assert states["missing"] >= 1
    assert states["fail"] >= 1
    assert states["pass"] > 0.85 * len(village_reasons)
    # no third-party figures after 2020: the county's are missing
    county_result = AreaResult.objects.get(run=run, area_code=generator.COUNTY[0])
    assert {r["code"]: r["state"] for r in county_result.reasons}["approval_rate"] == "missing"


def test_one_run_per_build(db: Any) -> None:
    build()
    build(households=50)  # kept, not rebuilt: no second run
    assert EvaluationRun.objects.count() == 1
    build(reset=True)  # the old run goes with the registry it judged
    run = EvaluationRun.objects.get()
    assert run.status == EvaluationRun.Status.DONE
    assert HouseholdVerdict.objects.filter(run=run).count() == HOUSEHOLDS
