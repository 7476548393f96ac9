"""Scoring every (candidate, village) pair of a matching round by explained criteria.

Set-based: the facts of all villages and all candidates are read in a handful of queries
(profiles, names and populations, poor people per village, open weak-branch cases, the
units' paired villages, the candidates with their cadres), turned into numpy arrays, and
each criterion becomes one array operation over the whole villages × candidates grid. No
query is issued per pair.

Points are kept as integer hundredths (分的百分之一, "cents") so that totals are exact: the
solver's optimum and a brute-force enumeration can be compared with ``==``.

The criteria (weights from the round, defaulting to the standard in force):

- ``industry``: weight × share of the village's main industries the candidate's skills
  cover;
- ``weak_branch``: weight when the village's Party organisation has an open weak-branch
  case and the candidate's background is Party work;
- ``incidence``: weight × min(1, incidence / listed incidence rate) for candidates with
  an agriculture or economy background, incidence being the registered poor people still
  poor (not exited or returned to poverty, active members of active households) over the
  village's rural population;
- ``language``: weight when the candidate speaks the village's minority language;
- ``unit``: weight when the candidate's unit is paired with the village (定点帮扶);
- ``remote``: weight when the village is at least ``match_remote_km`` from the county
  seat and the candidate is at most ``match_young_age`` years old in the round's year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.areas.codes import prefix_q
from fupin.areas.models import Area
from fupin.assistance.models import UnitVillage
from fupin.matching.models import Background, Candidate, VillageProfile
from fupin.policy import standards
from fupin.policy.engine import POOR_STATUSES
from fupin.registry.models import Member

# The weights a round carries, keyed as the policy parameters are.
WEIGHT_KEYS = (
    "match_weight_industry",
    "match_weight_weak_branch",
    "match_weight_incidence",
    "match_weight_language",
    "match_weight_unit",
    "match_weight_remote",
)
THRESHOLD_KEYS = ("match_remote_km", "match_young_age")
ROUND_KEYS = (*WEIGHT_KEYS, *THRESHOLD_KEYS)
# The range each key may take (as the policy parameters define them).
LIMITS = {
    **{k: (Decimal(0), Decimal(100)) for k in WEIGHT_KEYS},
    "match_remote_km": (Decimal(0), Decimal(1000)),
    "match_young_age": (Decimal(18), Decimal(70)),
}
CRITERIA = ("industry", "weak_branch", "incidence", "language", "unit", "remote")
CRITERION_LABELS = {
    "industry": gettext_lazy("专长对口产业"),
    "weak_branch": gettext_lazy("软弱涣散村配党务干部"),
    "incidence": gettext_lazy("高发生率村配农业经济干部"),
    "language": gettext_lazy("通晓民族语言"),
    "unit": gettext_lazy("派出单位定点帮扶"),
    "remote": gettext_lazy("偏远村配年轻干部"),
}
# Backgrounds that count for the incidence criterion.
INCIDENCE_BACKGROUNDS = (Background.AGRICULTURE, Background.ECONOMY)
WEAK_OPEN = ("flagged", "rectifying")


def tags(text: str) -> tuple[str, ...]:
    """Comma-separated tags (Chinese or ASCII commas, 、 too), stripped, unique, in order."""
    for sep in ("，", "、", ";", "；"):
        text = text.replace(sep, ",")
    return tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))


def round_weights(area_code: str, year: int, given: dict[str, Any] | None) -> dict[str, str]:
    """The round's weights: the standard in force for its area and year, overridden by
    the keys given. Values are kept as strings (Decimal text) in the round's JSON."""
    params = standards.effective(area_code, standards.in_force(year))
    out = {k: str(params[k]) for k in ROUND_KEYS}
    for key, value in (given or {}).items():
        out[key] = str(value)
    return out


def _common_prefix(codes: Sequence[str]) -> str:
    """The longest prefix shared by all codes (narrows the registry query)."""
    first, last = min(codes), max(codes)
    k = 0
    while k < min(len(first), len(last)) and first[k] == last[k]:
        k += 1
    return first[:k]


def _cents(value: Any) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value(ROUND_HALF_UP))


def points(cents: int | np.integer[Any]) -> Decimal:
    """Integer hundredths as a Decimal with two places."""
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


@dataclass(frozen=True)
class VillageFacts:
    code: str
    name: str
    industries: tuple[str, ...]
    language: str
    distance_km: int
    weak: bool
    poor_people: int
    population: int | None
    incidence: float | None  # None when the population is unknown
    units: frozenset[int]


@dataclass(frozen=True)
class CandidateFacts:
    id: int
    cadre_id: int
    name: str
    unit_id: int
    unit_name: str
    skills: tuple[str, ...]
    background: str
    languages: tuple[str, ...]
    age: int


