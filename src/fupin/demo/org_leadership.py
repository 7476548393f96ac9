"""Village leadership and grassroots Party building for the demo county, built after
``org_party`` (see fupin.demo.organisation for the order of the builders).

For every village: the 两委 roster (5–7 in post, the secretary mostly also the director,
一肩挑; about 24 % with high school or more and about 10 % under 35, as the seeds report
for the older rosters), a few who have left, and the reserve cadres (2–4, but about 8 %
of villages with 0–1 on purpose). About 9 % of the village branches org_party wrote are
flagged weak this year (and a few were last year, closed), with their checklist items,
the first secretary of the village's active work team in the 三对一 team (the county
leader is set by org_command) and rectification items, the closed ones with a small
stored evidence file. Instructors for almost every village (a few without), supervisors
for groups of 4–7 villages (one with 9 on purpose), the 六个一 goals of this year and last,
and 8–15 courses of this year and last with attendance that leaves some untrained.

It copes with predecessors that wrote nothing: without village branches there are no weak
cases and no members among the attendees; without cadres, no instructors or supervisors.
Every row is written set-based; the evidence files are written to MEDIA_ROOT."""

from __future__ import annotations

import random
import struct
import zlib
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fupin.areas.models import Area
from fupin.assistance.models import Cadre, TeamMember
from fupin.core.bulk import bulk_insert, insert_instances
from fupin.demo.names import GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from fupin.leadership.models import (
    BuildingAssignment,
    Course,
    CourseAttendance,
    Goal,
    GoalProgress,
    RectificationItem,
    ReserveCadre,
    VillageOfficial,
    WeakCase,
    WeakCriterion,
)
from fupin.party.models import PartyMember, PartyOrganisation
from fupin.procedures import evidence

REGION = "422822"  # the demo county
COUNTY_CODE = "422822000000"
Post = VillageOfficial.Post

# education of the older rosters: about 24 % high school or more (seed 000)
EDUCATION = (("primary", 0.16), ("junior", 0.60), ("senior", 0.17), ("college", 0.07))
YOUNG_SHARE = 0.10  # under 35
WOMEN_SHARE = 0.22
SHORT_OF_RESERVES = 0.08  # villages with 0–1 reserve cadres, on purpose
WEAK_SHARE = 0.09  # village branches flagged this year
MISSING_INSTRUCTOR = 0.03
RANKS = (
    "乡镇党委副书记",
    "乡镇党委组织委员",
    "乡镇党委委员",
)
ITEMS = (
    "选优配强村党组织书记",
    "规范落实三会一课制度",
    "开展党员集中培训",
    "清理规范村级财务，按月公开",
    "化解重点信访矛盾",
    "制定村集体经济发展方案",
    "建立党员联系户制度",
    "整治宗族势力干扰村务问题",
    "完善村务监督委员会工作制度",
    "召开党员大会民主评议",
)
COURSES = (
    (
        "rotation",
        "村党组织书记大轮训",
        "中共建始县委组织部",
        "脱贫攻坚政策、基层党建、村级事务管理",
    ),
    ("themed", "精准扶贫专题培训", "县扶贫开发领导小组办公室", "精准识别、精准帮扶、精准退出"),
    ("themed", "农村实用技术培训", "县农业农村局", "茶叶、蔬菜、中药材种植技术"),
    ("study_tour", "村集体经济外出考察", "中共建始县委组织部", "学习先进村发展集体经济经验"),
    ("on_site", "党建示范点现场观摩", "乡镇党委", "三会一课、主题党日现场观摩"),
    ("themed", "农村党员冬春训", "乡镇党委", "党章党规、形势政策"),
)


