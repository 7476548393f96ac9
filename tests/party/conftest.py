"""The party fixture: three village branches with known facts for 2025, whose vanguard
index is computed by hand in ``HAND`` (national weights: meeting 2 capped at 24, absence
−2, training 5 capped at 20, pairing 4 capped at 20, home visit 0.5 capped at 15, concern
3 capped at 15, demonstration 10, business leader 10, commendation 10, sanction −20;
巴东县 overrides the home visit to 1 point from 2025).

东门村党支部 (14 meetings for all members in 2025: theme days on the 15th of each month,
general meetings on 20 March and 20 September; a committee meeting on 8 October that only
甲 sits on, whose absence costs nobody anything; one in December 2024 that does not count):
- 甲 (cadre 王帮扶): all 15 meetings → 30, capped 24; 2 trainings → 10; 6 households
  paired in the year (one paired twice counts once; one ended in 2024 does not) → 24,
  capped 20; 9 home visits (2 phone calls and a 2024 visit do not count) → 4.5; 3
  concerns solved (one still routed, one solved in 2024 do not) → 9; 1 commendation → 10.
  Total 77.5, rank 1.
- 乙: 12 meetings → 24, 2 missed → −4; 5 trainings → 25, capped 20; demonstration
  household → 10. Total 50, rank 2.
- 丙: 5 meetings → 10, 9 missed → −18; a sanction → −20 (one in 2024 does not count);
  business leader → 10. Total −18, rank 4.
- 丁 (joined 1 July 2025): 6 of the 7 meetings since → 12, 1 missed → −2. Total 10,
  rank 3.
- 戊: transferred out: not ranked.
高坪村党支部 (2 meetings): 己 both → 4; 庚 both → 4; 辛 none → −4, a commendation → 10,
total 6. Ranks 辛 1, 己 2, 庚 2 (a tie).
云沱村党支部 (巴东县): 壬 9 home visits → 9 (4.5 nationally); 癸 20 home visits → 20,
capped 15. Ranks 癸 1, 壬 2.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from fupin.areas.services import areas_load
from fupin.assistance.models import Cadre, Concern, Pairing, Unit, Visit
from fupin.leadership.models import Course, CourseAttendance
from fupin.party.models import EconomicBody, Meeting, MemberRecord, PartyMember, PartyOrganisation
from fupin.policy.services import standard_save
from tests import factories

YEAR = 2025
BADONG_VILLAGE = "422823100001"
COUNTY = "422822000000"

# member → (total, rank)
HAND = {
    "甲": (Decimal("77.50"), 1),
    "乙": (Decimal("50.00"), 2),
    "丁": (Decimal("10.00"), 3),
    "丙": (Decimal("-18.00"), 4),
    "辛": (Decimal("6.00"), 1),
    "己": (Decimal("4.00"), 2),
    "庚": (Decimal("4.00"), 2),
    "癸": (Decimal("15.00"), 1),
    "壬": (Decimal("9.00"), 2),
}
# member → {item: points}, items not listed give 0
HAND_ITEMS = {
    "甲": {
        "meetings": "24",
        "trainings": "10",
        "pairings": "20",
        "visits": "4.5",
        "concerns": "9",
        "commendations": "10",
    },
    "乙": {"meetings": "24", "absences": "-4", "trainings": "20", "demonstration": "10"},
    "丙": {"meetings": "10", "absences": "-18", "sanctions": "-20", "business_leader": "10"},
    "丁": {"meetings": "12", "absences": "-2"},
    "己": {"meetings": "4"},
    "庚": {"meetings": "4"},
    "辛": {"absences": "-4", "commendations": "10"},
    "壬": {"visits": "9"},
    "癸": {"visits": "15"},
}


def d(month: int, day: int, year: int = YEAR) -> dt.date:
    return dt.date(year, month, day)


def member(org: PartyOrganisation, name: str, **fields: Any) -> PartyMember:
    data: dict[str, Any] = {
        "gender": "male",
        "birth_date": dt.date(1975, 3, 1),
        "education": "senior",
        "joined_on": dt.date(2000, 7, 1),
        "phone": "13900001111",
    }
    data.update(fields)
    return PartyMember.objects.create(name=name, organisation=org, area_code=org.area_code, **data)


def meeting(
    org: PartyOrganisation, day: dt.date, attendees: list[PartyMember], **kw: Any
) -> Meeting:
    m = Meeting.objects.create(
        organisation=org,
        area_code=org.area_code,
        kind=kw.get("kind", "theme_day"),
        held_on=day,
        topic=kw.get("topic", f"{day:%m}月主题党日"),
    )
    m.attendees.set(attendees)
    return m


def visit(cadre: Cadre, household: Any, day: dt.date, mode: str = "home") -> Visit:
    return Visit.objects.create(
        cadre=cadre,
        household=household,
        area_code=household.area_code,
        visited_on=day,
        mode=mode,
        seen="看望",
    )


@pytest.fixture
def world(users: dict[str, Any]) -> SimpleNamespace:
    areas_load(
        actor=None,
        rows=[
            {"code": "422823000000", "name": "巴东县"},
            {"code": "422823100000", "name": "信陵镇"},
            {"code": BADONG_VILLAGE, "name": "云沱村"},
        ],
    )
    w = SimpleNamespace(users=users)
    V, G = factories.VILLAGE, factories.OTHER_TOWNSHIP_VILLAGE
    w.township_committee = PartyOrganisation.objects.create(
        name="业州镇党委", kind="committee", base="other", area_code="422822100000"
    )
    w.east = PartyOrganisation.objects.create(
        name="东门村党支部",
        kind="branch",
        base="village",
        area_code=V,
        parent=w.township_committee,
        secretary_name="甲",
    )
    w.gaoping = PartyOrganisation.objects.create(
        name="高坪村党支部", kind="branch", base="village", area_code=G
    )
    w.yuntuo = PartyOrganisation.objects.create(
        name="云沱村党支部", kind="branch", base="village", area_code=BADONG_VILLAGE
    )
    w.unit = Unit.objects.create(name="县农业农村局", kind="department", area_code=COUNTY)
    w.badong_unit = Unit.objects.create(
        name="巴东县民政局", kind="department", area_code="422823000000"
    )
    w.cadre_a = Cadre.objects.create(
        name="甲", unit=w.unit, area_code=V, is_party_member=True, phone="13700000001"
    )
    w.cadre_k = Cadre.objects.create(
        name="壬", unit=w.badong_unit, area_code=BADONG_VILLAGE, is_party_member=True
    )
    w.cadre_l = Cadre.objects.create(
        name="癸", unit=w.badong_unit, area_code=BADONG_VILLAGE, is_party_member=True
    )
    h = [factories.household(number=f"D{i:02d}") for i in range(1, 10)]
    w.households = h
    hb = factories.household(number="B01", area_code=BADONG_VILLAGE)

    # 东门村
    w.a = member(w.east, "甲", cadre=w.cadre_a)
    w.b = member(w.east, "乙", household=h[7], is_demonstration_household=True, gender="female")
    w.c = member(w.east, "丙", is_business_leader=True, households_led=8, phone="")
    w.d = member(w.east, "丁", joined_on=d(7, 1), birth_date=dt.date(1995, 1, 1))
    w.e = member(w.east, "戊", is_active=False, left_on=d(6, 30))
    a, b, c, dd = w.a, w.b, w.c, w.d
    meeting(w.east, dt.date(2024, 12, 15), [a, b, c])  # last year: not counted
    w.east_meetings = []
    for month in range(1, 13):
        day = d(month, 15)
        attendees = [a]
        if month not in (4, 8):  # 乙 misses April and August
            attendees.append(b)
        if month <= 5:  # 丙 stops coming after May
            attendees.append(c)
        if month >= 7 and month != 12:  # 丁 joined in July, misses December
            attendees.append(dd)
        w.east_meetings.append(meeting(w.east, day, attendees))
    w.east_meetings.append(meeting(w.east, d(3, 20), [a, b], kind="general", topic="党员大会"))
    w.east_meetings.append(meeting(w.east, d(9, 20), [a, b, dd], kind="general", topic="党员大会"))
    # a committee meeting: attending counts, missing it is no absence (only 甲 sits on it)
    w.east_meetings.append(meeting(w.east, d(10, 8), [a], kind="committee", topic="支委会"))
    # 丙: 5 theme days (Jan–May); 乙: 10 theme days + 2 general meetings = 12
    # trainings
    courses = [
        Course.objects.create(
            title=f"培训{i}",
            kind="themed",
            area_code=COUNTY,
            organiser="县委组织部",
            starts_on=day,
            ends_on=day,
            hours=Decimal("8.0"),
        )
        for i, day in enumerate(
            [d(2, 10), d(4, 10), d(6, 10), d(8, 10), d(10, 10), dt.date(2024, 10, 10)]
        )
    ]
    w.courses = courses
    for course in courses[:2] + courses[5:]:  # 2 in the year, 1 in 2024
        CourseAttendance.objects.create(course=course, member=a, area_code=V)
    for course in courses[:5]:
        CourseAttendance.objects.create(course=course, member=b, area_code=V)

    # 甲's cadre: pairings
    def pair(hh: Any, starts: dt.date, ends: dt.date | None = None) -> Pairing:
        return Pairing.objects.create(
            cadre=w.cadre_a, household=hh, area_code=hh.area_code, starts_on=starts, ends_on=ends
        )

    pair(h[0], dt.date(2024, 3, 1), d(2, 1))
    pair(h[0], d(5, 1))
    for hh in h[1:6]:
        pair(hh, dt.date(2024, 6, 1))
    pair(h[6], dt.date(2023, 1, 1), dt.date(2024, 12, 31))
    # visits: 9 home visits in the year, 2 phone calls, 1 home visit in 2024
    w.visits = [visit(w.cadre_a, h[i % 6], d(1 + i, 5)) for i in range(9)]
    visit(w.cadre_a, h[0], d(10, 6), mode="phone")
    visit(w.cadre_a, h[1], d(10, 7), mode="phone")
    old_visit = visit(w.cadre_a, h[0], dt.date(2024, 11, 5))

    def concern(v: Visit, status: str, resolved: dt.date | None, text: str) -> Concern:
        return Concern.objects.create(
            household=v.household,
            area_code=v.area_code,
            visit=v,
            text=text,
            raised_on=v.visited_on,
            status=status,
            resolved_on=resolved,
            level="village" if status != "raised" else "",
        )

    concern(w.visits[0], "resolved", d(2, 1), "饮水管道破损")
    concern(w.visits[1], "told", d(3, 1), "危房改造补助")
    concern(w.visits[2], "resolved", d(4, 1), "医疗报销")
    concern(w.visits[3], "routed", None, "道路硬化")
    concern(old_visit, "told", dt.date(2024, 12, 1), "产业补助")
    # records
    MemberRecord.objects.create(
        member=a, area_code=V, kind="commendation", on=d(7, 1), title="优秀共产党员",
        grounds="带头结对帮扶", issued_by="县委",
    )  # fmt: skip
    MemberRecord.objects.create(
        member=c, area_code=V, kind="sanction", on=d(9, 1), title="党内警告",
        grounds="长期不参加组织生活", issued_by="镇纪委",
    )  # fmt: skip
    MemberRecord.objects.create(
        member=c, area_code=V, kind="sanction", on=dt.date(2024, 5, 1), title="批评教育",
        grounds="迟到", issued_by="村党支部",
    )  # fmt: skip

    # 高坪村
    w.f = member(w.gaoping, "己")
    w.g = member(w.gaoping, "庚")
    w.hm = member(w.gaoping, "辛")
    meeting(w.gaoping, d(3, 1), [w.f, w.g])
    meeting(w.gaoping, d(6, 1), [w.f, w.g])
    MemberRecord.objects.create(
        member=w.hm, area_code=G, kind="commendation", on=d(12, 1), title="致富能手",
        grounds="带动产业", issued_by="镇党委",
    )  # fmt: skip

    # 云沱村 (巴东县: a home visit is worth 1 point there from 2025)
    w.k = member(w.yuntuo, "壬", cadre=w.cadre_k)
    w.l = member(w.yuntuo, "癸", cadre=w.cadre_l)
    for i in range(9):
        visit(w.cadre_k, hb, d(1 + i, 3))
    for i in range(20):
        visit(w.cadre_l, hb, d(1 + i % 12, 1 + i // 12))
    standard_save(actor=None, region="422823", year=YEAR, params={"vanguard_visit_points": 1})

    # economic bodies: two cooperatives and an enterprise in 业州镇, one in 高坪镇
    w.coop1 = EconomicBody.objects.create(
        name="东门村茶叶专业合作社", kind="cooperative", area_code=V, industry="茶叶"
    )
    w.coop2 = EconomicBody.objects.create(
        name="南门村魔芋专业合作社",
        kind="cooperative",
        area_code=factories.OTHER_VILLAGE_SAME_TOWNSHIP,
        industry="魔芋",
    )
    w.firm = EconomicBody.objects.create(
        name="业州镇富硒农业有限公司", kind="enterprise", area_code="422822100000"
    )
    w.coop3 = EconomicBody.objects.create(
        name="高坪村烟叶专业合作社", kind="cooperative", area_code=G, industry="烟叶"
    )
    w.farm = EconomicBody.objects.create(
        name="东门村家庭农场", kind="family_farm", area_code=V
    )  # not counted in coverage
    w.coop1.organisations.add(w.east)
    w.firm.organisations.add(w.township_committee)
    return w