@dataclass
class Scores:
    """The villages × candidates grid: each criterion's points (int hundredths) and the
    total, with the facts behind them to explain any pair."""

    villages: list[VillageFacts]
    candidates: list[CandidateFacts]
    weights: dict[str, str]
    listed_rate: Decimal
    parts: dict[str, np.ndarray[Any, Any]] = field(default_factory=dict)
    total: np.ndarray[Any, Any] = field(default_factory=lambda: np.zeros((0, 0), np.int64))

    @property
    def village_index(self) -> dict[str, int]:
        return {v.code: i for i, v in enumerate(self.villages)}

    @property
    def candidate_index(self) -> dict[int, int]:
        return {c.id: j for j, c in enumerate(self.candidates)}

    def score(self, i: int, j: int) -> Decimal:
        return points(self.total[i, j])

    def reasons(self, i: int, j: int) -> list[dict[str, str]]:
        """Why the pair scores what it does: one entry per criterion that scored."""
        v, c = self.villages[i], self.candidates[j]
        out: list[dict[str, str]] = []
        for key in CRITERIA:
            cents = int(self.parts[key][i, j])
            if cents:
                out.append(
                    {"criterion": key, "points": str(points(cents)), "text": _text(key, v, c, self)}
                )
        return out


def _text(key: str, v: VillageFacts, c: CandidateFacts, s: Scores) -> str:
    if key == "industry":
        covered = [t for t in v.industries if t in set(c.skills)]
        return _("专长“%(tags)s”对口本村主导产业（%(n)s/%(of)s 项）") % {
            "tags": "、".join(covered),
            "n": len(covered),
            "of": len(v.industries),
        }
    if key == "weak_branch":
        return _("本村党组织列为软弱涣散，人选有党务工作背景")
    if key == "incidence":
        return _("本村贫困发生率 %(rate)s（重点标准 %(listed)s），人选有%(bg)s背景") % {
            "rate": _percent(v.incidence or 0.0),
            "listed": _percent(float(s.listed_rate)),
            "bg": Background(c.background).label,
        }
    if key == "language":
        return _("通晓本村群众使用的%(lang)s") % {"lang": v.language}
    if key == "unit":
        return _("派出单位“%(unit)s”定点帮扶本村") % {"unit": c.unit_name}
    return _("本村距县城 %(km)s 公里，人选 %(age)s 岁，年轻干部到偏远村") % {
        "km": v.distance_km,
        "age": c.age,
    }


# --- facts ------------------------------------------------------------------------------------


def village_facts(codes: Sequence[str], day: dt.date) -> list[VillageFacts]:
    """The facts of the villages, in the order given (unknown codes are dropped)."""
    from fupin.leadership.models import WeakCase

    codes = list(dict.fromkeys(codes))
    if not codes:
        return []
    areas = {
        a["code"]: a
        for a in Area.objects.filter(code__in=codes).values("code", "name", "rural_population")
    }
    profiles = {p.area_code: p for p in VillageProfile.objects.filter(area_code__in=codes)}
    weak = set(
        WeakCase.objects.exclude(status="closed")
        .filter(organisation__base="village", organisation__area_code__in=codes)
        .values_list("organisation__area_code", flat=True)
    )
    common = _common_prefix(codes)
    poor = {
        row["village"]: row["n"]
        for row in Member.objects.filter(
            prefix_q("household__area_code", [common]),
            is_active=True,
            household__is_active=True,
            household__status__in=POOR_STATUSES,
        )
        .annotate(village=Substr("household__area_code", 1, 12))
        .values("village")
        .annotate(n=Count("id"))
    }
    units: dict[str, set[int]] = {}
    for code, unit_id in UnitVillage.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        area_code__in=codes,
        starts_on__lte=day,
        unit__is_active=True,
    ).values_list("area_code", "unit_id"):
        units.setdefault(code, set()).add(unit_id)
    out = []
    for code in codes:
        area = areas.get(code)
        if area is None:
            continue
        profile = profiles.get(code)
        population = area["rural_population"]
        people = poor.get(code, 0)
        out.append(
            VillageFacts(
                code=code,
                name=area["name"],
                industries=tags(profile.industries) if profile else (),
                language=(profile.ethnic_language.strip() if profile else ""),
                distance_km=profile.distance_km if profile else 0,
                weak=code in weak,
                poor_people=people,
                population=population,
                incidence=(people / population) if population else None,
                units=frozenset(units.get(code, ())),
            )
        )
    return out


def candidate_facts(ids: Iterable[int], year: int) -> list[CandidateFacts]:
    """The facts of the candidates, ordered by id."""
    rows = Candidate.objects.filter(pk__in=list(ids)).select_related("cadre__unit").order_by("pk")
    return [
        CandidateFacts(
            id=c.pk,
            cadre_id=c.cadre_id,
            name=c.cadre.name,
            unit_id=c.cadre.unit_id,
            unit_name=c.cadre.unit.name,
            skills=tags(c.skills),
            background=c.background,
            languages=tags(c.languages),
            age=year - c.birth_year,
        )
        for c in rows
    ]


