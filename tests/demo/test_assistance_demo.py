"""Assistance in the demo county: units, cadres, pairing, plans, visits, concerns and work
teams, with some norms broken on purpose; built through ``fupin demo --no-serve``."""

from __future__ import annotations

import hashlib
import io
from collections import Counter, defaultdict
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from fupin.accounts.models import Role, RoleAssignment
from fupin.areas.models import Area
from fupin.assistance.models import (
    Cadre,
    Concern,
    ConcernEvent,
    Leave,
    Measure,
    MeasureType,
    Notification,
    Pairing,
    Participation,
    ParticipationIncome,
    Plan,
    PlannedMeasure,
    Presence,
    TeamMember,
    Unit,
    UnitVillage,
    Visit,
    WorkTeam,
)
from fupin.demo import assistance, generator
from fupin.policy.params import NATIONAL_DEFAULTS
from fupin.registry.models import Household, IncomeRecord

HOUSEHOLDS = 1000
SEED = 4242
LIMIT = int(NATIONAL_DEFAULTS["cadre_max_households"])
# every assistance model the demo writes (the measures catalogue ships with the migrations)
WRITTEN = (
    Unit,
    UnitVillage,
    Cadre,
    Pairing,
    Plan,
    PlannedMeasure,
    Measure,
    Participation,
    ParticipationIncome,
    Visit,
    Concern,
    ConcernEvent,
    WorkTeam,
    TeamMember,
    Presence,
    Leave,
    Notification,
)


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DATA_DIR = tmp_path  # the demo's evaluation writes its progress file here


def build(reset: bool = False) -> str:
    out = io.StringIO()
    args = ["--households", str(HOUSEHOLDS), "--seed", str(SEED), "--no-serve"]
    call_command("demo", *args, *(["--reset"] if reset else []), stdout=out)
    return out.getvalue()


@pytest.fixture
def county(db: Any) -> str:
    return build()


def needing() -> QuerySet[Household]:
    """Households that must have a responsible cadre."""
    recent = timezone.localdate().year - int(NATIONAL_DEFAULTS["pairing_stability_years"])
    return Household.objects.filter(is_active=True).filter(
        Q(status__in=["not_exited", "returned", "monitored"])
        | Q(status="exited", exited_year__gte=recent)
    )


def has_cadre() -> Exists:
    return Exists(Pairing.objects.filter(household=OuterRef("pk"), ends_on__isnull=True))


def counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in WRITTEN}


def digest() -> str:
    """Assistance rows by what does not depend on ids."""
    h = hashlib.sha256()
    for values in (
        Pairing.objects.order_by("household__number", "starts_on").values_list(
            "household__number", "cadre__name", "starts_on", "ends_on", "end_reason"
        ),
        Concern.objects.order_by("raised_on", "household__number", "text", "status").values_list(
            "household__number", "text", "raised_on", "status", "level", "due_on"
        ),
        Visit.objects.order_by("household__number", "visited_on").values_list(
            "household__number", "visited_on", "mode", "seen"
        ),
        Presence.objects.order_by("area_code", "member__cadre__name", "day").values_list(
            "area_code", "member__cadre__name", "day"
        ),
    ):
        for row in values:
            h.update("|".join(map(str, row)).encode())
    return h.hexdigest()


def test_figures_agree_with_the_generator() -> None:
    assert assistance.REGION == generator.REGION
    assert generator.COUNTY[0] == assistance.COUNTY_CODE
    assert generator.REGION + generator.TOWNSHIPS[0][0] == assistance.FIRST_TOWNSHIP
    assert generator.INCOME_YEARS[-1] == assistance.INCOME_YEAR
    assert assistance.POVERTY_LINE == generator.POVERTY_LINE


def test_everything_is_there(county: str) -> None:
    for label, n in counts().items():
        assert n > 0, label
    assert "帮扶 / assistance" in county
    county_code = generator.COUNTY[0]
    assert not Unit.objects.exclude(area_code=county_code).exists()
    assert Unit.objects.filter(handles_concerns=True).count() >= 5
    # every registered poor village has a unit and one active work team
    poor = set(
        Area.objects.filter(level="village", poverty_status__in=["poor", "exited"]).values_list(
            "code", flat=True
        )
    )
    assert set(UnitVillage.objects.values_list("area_code", flat=True)) == poor
    assert set(WorkTeam.objects.filter(is_active=True).values_list("area_code", flat=True)) == poor
    # about three in five cadres are party members
    share = Cadre.objects.filter(is_party_member=True).count() / Cadre.objects.count()
    assert 0.5 < share < 0.85


