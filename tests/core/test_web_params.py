"""Every page of the web app, asked with nonsense query parameters, answers without a
server error: a wrong filter is a clear message (400 page or the page with the form's
error), never a 500.

The URL patterns come from the resolver, so a new page is covered without editing this
file; their ids come from a small demo county (rows in every app)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# Query parameters the pages read, each with a value no page can use.
JUNK = {
    "area": "abc",
    "area_code": "4228x",
    "year": "99999",
    "month": "2026-13",
    "page": "-1",
    "cursor": "%%%",
    "status": "nonsense",
    "level": "nonsense",
    "kind": "nonsense",
    "step": "nonsense",
    "base": "nonsense",
    "township": "abc",
    "before": "abc",
    "after": "-1",
    "edit": "abc",
    "household": "abc",
    "organisation": "abc",
    "format": "exe",
    "uncovered": "2",
    "q": "\u0000",
    "fragment": "nonsense",
    "verdict": "nonsense",
    "limit": "-5",
}
NEGATIVE_YEAR = {**JUNK, "year": "-1", "area": "4228", "page": "abc", "organisation": "99999"}


def _first(model: Any, **filters: Any) -> Callable[[], Any]:
    def pick() -> Any:
        row = model.objects.filter(**filters).order_by("pk").first()
        return row.pk if row is not None else 1

    return pick


def _id_sources() -> dict[tuple[str, str], Callable[[], Any]]:
    """(namespace, URL keyword) → a key that exists in the county administrator's areas."""
    from fupin.assistance.models import Concern, VisitPhoto
    from fupin.command.models import Leader
    from fupin.exchange.models import ImportJob
    from fupin.leadership.models import Course, RectificationItem, WeakCase
    from fupin.matching.models import MatchRound
    from fupin.party.models import PartyMember, PartyOrganisation
    from fupin.policy.models import EvaluationRun, PolicyStandard
    from fupin.procedures.models import Evidence, Notice, Procedure
    from fupin.registry.models import Household, Member

    village = "422822100201"
    return {
        ("registry", "household_id"): _first(Household),
        ("registry", "member_id"): lambda: Member.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
        ("exchange", "job_id"): _first(ImportJob),
        ("policy", "run_id"): _first(EvaluationRun),
        ("policy", "standard_id"): _first(PolicyStandard),
        ("policy", "year"): lambda: 2026,
        ("policy", "area_code"): lambda: village,
        ("procedures", "procedure_id"): _first(Procedure),
        ("procedures", "household_id"): _first(Household),
        ("procedures", "evidence_id"): _first(Evidence),
        ("procedures", "area_code"): lambda: village,
        ("assistance", "concern_id"): _first(Concern),
        ("assistance", "area_code"): lambda: village,
        ("assistance", "household_id"): _first(Household),
        ("assistance", "photo_id"): _first(VisitPhoto),
        ("command", "leader_id"): _first(Leader),
        ("command", "area_code"): lambda: "422822000000",
        ("party", "organisation_id"): _first(PartyOrganisation),
        ("party", "member_id"): _first(PartyMember),
        ("leadership", "code"): lambda: village,
        ("leadership", "case_id"): _first(WeakCase),
        ("leadership", "item_id"): _first(RectificationItem),
        ("leadership", "course_id"): _first(Course),
        ("matching", "round_id"): _first(MatchRound),
        ("", "notice_id"): _first(Notice),
        ("accounts", "user_id"): _first(get_user_model(), username="village_secretary"),
    }


def _patterns(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            route = prefix + str(entry.pattern)
            if route.startswith("api/"):
                continue  # the API is fuzzed against its schema (test_api_fuzz)
            yield from _patterns(entry.url_patterns, route, entry.namespace or namespace)
        else:
            yield prefix + str(entry.pattern), namespace, entry


def _urls() -> list[str]:
    sources = _id_sources()
    urls = []
    for route, namespace, pattern in _patterns(get_resolver().url_patterns):
        if route.startswith("accounts/logout") or route.startswith("i18n/"):
            continue  # sign-out and the language switch are POST-only actions
        path = route
        for name in pattern.pattern.converters:
            value = sources[(namespace, name)]()
            converter = pattern.pattern.converters[name]
            regex_name = f"<{_converter_name(converter)}:{name}>"
            path = path.replace(regex_name, str(value))
        urls.append("/" + path)
    return urls


def _converter_name(converter: Any) -> str:
    from django.urls.converters import get_converters

    for name, instance in get_converters().items():
        if type(instance) is type(converter):
            return name
    raise AssertionError(f"unknown converter {converter!r}")


@pytest.fixture
def demo_county(db: Any, settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DATA_DIR = tmp_path
    call_command("demo", "--households", "120", "--seed", "13", "--no-serve", stdout=io.StringIO())


def test_every_page_survives_junk_parameters(demo_county: None) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username="county_admin"))
    urls = _urls()
    assert len(urls) > 80
    failures = []
    for url in urls:
        for junk in (JUNK, NEGATIVE_YEAR):
            response = client.get(url, junk)
            if response.status_code >= 500:
                failures.append(f"{url}?{'&'.join(f'{k}={v}' for k, v in junk.items())}")
    assert not failures, "server errors:\n" + "\n".join(failures)


def test_junk_area_is_a_clear_message(demo_county: None) -> None:
    client = Client()
    client.force_login(get_user_model().objects.get(username="county_admin"))
    response = client.get("/procedures/", {"area": "abc"})
    assert response.status_code == 400
    assert "区划代码" in response.content.decode()
