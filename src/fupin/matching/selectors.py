"""Reads of matching, always within the actor's areas: the rounds, one round's result
(villages × chosen candidate × score × reasons, with the top alternatives), the postings
with their term end, appraisals and recalls, and the profiles.

A round belongs to an area (usually the county); a township officer sees the rounds of
the county their township is in, but only the villages of their township in them. Every
list is a few queries whatever its length."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from fupin.accounts.scope import Scope
from fupin.areas.codes import PREFIX_LENGTH, prefix_q
from fupin.areas.models import Area
from fupin.assistance.models import Cadre
from fupin.core import clock
from fupin.core.errors import NotFound
from fupin.matching import services
from fupin.matching.models import (
    Appraisal,
    Candidate,
    MatchRound,
    PairRule,
    Posting,
    Proposal,
    VillageProfile,
)

ALTERNATIVES = 3


def _ancestors(scope: Scope) -> list[str]:
    """The codes of the areas containing the user's areas (a round there covers them)."""
    out: set[str] = set()
    for prefix in scope.prefixes:
        for length in PREFIX_LENGTH.values():
            if length < len(prefix) and length <= 12:
                out.add(prefix[:length].ljust(12, "0"))
    return sorted(out)


def rounds_visible(scope: Scope) -> QuerySet[MatchRound]:
    """Rounds in the user's areas, and rounds of an area containing theirs."""
    return MatchRound.objects.filter(
        prefix_q("area_code", scope.prefixes) | Q(area_code__in=_ancestors(scope))
    )


def rounds_list(*, scope: Scope) -> list[MatchRound]:
    """The rounds, newest first, with counts of candidates and villages filled."""
    filled = (
        Proposal.objects.filter(round=OuterRef("pk"), candidate__isnull=False)
        .values("round")
        .annotate(n=Count("pk"))
        .values("n")
    )
    people = (
        MatchRound.candidates.through.objects.filter(matchround_id=OuterRef("pk"))
        .values("matchround_id")
        .annotate(n=Count("pk"))
        .values("n")  # type: ignore[misc]
    )
    return list(
        rounds_visible(scope)
        .annotate(
            filled=Coalesce(Subquery(filled, output_field=IntegerField()), Value(0)),
            people=Coalesce(Subquery(people, output_field=IntegerField()), Value(0)),
        )
        .order_by("-starts_on", "-pk")[:200]
    )


def round_get(*, scope: Scope, round_id: int) -> MatchRound:
    found = rounds_visible(scope).filter(pk=round_id).first()
    if found is None:
        raise NotFound()
    return found


@dataclass
class Choice:
    candidate_id: int
    name: str
    unit: str
    score: Decimal
    reasons: list[dict[str, str]] = field(default_factory=list)


@dataclass
class RoundRow:
    area_code: str
    village_name: str
    proposal: Proposal | None
    chosen: Choice | None
    solver: Choice | None  # the solver's choice when overridden
    alternatives: list[Choice]
    current: str  # the first secretary in post now, if any
    rules: list[PairRule]


@dataclass
class RoundView:
    round: MatchRound
    rows: list[RoundRow]
    rules: list[PairRule]
    candidates: list[Choice]  # everyone offered, for the override and rule forms
    not_offered: list[str]
    empty: int
    overrides: int
    total: Decimal | None
    weights: list[tuple[str, str]]


def round_detail(*, scope: Scope, round_id: int, alternatives: bool = True) -> RoundView:
    """One round as the officer works on it: per village (of the user's areas) the
    chosen candidate, the score and why, and the best other candidates."""
    r = round_get(scope=scope, round_id=round_id)
    codes = [c for c in r.villages if scope.covers(c)]
    names = dict(Area.objects.filter(code__in=r.villages).values_list("code", "name"))
    proposals = {
        p.area_code: p
        for p in r.proposals.select_related(
            "candidate__cadre__unit", "solver_candidate__cadre__unit", "overridden_by"
        )
    }
    rules = list(r.rules.select_related("candidate__cadre").order_by("area_code", "pk"))
    current = dict(
        Posting.objects.filter(status=Posting.Status.ACTIVE, area_code__in=codes).values_list(
            "area_code", "cadre__name"
        )
    )
    offered = services.offered(r)
    grid = services.round_scores(r, offered)
    vi = grid.village_index
    everyone = [
        Choice(candidate_id=c.id, name=c.name, unit=c.unit_name, score=Decimal(0))
        for c in grid.candidates
    ]
    all_ids = set(r.candidates.values_list("pk", flat=True))
    not_offered = list(
        Candidate.objects.filter(pk__in=all_ids - set(offered))
        .order_by("cadre__name")
        .values_list("cadre__name", flat=True)
    )
    excluded = {(x.area_code, x.candidate_id) for x in rules if x.kind == PairRule.Kind.EXCLUDE}
    rows = []
    for code in codes:
        p = proposals.get(code)
        chosen = _choice(p.candidate, p.score, p.reasons) if p and p.candidate else None
        solver = None
        if p and p.source == Proposal.Source.OVERRIDE and p.solver_candidate:
            solver = _choice(p.solver_candidate, p.solver_score or Decimal(0), [])
        alts: list[Choice] = []
        if alternatives and code in vi:
            i = vi[code]
            order = sorted(range(len(grid.candidates)), key=lambda j: (-int(grid.total[i, j]), j))
            for j in order:
                c = grid.candidates[j]
                if p is not None and c.id == p.candidate_id:
                    continue
                if (code, c.id) in excluded:
                    continue
                alts.append(
                    Choice(
                        candidate_id=c.id,
                        name=c.name,
                        unit=c.unit_name,
                        score=grid.score(i, j),
                        reasons=grid.reasons(i, j),
                    )
                )
                if len(alts) == ALTERNATIVES:
                    break
        rows.append(
            RoundRow(
                area_code=code,
                village_name=names.get(code, code),
                proposal=p,
                chosen=chosen,
                solver=solver,
                alternatives=alts,
                current=current.get(code, ""),
                rules=[x for x in rules if x.area_code == code],
            )
        )
    labels = dict(_weight_labels())
    return RoundView(
        round=r,
        rows=rows,
        rules=[x for x in rules if scope.covers(x.area_code)],
        candidates=everyone,
        not_offered=not_offered,
        empty=sum(1 for row in rows if row.proposal is not None and row.chosen is None),
        overrides=sum(
            1 for row in rows if row.proposal and row.proposal.source == Proposal.Source.OVERRIDE
        ),
        total=r.total_score,
        weights=[(str(labels.get(k, k)), v) for k, v in r.weights.items()],
    )


