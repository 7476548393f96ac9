"""The demo county's command system; see fupin.demo.organisation for the order of the
builders. It reads the areas, the registry (for each village's incidence), the assisting
units and the open weak-branch cases written by ``org_leadership`` (none if that builder
wrote none), and writes set-based:

- about 33 county leaders (县"四大家": 县委书记, 县长, 副书记, 常委, 副县长, 人大 and 政协
  leaders; 3.3 per township), 2–4 city leaders sent for listed supervision, and the Party
  secretary and head of each township;
- the county HQ (commander: the county Party secretary; deputies: the county head and the
  deputy secretary; an office director; members) with its five working groups, each with
  a head, a lead unit and member units taken from the county's assisting units; and an HQ
  for every township (commander: its Party secretary) with the five default groups;
- contact points: 2–4 county leaders per township (one township has only one, on
  purpose); a leader for every registered poor village (two are left without, and one
  leader has two, on purpose); 1–3 weak villages per county leader for the open weak
  cases (one weak village is left without); listed supervision by a city leader of every
  village whose incidence is above the standard's rate (one is left without);
- and each open weak case's county leader (三对一) is the leader who contacts its village.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Substr

from fupin.areas.models import Area, PovertyStatus
from fupin.assistance.models import Unit
from fupin.command import selectors as command_selectors
from fupin.command.models import (
    Command,
    CommandPost,
    ContactPoint,
    Leader,
    Line,
    WorkingGroup,
)
from fupin.command.services import DEFAULT_GROUPS
from fupin.demo.names import MALE_CHARS_OLD, SURNAMES
from fupin.policy.params import NATIONAL_DEFAULTS
from fupin.registry.models import Member

COUNTY_CODE = "422822000000"  # the generator's demo county (a test checks it)
LEADERS_PER_TOWNSHIP = 3.3  # 33 county leaders for 10 townships (DEMO_FACTS.md)
CONTACT_MIN = int(NATIONAL_DEFAULTS["contact_leaders_min"])
CONTACT_MAX = int(NATIONAL_DEFAULTS["contact_leaders_max"])
WEAK_MAX = int(NATIONAL_DEFAULTS["weak_villages_per_leader_max"])
LISTED_RATE = Decimal(str(NATIONAL_DEFAULTS["listed_incidence_rate"]))
REMAINING = command_selectors.REMAINING  # as the violations count them

# The county's leaders in order of rank; the first ones are always there.
COUNTY_POSTS: tuple[str, ...] = (
    "县委书记",
    "县委副书记、县长",
    "县委副书记",
    "县委常委、常务副县长",
    "县人大常委会主任",
    "县政协主席",
    "县委常委、组织部部长",
    "县委常委、纪委书记、监委主任",
    "县委常委、宣传部部长",
    "县委常委、统战部部长",
    "县委常委、政法委书记",
    "县委常委、县委办主任",
    "县委常委、人武部部长",
    "县委常委、副县长",
    "副县长",
    "副县长",
    "副县长",
    "副县长",
    "副县长",
    "县人大常委会副主任",
    "县人大常委会副主任",
    "县人大常委会副主任",
    "县人大常委会副主任",
    "县政协副主席",
    "县政协副主席",
    "县政协副主席",
    "县政协副主席",
    "县人民法院院长",
    "县人民检察院检察长",
    "县人大常委会副主任",
    "县政协副主席",
    "副县长",
    "县政协副主席",
    "县人大常委会副主任",
    "副县长",
    "县政协副主席",
    "县人大常委会副主任",
    "县政协副主席",
    "县人大常委会副主任",
    "县政协副主席",
)
CITY_POSTS = ("市委常委、副市长", "市人大常委会副主任", "市政协副主席", "副市长")
TOWNSHIP_POSTS = ("党委书记", "党委副书记、{head}", "党委副书记")
# County HQ members beyond the commander and deputies, with their duties.
MEMBER_DUTIES = (
    ("县委常委、组织部部长", "抓党建促脱贫、驻村帮扶和第一书记管理"),
    ("县委常委、纪委书记、监委主任", "扶贫领域监督执纪问责"),
    ("县委常委、宣传部部长", "脱贫攻坚宣传和扶志扶智"),
    ("县人大常委会主任", "人大代表参与脱贫攻坚监督"),
    ("县政协主席", "政协委员助力脱贫攻坚"),
)
# (line, lead unit, member units) by the names the county's assisting units have.
GROUP_UNITS: dict[str, tuple[str, tuple[str, ...]]] = {
    Line.PRODUCTION: ("县农业农村局", ("县财政局", "县人社局", "县商务局", "县农村商业银行")),
    Line.RELOCATION: ("县发展和改革局", ("县住建局", "县自然资源和规划局", "县财政局")),
    Line.ECOLOGY: ("县林业局", ("县自然资源和规划局", "县水利局", "县财政局")),
    Line.EDUCATION: ("县教育局", ("县人社局", "县职业教育中心", "县财政局")),
    Line.SECURITY: ("县民政局", ("县医保局", "县卫健局", "县人社局", "县乡村振兴局")),
}
# The deputy county heads who head the county's groups, by line.
GROUP_HEADS = (
    Line.PRODUCTION,
    Line.RELOCATION,
    Line.ECOLOGY,
    Line.EDUCATION,
    Line.SECURITY,
)


class _Names:
    """Plausible, distinct names for the leaders."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.surnames = [s for s, _w in SURNAMES]
        self.weights = [w for _s, w in SURNAMES]

    def __call__(self) -> str:
        first, second = MALE_CHARS_OLD
        while True:
            surname = self.rng.choices(self.surnames, self.weights)[0]
            given = self.rng.choice(first) + (
                self.rng.choice(second) if self.rng.random() < 0.8 else ""
            )
            if surname + given not in self.used:
                self.used.add(surname + given)
                return surname + given


