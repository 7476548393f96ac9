"""Bad input is a 400 with a clear message, never a server error: query parameters
(area codes, years, ids), NUL bytes anywhere, and every error status in the schema."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from fupin.accounts.services import api_token_create
from fupin.api import api as fupin_api
from fupin.core.errors import InvalidInput
from fupin.core.params import area_param, as_id, choice_param, id_param, year_param
from fupin.registry.models import Household, Member
from tests import factories
from tests.registry.test_views import household_post


@pytest.fixture
def api(users: dict[str, Any]) -> Callable[[str], Client]:
    def make(key: str) -> Client:
        _, secret = api_token_create(actor=None, user=users[key], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", raise_request_exception=False)

    return make


def assert_invalid(response: Any, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"]
    if field is not None:
        assert field in error["fields"], error
    return dict(error)


# --- the parsers ------------------------------------------------------------------------


def test_area_param_takes_codes_and_prefixes_only() -> None:
    assert area_param({}) == ""
    assert area_param({"area": " 422822100001 "}) == "422822100001"
    assert area_param({"area": "422822100"}) == "422822100"
    assert area_param({"area": "422822100001001"}) == "422822100001001"
    for bad in ("abc", "4228x", "42282", "4228221000011", "４２", "²²", "-1", "4" * 40):
        with pytest.raises(InvalidInput) as refused:
            area_param({"area": bad})
        assert "area" in refused.value.fields


def test_year_param_is_bounded() -> None:
    assert year_param({}) is None
    assert year_param({"year": "2024"}) == 2024
    for bad in ("99999", "-1", "1999", "2101", "abc", "²⁰²⁴", "9" * 5000):
        with pytest.raises(InvalidInput):
            year_param({"year": bad})


def test_id_and_choice_params() -> None:
    assert id_param({"x": "12"}, "x") == 12
    assert id_param({"x": ""}, "x") is None
    for bad in ("0", "-3", "abc", "²", "19810134980062449664"):
        with pytest.raises(InvalidInput):
            id_param({"x": bad}, "x")
        assert as_id(bad) is None
    assert choice_param({"s": "open"}, "s", ["open", "done"]) == "open"
    with pytest.raises(InvalidInput):
        choice_param({"s": "nonsense"}, "s", ["open", "done"])


# --- API query parameters -----------------------------------------------------------------

AREA_FILTERED = [
    "/api/households?area_code={}",
    "/api/exports?area_code={}",
    "/api/procedures?area={}",
    "/api/pairings?area={}",
    "/api/measures?area={}",
    "/api/visits?area={}",
    "/api/concerns?area={}",
    "/api/assistance/coverage?area={}",
    "/api/command/contact-points?area={}",
    "/api/command/violations?area={}",
    "/api/party/organisations?area={}",
    "/api/party/bodies/uncovered?area={}",
    "/api/party/members?area={}",
    "/api/party/vanguard?area={}",
    "/api/leadership/reserve-gaps?area={}",
    "/api/leadership/structure?area={}",
    "/api/leadership/weak-cases?area={}",
    "/api/leadership/building/check?area={}",
    "/api/leadership/trainings?area={}",
    "/api/leadership/untrained?area={}",
    "/api/matching/postings?area={}",
]


@pytest.mark.parametrize("url", AREA_FILTERED)
def test_api_area_filter_is_checked(api: Any, household: Household, url: str) -> None:
    client = api("county_admin")
    field = url.split("?")[1].split("=")[0]
    assert_invalid(client.get(url.format("abc")), field)
    assert client.get(url.format("422822100001")).status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/api/leadership/trainings", "/api/leadership/untrained", "/api/leadership/weak-cases"],
)
@pytest.mark.parametrize("year", ["99999", "-1"])
def test_api_year_is_bounded(api: Any, areas: None, url: str, year: str) -> None:
    assert_invalid(api("county_admin").get(url, {"year": year}), "year")


def test_api_foreign_key_filter_beyond_any_id(api: Any, household: Household) -> None:
    response = api("county_admin").get("/api/pairings", {"household_id": "19810134980062449664"})
    assert_invalid(response, "household_id")


# --- web query parameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/procedures/?area=abc",
        "/procedures/overdue/?area=abc",
        "/assistance/?area=abc",
        "/assistance/norms/?area=abc",
        "/assistance/concerns/?area=abc",
        "/party/?area=abc",
        "/party/bodies/?area=abc",
        "/party/vanguard/?area=abc",
        "/leadership/?area=abc",
        "/leadership/trainings/?year=99999",
        "/leadership/trainings/untrained/?year=99999",
        "/leadership/weak/?year=-1",
        "/leadership/building/goals/?year=99999",
        "/assistance/cadres/?edit=²",
    ],
)
def test_web_parameters_are_a_clear_400_page(
    client_for: Any, household: Household, url: str
) -> None:
    client = client_for("county_admin")
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 400
    page = response.content.decode()
    assert "error-message" in page
    assert "无效" in page


# --- NUL bytes ------------------------------------------------------------------------------


def test_api_json_nul_is_refused_and_nothing_stored(api: Any, household: Household) -> None:
    before = household.version
    response = api("county_admin").patch(
        f"/api/households/{household.pk}",
        data={"version": household.version, "number": "H\u0000-1"},
        content_type="application/json",
    )
    error = assert_invalid(response, "number")
    assert "NUL" in error["message"]
    household.refresh_from_db()
    assert household.version == before and "\x00" not in household.number


def test_api_nested_json_nul_names_the_field(api: Any, areas: None) -> None:
    members = [factories.member_data(), factories.member_data(name="李\u0000四", relation="spouse")]
    stored = Member.objects.count()
    response = api("county_admin").post(
        "/api/households",
        data={
            "area_code": factories.VILLAGE,
            "number": "H-NUL",
            "main_cause": "illness",
            "household_type": "ordinary",
            "status": "not_exited",
            "members": members,
        },
        content_type="application/json",
    )
    assert_invalid(response, "members[1].name")
    assert not Household.objects.filter(number="H-NUL").exists()
    # (PostgreSQL cannot even be asked for a name with NUL: count the rows instead)
    assert Member.objects.count() == stored


def test_api_query_and_path_nul_are_refused(api: Any, household: Household) -> None:
    client = api("county_admin")
    assert_invalid(client.get("/api/households", {"q": "张\x00"}), "q")
    assert_invalid(client.get("/api/areas/4228%00"), "path")


@pytest.mark.parametrize("multipart", [False, True])
def test_web_form_nul_is_refused_and_nothing_stored(
    users: dict[str, Any], household: Household, multipart: bool
) -> None:
    """As a browser posts: the CSRF token in the form, urlencoded (or multipart, as a
    form with a file field is sent)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["county_admin"])
    url = reverse("registry:household_edit", args=[household.pk])
    assert client.get(url).status_code == 200
    data = household_post(household, number="H\x00-1")
    data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    before = household.version
    if multipart:
        response = client.post(url, data)
    else:
        response = client.post(
            url, urlencode(data), content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    household.refresh_from_db()
    assert household.version == before


def test_web_query_nul_is_refused(client_for: Any, household: Household) -> None:
    response = client_for("county_admin").get("/households/", {"q": "\x00"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


# --- every error status documented -----------------------------------------------------------


def test_every_operation_documents_its_error_statuses() -> None:
    schema = fupin_api.get_openapi_schema()
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    assert "ErrorOut" in schema["components"]["schemas"]
    checked = 0
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            responses = {int(k): v for k, v in operation["responses"].items()}
            expected = {400, 401, 403, 404, 405, 429} | ({409} if method != "get" else set())
            assert expected <= set(responses), (method, path, sorted(responses))
            for status in expected:
                assert responses[status]["content"]["application/json"]["schema"] == error_ref
            # codes_4xx documents 402, 418, 451 ... which fupin never answers
            assert not {402, 406, 418, 451} & set(responses), (method, path)
            assert any(200 <= s < 300 for s in responses), (method, path)
            checked += 1
    assert checked > 90


def test_forged_cursor_with_nul_is_ignored(api: Any, household: Household) -> None:
    """A cursor is base64 the client sends back; a forged one holding NUL must not reach
    the query (PostgreSQL refuses NUL in text)."""
    cursor = base64.urlsafe_b64encode(b"42\x00:1").decode()
    response = api("county_admin").get("/api/households", {"cursor": cursor})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["items"]] == [household.pk]
