"""A small world for leadership tests: branches of the three villages, a county leader,
cadres, and helpers to put officials and reserve cadres in place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from fupin.assistance.models import Cadre, Unit
from fupin.command.models import Leader
from fupin.leadership.models import ReserveCadre, VillageOfficial
from fupin.party.models import PartyMember, PartyOrganisation
from tests import factories

COUNTY = "422822000000"
TOWNSHIP = "422822100000"
OTHER_TOWNSHIP = "422822101000"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n%test\n"


@dataclass
class World:
    branch: PartyOrganisation  # 东门村 (the village_secretary's)
    other_branch: PartyOrganisation  # 南门村, same township
    far_branch: PartyOrganisation  # 高坪村, the other township
    leader: Leader
    cadres: list[Cadre]
    member: PartyMember


def official(area_code: str = factories.VILLAGE, **fields: Any) -> VillageOfficial:
    data: dict[str, Any] = {
        "name": "张书记",
        "post": VillageOfficial.Post.BRANCH_MEMBER,
        "gender": "male",
        "birth_date": dt.date(1975, 3, 1),
        "education": "junior",
        "is_party_member": True,
        "phone": "13912345678",
        "starts_on": dt.date(2021, 1, 1),
    }
    data.update(fields)
    return VillageOfficial.objects.create(area_code=area_code, **data)


def reserve(area_code: str = factories.VILLAGE, **fields: Any) -> ReserveCadre:
    data: dict[str, Any] = {
        "name": "后备甲",
        "gender": "female",
        "birth_date": dt.date(1995, 3, 1),
        "education": "college",
        "source": ReserveCadre.Source.RETURNED_YOUTH,
        "added_on": dt.date(2024, 1, 1),
    }
    data.update(fields)
    return ReserveCadre.objects.create(area_code=area_code, **data)


def branch(area_code: str, name: str) -> PartyOrganisation:
    return PartyOrganisation.objects.create(
        name=name, kind="branch", base="village", area_code=area_code
    )


@pytest.fixture
def world(areas: None) -> World:
    unit = Unit.objects.create(name="县委组织部", kind="party", area_code=COUNTY)
    cadres = [
        Cadre.objects.create(name=f"干部{i}", unit=unit, area_code=COUNTY, phone="13800000000")
        for i in range(1, 10)
    ]
    b = branch(factories.VILLAGE, "东门村党支部")
    member = PartyMember.objects.create(
        name="党员甲",
        organisation=b,
        area_code=factories.VILLAGE,
        gender="male",
        birth_date=dt.date(1980, 1, 1),
        education="senior",
        joined_on=dt.date(2005, 7, 1),
    )
    return World(
        branch=b,
        other_branch=branch(factories.OTHER_VILLAGE_SAME_TOWNSHIP, "南门村党支部"),
        far_branch=branch(factories.OTHER_TOWNSHIP_VILLAGE, "高坪村党支部"),
        leader=Leader.objects.create(
            name="李县长", post="副县长", level="county", area_code=COUNTY
        ),
        cadres=cadres,
        member=member,
    )
