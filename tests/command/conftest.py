"""A hand-built county for the command tests: three townships, seven villages, leaders and
contact points that break each contact-point rule once, and a second county (巴东县) with
its own norms.

The rules broken on purpose (national norms: 2–4 county leaders per township, 1 key
village and 3 weak villages per leader, listed supervision above 10 %):
- 业州镇 has one county leader (甲), 高坪镇 five (乙 丙 丁 戊 己), 花坪镇 two (甲 庚);
- 北门村 (poor) has no leader; 乙 has two key villages (南门村, 高坪村);
- 北门村's branch is weak without a leader; 庚 has four weak villages;
- 南门村: 3 poor people / 10 = 30 % without listed supervision (东门村 is listed, 坪上村 is
  at exactly 10 %, 高坪村 at 2 %).
巴东县 (its own standard: 1 leader per township is enough, listed above 20 %) has a
township with one leader and a village at 15 % without supervision: neither is listed
there, though both would be under the national norms."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from fupin.areas.models import Area
from fupin.areas.services import areas_load
from fupin.assistance.models import Cadre, Concern, Pairing, Unit
from fupin.command.models import ContactPoint, Leader
from fupin.leadership.models import WeakCase
from fupin.party.models import PartyOrganisation
from fupin.policy.services import standard_save
from fupin.registry.models import Member
from tests import factories

TODAY = dt.date(2026, 7, 10)
START = dt.date(2026, 1, 1)
COUNTY = "422822000000"
T1, T2, T3 = "422822100000", "422822101000", "422822102000"
V1, V2, V3 = "422822100001", "422822100002", "422822100003"  # 东门 南门 北门 (业州镇)
V4, V5 = "422822101001", "422822101002"  # 高坪 坪上 (高坪镇)
V6, V7 = "422822102001", "422822102002"  # 花坪 石垭 (花坪镇)
BADONG = "422823000000"
BT1, BV1 = "422823100000", "422823100001"


@pytest.fixture
def world(users: dict[str, Any]) -> SimpleNamespace:
    areas_load(
        actor=None,
        rows=[
            {"code": V3, "name": "北门村"},
            {"code": V5, "name": "坪上村"},
            {"code": T3, "name": "花坪镇"},
            {"code": V6, "name": "花坪村"},
            {"code": V7, "name": "石垭村"},
            {"code": BADONG, "name": "巴东县"},
            {"code": BT1, "name": "信陵镇"},
            {"code": BV1, "name": "云沱村"},
        ],
    )
    Area.objects.filter(code__in=[V1, V2, V3, V4, V5, BV1]).update(poverty_status="poor")
    for code, population in ((V1, 20), (V2, 10), (V4, 100), (V5, 20), (BV1, 20)):
        Area.objects.filter(code=code).update(rural_population=population)
    w = SimpleNamespace(users=users)
    h = factories.household
    # 东门村: 2 + 2 poor people (not exited, returned); exited and unregistered do not count
    w.d1 = h(number="D01", area_code=V1)
    w.d2 = h(number="D02", area_code="422822100001001", status="returned")
    w.d3 = h(number="D03", area_code=V1, status="exited", exited_year=2019)
    w.d4 = h(number="D04", area_code=V1, status="unregistered", identified_year=None)
    # 南门村: 2 + 1 (one member gone) of 10 people
    w.n1 = h(number="N01", area_code=V2)
    w.n2 = h(number="N02", area_code=V2, status="returned", exited_year=2018)
    Member.objects.filter(household=w.n2, relation="spouse").update(is_active=False)
    # 高坪村 2 of 100, 坪上村 2 of 20 (exactly the threshold), 云沱村 3 of 20
    w.g1 = h(number="G01", area_code=V4)
    w.p1 = h(number="P01", area_code=V5)
    w.b1 = h(number="B01", area_code=BV1)
    Member.objects.create(household=w.b1, **factories.member_data(name="王五", relation="son"))

    # a cadre paired with one household of 东门村; one open and one closed concern there
    unit = Unit.objects.create(name="县水利局", kind="department", area_code=COUNTY)
    w.water = unit
    w.agri = Unit.objects.create(name="县农业农村局", kind="department", area_code=COUNTY)
    w.badong_unit = Unit.objects.create(name="巴东县民政局", kind="department", area_code=BADONG)
    cadre = Cadre.objects.create(name="王干部", unit=unit, area_code=COUNTY)
    Pairing.objects.create(cadre=cadre, household=w.d1, area_code=w.d1.area_code, starts_on=START)
    Concern.objects.create(household=w.d1, area_code=V1, text="路灯不亮", raised_on=START)
    Concern.objects.create(
        household=w.d1, area_code=V1, text="已修好", raised_on=START, status="told"
    )

    # weak branches: 东门 南门 北门 高坪 花坪 open, 石垭 closed
    def weak(code: str, status: str = "flagged") -> WeakCase:
        org = PartyOrganisation.objects.create(
            name=f"{code}党支部", kind="branch", base="village", area_code=code
        )
        return WeakCase.objects.create(
            organisation=org, area_code=code, year=2026, flagged_on=START, status=status
        )

    for code in (V1, V2, V3, V4, V6):
        weak(code)
    weak(V7, "closed")

    def leader(name: str, *, level: str = "county", area: str = COUNTY, **kw: Any) -> Leader:
        return Leader.objects.create(
            name=name, post="副县长", level=level, area_code=area, phone="13912345678", **kw
        )

    w.jia, w.yi, w.bing, w.ding, w.wu, w.ji, w.geng = (
        leader(n) for n in ("甲", "乙", "丙", "丁", "戊", "己", "庚")
    )
    w.retired = leader("退休", is_active=False)
    w.city = leader("市领导", level="city")
    w.badong = leader("巴东领导", area=BADONG)

    def point(who: Leader, kind: str, code: str, **kw: Any) -> ContactPoint:
        return ContactPoint.objects.create(
            leader=who, kind=kind, area_code=code, starts_on=kw.pop("starts_on", START), **kw
        )

    w.p_jia_t1 = point(w.jia, "township", T1)
    for who in (w.yi, w.bing, w.ding, w.wu, w.ji):
        point(who, "township", T2)
    point(w.jia, "township", T3)
    point(w.geng, "township", T3)
    point(w.retired, "township", T1)  # a retired leader does not count
    point(w.bing, "township", T1, ends_on=dt.date(2026, 6, 30))  # ended: does not count
    point(w.ding, "township", T1, starts_on=dt.date(2026, 8, 1))  # not begun yet
    w.p_jia_v1 = point(w.jia, "key_village", V1)
    point(w.yi, "key_village", V2)
    point(w.yi, "key_village", V4)
    point(w.bing, "key_village", V5)
    for code in (V1, V2, V4, V6):
        point(w.geng, "weak_village", code)
    point(w.city, "listed", V1)
    point(w.badong, "township", BT1)

    # 巴东县's own norms
    standard_save(
        actor=None,
        region="422823",
        year=2026,
        params={"contact_leaders_min": 1, "listed_incidence_rate": "0.20"},
    )
    return w