def test_pairing_norms_kept_and_broken(county: str) -> None:
    loads = Counter(Pairing.objects.filter(ends_on__isnull=True).values_list("cadre_id", flat=True))
    assert max(loads.values()) <= LIMIT + 2
    assert any(n > LIMIT for n in loads.values())  # a few cadres over the limit
    # the deliberate gap: a few households that need a cadre have none
    households = needing()
    total = households.count()
    covered = households.filter(has_cadre()).count()
    assert total > 50
    assert covered < total
    assert covered >= 0.9 * total
    # a pairing's area is its household's; a cadre works within one township
    active = Pairing.objects.filter(ends_on__isnull=True)
    assert not active.exclude(area_code=F("household__area_code")).exists()
    townships: dict[int, set[str]] = defaultdict(set)
    for cadre_id, code in Pairing.objects.values_list("cadre_id", "area_code"):
        townships[cadre_id].add(code[:9])
    assert all(len(t) == 1 for t in townships.values())
    # cadres who left: their households ended with them and wait to be paired again
    left = Cadre.objects.exclude(left_on=None)
    assert 1 <= left.count() <= 4
    assert not Pairing.objects.filter(cadre__in=left, ends_on__isnull=True).exists()
    ended = Pairing.objects.filter(cadre__in=left)
    assert ended.exists()
    assert set(ended.values_list("end_reason", flat=True)) == {"cadre_left"}
    waiting = Household.objects.filter(pk__in=ended.values("household_id"))
    assert not waiting.filter(has_cadre()).exists()


def test_plans_measures_and_schemes(county: str) -> None:
    year = timezone.localdate().year
    today = timezone.localdate()
    planned = set(Plan.objects.filter(year=year).values_list("household_id", flat=True))
    wanted = set(
        needing()
        .filter(status__in=["not_exited", "returned", "monitored"])
        .values_list("pk", flat=True)
    )
    assert planned == wanted
    assert all(6500 <= t <= 9000 for t in Plan.objects.values_list("income_target", flat=True))
    assert Plan.objects.exclude(needs=[]).exists()
    per_plan = Counter(PlannedMeasure.objects.values_list("plan_id", flat=True))
    assert set(per_plan.values()) <= {1, 2, 3}
    assert PlannedMeasure.objects.exclude(delivered=None).exists()
    assert PlannedMeasure.objects.filter(delivered=None, due_on__lt=today).exists()
    assert MeasureType.objects.count() > 20  # the catalogue stays as shipped
    assert Measure.objects.exclude(project_name="").exists()
    assert not Measure.objects.filter(delivered_on__gt=today).exists()
    # a cadre's ledger entries are for households they were paired with, while paired
    paired = Pairing.objects.filter(
        cadre_id=OuterRef("cadre_id"),
        household_id=OuterRef("household_id"),
        starts_on__lte=OuterRef("delivered_on"),
    ).filter(Q(ends_on=None) | Q(ends_on__gte=OuterRef("delivered_on")))
    assert not Measure.objects.exclude(cadre=None).exclude(Exists(paired)).exists()
    # loans of 30,000–50,000 元; last year's scheme income is a part of the income record
    loans = Participation.objects.filter(kind="micro_loan").values_list("amount", flat=True)
    assert loans and all(30000 <= a <= 50000 for a in loans)
    records = {
        h: (b, p)
        for h, b, p in IncomeRecord.objects.filter(year=generator.INCOME_YEARS[-1]).values_list(
            "household_id", "business", "property_income"
        )
    }
    rows = ParticipationIncome.objects.values_list(
        "participation__household_id", "participation__income_field", "amount", "year"
    )
    for household_id, field, amount, income_year in rows:
        assert income_year == generator.INCOME_YEARS[-1]
        business, property_income = records[household_id]
        assert 0 < amount <= (business if field == "business" else property_income)


