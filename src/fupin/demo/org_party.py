"""The demo county's Party organisations and members (built first of the organisation
builders; see fupin.demo.organisation for the order).

- a committee (党委) per township; a branch (党支部) per village, a general branch (党总支)
  for the biggest villages, under its township's committee, each with a secretary drawn
  from its members;
- a branch per assistance unit (机关党支部), whose members include every cadre of the unit
  who is a Party member (linked through ``cadre``);
- economic bodies: 1–3 cooperatives per registered poor village and a few enterprises per
  township, with plausible names and industries; most are covered, by a branch built on
  them (合作社党支部, 企业党支部, 支部建在产业链上) or by the village branch (or for an
  enterprise the township committee), and about 17 % are left uncovered on purpose;
- members: 25–40 per village branch (more in a general branch), 5–15 per unit branch, a
  few per cooperative or enterprise branch; some village members are demonstration
  households (党员示范户) living in a registry household of the village, some are business
  leaders (致富带头人); a few have been transferred out;
- meetings of 三会一课 over the last 12 months: a theme Party day (主题党日) and a committee
  meeting every month, a general meeting (党员大会) and a Party lecture (党课) every
  quarter, with attendance around 85 % and some chronic absentees; a few branches skip
  months on purpose;
- a few commendations and a few sanctions, with their grounds.

Everything is read in a few queries and written set-based (``fupin.core.bulk``)."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Substr

from fupin.areas.models import Area, PovertyStatus
from fupin.assistance.models import Cadre, Unit
from fupin.core.bulk import bulk_insert, insert_instances
from fupin.demo.names import GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from fupin.party.models import (
    EconomicBody,
    Meeting,
    MemberRecord,
    PartyMember,
    PartyOrganisation,
)
from fupin.registry.choices import Education, Relation
from fupin.registry.models import Household, Member

REGION = "422822"  # the demo county
GENERAL_BRANCH_SHARE = 0.15  # the biggest villages have a general branch (党总支)
UNCOVERED_SHARE = 0.17  # of cooperatives and enterprises: no organisation covers them
OWN_BRANCH_SHARE = 0.35  # of the covered: a branch built on the body itself
VILLAGE_MEMBERS = (25, 40)
GENERAL_BRANCH_MEMBERS = (40, 55)
UNIT_MEMBERS = (5, 15)
BODY_MEMBERS = (3, 7)
COMMITTEE_MEMBERS = (7, 11)
CHRONIC_SHARE = 0.05  # members who rarely come
SKIPPING_SHARE = 0.08  # branches that skip some months
TRANSFERRED_SHARE = 0.01
COMMENDATION_SHARE = 0.015
SANCTION_SHARE = 0.004
MONTHS = 12

INDUSTRIES = (
    ("茶叶", "茶叶种植"),
    ("烤烟", "烟叶"),
    ("魔芋", "魔芋"),
    ("蔬菜", "高山蔬菜"),
    ("中药材", "中药材"),
    ("生猪", "生猪养殖"),
    ("山羊", "山羊养殖"),
    ("猕猴桃", "猕猴桃"),
    ("核桃", "核桃"),
    ("土豆", "高山土豆"),
    ("蜂蜜", "中蜂养殖"),
    ("食用菌", "食用菌"),
)
FIRM_WORDS = ("富硒", "山水", "清江", "恒信", "鑫源", "绿源", "丰收", "景阳", "巴山", "惠民")
FIRM_KINDS = ("农业开发有限公司", "生态农业有限公司", "农产品有限公司", "食品有限公司")
THEMES = (
    "学习党的二十大精神",
    "巩固拓展脱贫攻坚成果",
    "防止返贫动态监测",
    "产业发展与群众增收",
    "人居环境整治",
    "党员结对帮扶户",
    "乡村振兴与村规民约",
    "重温入党誓词",
    "民情恳谈",
    "防汛救灾",
)
LECTURES = ("党章党规", "党史学习教育", "习近平新时代中国特色社会主义思想", "乡村振兴战略")
COMMENDATIONS = (
    ("优秀共产党员", "在脱贫攻坚中带头结对帮扶，成效明显"),
    ("党员示范户", "发展产业带动周边农户增收"),
    ("防汛抢险先进个人", "汛期坚守一线，组织群众转移"),
)
SANCTIONS = (
    ("党内警告", "无正当理由连续六个月不参加党的组织生活"),
    ("党内严重警告", "在扶贫项目资金管理中优亲厚友"),
    ("批评教育", "履行帮扶责任不力，走访流于形式"),
)
EDUCATION_VILLAGE = (
    (Education.PRIMARY, 0.25),
    (Education.JUNIOR, 0.4),
    (Education.SENIOR, 0.25),
    (Education.COLLEGE, 0.1),
)
EDUCATION_UNIT = ((Education.SENIOR, 0.1), (Education.COLLEGE, 0.9))


@dataclass
class _Org:
    obj: PartyOrganisation
    members: list[PartyMember] = field(default_factory=list)
    skipping: bool = False
    secretary_male: bool = True


class _Builder:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.surnames = [s for s, _w in SURNAMES]
        self.weights = [w for _s, w in SURNAMES]
        self.orgs: list[_Org] = []
        self.names_used: dict[str, set[str]] = defaultdict(set)

    # --- people -------------------------------------------------------------------------

    def name(self, male: bool) -> str:
        rng = self.rng
        surname = rng.choices(self.surnames, weights=self.weights)[0]
        return surname + rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)

    def phone(self) -> str:
        return "1" + self.rng.choice("3578") + "".join(self.rng.choices("0123456789", k=9))

    def education(self, table: tuple[tuple[str, float], ...]) -> str:
        return self.rng.choices([e for e, _w in table], weights=[w for _e, w in table])[0]

    def member(
        self,
        org: _Org,
        *,
        name: str | None = None,
        male: bool | None = None,
        born: tuple[int, int] = (1950, 1998),
        education: tuple[tuple[str, float], ...] = EDUCATION_VILLAGE,
        **fields: Any,
    ) -> PartyMember:
        rng = self.rng
        male = rng.random() < 0.72 if male is None else male
        birth = date(rng.randint(*born), rng.randint(1, 12), rng.randint(1, 28))
        earliest = birth.replace(year=birth.year + 20)
        latest = min(birth.replace(year=birth.year + 45), self.today - timedelta(days=400))
        if latest <= earliest:
            latest = earliest + timedelta(days=30)
        joined = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
        m = PartyMember(
            name=name or self.name(male),
            organisation=org.obj,
            area_code=org.obj.area_code,
            gender="male" if male else "female",
            birth_date=birth,
            education=self.education(education),
            joined_on=min(joined, self.today - timedelta(days=200)),
            phone=self.phone() if rng.random() < 0.93 else "",
            **fields,
        )
        org.members.append(m)
        return m

    # --- organisations --------------------------------------------------------------------

    def org(self, *, secretary: str = "", **fields: Any) -> _Org:
        """An organisation with its secretary's name drawn now (the secretary becomes its
        first member), so that it is written with the organisation."""
        male = self.rng.random() < 0.8
        o = _Org(
            PartyOrganisation(secretary_name=secretary or self.name(male), **fields),
            skipping=self.rng.random() < SKIPPING_SHARE,
            secretary_male=male,
        )
        o.obj.founded_on = date(self.rng.randint(1958, 2018), self.rng.randint(1, 12), 1)
        self.orgs.append(o)
        return o


def _poor_village(status: str) -> bool:
    return status in (PovertyStatus.POOR, PovertyStatus.EXITED)


def _parent(committees: dict[str, _Org], code: str) -> PartyOrganisation | None:
    found = committees.get(code[:9])
    return found.obj if found is not None else None


def _months_back(today: date, months: int) -> date:
    month = today.month - months
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, 1)


def build(*, rng: random.Random, today: date) -> dict[str, int]:
    """Write the demo's Party organisations and members; returns rows written per kind."""
    with transaction.atomic():
        counts = _build(_Builder(rng, today))
    return counts


