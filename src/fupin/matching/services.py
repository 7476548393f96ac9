"""Every write of matching: village and candidate profiles, matching rounds with their
pair rules, solving, the officer's overrides and acceptance, and the postings that follow
with their yearly appraisal, recall and end.

Who may do what (the county's organisation department decides the matching):

- county admin: candidate profiles, rounds, pair rules, solving, overrides, acceptance,
  recall and ending a posting; village profiles too;
- township officer: the profiles of their villages, the yearly appraisal of the first
  secretaries in their villages (the township Party committee appraises, the county
  confirms by reading); rounds and postings of their township are readable;
- auditors read; village secretaries and cadres have no matching pages.

Each service checks the actor's role over the area concerned, runs in one transaction
and writes an audit row in it. ``actor=None`` is the system (the demo, the CLI)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.guard import require as _require
from fupin.accounts.guard import user_of as _user
from fupin.accounts.models import Role
from fupin.accounts.scope import holds_role, scope_for
from fupin.areas.codes import level_of, prefix_of, prefix_q
from fupin.areas.models import Area, PovertyStatus
from fupin.assistance.models import Cadre, TeamMember, WorkTeam
from fupin.audit.services import AppAudit
from fupin.core import clock
from fupin.core.clean import text as _text
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.matching import scoring, solver
from fupin.matching.models import (
    Appraisal,
    Background,
    Candidate,
    MatchRound,
    PairRule,
    Posting,
    Proposal,
    VillageProfile,
)
from fupin.policy import standards

COUNTY = (Role.COUNTY_ADMIN,)
TOWNSHIP = (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN)
OPEN_STATUSES = (MatchRound.Status.DRAFT, MatchRound.Status.SOLVED)


# --- helpers -------------------------------------------------------------------------------


def _require_round(actor: Any, r: MatchRound) -> None:
    """Managing a round is the county's; one who sees it (a township officer sees the
    county's rounds for their villages) is refused, anyone else finds nothing."""
    if actor is None:
        return
    scope = scope_for(actor)
    if not (scope.covers(r.area_code) or any(scope.covers(c) for c in r.villages)):
        raise NotFound()
    if not holds_role(actor, COUNTY, r.area_code):
        raise AccessDenied()


_audit = AppAudit("matching")


def _tags(value: Any, field: str, limit: int) -> str:
    text = ",".join(scoring.tags(str(value or "")))
    if len(text) > limit:
        raise InvalidInput(fields={field: [_("最多 %(n)s 字") % {"n": limit}]})
    return text