# --- the grid ---------------------------------------------------------------------------------


def score(
    villages: list[VillageFacts],
    candidates: list[CandidateFacts],
    weights: dict[str, Any],
    listed_rate: Decimal,
) -> Scores:
    """Every criterion for every pair, as arrays (villages along rows)."""
    n, m = len(villages), len(candidates)
    w = {k: _cents(weights[k]) for k in WEIGHT_KEYS}
    remote_km = int(Decimal(str(weights["match_remote_km"])))
    young_age = int(Decimal(str(weights["match_young_age"])))
    parts: dict[str, np.ndarray[Any, Any]] = {}

    # industry: shared tags over the village's tag count
    vocab = {t: k for k, t in enumerate(sorted({t for v in villages for t in v.industries}))}
    vmat = np.zeros((n, len(vocab)), np.int64)
    for i, v in enumerate(villages):
        for t in v.industries:
            vmat[i, vocab[t]] = 1
    cmat = np.zeros((m, len(vocab)), np.int64)
    for j, c in enumerate(candidates):
        for t in c.skills:
            if t in vocab:
                cmat[j, vocab[t]] = 1
    shared = vmat @ cmat.T
    count = np.maximum(vmat.sum(axis=1), 1)[:, None]
    parts["industry"] = _share(w["match_weight_industry"], shared, count)

    # weak branch × party background
    weak = np.array([v.weak for v in villages], bool)
    party = np.array([c.background == Background.PARTY for c in candidates], bool)
    parts["weak_branch"] = np.outer(weak, party).astype(np.int64) * w["match_weight_weak_branch"]

    # incidence × agriculture/economy background
    listed = float(listed_rate) or 1.0
    factor = np.array([min(1.0, (v.incidence or 0.0) / listed) for v in villages], float)
    village_pts = np.floor(w["match_weight_incidence"] * factor + 0.5).astype(np.int64)
    agri = np.array([c.background in INCIDENCE_BACKGROUNDS for c in candidates], np.int64)
    parts["incidence"] = np.outer(village_pts, agri)

    # language
    langs = {t: k for k, t in enumerate(sorted({v.language for v in villages if v.language}))}
    vl = np.zeros((n, len(langs)), np.int64)
    for i, v in enumerate(villages):
        if v.language:
            vl[i, langs[v.language]] = 1
    cl = np.zeros((m, len(langs)), np.int64)
    for j, c in enumerate(candidates):
        for t in c.languages:
            if t in langs:
                cl[j, langs[t]] = 1
    parts["language"] = np.minimum(vl @ cl.T, 1) * w["match_weight_language"]

    # the candidate's unit is paired with the village
    unit_ids = {u: k for k, u in enumerate(sorted({c.unit_id for c in candidates}))}
    vu = np.zeros((n, len(unit_ids)), np.int64)
    for i, v in enumerate(villages):
        for u in v.units:
            if u in unit_ids:
                vu[i, unit_ids[u]] = 1
    cu = np.zeros((m, len(unit_ids)), np.int64)
    for j, c in enumerate(candidates):
        cu[j, unit_ids[c.unit_id]] = 1
    parts["unit"] = np.minimum(vu @ cu.T, 1) * w["match_weight_unit"]

    # remote village × young candidate
    remote = np.array([v.distance_km >= remote_km for v in villages], bool)
    young = np.array([c.age <= young_age for c in candidates], bool)
    parts["remote"] = np.outer(remote, young).astype(np.int64) * w["match_weight_remote"]

    total = np.zeros((n, m), np.int64)
    for key in CRITERIA:
        parts[key] = parts[key].reshape(n, m)
        total += parts[key]
    return Scores(
        villages=villages,
        candidates=candidates,
        weights={k: str(v) for k, v in weights.items()},
        listed_rate=listed_rate,
        parts=parts,
        total=total,
    )


def _share(
    weight: int, shared: np.ndarray[Any, Any], count: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """round(weight × shared / count) in integers, half up, without float error."""
    out: np.ndarray[Any, Any] = ((2 * weight * shared + count) // (2 * count)).astype(np.int64)
    return out


def score_round(
    *,
    area_code: str,
    starts_on: dt.date,
    village_codes: Sequence[str],
    candidate_ids: Iterable[int],
    weights: dict[str, Any],
) -> Scores:
    """Read the facts and score the grid of a round (or of any villages and candidates)."""
    params = standards.effective(area_code, standards.in_force(starts_on.year))
    merged = {k: weights.get(k, params[k]) for k in ROUND_KEYS}
    return score(
        village_facts(village_codes, starts_on),
        candidate_facts(candidate_ids, starts_on.year),
        merged,
        Decimal(str(params["listed_incidence_rate"])),
    )