def _phone(rng: random.Random) -> str:
    return rng.choice(("139", "138", "135", "158", "187")) + f"{rng.randrange(10**8):08d}"


def _incidences(villages: list[tuple[str, int | None]]) -> dict[str, Decimal]:
    """Each village's incidence: registered poor people still poor ÷ rural population."""
    people = dict(
        Member.objects.filter(
            is_active=True, household__is_active=True, household__status__in=REMAINING
        )
        .filter(household__area_code__startswith=COUNTY_CODE[:6])
        .annotate(village=Substr("household__area_code", 1, 12))
        .order_by()
        .values("village")
        .annotate(n=Count("id"))
        .values_list("village", "n")
    )
    return {
        code: Decimal(people.get(code, 0)) / Decimal(population)
        for code, population in villages
        if population
    }


@transaction.atomic
def build(*, rng: random.Random, today: date) -> dict[str, int]:
    """Write this part of the demo organisation; returns rows written per kind."""
    county = Area.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        return {}
    townships = list(
        Area.objects.filter(level=Area.Level.TOWNSHIP, parent=county)
        .order_by("code")
        .values_list("code", "name")
    )
    villages = list(
        Area.objects.filter(level=Area.Level.VILLAGE, code__startswith=COUNTY_CODE[:6])
        .order_by("code")
        .values_list("code", "poverty_status", "rural_population")
    )
    if not townships:
        return {}
    name = _Names(rng)
    since = date(today.year - 2, 3, 1)  # when the present contact points were made

    # --- leaders ---
    n_county = min(len(COUNTY_POSTS), max(8, round(len(townships) * LEADERS_PER_TOWNSHIP)))
    county_leaders = [
        Leader(
            name=name(),
            post=post,
            level=Leader.Level.COUNTY,
            area_code=COUNTY_CODE,
            phone=_phone(rng),
        )
        for post in COUNTY_POSTS[:n_county]
    ]
    prefecture = county.parent.code if county.parent_id and county.parent else COUNTY_CODE
    city_leaders = [
        Leader(
            name=name(), post=post, level=Leader.Level.CITY, area_code=prefecture, phone=_phone(rng)
        )
        for post in CITY_POSTS[: rng.randint(2, 4)]
    ]
    township_leaders: dict[str, list[Leader]] = {}
    for code, tname in townships:
        head = "乡长" if tname.endswith("乡") else "镇长"
        township_leaders[code] = [
            Leader(
                name=name(),
                post=f"{tname}{post.format(head=head)}",
                level=Leader.Level.TOWNSHIP,
                area_code=code,
                phone=_phone(rng),
            )
            for post in TOWNSHIP_POSTS
        ]
    every = [
        *county_leaders,
        *city_leaders,
        *(x for team in township_leaders.values() for x in team),
    ]
    Leader.objects.bulk_create(every)

    # --- HQs, posts, groups ---
    hqs = [
        Command(
            area_code=COUNTY_CODE,
            name=f"{county.name}脱贫攻坚指挥部",
            established_on=date(2015, 11, 20),
        )
    ]
    hqs += [
        Command(area_code=code, name=f"{tname}脱贫攻坚指挥部", established_on=date(2016, 1, 10))
        for code, tname in townships
    ]
    Command.objects.bulk_create(hqs)
    county_hq, township_hqs = hqs[0], dict(zip([c for c, _n in townships], hqs[1:], strict=True))
    by_post: dict[str, list[Leader]] = defaultdict(list)
    for leader in county_leaders:
        by_post[leader.post].append(leader)
    deputies_county = by_post["副县长"] + by_post["县委常委、副县长"]
    office = by_post["县委常委、常务副县长"] or deputies_county[:1]
    posts = [
        CommandPost(
            command=county_hq,
            leader=county_leaders[0],
            role=CommandPost.Role.COMMANDER,
            duty="全面负责全县脱贫攻坚工作",
            ordering=1,
        ),
        CommandPost(
            command=county_hq,
            leader=county_leaders[1],
            role=CommandPost.Role.DEPUTY,
            duty="协助指挥长，统筹政府脱贫攻坚工作",
            ordering=2,
        ),
        CommandPost(
            command=county_hq,
            leader=county_leaders[2],
            role=CommandPost.Role.DEPUTY,
            duty="协助指挥长，抓党建促脱贫和督查考核",
            ordering=3,
        ),
    ]
    if office and office[0] not in county_leaders[:3]:
        posts.append(
            CommandPost(
                command=county_hq,
                leader=office[0],
                role=CommandPost.Role.OFFICE_DIRECTOR,
                duty="主持指挥部办公室日常工作，周调度、旬通报、月督查",
                ordering=4,
            )
        )
    for i, (post, duty) in enumerate(MEMBER_DUTIES, start=10):
        for leader in by_post.get(post, [])[:1]:
            posts.append(
                CommandPost(
                    command=county_hq,
                    leader=leader,
                    role=CommandPost.Role.MEMBER,
                    duty=duty,
                    ordering=i,
                )
            )
    for code, team in township_leaders.items():
        hq = township_hqs[code]
        posts.append(
            CommandPost(
                command=hq,
                leader=team[0],
                role=CommandPost.Role.COMMANDER,
                duty="全面负责全乡镇脱贫攻坚工作",
                ordering=1,
            )
        )
        posts.append(
            CommandPost(
                command=hq,
                leader=team[1],
                role=CommandPost.Role.DEPUTY,
                duty="协助指挥长，统筹各专项工作组",
                ordering=2,
            )
        )
        posts.append(
            CommandPost(
                command=hq,
                leader=team[2],
                role=CommandPost.Role.OFFICE_DIRECTOR,
                duty="指挥部办公室日常工作和数据调度",
                ordering=3,
            )
        )
    CommandPost.objects.bulk_create(posts)

    units = dict(
        Unit.objects.filter(area_code=COUNTY_CODE, is_active=True).values_list("name", "id")
    )
    heads = deputies_county or county_leaders[3:]
    groups: list[WorkingGroup] = []
    group_units: list[tuple[WorkingGroup, list[int]]] = []
    for i, (line, label, duties) in enumerate(DEFAULT_GROUPS, start=1):
        lead, members = GROUP_UNITS.get(line, ("", ()))
        group = WorkingGroup(
            command=county_hq,
            line=line,
            name=label,
            duties=duties,
            ordering=i,
            head=heads[(i - 1) % len(heads)] if heads else None,
            lead_unit_id=units.get(lead),
        )
        groups.append(group)
        group_units.append((group, [units[m] for m in members if m in units]))
    for code, team in township_leaders.items():
        for i, (line, label, duties) in enumerate(DEFAULT_GROUPS, start=1):
            groups.append(
                WorkingGroup(
                    command=township_hqs[code],
                    line=line,
                    name=label,
                    duties=duties,
                    ordering=i,
                    head=team[1 + i % 2],
                )
            )
    WorkingGroup.objects.bulk_create(groups)
    through = WorkingGroup.units.through
    links = [through(workinggroup_id=g.pk, unit_id=u) for g, ids in group_units for u in ids]
    through.objects.bulk_create(links)

    # --- contact points ---
    points: list[ContactPoint] = []

    def point(leader: Leader, kind: str, code: str, note: str = "") -> None:
        starts = since if rng.random() < 0.7 else date(today.year - 1, rng.randint(1, 12), 1)
        points.append(
            ContactPoint(leader=leader, kind=kind, area_code=code, starts_on=starts, note=note)
        )

    # townships: 2–4 county leaders each, one township with a single one on purpose
    codes = [c for c, _n in townships]
    short = rng.choice(codes)
    sizes = {c: 1 if c == short else rng.randint(CONTACT_MIN, CONTACT_MAX) for c in codes}
    pool = county_leaders[:]
    rng.shuffle(pool)
    # as many leaders as townships can take: every county leader contacts one township
    while sum(sizes.values()) < len(pool):
        growable = [c for c in codes if c != short and sizes[c] < CONTACT_MAX]
        if not growable:
            break
        sizes[rng.choice(growable)] += 1
    contacts_of: dict[str, list[Leader]] = defaultdict(list)
    cursor = 0
    for code in codes:
        for _ in range(sizes[code]):
            leader = pool[cursor % len(pool)]
            cursor += 1
            if leader in contacts_of[code]:
                continue
            contacts_of[code].append(leader)
            point(leader, ContactPoint.Kind.TOWNSHIP, code)

    # key poor villages: a leader each, the township's contact leaders first
    poor = [c for c, status, _p in villages if status == PovertyStatus.POOR]
    left_out = set(rng.sample(poor, min(2, max(0, len(poor) - 1))))
    key_load: dict[int, int] = defaultdict(int)
    key_leader: dict[str, Leader] = {}
    for code in poor:
        if code in left_out:
            continue
        township = code[:9] + "000"
        candidates = [
            *contacts_of.get(township, []),
            *(x for x in county_leaders if x not in contacts_of.get(township, [])),
            *township_leaders.get(township, []),
        ]
        free = [x for x in candidates if key_load[id(x)] == 0]
        leader = free[0] if free else min(candidates, key=lambda x: key_load[id(x)])
        key_load[id(leader)] += 1
        key_leader[code] = leader
        point(leader, ContactPoint.Kind.KEY_VILLAGE, code)
    # one county leader answers for a second key village, on purpose
    twice = [c for c in poor if c not in left_out and key_leader[c].level != Leader.Level.COUNTY]
    busy = [x for x in county_leaders if key_load[id(x)] == 1]
    if busy and (twice or len(key_leader) > 1):
        leader = rng.choice(busy)
        code = (
            rng.choice(twice)
            if twice
            else next(c for c in key_leader if key_leader[c] is not leader)
        )
        key_load[id(leader)] += 1
        point(leader, ContactPoint.Kind.KEY_VILLAGE, code, "联系第二个重点村")

    # weak villages: the open cases of org_leadership, 1–3 per county leader
    from fupin.leadership.models import WeakCase

    cases = list(
        WeakCase.objects.exclude(status=WeakCase.Status.CLOSED)
        .filter(organisation__base="village", organisation__area_code__startswith=COUNTY_CODE[:6])
        .values_list("id", "organisation__area_code")
    )
    weak = sorted({code for _id, code in cases})
    uncovered_weak = rng.choice(weak) if len(weak) > 1 else None
    weak_load: dict[int, int] = defaultdict(int)
    weak_leader: dict[str, Leader] = {}
    for code in weak:
        if code == uncovered_weak:
            continue
        township = code[:9] + "000"
        near = [x for x in contacts_of.get(township, []) if weak_load[id(x)] < WEAK_MAX]
        anywhere = [x for x in county_leaders if weak_load[id(x)] < WEAK_MAX]
        choices = near or anywhere
        if not choices:
            continue
        leader = min(choices, key=lambda x: (weak_load[id(x)], county_leaders.index(x)))
        weak_load[id(leader)] += 1
        weak_leader[code] = leader
        point(leader, ContactPoint.Kind.WEAK_VILLAGE, code)

    # listed supervision: a city leader for each village above the rate, but one
    rates = _incidences([(c, p) for c, _s, p in villages])
    high = sorted(c for c, rate in rates.items() if rate > LISTED_RATE)
    unlisted = rng.choice(high) if len(high) > 1 else None
    for i, code in enumerate(c for c in high if c != unlisted):
        if city_leaders:
            point(city_leaders[i % len(city_leaders)], ContactPoint.Kind.LISTED, code, "挂牌督战")
    ContactPoint.objects.bulk_create(points)

    # the county leader of each open weak case (三对一) is the village's contact leader
    by_leader: dict[int, list[int]] = defaultdict(list)
    for case_id, code in cases:
        if code in weak_leader:
            by_leader[weak_leader[code].pk].append(case_id)
    for leader_id, ids in by_leader.items():
        WeakCase.objects.filter(pk__in=ids).update(county_leader_id=leader_id)
    # A case past "flagged" had its whole 三对一 team (closed ones included): those still
    # without a county leader get one in turn, one UPDATE per leader.
    teamless = list(
        WeakCase.objects.exclude(status=WeakCase.Status.FLAGGED)
        .filter(county_leader__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for i, leader in enumerate(county_leaders):
        share = teamless[i :: len(county_leaders)]
        if share:
            WeakCase.objects.filter(pk__in=share).update(county_leader=leader)

    return {
        "leaders": len(every),
        "commands": len(hqs),
        "posts": len(posts),
        "groups": len(groups),
        "group_units": len(links),
        "contact_points": len(points),
        "weak_case_leaders": sum(len(ids) for ids in by_leader.values()) + len(teamless),
    }
