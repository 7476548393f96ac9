"""A hand-built matching world on the small test county: three villages with profiles,
four candidates, one weak branch, one unit pairing, registered poor people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from fupin.areas.models import Area
from fupin.assistance import services as assistance
from fupin.assistance.models import Cadre, Unit, UnitVillage
from fupin.matching import services
from fupin.matching.models import Candidate
from tests import factories

COUNTY = "422822000000"
V1, V2, V3 = (
    factories.VILLAGE,
    factories.OTHER_VILLAGE_SAME_TOWNSHIP,
    factories.OTHER_TOWNSHIP_VILLAGE,
)
START = dt.date(2026, 9, 1)


@dataclass
class World:
    unit: Unit
    other_unit: Unit
    cadres: dict[str, Cadre]
    candidates: dict[str, Candidate]


def build_world() -> World:
    """V1 东门村: 茶叶,魔芋,烟叶; 土家语; 60 km; 1 000 people of whom 2 households × 2
    members still poor (0.4%); the unit 县农业农村局 is paired with it; its branch weak.
    V2 南门村: 蔬菜; 10 km; 500 people. V3 高坪村: 茶叶; 苗语; 45 km; 200 people, 2 poor
    people (1%)."""
    Area.objects.filter(code=V1).update(rural_population=1000, poverty_status="poor")
    Area.objects.filter(code=V2).update(rural_population=500, poverty_status="poor")
    Area.objects.filter(code=V3).update(rural_population=200, poverty_status="poor")
    services.village_profile_save(
        actor=None,
        area_code=V1,
        industries="茶叶,魔芋,烟叶",
        ethnic_language="土家语",
        distance_km=60,
    )
    services.village_profile_save(actor=None, area_code=V2, industries="蔬菜", distance_km=10)
    services.village_profile_save(
        actor=None, area_code=V3, industries="茶叶", ethnic_language="苗语", distance_km=45
    )
    factories.household(area_code=V1)
    factories.household(area_code=V1)
    factories.household(area_code=V1, status="exited", exited_year=2019)  # not counted
    factories.household(area_code=V3)
    unit = assistance.unit_save(
        actor=None, name="县农业农村局", kind="department", area_code=COUNTY
    )
    other = assistance.unit_save(actor=None, name="县教育局", kind="department", area_code=COUNTY)
    UnitVillage.objects.create(unit=unit, area_code=V1, starts_on=dt.date(2020, 1, 1))
    cadres = {
        name: assistance.cadre_save(actor=None, unit_id=u.pk, name=name, area_code=COUNTY)
        for name, u in (("张农", unit), ("李党", other), ("王经", other), ("赵教", other))
    }
    people = {
        "张农": ("agriculture", 1990, "茶叶,魔芋", "土家语"),  # 36 in 2026
        "李党": ("party", 1975, "", ""),
        "王经": ("economy", 1985, "蔬菜", "苗语"),  # 41
        "赵教": ("social", 1970, "烟叶", ""),
    }
    candidates = {
        name: services.candidate_save(
            actor=None,
            cadre_id=cadres[name].pk,
            background=bg,
            birth_year=born,
            skills=skills,
            languages=langs,
        )
        for name, (bg, born, skills, langs) in people.items()
    }
    _weak_branch(V1)
    return World(unit=unit, other_unit=other, cadres=cadres, candidates=candidates)


def _weak_branch(code: str) -> None:
    from fupin.leadership.models import WeakCase
    from fupin.party.models import PartyOrganisation

    org = PartyOrganisation.objects.create(
        name="东门村党支部", kind="branch", base="village", area_code=code
    )
    WeakCase.objects.create(organisation=org, area_code=code, year=2026, flagged_on=START)


@pytest.fixture
def world(users: dict[str, Any]) -> World:
    return build_world()


def make_round(world: World, actor: Any = None, **kw: Any) -> Any:
    return services.round_create(
        actor=actor,
        area_code=COUNTY,
        title="2026年第一书记选派",
        starts_on=START,
        village_codes=kw.pop("village_codes", [V1, V2, V3]),
        candidate_ids=kw.pop("candidate_ids", [c.pk for c in world.candidates.values()]),
        **kw,
    )
