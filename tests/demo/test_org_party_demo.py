"""Party organisations and members in the demo county: every village has a branch with a
secretary, each township a committee, each assistance unit a branch holding its Party-member
cadres; cooperatives per poor village, most covered and about a sixth not; members with
demonstration households and business leaders; a year of 三会一课 with attendance around
85 % and chronic absentees; a few commendations and sanctions; the vanguard index over
the whole county. Built through ``fupin demo --no-serve``."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from fupin.accounts.scope import Scope
from fupin.areas.codes import prefix_of
from fupin.areas.models import Area
from fupin.assistance.models import Cadre, Unit
from fupin.demo import generator, org_party
from fupin.party import selectors
from fupin.party.models import EconomicBody, Meeting, MemberRecord, PartyMember, PartyOrganisation

HOUSEHOLDS = 1000
SEED = 4242


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DATA_DIR = tmp_path


@pytest.fixture
def county(db: Any) -> str:
    out = io.StringIO()
    call_command(
        "demo", "--households", str(HOUSEHOLDS), "--seed", str(SEED), "--no-serve", stdout=out
    )
    return out.getvalue()


def test_region_agrees_with_the_generator() -> None:
    assert org_party.REGION == generator.REGION


def test_the_party_in_the_demo_county(county: str) -> None:
    region = org_party.REGION
    villages = Area.objects.filter(code__startswith=region, level="village")
    townships = Area.objects.filter(code__startswith=region, level="township")
    orgs = PartyOrganisation.objects.all()
    # a branch (or general branch) per village, each with a secretary who is a member
    village_orgs = orgs.filter(base="village")
    assert set(village_orgs.values_list("area_code", flat=True)) == set(
        villages.values_list("code", flat=True)
    )
    assert village_orgs.filter(kind="general_branch").exists()
    assert village_orgs.filter(kind="branch").exists()
    assert not orgs.filter(secretary_name="").exists()
    secretaries = set(orgs.values_list("pk", "secretary_name"))
    member_names = set(PartyMember.objects.values_list("organisation_id", "name"))
    assert secretaries <= member_names
    # a committee per township, the parent of its village branches
    committees = orgs.filter(kind="committee")
    assert committees.count() == townships.count()
    assert not village_orgs.filter(parent__isnull=True).exists()
    assert not village_orgs.exclude(parent__kind="committee").exists()
    # a branch per unit, holding every Party-member cadre of the unit
    assert orgs.filter(base="unit").count() == Unit.objects.filter(is_active=True).count()
    party_cadres = Cadre.objects.filter(is_party_member=True)
    linked = PartyMember.objects.filter(cadre__isnull=False)
    assert linked.count() == party_cadres.count() > 0
    assert not linked.exclude(organisation__unit_id=F("cadre__unit_id")).exists()


def test_bodies_and_coverage(county: str) -> None:
    poor = Area.objects.filter(
        code__startswith=org_party.REGION, level="village", poverty_status__in=["poor", "exited"]
    )
    per_village = dict(
        EconomicBody.objects.filter(kind="cooperative")
        .values("area_code")
        .annotate(n=Count("id"))
        .values_list("area_code", "n")
    )
    assert all(1 <= per_village.get(code, 0) <= 4 for code in poor.values_list("code", flat=True))
    assert EconomicBody.objects.filter(kind="enterprise").exists()
    coverable = EconomicBody.objects.filter(kind__in=["cooperative", "enterprise"])
    uncovered = coverable.filter(organisations__isnull=True).count()
    share = uncovered / coverable.count()
    assert 0.08 <= share <= 0.28, share
    # branches built on the bodies themselves
    assert PartyOrganisation.objects.filter(base="cooperative", bodies__isnull=False).exists()
    # every covering organisation's area contains the body's
    for body_area, org_area in EconomicBody.organisations.through.objects.values_list(
        "economicbody__area_code", "partyorganisation__area_code"
    ):
        assert body_area.startswith(prefix_of(org_area))
    county_admin = Scope(user_id=None, prefixes=(org_party.REGION,))
    total = selectors.coverage_by_township(scope=county_admin)[-1]
    assert total.uncovered == uncovered


def test_members_meetings_and_records(county: str) -> None:
    per_org = dict(
        PartyMember.objects.filter(organisation__base="village", is_active=True)
        .values("organisation_id")
        .annotate(n=Count("id"))
        .values_list("organisation_id", "n")
    )
    assert all(20 <= n <= 60 for n in per_org.values()), sorted(per_org.values())
    demonstration = PartyMember.objects.filter(is_demonstration_household=True)
    assert demonstration.exists()
    for member_area, household_area in demonstration.values_list(
        "area_code", "household__area_code"
    ):
        assert household_area[:12] == member_area
    assert PartyMember.objects.filter(is_business_leader=True, households_led__gt=0).exists()
    assert PartyMember.objects.filter(is_active=False, left_on__isnull=False).exists()
    # meetings of the last 12 months, of every kind, none in the future
    today = timezone.localdate()
    kinds = set(Meeting.objects.values_list("kind", flat=True))
    assert {"theme_day", "general", "committee", "lecture"} <= kinds
    assert not Meeting.objects.filter(held_on__gt=today).exists()
    assert not Meeting.objects.filter(held_on__lt=today - timedelta(days=366)).exists()
    # attendance of the theme days around 85 %, attendees all members of the organisation
    through = Meeting.attendees.through.objects
    assert not through.exclude(partymember__organisation_id=F("meeting__organisation_id")).exists()
    # (the roll of each of 200 theme days: members on the roll who had joined by then)
    theme = list(
        Meeting.objects.filter(kind="theme_day")
        .order_by("pk")
        .values_list("pk", "organisation_id", "held_on")[:200]
    )
    roll = sum(
        PartyMember.objects.filter(is_active=True, organisation_id=org, joined_on__lte=held).count()
        for _pk, org, held in theme
    )
    came = through.filter(meeting__in=[pk for pk, _o, _h in theme]).count()
    assert 0.75 <= came / roll <= 0.95, came / roll
    # a few commendations and sanctions, with grounds
    records = MemberRecord.objects.all()
    assert records.filter(kind="commendation").exists()
    assert records.filter(kind="sanction").exists()
    assert not records.filter(grounds="").exists()


def test_the_vanguard_index_over_the_county(
    county: str, django_assert_max_num_queries: Any
) -> None:
    scope = Scope(user_id=None, prefixes=(org_party.REGION,))
    with django_assert_max_num_queries(12):
        rows = selectors.vanguard(scope=scope, year=timezone.localdate().year)
    assert len(rows) == PartyMember.objects.filter(is_active=True).count()
    absences = [r for r in rows if r.counts["absences"] >= 6]
    assert absences, "some chronic absentees"
    assert any(r.counts["visits"] > 0 for r in rows)  # cadres' visits count
    assert {r.rank for r in rows} >= {1, 2, 3}
