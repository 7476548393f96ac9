"""The demo county's first-secretary matching; see fupin.demo.organisation for the order
of the builders.

- a profile for every village: one to three main industries from the county's list,
  about 15% of villages with a minority language (土家语 or 苗语) and a matching
  minority share, distances from the county seat of 5–90 km;
- candidates, about 1.3 × the registered poor villages, from the assistance cadres (the
  current first secretaries first), with skills that follow their cadre's specialty,
  a background, languages and a birth year;
- postings of the current first secretaries (the leaders of the active work teams),
  last year's appraisal for most of those already in post then, and two earlier first
  secretaries recalled;
- this year's matching round over the registered poor villages for the next term (a full
  rotation), solved, with two overrides by the county, left in status solved for the
  officer to accept.

Profiles, candidates, postings and appraisals are bulk-written; the round goes through
the matching services (a handful of set-based queries each), so it is scored and solved
exactly as an officer's would be.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from fupin.areas.models import Area, PovertyStatus
from fupin.assistance.models import Cadre, TeamMember
from fupin.matching import services
from fupin.matching.models import (
    Appraisal,
    Background,
    Candidate,
    Posting,
    VillageProfile,
)

REGION = "422822"  # the demo county
COUNTY = REGION.ljust(12, "0")
INDUSTRIES = (
    "茶叶",
    "魔芋",
    "中药材",
    "烟叶",
    "生猪",
    "蔬菜",
    "乡村旅游",
    "劳务",
    "林果",
    "高山蔬菜",
    "养蜂",
    "食用菌",
)
LANGUAGES = ("土家语", "苗语")
LANGUAGE_SHARE = 0.15
CANDIDATES_PER_POOR_VILLAGE = 1.3
# a cadre's specialty (as the assistance demo writes it) → background and industry tags
SPECIALTY: dict[str, tuple[str, tuple[str, ...]]] = {
    "种植养殖技术": (Background.AGRICULTURE, ("生猪", "蔬菜", "魔芋")),
    "茶叶栽培与加工": (Background.AGRICULTURE, ("茶叶",)),
    "农村电商": (Background.ECONOMY, ("乡村旅游", "林果")),
    "财务会计": (Background.ECONOMY, ()),
    "水利工程": (Background.TECHNICAL, ()),
    "医疗卫生": (Background.SOCIAL, ("中药材",)),
    "法律政策咨询": (Background.LAW, ()),
    "教育培训": (Background.SOCIAL, ("劳务",)),
    "建筑施工": (Background.TECHNICAL, ("劳务",)),
    "农产品营销": (Background.ECONOMY, ("高山蔬菜", "烟叶")),
    "小额信贷": (Background.ECONOMY, ()),
    "党建工作": (Background.PARTY, ()),
    "群众工作": (Background.PARTY, ()),
}
RECALL_GROUNDS = (
    "长期不在岗，驻村天数严重不足，经约谈仍未改正。",
    "工作作风漂浮，群众反映强烈，年度考核不称职。",
)
OVERRIDE_REASONS = (
    "该同志曾在本村所在乡镇挂职，熟悉村情民意，经县委组织部研究调整。",
    "原推荐人选家庭有特殊困难，本人申请暂缓，改派次优人选。",
)


def build(*, rng: random.Random, today: date) -> dict[str, int]:
    """Write this part of the demo organisation; returns rows written per kind."""
    villages = list(
        Area.objects.filter(code__startswith=REGION, level=Area.Level.VILLAGE)
        .order_by("code")
        .values_list("code", "poverty_status")
    )
    if not villages:
        return {}
    profiles = _profiles(rng, [code for code, _status in villages])
    poor = [code for code, status in villages if status == PovertyStatus.POOR]
    leaders = list(
        TeamMember.objects.filter(
            team__is_active=True,
            team__area_code__startswith=REGION,
            is_leader=True,
            ends_on__isnull=True,
            cadre__left_on__isnull=True,
        )
        .order_by("team__area_code")
        .values_list("cadre_id", "team__area_code", "starts_on", "team__ends_on")
    )
    poor_set = set(poor)
    candidates = _candidates(
        rng,
        today,
        poor,
        first=[c for c, code, *_rest in leaders if code in poor_set],
        busy={c for c, *_rest in leaders},
    )
    postings, appraisals, recalls = _postings(rng, today, leaders)
    counts = {
        "village_profiles": profiles,
        "candidates": candidates,
        "postings": postings,
        "appraisals": appraisals,
        "recalls": recalls,
    }
    if poor and candidates:
        counts.update(_round(rng, today, poor))
    return counts


def _profiles(rng: random.Random, codes: list[str]) -> int:
    rows = []
    for code in codes:
        minority = rng.random() < LANGUAGE_SHARE
        rows.append(
            VillageProfile(
                area_code=code,
                industries=",".join(rng.sample(INDUSTRIES, rng.choice((1, 2, 2, 3)))),
                ethnic_language=rng.choice(LANGUAGES) if minority else "",
                minority_share=rng.randint(35, 90) if minority else rng.randint(0, 15),
                distance_km=rng.randint(5, 90),
            )
        )
    VillageProfile.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _candidates(
    rng: random.Random, today: date, poor: list[str], *, first: list[int], busy: set[int]
) -> int:
    """The first secretaries of the poor villages (they rotate), then cadres not in post."""
    wanted = math.ceil(len(poor) * CANDIDATES_PER_POOR_VILLAGE)
    cadres = list(
        Cadre.objects.filter(area_code__startswith=REGION, left_on__isnull=True)
        .order_by("pk")
        .values_list("pk", "area_code", "skills", "is_party_member")
    )
    leading = set(first)
    rest = [c for c in cadres if c[0] not in busy]
    rng.shuffle(rest)
    chosen = [c for c in cadres if c[0] in leading] + rest
    chosen = chosen[: max(wanted, len(leading))]
    rows = []
    for pk, area_code, skills, is_party in chosen:
        background, tags = SPECIALTY.get(skills, (rng.choice(Background.values), ()))
        if is_party and rng.random() < 0.15:
            background = Background.PARTY
        extra = rng.sample(INDUSTRIES, rng.choice((1, 2, 2, 3)))
        rows.append(
            Candidate(
                cadre_id=pk,
                area_code=area_code,
                skills=",".join(dict.fromkeys([*tags, *extra])),
                background=background,
                languages=rng.choice(LANGUAGES) if rng.random() < 0.18 else "",
                birth_year=today.year - rng.randint(27, 55),
                is_available=rng.random() > 0.03,
            )
        )
    Candidate.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _postings(
    rng: random.Random, today: date, leaders: list[tuple[int, str, date, date]]
) -> tuple[int, int, int]:
    rows = [
        Posting(cadre_id=cadre, area_code=code, starts_on=start, ends_on=end)
        for cadre, code, start, end in leaders
    ]
    # two earlier first secretaries recalled (by cadres not in post now)
    busy = {cadre for cadre, *_rest in leaders}
    spare = list(
        Cadre.objects.filter(area_code__startswith=REGION, left_on__isnull=True)
        .exclude(pk__in=busy)
        .order_by("pk")
        .values_list("pk", flat=True)[:50]
    )
    recalled = []
    for k, (cadre, (_leader, code, start, _end)) in enumerate(
        zip(
            rng.sample(spare, min(2, len(spare))),
            rng.sample(leaders, min(2, len(leaders))),
            strict=False,
        )
    ):
        began = start - timedelta(days=365 * 2)
        recalled.append(
            Posting(
                cadre_id=cadre,
                area_code=code,
                starts_on=began,
                ends_on=began + timedelta(days=365 * 2),
                status=Posting.Status.RECALLED,
                left_on=start - timedelta(days=rng.randint(20, 90)),
                recall_grounds=RECALL_GROUNDS[k % len(RECALL_GROUNDS)],
            )
        )
    made = Posting.objects.bulk_create(rows + recalled, batch_size=500)
    last_year = today.year - 1
    grades = (
        [Appraisal.Grade.EXCELLENT] * 3 + [Appraisal.Grade.COMPETENT] * 6 + [Appraisal.Grade.BASIC]
    )
    appraisals = [
        Appraisal(posting=p, year=last_year, grade=rng.choice(grades))
        for p in made
        if p.status == Posting.Status.ACTIVE
        and p.starts_on.year <= last_year
        and rng.random() < 0.7
    ]
    if appraisals:
        appraisals[0].grade = Appraisal.Grade.INCOMPETENT
        appraisals[0].note = "驻村时间不足，帮扶措施落实不到位。"
    appraisals += [
        Appraisal(
            posting=p,
            year=p.starts_on.year,
            grade=Appraisal.Grade.INCOMPETENT,
            note=p.recall_grounds,
        )
        for p in made
        if p.status == Posting.Status.RECALLED
    ]
    Appraisal.objects.bulk_create(appraisals, batch_size=500)
    return len(made), len(appraisals), len(recalled)


def _round(rng: random.Random, today: date, poor: list[str]) -> dict[str, int]:
    r = services.round_create(
        actor=None,
        area_code=COUNTY,
        title=f"{today.year}年选派第一书记（下一任期轮换）",
        starts_on=date(today.year + 1, 1, 1),
        village_codes=poor,
    )
    r = services.round_solve(actor=None, round_id=r.pk)
    # two overrides: a village takes the best candidate the solver left unused
    grid = services.round_scores(r)
    used = set(r.proposals.exclude(candidate=None).values_list("candidate_id", flat=True))
    spare = [j for j, c in enumerate(grid.candidates) if c.id not in used]
    done = 0
    for code in rng.sample(sorted(r.villages), len(r.villages)):
        if done == len(OVERRIDE_REASONS) or not spare:
            break
        i = grid.village_index[code]
        best = max(spare, key=lambda j: (int(grid.total[i, j]), -j))
        if grid.total[i, best] <= 0:
            continue
        services.proposal_override(
            actor=None,
            round_id=r.pk,
            area_code=code,
            candidate_id=grid.candidates[best].id,
            reason=OVERRIDE_REASONS[done],
        )
        spare.remove(best)
        done += 1
    return {"rounds": 1, "proposals": r.proposals.count(), "overrides": done}