def _png(seed: int) -> bytes:
    """A small valid PNG (8×8, one colour): the stand-in for a scanned record."""
    colour = bytes([seed % 200 + 30, (seed * 7) % 200 + 30, (seed * 13) % 200 + 30])
    raw = b"".join(b"\x00" + colour * 8 for _ in range(8))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class _Builder:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.counts: dict[str, int] = {}
        self.surnames = [s for s, _w in SURNAMES]
        self.weights = [w for _s, w in SURNAMES]

    # --- people -----------------------------------------------------------------------------

    def name(self, female: bool) -> str:
        surname = self.rng.choices(self.surnames, weights=self.weights)[0]
        return surname + self.rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)

    def birth(self, young: bool) -> date:
        age = self.rng.randint(24, 34) if young else self.rng.randint(35, 62)
        return date(self.today.year - age, 1, 1) - timedelta(days=self.rng.randint(0, 364))

    def education(self) -> str:
        return self.rng.choices([e for e, _ in EDUCATION], weights=[w for _, w in EDUCATION])[0]

    def phone(self) -> str:
        return "1" + self.rng.choice("35789") + "".join(self.rng.choices("0123456789", k=9))

    def pick(self, members: list[PartyMember]) -> PartyMember | None:
        """A member of the branch for a post, taken so that the roster's education stays
        near the seeds' figures (members are better schooled than the rosters were)."""
        if not members:
            return None
        wanted = self.education()
        for i, m in enumerate(members):
            if m.education == wanted:
                return members.pop(i)
        if wanted in ("senior", "college"):
            return None  # a post-holder without a file yet rather than skew the figures
        low = [i for i, m in enumerate(members) if m.education not in ("senior", "college")]
        return members.pop(low[0]) if low else None

    # --- the build --------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        self.villages = list(
            Area.objects.filter(level=Area.Level.VILLAGE, code__startswith=REGION)
            .order_by("code")
            .values_list("code", "name")
        )
        if not self.villages:
            return {}
        self.townships = dict(
            Area.objects.filter(level=Area.Level.TOWNSHIP, code__startswith=REGION).values_list(
                "code", "name"
            )
        )
        self.members: dict[str, list[PartyMember]] = defaultdict(list)
        for m in PartyMember.objects.filter(
            area_code__startswith=REGION,
            is_active=True,
            organisation__base=PartyOrganisation.Base.VILLAGE,
        ).order_by("area_code", "id"):
            self.members[m.area_code[:12]].append(m)
        self.rosters()
        self.reserves()
        self.weak_cases()
        self.building()
        self.trainings()
        return self.counts

    def rosters(self) -> None:
        rng = self.rng
        rows: list[VillageOfficial] = []
        for code, _name in self.villages:
            members = list(self.members.get(code, []))
            rng.shuffle(members)
            if rng.random() < 0.8:
                posts = [Post.SECRETARY_DIRECTOR]
            else:
                posts = [Post.SECRETARY, Post.DIRECTOR]
            size = rng.randint(5, 7)
            extra = [Post.DEPUTY_SECRETARY, Post.BRANCH_MEMBER, Post.COMMITTEE_MEMBER,
                     Post.COMMITTEE_MEMBER, Post.BRANCH_MEMBER, Post.COMMITTEE_MEMBER]  # fmt: skip
            posts += [Post.SUPERVISOR, *extra[: size - len(posts) - 1]]
            for post in posts:
                secretary = post in (Post.SECRETARY_DIRECTOR, Post.SECRETARY)
                party = (
                    secretary
                    or post in (Post.DEPUTY_SECRETARY, Post.BRANCH_MEMBER)
                    or (rng.random() < 0.4)
                )
                female = not secretary and rng.random() < WOMEN_SHARE * 1.2
                member = self.pick(members) if party else None
                started = date(rng.choice((2018, 2021, 2021, 2024)), rng.randint(1, 3), 1)
                if member is not None:
                    person = (member.name, member.gender, member.birth_date, member.education)
                else:
                    person = (
                        self.name(female),
                        "female" if female else "male",
                        self.birth(rng.random() < YOUNG_SHARE),
                        self.education(),
                    )
                rows.append(
                    VillageOfficial(
                        area_code=code,
                        name=person[0],
                        post=post,
                        gender=person[1],
                        birth_date=person[2],
                        education=person[3],
                        is_party_member=party,
                        member=member,
                        phone=self.phone(),
                        starts_on=started,
                    )
                )
            if rng.random() < 0.2:  # someone who left at the last election
                female = rng.random() < WOMEN_SHARE
                rows.append(
                    VillageOfficial(
                        area_code=code,
                        name=self.name(female),
                        post=Post.COMMITTEE_MEMBER,
                        gender="female" if female else "male",
                        birth_date=self.birth(False),
                        education=self.education(),
                        is_party_member=rng.random() < 0.5,
                        phone=self.phone(),
                        starts_on=date(2018, 3, 1),
                        ends_on=date(2021, 2, 28),
                    )
                )
        insert_instances(VillageOfficial, rows)
        self.officials = rows
        self.counts["officials"] = len(rows)

    def reserves(self) -> None:
        rng = self.rng
        rows: list[ReserveCadre] = []
        sources = ReserveCadre.Source.values
        for code, _name in self.villages:
            n = rng.randint(0, 1) if rng.random() < SHORT_OF_RESERVES else rng.randint(2, 4)
            for i in range(n + (1 if rng.random() < 0.15 else 0)):
                female = rng.random() < 0.3
                removed = i == n  # the extra one has left the pool
                rows.append(
                    ReserveCadre(
                        area_code=code,
                        name=self.name(female),
                        gender="female" if female else "male",
                        birth_date=self.birth(rng.random() < 0.6),
                        education=rng.choice(("junior", "senior", "senior", "college")),
                        is_party_member=rng.random() < 0.5,
                        source=rng.choice(sources),
                        added_on=date(self.today.year - rng.randint(1, 4), rng.randint(1, 12), 1),
                        removed_on=self.today - timedelta(days=rng.randint(30, 300))
                        if removed
                        else None,
                        removed_reason="当选村两委成员" if removed else "",
                    )
                )
        insert_instances(ReserveCadre, rows)
        self.counts["reserve_cadres"] = len(rows)

    def weak_cases(self) -> None:
        rng, today = self.rng, self.today
        branches = list(
            PartyOrganisation.objects.filter(
                area_code__startswith=REGION, base=PartyOrganisation.Base.VILLAGE, is_active=True
            ).order_by("area_code", "id")
        )
        criteria = list(WeakCriterion.objects.filter(is_active=True).values_list("pk", flat=True))
        if not branches or not criteria:
            return
        leaders = dict(
            TeamMember.objects.filter(
                is_leader=True, ends_on__isnull=True, team__is_active=True
            ).values_list("team__area_code", "cadre_id")
        )
        flagged = rng.sample(branches, max(1, round(len(branches) * WEAK_SHARE)))
        others = [b for b in branches if b not in flagged]
        last_year = rng.sample(others, min(len(others), max(1, len(flagged) // 3)))
        cases: list[WeakCase] = []
        for org in flagged + last_year:
            this_year = org in flagged
            year = today.year if this_year else today.year - 1
            flagged_on = date(year, 1, 1) + timedelta(
                days=rng.randint(0, max(0, min(150, (today - date(year, 1, 1)).days - 30)))
            )
            roll = rng.random()
            if not this_year or roll < 0.3:
                status = WeakCase.Status.CLOSED
            elif roll < 0.85:
                status = WeakCase.Status.RECTIFYING
            else:
                status = WeakCase.Status.FLAGGED
            teamed = status != WeakCase.Status.FLAGGED
            cases.append(
                WeakCase(
                    organisation=org,
                    area_code=org.area_code,
                    year=year,
                    finding=rng.choice(ITEMS[:4]) + "等问题突出",
                    flagged_on=flagged_on,
                    status=status,
                    first_secretary_id=leaders.get(org.area_code[:12]) if teamed else None,
                    township_lead=(
                        self.name(False) + "（" + rng.choice(RANKS) + "）" if teamed else ""
                    ),
                    closed_on=(
                        min(today, flagged_on + timedelta(days=rng.randint(150, 300)))
                        if status == WeakCase.Status.CLOSED
                        else None
                    ),
                )
            )
        insert_instances(WeakCase, cases)
        through: Any = WeakCase.criteria.through
        links = [
            (case.pk, pk)
            for case in cases
            for pk in rng.sample(criteria, rng.choice((1, 1, 2, 2, 3)))
        ]
        bulk_insert(through, ["weakcase_id", "weakcriterion_id"], links)
        items: list[RectificationItem] = []
        written = 0
        for case in cases:
            closed = case.status == WeakCase.Status.CLOSED
            count = 0 if case.status == WeakCase.Status.FLAGGED and rng.random() < 0.5 else (
                rng.randint(2, 4)
            )  # fmt: skip
            for text in rng.sample(ITEMS, count):
                due = case.flagged_on + timedelta(days=rng.randint(60, 200))
                done = closed or (case.status == WeakCase.Status.RECTIFYING and rng.random() < 0.4)
                closed_on = min(today, due - timedelta(days=rng.randint(0, 40))) if done else None
                if closed and case.closed_on is not None:
                    closed_on = min(case.closed_on, closed_on or case.closed_on)
                stored = ""
                if closed_on is not None:
                    # a small PNG stored as an upload is (under the case's id: the item's
                    # is not known before the insert)
                    written += 1
                    checked = evidence.Checked("整改佐证.png", "png", "image/png", _png(written))
                    stored = evidence.store(case.pk, checked, under="rectification")
                items.append(
                    RectificationItem(
                        case=case,
                        text=text,
                        due_on=due,
                        closed_on=closed_on,
                        closed_note="已按期完成整改" if closed_on else "",
                        evidence=stored,
                        evidence_name="整改佐证.png" if stored else "",
                    )
                )
        insert_instances(RectificationItem, items)
        self.counts["weak_cases"] = len(cases)
        self.counts["rectification_items"] = len(items)

    def building(self) -> None:
        rng, today = self.rng, self.today
        cadres = list(
            Cadre.objects.filter(area_code__startswith=REGION, left_on__isnull=True)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        if not cadres:
            return
        rng.shuffle(cadres)
        started = date(today.year - 1, 3, 1)
        rows: list[tuple[Any, ...]] = []
        village_codes = [c for c, _n in self.villages]
        for i, code in enumerate(village_codes):
            if rng.random() < MISSING_INSTRUCTOR:
                continue
            rows.append(("instructor", cadres[i % len(cadres)], code, started))
        # supervisors: the cadres not instructing first, each for one group of villages
        n = len(village_codes)
        supervisors = cadres[n:] + cadres[:n]
        by_township: dict[str, list[str]] = defaultdict(list)
        for code in village_codes:
            by_township[code[:9]].append(code)
        groups: list[list[str]] = []
        over_done = False
        for township in sorted(by_township):
            codes = by_township[township]
            if not over_done and (len(codes) == 9 or len(codes) >= 13):
                groups.append(codes[:9])  # one supervisor over the norm, on purpose
                codes, over_done = codes[9:], True
            groups.extend(_split(codes, rng))
        for i, group in enumerate(groups):
            cadre = supervisors[i % len(supervisors)]
            rows += [("supervisor", cadre, code, started) for code in group]
        bulk_insert(BuildingAssignment, ["kind", "cadre", "area_code", "starts_on"], rows)
        self.counts["building_assignments"] = len(rows)
        instructed = {code for kind, _c, code, _d in rows if kind == "instructor"}
        goals: list[tuple[Any, ...]] = []
        for year in (today.year - 1, today.year):
            share = 0.8 if year < today.year else 0.45
            last = today if year == today.year else date(year, 12, 31)
            span = max(0, (last - date(year, 1, 1)).days)
            for code in village_codes:
                if code not in instructed:
                    continue
                for goal in Goal.values:
                    if rng.random() < share:
                        day = date(year, 1, 1) + timedelta(days=rng.randint(0, span))
                        goals.append((code, year, goal, day, "已达成，材料存村"))
        bulk_insert(GoalProgress, ["area_code", "year", "goal", "reached_on", "note"], goals)
        self.counts["goals"] = len(goals)

    def trainings(self) -> None:
        rng, today = self.rng, self.today
        townships = sorted(self.townships)
        courses: list[Course] = []
        count = rng.randint(10, 14)
        for i in range(count):
            kind, title, organiser, topics = COURSES[i % len(COURSES)]
            this_year = i % 2 == 0
            year = today.year if this_year else today.year - 1
            last = today - timedelta(days=3) if this_year else date(year, 12, 20)
            first = date(year, 1, 5)
            span = max(0, (last - first).days)
            starts = first + timedelta(days=rng.randint(0, span))
            days = 1 if kind in ("on_site", "themed") else rng.randint(2, 5)
            area = COUNTY_CODE if organiser.startswith("中共") or organiser.startswith("县") else (
                rng.choice(townships) if townships else COUNTY_CODE
            )  # fmt: skip
            if area != COUNTY_CODE:
                organiser = self.townships[area] + "党委"
            courses.append(
                Course(
                    title=f"{year}年{title}",
                    kind=kind,
                    area_code=area,
                    organiser=organiser,
                    starts_on=starts,
                    ends_on=starts + timedelta(days=days - 1),
                    hours=Decimal(days * 6 if days > 1 else 4),
                    topics=topics,
                )
            )
        insert_instances(Course, courses)
        in_post = [o for o in self.officials if o.ends_on is None]
        members = [m for ms in self.members.values() for m in ms]
        rows: list[tuple[Any, ...]] = []
        for course in courses:
            prefix = (
                course.area_code[:6] if course.area_code == COUNTY_CODE else course.area_code[:9]
            )
            secretaries = course.kind == "rotation"
            for o in in_post:
                if not o.area_code.startswith(prefix):
                    continue
                leading = o.post in (Post.SECRETARY_DIRECTOR, Post.SECRETARY)
                if secretaries and not leading:
                    continue
                if rng.random() < (0.85 if secretaries else 0.3):
                    rows.append((course.pk, None, o.pk, o.area_code))
            for m in members:
                if m.area_code.startswith(prefix) and rng.random() < 0.12:
                    rows.append((course.pk, m.pk, None, m.area_code))
        bulk_insert(CourseAttendance, ["course", "member", "official", "area_code"], rows)
        self.counts["courses"] = len(courses)
        self.counts["course_attendance"] = len(rows)


def _split(codes: list[str], rng: random.Random) -> list[list[str]]:
    """Consecutive groups of 4–7 villages (fewer only when there are fewer than 4)."""
    if not codes:
        return []
    k = max(1, -(-len(codes) // rng.randint(5, 7)))
    while k > 1 and len(codes) // k < 4:
        k -= 1
    size, extra = divmod(len(codes), k)
    out, start = [], 0
    for i in range(k):
        end = start + size + (1 if i < extra else 0)
        out.append(codes[start:end])
        start = end
    return out


def build(*, rng: random.Random, today: date) -> dict[str, int]:
    """Write the leadership part of the demo organisation; returns rows written per kind."""
    return _Builder(rng, today).run()