def _build(b: _Builder) -> dict[str, int]:
    rng, today = b.rng, b.today
    areas = list(
        Area.objects.filter(code__startswith=REGION, level__in=("township", "village"))
        .order_by("code")
        .values_list("code", "name", "level", "poverty_status")
    )
    townships = [(c, n) for c, n, lvl, _s in areas if lvl == "township"]
    villages = [(c, n, s) for c, n, lvl, s in areas if lvl == "village"]
    if not villages:
        return {}
    sizes = dict(
        Household.objects.filter(area_code__startswith=REGION, is_active=True)
        .annotate(village=Substr("area_code", 1, 12))
        .values("village")
        .annotate(n=Count("id"))
        .values_list("village", "n")
    )
    # a few registry households per village, with their heads, for demonstration households
    heads: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for hid, code, name, sex in (
        Member.objects.filter(
            relation=Relation.HEAD,
            is_active=True,
            household__is_active=True,
            household__area_code__startswith=REGION,
        )
        .order_by("household_id")
        .values_list("household_id", "household__area_code", "name", "sex")
    ):
        heads[code[:12]].append((hid, name, sex))
    units = list(
        Unit.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", "name", "kind", "area_code")
    )
    party_cadres: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for pk, unit_id, name, phone in (
        Cadre.objects.filter(is_party_member=True, unit__is_active=True)
        .order_by("pk")
        .values_list("pk", "unit_id", "name", "phone")
    ):
        party_cadres[unit_id].append((pk, name, phone))

    # township committees
    committees: dict[str, _Org] = {}
    for code, name in townships:
        committees[code[:9]] = b.org(
            name=f"中共{name}委员会", kind="committee", base="other", area_code=code
        )
    insert_instances(PartyOrganisation, [o.obj for o in committees.values()])

    # village branches
    cut = sorted(sizes.values(), reverse=True)
    threshold = cut[int(len(cut) * GENERAL_BRANCH_SHARE)] if cut else 0
    village_orgs: dict[str, _Org] = {}
    for code, name, _status in villages:
        big = sizes.get(code, 0) > threshold
        village_orgs[code] = b.org(
            name=f"中共{name}{'总支部委员会' if big else '支部委员会'}",
            kind="general_branch" if big else "branch",
            base="village",
            area_code=code,
            parent=_parent(committees, code),
        )
    insert_instances(PartyOrganisation, [o.obj for o in village_orgs.values()])

    # unit branches
    unit_orgs: dict[int, _Org] = {}
    for pk, name, kind, code in units:
        suffix = "党支部" if kind == Unit.Kind.ENTERPRISE else "机关党支部"
        cadres = party_cadres.get(pk, [])
        unit_orgs[pk] = b.org(
            name=f"{name}{suffix}", kind="branch", base="unit", area_code=code, unit_id=pk,
            secretary=cadres[0][1] if cadres else "",
        )  # fmt: skip
    insert_instances(PartyOrganisation, [o.obj for o in unit_orgs.values()])

    # economic bodies
    bodies: list[EconomicBody] = []
    used: set[tuple[str, str]] = set()
    for code, name, status in villages:
        if not _poor_village(status):
            if rng.random() < 0.3:  # some villages that were never poor have one too
                bodies.append(_cooperative(b, code, name, used))
            continue
        for _i in range(rng.randint(1, 3)):
            bodies.append(_cooperative(b, code, name, used))
    for code, name in townships:
        for _i in range(rng.randint(1, 2)):
            product, industry = rng.choice(INDUSTRIES)
            place = name.rstrip("镇乡")
            firm = f"建始县{place}{rng.choice(FIRM_WORDS)}{product}{rng.choice(FIRM_KINDS)}"
            if (code, firm) in used:
                continue
            used.add((code, firm))
            bodies.append(
                EconomicBody(
                    name=firm, kind="enterprise", area_code=code, industry=industry,
                    poor_households=rng.randint(20, 120),
                    founded_on=date(rng.randint(2008, 2020), rng.randint(1, 12), 1),
                )
            )  # fmt: skip
    insert_instances(EconomicBody, bodies)

    # coverage: a branch of its own, or the village branch / township committee, or none
    covers: list[tuple[int, PartyOrganisation]] = []
    body_orgs: list[tuple[EconomicBody, _Org]] = []
    left_out = set(rng.sample(range(len(bodies)), round(len(bodies) * UNCOVERED_SHARE)))
    for index, body in enumerate(bodies):
        if index in left_out:
            continue
        if rng.random() < OWN_BRANCH_SHARE:
            org = b.org(
                name=f"中共{body.name}支部委员会",
                kind="branch",
                base=body.kind,
                area_code=body.area_code,
                parent=_parent(committees, body.area_code),
            )
            body_orgs.append((body, org))
        else:
            holder = (
                village_orgs.get(body.area_code)
                if body.kind == "cooperative"
                else committees.get(body.area_code[:9])
            )
            if holder is not None:
                covers.append((body.pk, holder.obj))
    insert_instances(PartyOrganisation, [o.obj for _body, o in body_orgs])
    covers.extend((body.pk, o.obj) for body, o in body_orgs)
    bulk_insert(
        EconomicBody.organisations.through,
        ("economicbody", "partyorganisation"),
        ((body_id, org.pk) for body_id, org in covers),
    )

    # members: each organisation's secretary first (but a unit's, who is its first cadre)
    for org in b.orgs:
        if org.obj.base != "unit" or not party_cadres.get(org.obj.unit_id or 0):
            b.member(org, name=org.obj.secretary_name, male=org.secretary_male,
                     born=(1962, 1988))  # fmt: skip
    for org in committees.values():
        for _i in range(rng.randint(*COMMITTEE_MEMBERS) - 1):
            b.member(org, born=(1965, 1990), education=EDUCATION_UNIT)
    for code, org in village_orgs.items():
        low, high = GENERAL_BRANCH_MEMBERS if org.obj.kind == "general_branch" else VILLAGE_MEMBERS
        count = rng.randint(low, high) - 1
        homes = list(heads.get(code, []))
        rng.shuffle(homes)
        demonstrations = min(len(homes), rng.randint(2, 5))
        for i in range(count):
            if i < demonstrations:
                hid, name, sex = homes[i]
                b.member(org, name=name, male=sex == "male", household_id=hid,
                         is_demonstration_household=True)  # fmt: skip
            elif i < demonstrations + rng.randint(1, 2):
                b.member(org, is_business_leader=True, households_led=rng.randint(3, 30),
                         born=(1965, 1990))  # fmt: skip
            else:
                b.member(org)
    for unit_id, org in unit_orgs.items():
        cadres = party_cadres.get(unit_id, [])
        for pk, name, phone in cadres:
            b.member(org, name=name, cadre_id=pk, born=(1966, 1996), education=EDUCATION_UNIT)
            org.members[-1].phone = phone
        for _i in range(max(0, rng.randint(*UNIT_MEMBERS) - len(cadres))):
            b.member(org, born=(1966, 1998), education=EDUCATION_UNIT)
    for _body, org in body_orgs:
        for i in range(rng.randint(*BODY_MEMBERS) - 1):
            b.member(org, is_business_leader=i == 0, households_led=rng.randint(5, 40) if i == 0 else 0,
                     born=(1962, 1995))  # fmt: skip
    members = [m for o in b.orgs for m in o.members]
    for m in members:
        if rng.random() < TRANSFERRED_SHARE:
            m.is_active = False
            m.left_on = today - timedelta(days=rng.randint(10, 300))
    insert_instances(PartyMember, members)

    meetings, attendance = _meetings(b)
    records = _records(b, members)
    return {
        "organisations": len(b.orgs),
        "bodies": len(bodies),
        "covers": len(covers),
        "members": len(members),
        "meetings": meetings,
        "attendance": attendance,
        "records": records,
    }