def _weight_labels() -> list[tuple[str, Any]]:
    from fupin.policy.params import BY_KEY

    return [(k, BY_KEY[k].label) for k in BY_KEY if k.startswith("match_")]


def _choice(c: Candidate, score: Decimal, reasons: list[dict[str, str]]) -> Choice:
    return Choice(
        candidate_id=c.pk, name=c.cadre.name, unit=c.cadre.unit.name, score=score, reasons=reasons
    )


# --- postings -------------------------------------------------------------------------------


def postings_list(
    *, scope: Scope, status: str = "", area: str = "", limit: int = 500
) -> list[Posting]:
    """The postings with their cadre, unit, term end and appraisals, by village."""
    qs = Posting.objects.filter(prefix_q("area_code", scope.prefixes))
    if area:
        qs = qs.filter(prefix_q("area_code", [area]))
    if status:
        qs = qs.filter(status=status)
    rows = list(
        qs.select_related("cadre__unit")
        .prefetch_related(Prefetch("appraisals", queryset=Appraisal.objects.order_by("year")))
        .order_by("area_code", "-starts_on", "pk")[:limit]
    )
    names = dict(
        Area.objects.filter(code__in={p.area_code for p in rows}).values_list("code", "name")
    )
    today = clock.today()
    for p in rows:
        p.village_name = names.get(p.area_code, p.area_code)  # type: ignore[attr-defined]
        p.term_over = p.status == Posting.Status.ACTIVE and p.ends_on < today  # type: ignore[attr-defined]
    return rows


def appraisals_list(*, scope: Scope, year: int | None = None) -> QuerySet[Appraisal]:
    qs = Appraisal.objects.filter(prefix_q("posting__area_code", scope.prefixes))
    if year:
        qs = qs.filter(year=year)
    return qs.select_related("posting__cadre").order_by("-year", "posting__area_code")


def recalls_list(*, scope: Scope) -> QuerySet[Posting]:
    return (
        Posting.objects.filter(
            prefix_q("area_code", scope.prefixes), status=Posting.Status.RECALLED
        )
        .select_related("cadre")
        .order_by("-left_on", "pk")
    )


def posting_get(*, scope: Scope, posting_id: int) -> Posting:
    posting = Posting.objects.filter(prefix_q("area_code", scope.prefixes), pk=posting_id).first()
    if posting is None:
        raise NotFound()
    return posting


# --- profiles -------------------------------------------------------------------------------


def candidates_list(*, scope: Scope) -> list[Candidate]:
    return list(
        Candidate.objects.filter(prefix_q("area_code", scope.prefixes))
        .select_related("cadre__unit")
        .order_by("area_code", "cadre__name")[:1000]
    )


def cadres_without_candidacy(*, scope: Scope) -> list[Cadre]:
    return list(
        Cadre.objects.filter(
            prefix_q("area_code", scope.prefixes), left_on__isnull=True, candidacy__isnull=True
        )
        .select_related("unit")
        .order_by("area_code", "name")[:1000]
    )


@dataclass
class VillageRow:
    code: str
    name: str
    poverty_status: str
    profile: VillageProfile | None


def villages_list(*, scope: Scope, area: str = "") -> list[VillageRow]:
    """The villages with their matching profile (none where not yet recorded)."""
    qs = Area.objects.filter(prefix_q("code", scope.prefixes), level=Area.Level.VILLAGE)
    if area:
        qs = qs.filter(prefix_q("code", [area]))
    areas = list(qs.order_by("code").values("code", "name", "poverty_status")[:1000])
    profiles = {
        p.area_code: p
        for p in VillageProfile.objects.filter(area_code__in=[a["code"] for a in areas])
    }
    return [
        VillageRow(
            code=a["code"],
            name=a["name"],
            poverty_status=a["poverty_status"],
            profile=profiles.get(a["code"]),
        )
        for a in areas
    ]
