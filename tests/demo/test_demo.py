"""The demo county: a small build through ``fupin demo --no-serve``."""

from __future__ import annotations

import hashlib
import io
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.test import Client

from fupin.accounts.models import Role, RoleAssignment
from fupin.accounts.scope import scope_for
from fupin.areas.codes import parent_code, prefix_of
from fupin.areas.models import Area
from fupin.demo import generator
from fupin.registry.choices import HouseholdStatus, Relation
from fupin.registry.models import Household, HouseholdChange, IncomeRecord, Member
from fupin.registry.validation import (
    check_id_number,
    check_schooling,
    id_search_key,
    name_search_keys,
)

HOUSEHOLDS = 300
SEED = 4242


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
    assert IncomeRecord.objects.count() == HOUSEHOLDS * len(generator.INCOME_YEARS)
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
        assert client.login(username=username, password=password), username
        assert not client.login(username=username, password="fupin")


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
        username="county_admin", password=generator.demo_password(SEED, "county_admin")
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
