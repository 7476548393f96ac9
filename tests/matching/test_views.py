"""Matching pages: who may open them, the matching page's solve, why, override, rules
and accept, the postings with appraisal and recall, profiles, and the list pages'
query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fupin.matching import services
from fupin.matching.models import MatchRound, PairRule, Posting, Proposal
from tests.matching.conftest import V1, V2, V3, World, make_round

pytestmark = pytest.mark.django_db

REFUSED = ("village_secretary", "cadre", "other_secretary", "outsider")


def pages(r: MatchRound) -> list[str]:
    return [
        reverse("matching:rounds"),
        reverse("matching:round", args=[r.pk]),
        reverse("matching:round_print", args=[r.pk]),
        reverse("matching:postings"),
        reverse("matching:candidates"),
        reverse("matching:villages"),
    ]


def test_anonymous_is_sent_to_login(world: World) -> None:
    r = make_round(world)
    for url in pages(r):
        response = Client().get(url)
        assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("key", REFUSED)
def test_roles_without_matching_are_refused(world: World, client_for: Any, key: str) -> None:
    r = make_round(world)
    for url in pages(r):
        assert client_for(key).get(url).status_code == 403, url


@pytest.mark.parametrize("key", ["county_admin", "township_officer", "auditor"])
def test_readers_open_every_page(world: World, client_for: Any, key: str) -> None:
    r = services.round_solve(actor=None, round_id=make_round(world).pk)
    for url in pages(r):
        assert client_for(key).get(url).status_code == 200, url


def test_township_sees_only_its_villages_in_a_round(world: World, client_for: Any) -> None:
    r = services.round_solve(actor=None, round_id=make_round(world).pk)
    body = client_for("township_officer").get(reverse("matching:round", args=[r.pk])).content.decode()  # fmt: skip
    assert "东门村" in body and "高坪村" not in body
    assert 'name="what" value="solve"' not in body  # reads only


def test_a_round_outside_the_scope_is_not_found(world: World, client_for: Any) -> None:
    from fupin.areas.models import Area

    Area.objects.create(code="422823000000", name="巴东县", level="county")
    Area.objects.create(code="422823100001", name="外县村", level="village")
    r = MatchRound.objects.create(area_code="422823000000", title="x", starts_on="2026-01-01", villages=["422823100001"])  # fmt: skip
    assert client_for("county_admin").get(reverse("matching:round", args=[r.pk])).status_code == 404


def test_the_admin_solves_overrides_and_accepts(world: World, client_for: Any) -> None:
    client = client_for("county_admin")
    r = make_round(world)
    url = reverse("matching:round", args=[r.pk])
    client.post(url, {"what": "solve"})
    body = client.get(url).content.decode()
    assert "为什么选他/她" in body and "专长“茶叶”对口本村主导产业（1/1 项）" in body
    assert "97.00" in body
    zhao = world.candidates["赵教"].pk
    client.post(url, {"what": "override", "area_code": V3, "candidate": zhao, "reason": "熟悉村情"})
    p = Proposal.objects.get(round=r, area_code=V3)
    assert p.candidate_id == zhao and p.source == "override" and p.override_reason == "熟悉村情"
    body = client.get(url).content.decode()
    assert "人工调整" in body and "熟悉村情" in body
    # a refused override comes back as a message
    response = client.post(url, {"what": "override", "area_code": V1, "candidate": zhao, "reason": "x"}, follow=True)  # fmt: skip
    assert "已安排到高坪村" in response.content.decode()
    client.post(url, {"what": "accept"})
    assert MatchRound.objects.get(pk=r.pk).status == "accepted"
    assert Posting.objects.filter(round=r).count() == 3


def test_rules_from_the_page(world: World, client_for: Any) -> None:
    client = client_for("county_admin")
    r = make_round(world)
    url = reverse("matching:round", args=[r.pk])
    client.post(url, {"what": "rule", "kind": "exclude", "area_code": V2, "candidate": world.candidates["王经"].pk, "reason": "回避"})  # fmt: skip
    rule = PairRule.objects.get(round=r)
    client.post(url, {"what": "rule_remove", "rule": rule.pk})
    assert not PairRule.objects.filter(round=r).exists()


def test_an_auditor_cannot_solve(world: World, client_for: Any) -> None:
    r = make_round(world)
    response = client_for("auditor").post(reverse("matching:round", args=[r.pk]), {"what": "solve"}, follow=True)  # fmt: skip
    assert MatchRound.objects.get(pk=r.pk).status == "draft"
    assert "无权" in response.content.decode()


def test_create_a_round_from_the_list(world: World, client_for: Any) -> None:
    response = client_for("county_admin").post(
        reverse("matching:rounds"),
        {"title": "秋季选派", "area_code": "422822000000", "starts_on": "2026-09-01", "villages": f"{V1}\n{V2}"},
    )  # fmt: skip
    r = MatchRound.objects.get(title="秋季选派")
    assert response["Location"] == reverse("matching:round", args=[r.pk])
    assert r.villages == [V1, V2]


def test_postings_appraise_and_recall(world: World, client_for: Any) -> None:
    r = services.round_solve(actor=None, round_id=make_round(world).pk)
    services.round_accept(actor=None, round_id=r.pk)
    p1 = Posting.objects.get(round=r, area_code=V1)
    url = reverse("matching:postings")
    client_for("township_officer").post(url, {"what": "appraise", "posting": p1.pk, "year": 2026, "grade": "excellent"})  # fmt: skip
    assert p1.appraisals.get().grade == "excellent"
    client_for("county_admin").post(url, {"what": "recall", "posting": p1.pk, "grounds": "不在岗"})
    assert Posting.objects.get(pk=p1.pk).status == "recalled"
    body = client_for("county_admin").get(url).content.decode()
    assert "不在岗" in body and "优秀" in body


def test_profiles_from_the_pages(world: World, client_for: Any) -> None:
    client_for("township_officer").post(
        reverse("matching:villages"),
        {"area_code": V1, "industries": "茶叶、蔬菜", "ethnic_language": "", "minority_share": 5, "distance_km": 33, "version": 1},
    )  # fmt: skip
    from fupin.matching.models import VillageProfile

    assert VillageProfile.objects.get(area_code=V1).industries == "茶叶,蔬菜"
    c = world.candidates["李党"]
    client_for("county_admin").post(
        reverse("matching:candidates"),
        {"cadre": c.cadre_id, "background": "law", "birth_year": 1980, "skills": "", "languages": "", "version": c.version},
    )  # fmt: skip
    c.refresh_from_db()
    assert c.background == "law" and not c.is_available


def test_list_pages_query_counts_do_not_grow(world: World, client_for: Any, django_assert_max_num_queries: Any) -> None:  # fmt: skip
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fupin.assistance.models import Cadre

    client = client_for("county_admin")
    urls = [
        reverse("matching:rounds"),
        reverse("matching:postings"),
        reverse("matching:candidates"),
        reverse("matching:villages"),
    ]

    def queries() -> list[int]:
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    r = services.round_solve(actor=None, round_id=make_round(world).pk)
    services.round_accept(actor=None, round_id=r.pk)
    services.posting_appraise(actor=None, posting_id=Posting.objects.first().pk, year=2026, grade="excellent")  # fmt: skip
    few = queries()
    # more rounds, postings with appraisals, candidates: the same number of queries
    for _ in range(3):
        services.round_solve(actor=None, round_id=make_round(world).pk)
    unit = world.unit
    for k in range(3):
        cadre = Cadre.objects.create(name=f"新人{k}", unit=unit, area_code="422822000000")
        services.candidate_save(actor=None, cadre_id=cadre.pk, background="party", birth_year=1990)
        Posting.objects.create(cadre=cadre, area_code=f"42282210000{k + 3}", starts_on="2024-01-01", ends_on="2026-01-01", status="ended")  # fmt: skip
    for p in Posting.objects.filter(status="active"):
        services.posting_appraise(actor=None, posting_id=p.pk, year=2026, grade="competent")
    assert queries() == few
    with django_assert_max_num_queries(30):
        assert client.get(reverse("matching:round", args=[r.pk])).status_code == 200
