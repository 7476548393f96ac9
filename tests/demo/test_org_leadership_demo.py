"""Village leadership in the demo county: rosters, reserve cadres with gaps on purpose, weak
branches with evidence on file, instructors and supervisors (one over the norm), 六个一
goals, courses with some left untrained; built through ``fupin demo --no-serve``."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from fupin.accounts.scope import scope_for
from fupin.areas.models import Area
from fupin.assistance.models import TeamMember
from fupin.demo import generator, org_leadership
from fupin.leadership import selectors
from fupin.leadership.models import (
    BuildingAssignment,
    Course,
    CourseAttendance,
    GoalProgress,
    RectificationItem,
    ReserveCadre,
    VillageOfficial,
    WeakCase,
)
from fupin.party.models import PartyOrganisation
from fupin.procedures import evidence

HOUSEHOLDS = 1000
SEED = 4242


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any, tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def county(db: Any) -> str:
    out = io.StringIO()
    call_command(
        "demo", "--households", str(HOUSEHOLDS), "--seed", str(SEED), "--no-serve", stdout=out
    )
    return out.getvalue()


def test_the_region_agrees_with_the_generator() -> None:
    assert org_leadership.REGION == generator.REGION
    assert generator.COUNTY[0] == org_leadership.COUNTY_CODE


def test_leadership_is_built(county: str) -> None:
    today = timezone.localdate()
    villages = list(Area.objects.filter(level="village").values_list("code", flat=True))
    assert villages
    # every village has a roster of 5–7 in post, mostly 一肩挑
    in_post = VillageOfficial.objects.filter(ends_on__isnull=True)
    sizes = Counter(dict(in_post.values_list("area_code").annotate(n=Count("id"))))
    assert set(sizes) == set(villages)
    assert all(5 <= n <= 7 for n in sizes.values())
    one_shoulder = in_post.filter(post="secretary_director").count()
    assert one_shoulder >= 0.65 * len(villages)
    assert VillageOfficial.objects.filter(ends_on__isnull=False).exists()
    # the structure is close to the seeds' figures
    admin = _admin_scope()
    [total] = [r for r in selectors.structure(scope=admin, today=today) if r.level == "county"]
    assert total.officials == in_post.count()
    assert 0.16 <= (total.share_educated or 0) <= 0.34
    assert 0.04 <= (total.share_young or 0) <= 0.18
    # reserve cadres: most villages have two or more; some are short on purpose
    gaps = selectors.reserve_gaps(scope=admin, today=today)
    assert 1 <= len(gaps) <= 0.2 * len(villages)
    assert all(g.reserves <= 1 for g in gaps)
    assert ReserveCadre.objects.filter(removed_on__isnull=False).exists()


def _admin_scope() -> Any:
    from django.contrib.auth import get_user_model

    from fupin.accounts.models import RoleAssignment

    admin = (
        get_user_model()
        .objects.filter(
            role_assignments__role="county_admin",
            role_assignments__area__code=generator.COUNTY[0],
        )
        .first()
    )
    assert admin is not None, RoleAssignment.objects.values_list("role", flat=True)
    return scope_for(admin)


def test_weak_cases_and_evidence(county: str) -> None:
    today = timezone.localdate()
    branches = PartyOrganisation.objects.filter(base="village", is_active=True).count()
    this_year = WeakCase.objects.filter(year=today.year)
    if branches == 0:  # org_party wrote nothing yet: nothing to flag
        assert not WeakCase.objects.exists()
        return
    assert 0.05 * branches <= this_year.count() <= 0.13 * branches + 1
    assert all(c.criteria.exists() for c in WeakCase.objects.all())
    statuses = set(WeakCase.objects.values_list("status", flat=True))
    assert "closed" in statuses and "rectifying" in statuses
    closed_items = RectificationItem.objects.filter(closed_on__isnull=False)
    assert closed_items.exists()
    for item in closed_items:
        assert item.evidence and evidence.absolute(item.evidence).read_bytes().startswith(
            b"\x89PNG"
        )
    for case in WeakCase.objects.filter(status="closed"):
        assert not case.items.filter(closed_on__isnull=True).exists()
    # the first secretary is the leader of the village's active work team when it has one
    leaders = dict(
        TeamMember.objects.filter(
            is_leader=True, ends_on__isnull=True, team__is_active=True
        ).values_list("team__area_code", "cadre_id")
    )
    teamed = WeakCase.objects.exclude(status="flagged")
    for case in teamed:
        assert case.first_secretary_id == leaders.get(case.area_code[:12])
        assert case.township_lead


def test_building_goals_and_trainings(county: str) -> None:
    today = timezone.localdate()
    admin = _admin_scope()
    villages = Area.objects.filter(level="village").count()
    if BuildingAssignment.objects.exists():
        check = selectors.building_check(scope=admin, today=today)
        assert 1 <= len(check.without_instructor) <= 0.1 * villages
        assert check.many_instructors == []
        assert check.without_supervisor == []
        over = [s for s in check.supervisors if s.over]
        assert [s.villages for s in over] == [9]
        assert all(4 <= s.villages <= 9 for s in check.supervisors)
        assert GoalProgress.objects.filter(year=today.year).exists()
        assert GoalProgress.objects.filter(year=today.year - 1).exists()
    courses = Course.objects.all()
    assert 8 <= courses.count() <= 15
    assert courses.filter(starts_on__year=today.year).exists()
    assert courses.filter(starts_on__year=today.year - 1).exists()
    assert not courses.filter(starts_on__gt=today).exists()
    assert CourseAttendance.objects.exists()
    untrained = selectors.untrained(scope=admin, year=today.year, today=today)
    officials = sum(len(r.officials) for r in untrained)
    in_post = VillageOfficial.objects.filter(ends_on__isnull=True).count()
    assert 0 < officials < in_post
