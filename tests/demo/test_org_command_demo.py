"""The command system in the demo county: leaders, the county and township HQs with their
working groups, the contact points with the norms broken on purpose, and the county
leader of each open weak case; built through ``fupin demo --no-serve``."""

from __future__ import annotations

import io
import random
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from fupin.accounts.scope import Scope
from fupin.areas.models import Area
from fupin.command import selectors
from fupin.command.models import Command, CommandPost, ContactPoint, Leader, WorkingGroup
from fupin.demo import generator, org_command
from fupin.leadership.models import WeakCase
from fupin.party.models import PartyOrganisation

HOUSEHOLDS = 1000
SEED = 4242
COUNTY = generator.COUNTY[0]
WIDE = Scope(user_id=None, prefixes=(generator.REGION,))


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DATA_DIR = tmp_path


@pytest.fixture
def county(db: Any) -> str:
    out = io.StringIO()
    args = ["--households", str(HOUSEHOLDS), "--seed", str(SEED), "--no-serve"]
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_figures_agree_with_the_generator() -> None:
    assert generator.COUNTY[0] == org_command.COUNTY_CODE


def active(**kw: Any) -> Any:
    return ContactPoint.objects.filter(ends_on__isnull=True, **kw)


def test_the_command_system_of_the_demo_county(county: str) -> None:
    townships = list(Area.objects.filter(level="township").values_list("code", flat=True))
    assert len(townships) == len(generator.TOWNSHIPS)
    # leaders: 3.3 county leaders per township, 2–4 city leaders, 3 per township
    levels = Counter(Leader.objects.values_list("level", flat=True))
    assert levels["county"] == round(len(townships) * 3.3) == 33
    assert 2 <= levels["city"] <= 4 and levels["township"] == 3 * len(townships)
    assert Leader.objects.filter(phone="").count() == 0

    # the county HQ: the Party secretary commands, the county head and deputy secretary
    hq = Command.objects.get(area_code=COUNTY)
    posts = {
        role: sorted(p.leader.post for p in hq.posts.select_related("leader") if p.role == role)
        for role in CommandPost.Role.values
    }
    assert posts["commander"] == ["县委书记"]
    assert posts["deputy"] == ["县委副书记", "县委副书记、县长"]
    assert posts["office_director"] == ["县委常委、常务副县长"]
    assert len(posts["member"]) >= 3
    groups = list(WorkingGroup.objects.filter(command=hq).select_related("lead_unit", "head"))
    assert [g.line for g in sorted(groups, key=lambda g: g.ordering)] == [
        "production",
        "relocation",
        "ecology",
        "education",
        "security",
    ]
    assert {g.lead_unit.name for g in groups if g.lead_unit} == {
        "县农业农村局",
        "县发展和改革局",
        "县林业局",
        "县教育局",
        "县民政局",
    }
    assert all(g.head and "副县长" in g.head.post for g in groups)
    assert all(g.units.exists() for g in groups)
    # every township has an HQ commanded by its Party secretary, with the five groups
    for code in townships:
        command = Command.objects.get(area_code=code)
        commander = command.posts.get(role="commander").leader
        assert commander.level == "township" and commander.post.endswith("党委书记")
        assert commander.area_code == code
        assert command.groups.count() == 5

    # townships: 2–4 county leaders, but one township with a single one
    per_township = Counter(
        active(kind="township", leader__level="county").values_list("area_code", flat=True)
    )
    sizes = sorted(per_township[c] for c in townships)
    assert sizes[0] == 1 and sizes[1] >= 2 and sizes[-1] <= 4
    assert set(active(kind="township").values_list("leader_id", flat=True)) == set(
        Leader.objects.filter(level="county").values_list("id", flat=True)
    )

    # key poor villages: one leader each but two; one leader with two
    poor = set(
        Area.objects.filter(level="village", poverty_status="poor").values_list("code", flat=True)
    )
    covered = set(active(kind="key_village").values_list("area_code", flat=True))
    assert covered <= poor and len(poor - covered) == 2
    loads = Counter(active(kind="key_village").values_list("leader_id", flat=True))
    assert sorted(loads.values())[-2:] == [1, 2]

    # listed supervision: every village above 10 % by a city leader, but one
    listed = active(kind="listed")
    assert set(listed.values_list("leader__level", flat=True)) <= {"city"}
    violations = selectors.violations(scope=WIDE, today=timezone.localdate())
    rules = Counter(v.rule for v in violations)
    high = [
        v
        for v in selectors.area_figures(
            scope=WIDE,
            points=[
                (0, "listed", code, timezone.localdate())
                for code in Area.objects.filter(level="village").values_list("code", flat=True)
            ],
        )
        if v.incidence is not None and v.incidence > Decimal("0.10")
    ]
    # one is left without on purpose when there are several (a small county may have one)
    missing = 1 if len(high) > 1 else 0
    assert len(high) >= 1 and listed.count() == len(high) - missing
    assert rules["listed_missing"] == missing
    assert rules["township_few"] == 1 and rules["township_many"] == 0
    assert rules["key_village_uncovered"] == 2 and rules["leader_key_villages"] == 1


def test_weak_villages_and_their_cases(county: str) -> None:
    """Whatever org_leadership wrote, the command builder covers the open weak cases of
    village branches 1–3 per county leader, leaves one without, and names each case's
    county leader; run again here on cases of our own."""
    WeakCase.objects.update(county_leader=None)
    ContactPoint.objects.all().delete()
    WorkingGroup.objects.all().delete()
    CommandPost.objects.all().delete()
    Command.objects.all().delete()
    Leader.objects.all().delete()
    villages = list(
        Area.objects.filter(level="village").order_by("code").values_list("code", flat=True)
    )
    have = set(
        WeakCase.objects.exclude(status="closed")
        .filter(organisation__base="village")
        .values_list("organisation__area_code", flat=True)
    )
    for code in villages[::20]:
        if code in have:
            continue
        org, _ = PartyOrganisation.objects.get_or_create(
            area_code=code,
            name=f"{code}村党支部",
            defaults={"kind": "branch", "base": "village"},
        )
        WeakCase.objects.create(
            organisation=org, area_code=code, year=2026, flagged_on=timezone.localdate()
        )
    written = org_command.build(rng=random.Random(1), today=timezone.localdate())
    cases = WeakCase.objects.exclude(status="closed").filter(organisation__base="village")
    weak = set(cases.values_list("organisation__area_code", flat=True))
    covered = set(active(kind="weak_village").values_list("area_code", flat=True))
    assert covered <= weak and len(weak - covered) == 1
    loads = Counter(active(kind="weak_village").values_list("leader_id", flat=True))
    assert min(loads.values()) >= 1 and max(loads.values()) <= 3
    assert set(Leader.objects.filter(pk__in=loads).values_list("level", flat=True)) == {"county"}
    for case in cases.select_related("organisation"):
        contact = active(kind="weak_village", area_code=case.organisation.area_code).first()
        if contact:
            assert case.county_leader_id == contact.leader_id
        else:  # a team was named once the case went past "flagged"
            assert (case.county_leader_id is None) == (case.status == "flagged")
    # every case past "flagged", closed ones included, has its county leader
    assert not WeakCase.objects.exclude(status="flagged").filter(county_leader=None).exists()
    assert written["weak_case_leaders"] == WeakCase.objects.exclude(county_leader=None).count()
    assert written["weak_case_leaders"] > 0
    rules = Counter(v.rule for v in selectors.violations(scope=WIDE))
    assert rules["weak_village_uncovered"] == 1 and rules["leader_weak_villages"] == 0