def _day(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(fields={field: [_("日期格式应为 YYYY-MM-DD")]}) from None


def _int(value: Any, field: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(fields={field: [_("须为整数")]}) from None
    if not low <= number <= high:
        raise InvalidInput(
            fields={field: [_("须在 %(low)s 到 %(high)s 之间") % {"low": low, "high": high}]}
        )
    return number


def _check_version(obj: Any, version: int | None) -> None:
    if version is not None and int(version) != obj.version:
        raise Conflict(_("该记录已被他人修改，请刷新后重试。"))


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _round(round_id: int, *, lock: bool = True) -> MatchRound:
    qs = MatchRound.objects.select_for_update() if lock else MatchRound.objects
    found = qs.filter(pk=round_id).first()
    if found is None:
        raise NotFound()
    return found


def _village(code: str) -> Area:
    area = Area.objects.filter(code=code, level=Area.Level.VILLAGE).first()
    if area is None:
        raise NotFound()
    return area


def busy_elsewhere(candidate_ids: Iterable[int], village_codes: Sequence[str]) -> set[int]:
    """The candidates whose cadre holds an active posting outside these villages: they
    are not offered (one who already serves a village of the round may move)."""
    return set(
        Candidate.objects.filter(
            pk__in=list(candidate_ids),
            cadre__postings__status=Posting.Status.ACTIVE,
        )
        .exclude(cadre__postings__area_code__in=list(village_codes))
        .values_list("pk", flat=True)
    )


def offered(r: MatchRound) -> list[int]:
    """The round's candidates who may be chosen: available, still in post, and not serving
    a village outside the round."""
    ids = list(
        r.candidates.filter(is_available=True, cadre__left_on__isnull=True).values_list(
            "pk", flat=True
        )
    )
    busy = busy_elsewhere(ids, r.villages)
    return sorted(i for i in ids if i not in busy)


# --- profiles -----------------------------------------------------------------------------


@transaction.atomic
def village_profile_save(
    *,
    actor: Any,
    area_code: str,
    industries: Any = "",
    ethnic_language: str = "",
    minority_share: Any = 0,
    distance_km: Any = 0,
    version: int | None = None,
    channel: str = "web",
) -> VillageProfile:
    """What a village needs for matching (the township or the county)."""
    _village(area_code)
    _require(actor, TOWNSHIP, area_code)
    profile = VillageProfile.objects.select_for_update().filter(area_code=area_code).first()
    if profile is None:
        profile = VillageProfile(area_code=area_code, version=0)
    else:
        _check_version(profile, version)
    profile.industries = _tags(industries, "industries", 200)
    profile.ethnic_language = _text(ethnic_language, "ethnic_language", 32, required=False)
    profile.minority_share = _int(minority_share or 0, "minority_share", 0, 100)
    profile.distance_km = _int(distance_km or 0, "distance_km", 0, 2000)
    profile.version += 1
    profile.save()
    _audit(actor, "village_profile_save", "village_profile", [profile.pk], area_code, channel)
    return profile


@transaction.atomic
def candidate_save(
    *,
    actor: Any,
    cadre_id: int,
    background: str,
    birth_year: Any,
    skills: Any = "",
    languages: Any = "",
    is_available: bool = True,
    note: str = "",
    version: int | None = None,
    channel: str = "web",
) -> Candidate:
    """Put a cadre forward as a first-secretary candidate, or change their profile (the
    county's organisation department)."""
    cadre = Cadre.objects.filter(pk=cadre_id).first()
    if cadre is None:
        raise NotFound()
    _require(actor, COUNTY, cadre.area_code)
    if background not in Background.values:
        raise InvalidInput(fields={"background": [_("工作背景无效")]})
    year = clock.today().year
    born = _int(birth_year, "birth_year", year - 70, year - 18)
    candidate = Candidate.objects.select_for_update().filter(cadre=cadre).first()
    if candidate is None:
        if cadre.left_on is not None:
            raise InvalidInput(fields={"cadre": [_("该干部已调离")]})
        candidate = Candidate(cadre=cadre, version=0)
    else:
        _check_version(candidate, version)
    candidate.area_code = cadre.area_code
    candidate.skills = _tags(skills or cadre.skills, "skills", 200)
    candidate.background = background
    candidate.languages = _tags(languages, "languages", 100)
    candidate.birth_year = born
    candidate.is_available = bool(is_available)
    candidate.note = _text(note, "note", 200, required=False)
    candidate.version += 1
    candidate.save()
    _audit(actor, "candidate_save", "candidate", [candidate.pk], cadre.area_code, channel)
    return candidate


# --- rounds -------------------------------------------------------------------------------


def _weights(area_code: str, year: int, given: dict[str, Any] | None) -> dict[str, str]:
    clean: dict[str, str] = {}
    for key, value in (given or {}).items():
        if key not in scoring.ROUND_KEYS:
            raise InvalidInput(fields={"weights": [_("未知的权重：%(key)s") % {"key": key}]})
        if value in (None, ""):
            continue
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise InvalidInput(fields={key: [_("须为数字")]}) from None
        low, high = scoring.LIMITS[key]
        if not low <= number <= high:
            raise InvalidInput(
                fields={key: [_("须在 %(low)s 到 %(high)s 之间") % {"low": low, "high": high}]}
            )
        clean[key] = str(number)
    return scoring.round_weights(area_code, year, clean)


def default_villages(area_code: str) -> list[str]:
    """The registered poor villages of the area without a first secretary in post."""
    taken = Posting.objects.filter(status=Posting.Status.ACTIVE).values("area_code")
    return list(
        Area.objects.filter(
            prefix_q("code", [prefix_of(area_code)]),
            level=Area.Level.VILLAGE,
            poverty_status=PovertyStatus.POOR,
        )
        .exclude(code__in=taken)
        .order_by("code")
        .values_list("code", flat=True)
    )


@transaction.atomic
def round_create(
    *,
    actor: Any,
    area_code: str,
    title: str,
    starts_on: Any,
    village_codes: Sequence[str] | None = None,
    candidate_ids: Sequence[int] | None = None,
    weights: dict[str, Any] | None = None,
    channel: str = "web",
) -> MatchRound:
    """A matching round over villages of the area (by default its registered poor
    villages without a first secretary in post) and candidates (by default every
    available candidate of the area), with the standard's weights unless given."""
    level_of(area_code)
    if not Area.objects.filter(code=area_code).exists():
        raise NotFound()
    _require(actor, COUNTY, area_code)
    start = _day(starts_on, "starts_on")
    prefix = prefix_of(area_code)
    if village_codes is None:
        codes = default_villages(area_code)
    else:
        codes = list(dict.fromkeys(str(c).strip() for c in village_codes if str(c).strip()))
        found = set(
            Area.objects.filter(
                prefix_q("code", [prefix]), code__in=codes, level=Area.Level.VILLAGE
            ).values_list("code", flat=True)
        )
        missing = [c for c in codes if c not in found]
        if missing:
            raise InvalidInput(
                fields={
                    "villages": [_("不是本区划的村：%(codes)s") % {"codes": "、".join(missing)}]
                }
            )
    if not codes:
        raise InvalidInput(fields={"villages": [_("没有待选派的村")]})
    pool = Candidate.objects.filter(prefix_q("area_code", [prefix]))
    if candidate_ids is None:
        ids = list(
            pool.filter(is_available=True, cadre__left_on__isnull=True).values_list("pk", flat=True)
        )
        busy = busy_elsewhere(ids, codes)
        ids = [i for i in ids if i not in busy]
    else:
        ids = sorted(set(int(i) for i in candidate_ids))
        if pool.filter(pk__in=ids).count() != len(ids):
            raise InvalidInput(fields={"candidates": [_("有人选不存在或不属本区划")]})
    if not ids:
        raise InvalidInput(fields={"candidates": [_("没有可选派的人选")]})
    r = MatchRound.objects.create(
        area_code=area_code,
        title=_text(title, "title", 100),
        starts_on=start,
        weights=_weights(area_code, start.year, weights),
        villages=sorted(codes),
        created_by=_user(actor),
    )
    r.candidates.set(ids)
    _audit(actor, "round_create", "match_round", [r.pk], area_code, channel)
    return r


@transaction.atomic
def round_weights_save(
    *,
    actor: Any,
    round_id: int,
    weights: dict[str, Any],
    version: int | None = None,
    channel: str = "web",
) -> MatchRound:
    """Adjust a round's weights before acceptance; it must be solved again."""
    r = _round(round_id)
    _require_round(actor, r)
    _open(r)
    _check_version(r, version)
    r.weights = _weights(r.area_code, r.starts_on.year, {**r.weights, **weights})
    _reopen(r)
    _audit(actor, "round_weights_save", "match_round", [r.pk], r.area_code, channel)
    return r


def _open(r: MatchRound) -> None:
    if r.status not in OPEN_STATUSES:
        raise Conflict(_("本轮匹配已确认，不能再修改。"))


def _reopen(r: MatchRound) -> None:
    """A change of rules or weights makes the last solution stale: back to draft."""
    r.status = MatchRound.Status.DRAFT
    r.version += 1
    r.save()


@transaction.atomic
def pair_rule_add(
    *,
    actor: Any,
    round_id: int,
    kind: str,
    area_code: str,
    candidate_id: int,
    reason: str,
    channel: str = "web",
) -> PairRule:
    """Exclude a pair, or fix it (this candidate goes to this village)."""
    r = _round(round_id)
    _require_round(actor, r)
    _open(r)
    if kind not in PairRule.Kind.values:
        raise InvalidInput(fields={"kind": [_("类型无效")]})
    if area_code not in r.villages:
        raise InvalidInput(fields={"area_code": [_("该村不在本轮")]})
    candidate = r.candidates.filter(pk=candidate_id).select_related("cadre").first()
    if candidate is None:
        raise InvalidInput(fields={"candidate": [_("该人选不在本轮")]})
    text = _text(reason, "reason", 200)
    existing = list(r.rules.select_related("candidate__cadre"))
    names = dict(Area.objects.filter(code__in=r.villages).values_list("code", "name"))
    rules = [*existing, PairRule(kind=kind, area_code=area_code, candidate=candidate)]
    _validate_rules(rules, names)
    rule = PairRule.objects.filter(round=r, area_code=area_code, candidate=candidate).first()
    if rule is not None:
        raise Conflict(_("该村与该人选已有约束，请先删除。"))
    rule = PairRule.objects.create(
        round=r, kind=kind, area_code=area_code, candidate=candidate, reason=text
    )
    _reopen(r)
    _audit(actor, "pair_rule_add", "pair_rule", [rule.pk], r.area_code, channel)
    return rule


def _validate_rules(rules: Sequence[PairRule], names: dict[str, str]) -> None:
    villages = sorted({x.area_code for x in rules})
    people = sorted({x.candidate_id for x in rules})
    vi, ci = {c: k for k, c in enumerate(villages)}, {c: k for k, c in enumerate(people)}
    labels = {x.candidate_id: x.candidate.cadre.name for x in rules}
    solver.validate(
        excluded={(vi[x.area_code], ci[x.candidate_id]) for x in rules if x.kind == "exclude"},
        fixed={(vi[x.area_code], ci[x.candidate_id]) for x in rules if x.kind == "fix"},
        village_labels=[names.get(c, c) for c in villages],
        candidate_labels=[labels[c] for c in people],
    )


@transaction.atomic
def pair_rule_remove(*, actor: Any, rule_id: int, channel: str = "web") -> None:
    rule = PairRule.objects.select_related("round").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound()
    r = _round(rule.round_id)
    _require_round(actor, r)
    _open(r)
    rule.delete()
    _reopen(r)
    _audit(actor, "pair_rule_remove", "pair_rule", [rule_id], r.area_code, channel)


def round_scores(r: MatchRound, candidate_ids: Iterable[int] | None = None) -> scoring.Scores:
    """The score grid of a round over its villages and (offered) candidates."""
    return scoring.score_round(
        area_code=r.area_code,
        starts_on=r.starts_on,
        village_codes=r.villages,
        candidate_ids=offered(r) if candidate_ids is None else candidate_ids,
        weights=r.weights,
    )


@transaction.atomic
def round_solve(
    *, actor: Any, round_id: int, version: int | None = None, channel: str = "web"
) -> MatchRound:
    """Score every pair and write the optimal assignment as the round's proposals, with
    the reasons of each. Solving again replaces the proposals, overrides included."""
    r = _round(round_id)
    _require_round(actor, r)
    _open(r)
    _check_version(r, version)
    grid = round_scores(r)
    vi, ci = grid.village_index, grid.candidate_index
    rules = list(r.rules.select_related("candidate__cadre"))
    names = {v.code: v.name for v in grid.villages}
    for rule in rules:
        if rule.kind == PairRule.Kind.FIX and rule.candidate_id not in ci:
            raise InvalidInput(
                _("指定人选 %(person)s 现不可选派（已在其他村任职、已调离或标为不可选派）。")
                % {"person": rule.candidate.cadre.name},
                fields={"rules": [_("指定人选不可选派")]},
            )
    pairs = [(vi[x.area_code], ci[x.candidate_id], x.kind) for x in rules if x.candidate_id in ci]
    result = solver.solve(
        grid.total,
        excluded={(i, j) for i, j, kind in pairs if kind == PairRule.Kind.EXCLUDE},
        fixed={(i, j) for i, j, kind in pairs if kind == PairRule.Kind.FIX},
        village_labels=[names[v.code] for v in grid.villages],
        candidate_labels=[c.name for c in grid.candidates],
    )
    r.proposals.all().delete()
    rows = []
    for i, village in enumerate(grid.villages):
        j = result.chosen[i]
        person = grid.candidates[j] if j is not None else None
        score = grid.score(i, j) if j is not None else Decimal("0.00")
        rows.append(
            Proposal(
                round=r,
                area_code=village.code,
                candidate_id=person.id if person else None,
                score=score,
                reasons=grid.reasons(i, j) if j is not None else [],
                source=Proposal.Source.FIXED
                if j is not None and (i, j) in result.fixed
                else Proposal.Source.SOLVER,
                solver_candidate_id=person.id if person else None,
                solver_score=score,
            )
        )
    Proposal.objects.bulk_create(rows)
    r.total_score = scoring.points(result.total)
    r.status = MatchRound.Status.SOLVED
    r.solved_at = timezone.now()
    r.version += 1
    r.save()
    _audit(actor, "round_solve", "match_round", [r.pk], r.area_code, channel)
    return r


@transaction.atomic
def proposal_override(
    *,
    actor: Any,
    round_id: int,
    area_code: str,
    candidate_id: int | None,
    reason: str,
    channel: str = "web",
) -> Proposal:
    """The officer puts another candidate (or nobody) in a village, with the reason; the
    solver's choice stays beside it. A candidate goes to one village of a round only."""
    r = _round(round_id)
    _require_round(actor, r)
    if r.status != MatchRound.Status.SOLVED:
        raise Conflict(_("请先求解，再调整；已确认的匹配不能调整。"))
    proposal = r.proposals.select_for_update().filter(area_code=area_code).first()
    if proposal is None:
        raise NotFound()
    text = _text(reason, "reason", 200)
    if candidate_id is None:
        proposal.candidate = None
        proposal.score = Decimal("0.00")
        proposal.reasons = []
    else:
        if candidate_id not in offered(r):
            raise InvalidInput(fields={"candidate": [_("该人选不在本轮或现不可选派")]})
        other = r.proposals.filter(candidate_id=candidate_id).exclude(pk=proposal.pk).first()
        if other is not None:
            name = Area.objects.filter(code=other.area_code).values_list("name", flat=True).first()
            raise InvalidInput(
                fields={
                    "candidate": [
                        _("该人选已安排到%(village)s，请先调整该村")
                        % {"village": name or other.area_code}
                    ]
                }
            )
        if r.rules.filter(
            kind=PairRule.Kind.EXCLUDE, area_code=area_code, candidate_id=candidate_id
        ).exists():
            raise InvalidInput(fields={"candidate": [_("该人选与本村已被排除")]})
        grid = round_scores(r, [candidate_id])
        i = grid.village_index[area_code]
        proposal.candidate_id = candidate_id
        proposal.score = grid.score(i, 0)
        proposal.reasons = grid.reasons(i, 0)
    proposal.source = Proposal.Source.OVERRIDE
    proposal.override_reason = text
    proposal.overridden_by = _user(actor)
    proposal.save()
    total = sum((p.score for p in r.proposals.all()), Decimal("0.00"))
    MatchRound.objects.filter(pk=r.pk).update(total_score=total, version=F("version") + 1)
    _audit(actor, "proposal_override", "proposal", [proposal.pk], area_code, channel)
    return proposal


@transaction.atomic
def round_accept(
    *, actor: Any, round_id: int, version: int | None = None, channel: str = "web"
) -> MatchRound:
    """Confirm the round: each village's candidate is posted there from the round's start
    for the standard's term (驻村任期). A village's previous first secretary leaves (their
    posting ends); where the village has an active work team, the new first secretary
    joins it as its leader and the outgoing leader leaves the team (a candidate who was
    a member of another team leaves that one)."""
    r = _round(round_id)
    _require_round(actor, r)
    if r.status != MatchRound.Status.SOLVED:
        raise Conflict(_("只有已求解的匹配才能确认。"))
    _check_version(r, version)
    chosen = [
        (p.area_code, p.candidate.cadre_id)
        for p in r.proposals.filter(candidate__isnull=False).select_related("candidate")
        if p.candidate is not None
    ]
    if not chosen:
        raise InvalidInput(_("没有可确认的人选。"))
    start = r.starts_on
    years = int(standards.effective(r.area_code, standards.in_force(start.year))["team_term_years"])
    villages = [code for code, _cadre in chosen]
    cadres = [cadre for _code, cadre in chosen]
    outgoing = Posting.objects.filter(status=Posting.Status.ACTIVE).filter(
        Q(area_code__in=villages) | Q(cadre_id__in=cadres)
    )
    outgoing_cadres = set(outgoing.values_list("cadre_id", flat=True))
    outgoing.update(status=Posting.Status.ENDED, left_on=start, version=F("version") + 1)
    postings = Posting.objects.bulk_create(
        Posting(
            cadre_id=cadre,
            area_code=code,
            round=r,
            starts_on=start,
            ends_on=_plus_years(start, years),
        )
        for code, cadre in chosen
    )
    _teams_follow(chosen, outgoing_cadres - set(cadres), start)
    r.status = MatchRound.Status.ACCEPTED
    r.accepted_by = _user(actor)
    r.accepted_at = timezone.now()
    r.version += 1
    r.save()
    _audit(actor, "round_accept", "match_round", [r.pk], r.area_code, channel)
    _audit(actor, "posting_create", "posting", [p.pk for p in postings], r.area_code, channel)
    return r


def _teams_follow(chosen: Sequence[tuple[str, int]], leaving: set[int], start: dt.date) -> None:
    """Work teams follow the postings (set-based: a few queries for the whole round)."""
    teams = dict(
        WorkTeam.objects.filter(
            is_active=True, area_code__in=[code for code, _cadre in chosen]
        ).values_list("area_code", "pk")
    )
    cadres = [cadre for code, cadre in chosen if code in teams]
    if not teams:
        return
    team_ids = list(teams.values())
    # the outgoing first secretaries (whose posting just ended) leave their team
    TeamMember.objects.filter(cadre_id__in=leaving, ends_on__isnull=True).update(ends_on=start)
    # other leaders of these teams stay as members
    TeamMember.objects.filter(team_id__in=team_ids, is_leader=True, ends_on__isnull=True).exclude(
        cadre_id__in=cadres
    ).update(is_leader=False)
    already = dict(
        TeamMember.objects.filter(cadre_id__in=cadres, ends_on__isnull=True).values_list(
            "cadre_id", "team_id"
        )
    )
    wanted = {cadre: teams[code] for code, cadre in chosen if code in teams}
    # a member of another team leaves it to lead their new village's
    moving = [c for c, t in already.items() if wanted[c] != t]
    TeamMember.objects.filter(cadre_id__in=moving, ends_on__isnull=True).update(
        ends_on=start, is_leader=False
    )
    staying = [c for c, t in already.items() if wanted[c] == t]
    TeamMember.objects.filter(cadre_id__in=staying, ends_on__isnull=True).update(is_leader=True)
    TeamMember.objects.bulk_create(
        TeamMember(team_id=wanted[c], cadre_id=c, is_leader=True, starts_on=start)
        for c in wanted
        if c not in staying
    )


# --- postings ------------------------------------------------------------------------------


def _posting(posting_id: int) -> Posting:
    posting = Posting.objects.select_for_update().filter(pk=posting_id).first()
    if posting is None:
        raise NotFound()
    return posting


@transaction.atomic
def posting_appraise(
    *,
    actor: Any,
    posting_id: int,
    year: Any,
    grade: str,
    note: str = "",
    channel: str = "web",
) -> Appraisal:
    """The yearly appraisal (年度考核) of a first secretary, by the township or county;
    recording the same year again corrects it."""
    posting = _posting(posting_id)
    _require(actor, TOWNSHIP, posting.area_code)
    today = clock.today()
    number = _int(year, "year", posting.starts_on.year, today.year)
    if grade not in Appraisal.Grade.values:
        raise InvalidInput(fields={"grade": [_("等次无效")]})
    appraisal, _created = Appraisal.objects.update_or_create(
        posting=posting,
        year=number,
        defaults={
            "grade": grade,
            "note": _text(note, "note", 300, required=False),
            "recorded_by": _user(actor),
        },
    )
    _audit(actor, "posting_appraise", "appraisal", [appraisal.pk], posting.area_code, channel)
    return appraisal


def _leave_team(posting: Posting, day: dt.date, *, grounds: str = "") -> None:
    TeamMember.objects.filter(
        cadre_id=posting.cadre_id, team__area_code=posting.area_code, ends_on__isnull=True
    ).update(ends_on=day, recalled=bool(grounds), recall_grounds=grounds)


@transaction.atomic
def posting_recall(
    *, actor: Any, posting_id: int, grounds: str, version: int | None = None, channel: str = "web"
) -> Posting:
    """Recall (召回) an unfit first secretary, grounds on record; they leave the work team."""
    posting = _posting(posting_id)
    _require(actor, COUNTY, posting.area_code)
    if posting.status != Posting.Status.ACTIVE:
        raise Conflict(_("该选派已结束。"))
    _check_version(posting, version)
    posting.recall_grounds = _text(grounds, "grounds", 2000)
    posting.status = Posting.Status.RECALLED
    posting.left_on = clock.today()
    posting.version += 1
    posting.save()
    _leave_team(posting, posting.left_on, grounds=posting.recall_grounds)
    _audit(actor, "posting_recall", "posting", [posting.pk], posting.area_code, channel)
    return posting


@transaction.atomic
def posting_end(
    *,
    actor: Any,
    posting_id: int,
    left_on: Any = None,
    version: int | None = None,
    channel: str = "web",
) -> Posting:
    """End a posting (期满离任); the first secretary leaves the work team."""
    posting = _posting(posting_id)
    _require(actor, COUNTY, posting.area_code)
    if posting.status != Posting.Status.ACTIVE:
        raise Conflict(_("该选派已结束。"))
    _check_version(posting, version)
    day = _day(left_on, "left_on") if left_on else clock.today()
    if day < posting.starts_on:
        raise InvalidInput(fields={"left_on": [_("离任日期不能早于任职日期")]})
    posting.status = Posting.Status.ENDED
    posting.left_on = day
    posting.version += 1
    posting.save()
    _leave_team(posting, day)
    _audit(actor, "posting_end", "posting", [posting.pk], posting.area_code, channel)
    return posting


def may_manage(actor: Any, area_code: str) -> bool:
    """Whether the actor runs matching over the area (the county)."""
    return holds_role(actor, COUNTY, area_code)


def may_appraise(actor: Any, area_code: str) -> bool:
    return holds_role(actor, TOWNSHIP, area_code)


def require_reader(actor: Any) -> None:
    """Matching pages and lists are for the township, the county and auditors."""
    scope = scope_for(actor)
    if scope.is_empty:
        raise AccessDenied()
    readers = (Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN, Role.AUDITOR)
    if not any(role in readers for role, _code in scope.roles):
        raise AccessDenied()
