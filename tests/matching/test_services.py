"""Matching services: the scoring of each criterion on a hand-built fixture, solving,
overrides recorded and audited, acceptance creating postings and changing the work
team's leader, appraisal, recall, and who may do what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest

from fupin.assistance import services as assistance
from fupin.assistance.models import TeamMember
from fupin.audit.models import AuditEvent
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.matching import services
from fupin.matching.models import Appraisal, MatchRound, PairRule, Posting, Proposal
from tests.matching.conftest import COUNTY, START, V1, V2, V3, World, make_round

pytestmark = pytest.mark.django_db


def on(day: dt.date) -> Any:
    return mock.patch("django.utils.timezone.localdate", return_value=day)


def pair(world: World, r: MatchRound, code: str, name: str) -> tuple[Decimal, dict[str, str]]:
    grid = services.round_scores(r)
    i, j = grid.village_index[code], grid.candidate_index[world.candidates[name].pk]
    return grid.score(i, j), {x["criterion"]: x["points"] for x in grid.reasons(i, j)}


def test_each_criterion_scores_what_the_fixture_says(world: World) -> None:
    r = make_round(world)
    assert r.weights["match_weight_industry"] == "30"
    # 张农 × 东门村: 2 of 3 industries (20), incidence 4/1000 of the listed 10% (0.80),
    # 土家语 (15), his unit is paired with the village (10), 60 km and 36 years old (10)
    score, parts = pair(world, r, V1, "张农")
    assert parts == {"industry": "20.00", "incidence": "0.80", "language": "15.00", "unit": "10.00", "remote": "10.00"}  # fmt: skip
    assert score == Decimal("55.80")
    # 李党 × 东门村: the weak branch and a Party background
    assert pair(world, r, V1, "李党") == (Decimal("25.00"), {"weak_branch": "25.00"})
    # 王经 × 高坪村: incidence 2/200 = 1% (2.00) and 苗语 (15); 41 is not young
    assert pair(world, r, V3, "王经") == (Decimal("17.00"), {"incidence": "2.00", "language": "15.00"})  # fmt: skip
    assert pair(world, r, V2, "王经") == (Decimal("30.00"), {"industry": "30.00"})
    assert pair(world, r, V1, "赵教") == (Decimal("10.00"), {"industry": "10.00"})
    assert pair(world, r, V2, "张农") == (Decimal("0.00"), {})
    grid = services.round_scores(r)
    texts = grid.reasons(grid.village_index[V1], grid.candidate_index[world.candidates["张农"].pk])
    by = {x["criterion"]: x["text"] for x in texts}
    assert by["industry"] == "专长“茶叶、魔芋”对口本村主导产业（2/3 项）"
    assert by["language"] == "通晓本村群众使用的土家语"
    assert "县农业农村局" in by["unit"]
    assert "60 公里" in by["remote"] and "36 岁" in by["remote"]
    assert "0.4%" in by["incidence"]


def test_weights_of_the_round_change_the_points(world: World) -> None:
    r = make_round(world, weights={"match_weight_language": "40", "match_young_age": "30"})
    score, parts = pair(world, r, V1, "张农")
    assert score == Decimal("70.80")
    assert parts["language"] == "40.00" and "remote" not in parts
    with pytest.raises(InvalidInput):
        make_round(world, weights={"match_weight_unit": "500"})
    with pytest.raises(InvalidInput):
        make_round(world, weights={"nonsense": "1"})


def test_solve_writes_the_optimum_with_reasons(world: World, users: dict[str, Any]) -> None:
    r = make_round(world, actor=users["county_admin"])
    r = services.round_solve(actor=users["county_admin"], round_id=r.pk)
    assert r.status == MatchRound.Status.SOLVED
    assert r.total_score == Decimal("97.00")  # 李党→东门 25 + 王经→南门 30 + 张农→高坪 42
    chosen = {p.area_code: p.candidate.cadre.name for p in r.proposals.select_related("candidate__cadre")}  # fmt: skip
    assert chosen == {V1: "李党", V2: "王经", V3: "张农"}
    p = r.proposals.get(area_code=V3)
    assert p.score == Decimal("42.00") and p.solver_score == Decimal("42.00")
    assert [x["criterion"] for x in p.reasons] == ["industry", "incidence", "remote"]
    assert AuditEvent.objects.filter(action="matching.round_solve", object_ids=[r.pk]).exists()


def test_rules_are_honoured_and_conflicts_named(world: World, users: dict[str, Any]) -> None:
    admin = users["county_admin"]
    r = make_round(world, actor=admin)
    c = world.candidates
    services.pair_rule_add(actor=admin, round_id=r.pk, kind="exclude", area_code=V3, candidate_id=c["张农"].pk, reason="回避")  # fmt: skip
    services.pair_rule_add(actor=admin, round_id=r.pk, kind="fix", area_code=V2, candidate_id=c["赵教"].pk, reason="组织决定")  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        services.pair_rule_add(actor=admin, round_id=r.pk, kind="fix", area_code=V2, candidate_id=c["李党"].pk, reason="x")  # fmt: skip
    assert "南门村" in str(caught.value.message)
    with pytest.raises(InvalidInput):
        services.pair_rule_add(actor=admin, round_id=r.pk, kind="fix", area_code=V1, candidate_id=c["赵教"].pk, reason="x")  # fmt: skip
    r = services.round_solve(actor=admin, round_id=r.pk)
    chosen = dict(r.proposals.values_list("area_code", "candidate__cadre__name"))
    assert chosen[V2] == "赵教" and chosen[V3] != "张农"
    assert r.proposals.get(area_code=V2).source == Proposal.Source.FIXED
    # 张农→东门 55.80 + 赵教→南门 0 + 王经→高坪 17 = 72.80
    assert r.total_score == Decimal("72.80")
    rule = PairRule.objects.get(round=r, kind="fix")
    services.pair_rule_remove(actor=admin, rule_id=rule.pk)
    assert MatchRound.objects.get(pk=r.pk).status == MatchRound.Status.DRAFT


def test_more_villages_than_candidates_leaves_one_empty(world: World) -> None:
    r = make_round(world, candidate_ids=[world.candidates["张农"].pk, world.candidates["王经"].pk])
    r = services.round_solve(actor=None, round_id=r.pk)
    assert r.proposals.filter(candidate__isnull=True).count() == 1
    assert r.total_score == Decimal("85.80")  # 张农→东门 55.80 + 王经→南门 30
    assert r.proposals.get(area_code=V3).candidate_id is None


def test_override_is_recorded_beside_the_solver_and_audited(world: World, users: dict[str, Any]) -> None:  # fmt: skip
    admin = users["county_admin"]
    r = services.round_solve(actor=admin, round_id=make_round(world, actor=admin).pk)
    c = world.candidates
    with pytest.raises(InvalidInput):  # 张农 is already in 高坪村
        services.proposal_override(actor=admin, round_id=r.pk, area_code=V1, candidate_id=c["张农"].pk, reason="x")  # fmt: skip
    with pytest.raises(InvalidInput):  # a reason is required
        services.proposal_override(actor=admin, round_id=r.pk, area_code=V3, candidate_id=c["赵教"].pk, reason=" ")  # fmt: skip
    p = services.proposal_override(actor=admin, round_id=r.pk, area_code=V3, candidate_id=c["赵教"].pk, reason="本人熟悉高坪村")  # fmt: skip
    assert p.source == Proposal.Source.OVERRIDE and p.candidate_id == c["赵教"].pk
    assert p.solver_candidate_id == c["张农"].pk and p.solver_score == Decimal("42.00")
    assert p.score == Decimal("0.00") and p.override_reason == "本人熟悉高坪村"
    assert p.overridden_by == admin
    assert MatchRound.objects.get(pk=r.pk).total_score == Decimal("55.00")
    assert AuditEvent.objects.filter(action="matching.proposal_override", object_ids=[p.pk], actor=admin).exists()  # fmt: skip
    # nobody for a village, also with a reason
    p = services.proposal_override(actor=admin, round_id=r.pk, area_code=V2, candidate_id=None, reason="暂缓选派")  # fmt: skip
    assert p.candidate_id is None and p.solver_candidate_id == c["王经"].pk


def test_accept_creates_postings_and_changes_the_team_leader(world: World, users: dict[str, Any]) -> None:  # fmt: skip
    admin = users["county_admin"]
    old = assistance.cadre_save(actor=None, unit_id=world.unit.pk, name="老书记", area_code=V1)
    m1 = assistance.cadre_save(actor=None, unit_id=world.unit.pk, name="队员甲", area_code=V1)
    m2 = assistance.cadre_save(actor=None, unit_id=world.unit.pk, name="队员乙", area_code=V1)
    assistance.team_create(actor=None, area_code=V1, leader_id=old.pk, member_ids=[m1.pk, m2.pk], starts_on="2024-03-01", ends_on="2026-03-01")  # fmt: skip
    previous = Posting.objects.create(cadre=old, area_code=V1, starts_on=dt.date(2024, 3, 1), ends_on=dt.date(2026, 3, 1))  # fmt: skip
    r = services.round_solve(actor=admin, round_id=make_round(world, actor=admin).pk)
    with pytest.raises(AccessDenied):
        services.round_accept(actor=users["auditor"], round_id=r.pk)
    r = services.round_accept(actor=admin, round_id=r.pk)
    assert r.status == MatchRound.Status.ACCEPTED and r.accepted_by == admin
    postings = {p.area_code: p for p in Posting.objects.filter(round=r)}
    assert set(postings) == {V1, V2, V3}
    assert postings[V1].cadre.name == "李党" and postings[V1].ends_on == dt.date(2028, 9, 1)
    previous.refresh_from_db()
    assert previous.status == Posting.Status.ENDED and previous.left_on == START
    team = {m.cadre.name: m for m in TeamMember.objects.filter(team__area_code=V1).select_related("cadre")}  # fmt: skip
    assert team["李党"].is_leader and team["李党"].ends_on is None
    assert team["老书记"].ends_on == START
    assert TeamMember.objects.filter(team__area_code=V1, is_leader=True, ends_on__isnull=True).count() == 1  # fmt: skip
    with pytest.raises(Conflict):
        services.round_accept(actor=admin, round_id=r.pk)
    with pytest.raises(Conflict):
        services.proposal_override(actor=admin, round_id=r.pk, area_code=V1, candidate_id=None, reason="x")  # fmt: skip


def test_appraise_recall_and_end(world: World, users: dict[str, Any]) -> None:
    admin, township = users["county_admin"], users["township_officer"]
    r = services.round_solve(actor=None, round_id=make_round(world).pk)
    services.round_accept(actor=None, round_id=r.pk)
    p1 = Posting.objects.get(round=r, area_code=V1)
    p3 = Posting.objects.get(round=r, area_code=V3)
    with on(dt.date(2027, 12, 20)):
        a = services.posting_appraise(actor=township, posting_id=p1.pk, year=2027, grade="excellent")  # fmt: skip
        services.posting_appraise(actor=township, posting_id=p1.pk, year=2027, grade="competent")
        assert Appraisal.objects.get(pk=a.pk).grade == "competent"
        with pytest.raises(NotFound):  # 高坪村 is not the township officer's
            services.posting_appraise(actor=township, posting_id=p3.pk, year=2027, grade="excellent")  # fmt: skip
        with pytest.raises(InvalidInput):
            services.posting_appraise(actor=township, posting_id=p1.pk, year=2030, grade="excellent")  # fmt: skip
        with pytest.raises(AccessDenied):
            services.posting_recall(actor=township, posting_id=p1.pk, grounds="x")
        with pytest.raises(InvalidInput):
            services.posting_recall(actor=admin, posting_id=p1.pk, grounds="")
        p1 = services.posting_recall(actor=admin, posting_id=p1.pk, grounds="长期不在岗")
        assert p1.status == Posting.Status.RECALLED and p1.left_on == dt.date(2027, 12, 20)
        with pytest.raises(Conflict):
            services.posting_recall(actor=admin, posting_id=p1.pk, grounds="again")
        p3 = services.posting_end(actor=admin, posting_id=p3.pk)
        assert p3.status == Posting.Status.ENDED
    assert AuditEvent.objects.filter(action="matching.posting_recall").count() == 1


def test_who_may_run_a_round(world: World, users: dict[str, Any]) -> None:
    for key in ("township_officer", "auditor", "village_secretary", "cadre"):
        with pytest.raises((AccessDenied, NotFound)):
            make_round(world, actor=users[key])
    with pytest.raises(NotFound):
        make_round(world, actor=users["outsider"])
    r = make_round(world)
    for key in ("township_officer", "auditor"):
        with pytest.raises((AccessDenied, NotFound)):
            services.round_solve(actor=users[key], round_id=r.pk)
    with pytest.raises((AccessDenied, NotFound)):
        services.candidate_save(actor=users["township_officer"], cadre_id=world.cadres["张农"].pk, background="party", birth_year=1980)  # fmt: skip
    services.village_profile_save(actor=users["township_officer"], area_code=V1, industries="茶叶，蔬菜", version=1)  # fmt: skip
    with pytest.raises(NotFound):
        services.village_profile_save(actor=users["township_officer"], area_code=V3, industries="x")
    with pytest.raises(Conflict):
        services.village_profile_save(actor=None, area_code=V1, industries="x", version=1)


def test_default_villages_are_the_poor_ones_without_a_first_secretary(world: World) -> None:
    Posting.objects.create(cadre=world.cadres["赵教"], area_code=V2, starts_on=START, ends_on=START)
    r = services.round_create(actor=None, area_code=COUNTY, title="t", starts_on=START)
    assert r.villages == [V1, V3]
    # 赵教 serves 南门村, outside the round: not offered
    assert world.candidates["赵教"].pk not in set(r.candidates.values_list("pk", flat=True))


def test_changing_weights_sends_the_round_back_to_draft(world: World, users: dict[str, Any]) -> None:  # fmt: skip
    admin = users["county_admin"]
    r = services.round_solve(actor=admin, round_id=make_round(world).pk)
    r = services.round_weights_save(actor=admin, round_id=r.pk, weights={"match_weight_remote": "50"}, version=r.version)  # fmt: skip
    assert r.status == MatchRound.Status.DRAFT and r.weights["match_weight_remote"] == "50"
    assert r.weights["match_weight_industry"] == "30"  # the others kept
    with pytest.raises(Conflict):
        services.round_weights_save(actor=admin, round_id=r.pk, weights={}, version=1)
    with pytest.raises(AccessDenied):
        services.round_weights_save(actor=users["auditor"], round_id=r.pk, weights={})
    # 张农 × 东门村 is now remote 50 instead of 10
    assert pair(world, r, V1, "张农")[0] == Decimal("95.80")