def test_visits_and_concerns(county: str) -> None:
    today = timezone.localdate()
    days = [(today - d).days for d in Visit.objects.values_list("visited_on", flat=True)]
    assert min(days) >= 0
    assert max(days) <= assistance.VISIT_DAYS
    assert Visit.objects.exclude(latitude=None).exists()
    # weekly contact lapses for some: households not visited for over 30 days
    last = dict(
        Visit.objects.values("household_id")
        .annotate(last=Max("visited_on"))
        .values_list("household_id", "last")
    )
    active = Pairing.objects.filter(ends_on__isnull=True).values_list("household_id", flat=True)
    stale = [h for h in active if h not in last or (today - last[h]).days > 30]
    assert stale
    assert len(stale) < 0.2 * len(active)
    # concerns: each state, some overdue and escalated, dated by their visit
    statuses = Counter(Concern.objects.values_list("status", flat=True))
    assert set(statuses) == {"raised", "routed", "resolved", "told"}
    open_ = Concern.objects.filter(status__in=["raised", "routed"])
    assert open_.filter(due_on__lt=today).exists()
    assert Concern.objects.filter(escalations__gt=0).exists()
    assert not Concern.objects.filter(status="routed", due_on=None).exists()
    assert not Concern.objects.filter(status="raised").exclude(level="").exists()
    assert (
        not Concern.objects.filter(status="told").filter(Q(told_on=None) | Q(told_note="")).exists()
    )
    assert not Concern.objects.filter(level="department", department=None).exists()
    with_visit = Concern.objects.exclude(visit=None)
    assert with_visit.exists()
    assert not with_visit.exclude(raised_on=F("visit__visited_on")).exists()
    events = Counter(ConcernEvent.objects.values_list("concern_id", "action"))
    for pk, status, escalations in Concern.objects.values_list("pk", "status", "escalations"):
        assert events[(pk, "raised")] == 1
        assert events[(pk, "escalated")] == escalations
        assert events[(pk, "told")] == (status == "told")


def test_teams_presence_and_leave(county: str) -> None:
    members = Count("members", filter=Q(members__ends_on=None))
    sizes = dict(WorkTeam.objects.annotate(n=members).values_list("pk", "n"))
    short = [pk for pk, n in sizes.items() if n < 3]
    assert 1 <= len(short) <= 3
    assert all(n >= 2 for n in sizes.values())
    leaders = Counter(
        TeamMember.objects.filter(ends_on=None, is_leader=True).values_list("team_id", flat=True)
    )
    assert set(leaders) == set(sizes) and set(leaders.values()) == {1}
    assert TeamMember.objects.filter(recalled=True).exclude(ends_on=None).exists()
    for start, end in WorkTeam.objects.values_list("starts_on", "ends_on"):
        assert (end - start).days >= 2 * 365
    # presence: most members 20 days or more in a full month, a few fewer
    today = timezone.localdate()
    month = (today.year, today.month)
    per_month = Counter(
        (m, (d.year, d.month)) for m, d in Presence.objects.values_list("member_id", "day")
    )
    full = [n for (_m, ym), n in per_month.items() if ym != month]
    assert len({ym for _m, ym in per_month}) == 3
    assert any(n < 20 for n in full)
    assert sum(n >= 20 for n in full) > 0.8 * len(full)
    # leave: short ones by the township, one longer by the county, one waiting
    leaves = Leave.objects.all()
    assert leaves.filter(status="approved", approver_level="township", days__lte=3).exists()
    assert leaves.filter(status="approved", approver_level="county", days=5).exists()
    assert leaves.filter(status="requested").count() == 1
    on_leave = {
        (m, s, e)
        for m, s, e in leaves.filter(status="approved").values_list(
            "member_id", "starts_on", "ends_on"
        )
    }
    days = set(Presence.objects.values_list("member_id", "day"))
    for member, start, end in on_leave:
        assert not any((member, d) in days for d in (start, end))


def test_demo_users_get_a_cadre_and_notifications(county: str) -> None:
    user = get_user_model().objects.get(username="cadre")
    cadre = Cadre.objects.get(user=user)
    village = RoleAssignment.objects.get(user=user, role=Role.CADRE).area.code
    # the cadre and the households the cadre user helps are in the village they see
    assert cadre.area_code == village
    assert cadre.is_party_member
    assert cadre.left_on is None
    codes = Pairing.objects.filter(cadre=cadre, ends_on=None).values_list("area_code", flat=True)
    assert codes
    assert all(code.startswith(village) for code in codes)
    kinds = set(Notification.objects.filter(user=user).values_list("kind", flat=True))
    assert "pairing" in kinds
    assert Notification.objects.filter(user__username="township_officer").exists()
    # built again without --reset: kept, nothing added
    before = Notification.objects.count()
    build()
    assert Notification.objects.count() == before
    assert Cadre.objects.get(user=user).pk == cadre.pk


def test_wipe_removes_assistance_and_same_seed_same_assistance(county: str) -> None:
    first, first_digest = counts(), digest()
    catalogue = MeasureType.objects.count()
    generator.wipe()
    assert all(n == 0 for n in counts().values()), counts()
    assert MeasureType.objects.count() == catalogue
    build()
    assert counts() == first
    assert digest() == first_digest