def _cooperative(b: _Builder, code: str, village: str, used: set[tuple[str, str]]) -> EconomicBody:
    rng = b.rng
    for _try in range(20):
        _product, industry = rng.choice(INDUSTRIES)
        name = f"建始县{village}{industry}专业合作社"
        if (code, name) not in used:
            break
        name = f"建始县{village}{rng.choice(FIRM_WORDS)}{industry}专业合作社"
        if (code, name) not in used:
            break
    used.add((code, name))
    return EconomicBody(
        name=name,
        kind="cooperative",
        area_code=code,
        industry=industry,
        poor_households=rng.randint(5, 60),
        founded_on=date(rng.randint(2010, 2020), rng.randint(1, 12), 1),
    )


def _meetings(b: _Builder) -> tuple[int, int]:
    """三会一课 over the last 12 months, with attendance; returns (meetings, attendances)."""
    rng, today = b.rng, b.today
    rows: list[Meeting] = []
    who: list[list[PartyMember]] = []
    for o in b.orgs:
        active = [m for m in o.members if m.is_active]
        if len(active) < 3:
            continue
        presence = {
            m.pk: (
                rng.uniform(0.2, 0.45) if rng.random() < CHRONIC_SHARE else rng.uniform(0.82, 0.97)
            )
            for m in active
        }
        committee = active[: min(5, len(active))]
        for back in range(MONTHS, 0, -1):
            first = _months_back(today, back - 1)
            if o.skipping and rng.random() < 0.35:
                continue  # a weak branch skips the month
            plan = [("theme_day", rng.randint(5, 15), f"{first.month}月主题党日：{rng.choice(THEMES)}", active),
                    ("committee", rng.randint(1, 6), f"{first.month}月支部委员会", committee)]  # fmt: skip
            if first.month in (3, 6, 9, 12):
                plan.append(
                    (
                        "general",
                        rng.randint(16, 25),
                        f"第{(first.month + 2) // 3}季度党员大会",
                        active,
                    )
                )
                plan.append(
                    ("lecture", rng.randint(16, 25), f"党课：{rng.choice(LECTURES)}", active)
                )
            for kind, day, topic, invited in plan:
                held = first.replace(day=day)
                if held > today:
                    continue
                rows.append(
                    Meeting(organisation_id=o.obj.pk, area_code=o.obj.area_code, kind=kind,
                            held_on=held, topic=topic[:200])
                )  # fmt: skip
                who.append(
                    [m for m in invited if m.joined_on <= held and rng.random() < presence[m.pk]]
                )
    insert_instances(Meeting, rows)
    through = Meeting.attendees.through
    count = bulk_insert(
        through,
        ("meeting", "partymember"),
        ((meeting.pk, m.pk) for meeting, people in zip(rows, who, strict=True) for m in people),
    )
    return len(rows), count


def _records(b: _Builder, members: list[PartyMember]) -> int:
    rng, today = b.rng, b.today
    rows: list[MemberRecord] = []
    for m in members:
        roll = rng.random()
        if roll < COMMENDATION_SHARE:
            title, grounds = rng.choice(COMMENDATIONS)
            kind, issued = "commendation", "中共建始县委"
        elif roll < COMMENDATION_SHARE + SANCTION_SHARE:
            title, grounds = rng.choice(SANCTIONS)
            kind, issued = "sanction", "中共建始县纪律检查委员会"
        else:
            continue
        rows.append(
            MemberRecord(member_id=m.pk, area_code=m.area_code, kind=kind,
                         on=today - timedelta(days=rng.randint(15, 330)), title=title,
                         grounds=grounds, issued_by=issued)
        )  # fmt: skip
    insert_instances(MemberRecord, rows)
    return len(rows)
