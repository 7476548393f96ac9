"""First-secretary matching in the demo county: a profile for every village (about 15%
with a minority language), candidates about 1.3 × the registered poor villages, postings
of the current first secretaries with appraisals and recalls, and this year's round over
the poor villages solved to a complete assignment with reasons and two overrides, left
for the officer to accept. Built through ``fupin demo --no-serve``."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from fupin.areas.models import Area
from fupin.assistance.models import TeamMember
from fupin.demo import generator, org_matching
from fupin.matching import services
from fupin.matching.models import Appraisal, Candidate, MatchRound, Posting, VillageProfile

HOUSEHOLDS = 1000
SEED = 4242


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DATA_DIR = tmp_path


@pytest.fixture
def county(db: Any) -> str:
    out = io.StringIO()
    call_command("demo", "--households", str(HOUSEHOLDS), "--seed", str(SEED), "--no-serve", stdout=out)  # fmt: skip
    return out.getvalue()


def test_region_agrees_with_the_generator() -> None:
    assert org_matching.REGION == generator.REGION


def test_matching_in_the_demo_county(county: str) -> None:
    villages = Area.objects.filter(code__startswith=org_matching.REGION, level="village")
    poor = sorted(villages.filter(poverty_status="poor").values_list("code", flat=True))
    assert poor
    # a profile for every village; some speak a minority language; 5–90 km
    profiles = VillageProfile.objects.all()
    assert profiles.count() == villages.count()
    share = profiles.exclude(ethnic_language="").count() / profiles.count()
    assert 0.05 <= share <= 0.3
    assert all(5 <= p.distance_km <= 90 and p.industries for p in profiles)
    # candidates about 1.3 × the poor villages
    assert len(poor) * 1.2 <= Candidate.objects.count() <= len(poor) * 1.5 + 2
    # the current first secretaries are posted: one per active work team, its leader
    leaders = TeamMember.objects.filter(team__is_active=True, is_leader=True, ends_on__isnull=True)
    active = Posting.objects.filter(status="active")
    assert set(active.values_list("cadre_id", "area_code")) == set(
        leaders.values_list("cadre_id", "team__area_code")
    )
    assert 1 <= Posting.objects.filter(status="recalled").exclude(recall_grounds="").count() <= 2
    assert Appraisal.objects.filter(posting__status="active").exists()
    assert Appraisal.objects.filter(grade="incompetent").exists()
    # this year's round over the poor villages: complete, with reasons, two overrides
    r = MatchRound.objects.get()
    assert r.status == MatchRound.Status.SOLVED and sorted(r.villages) == poor
    proposals = list(r.proposals.all())
    assert len(proposals) == len(poor)
    assert all(p.candidate_id is not None for p in proposals)  # complete
    assert all(p.reasons and p.score > 0 for p in proposals)  # every choice explained
    assert len({p.candidate_id for p in proposals}) == len(proposals)
    overrides = [p for p in proposals if p.source == "override"]
    assert len(overrides) == 2
    assert all(p.override_reason and p.solver_candidate_id != p.candidate_id for p in overrides)
    assert r.total_score == sum((p.score for p in proposals), Decimal(0))
    # and the officer can accept it
    services.round_accept(actor=None, round_id=r.pk)
    assert Posting.objects.filter(round=r, status="active").count() == len(poor)
