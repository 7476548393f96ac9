"""Every page and every API read, walked as a masked role over a small demo county in which
every person and cadre has a known full ID number and phone: no full one may appear in
any response. The same walk as a role that sees personal data: every response showing a
full one must have written a pii_view access record.

Pages are enumerated from the URL resolver and API reads from the API's OpenAPI schema,
with real ids substituted, so a new page or endpoint is walked without touching this
file — unless it takes a parameter not seen before, which fails here until someone says
where a real value for it comes from (``PARAMS``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import CharField, F, Model, Value
from django.db.models.functions import Cast, Concat, LPad
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from fupin.accounts.models import RoleAssignment
from fupin.api import api
from fupin.audit.models import AuditEvent
from fupin.registry.models import Household, HouseholdChange, Member

SEED = 7
HOUSEHOLDS = 200
TODAY = dt.date.today()
PII_KINDS = ("pii_view", "pii_export")

# Pages that serve a stored file as it was uploaded (photos, evidence, error workbooks),
# or that only act (log out, set the language): nothing of theirs is rendered by fupin.
NOT_RENDERED = {
    "procedures:evidence",
    "assistance:visit_photo",
    "leadership:item_evidence",
    "exchange:job_errors",
    "logout",
    "set_language",
    "/api/imports/{job_id}/errors.xlsx",
}


@dataclass
class County:
    village: str
    township: str
    county: str
    household: Household
    values: dict[str, Any]
    known: set[str]  # every full ID number and phone in the database and its history


# --- the county ----------------------------------------------------------------------------


_PHONE_MODELS: list[tuple[str, str]] = [
    ("registry.Household", "1390"),
    ("assistance.Cadre", "1391"),
    ("command.Leader", "1392"),
    ("party.PartyMember", "1393"),
    ("leadership.VillageOfficial", "1394"),
]


def _everyone_has_a_phone() -> None:
    """Every row with a phone gets a distinct one: 139 + a model digit + the id."""
    from django.apps import apps

    for label, prefix in _PHONE_MODELS:
        model: type[Model] = apps.get_model(label)
        model._default_manager.update(
            phone=Concat(
                Value(prefix),
                LPad(Cast(F("id"), CharField()), 7, Value("0")),
                output_field=CharField(),
            )
        )


def _known_values() -> set[str]:
    from django.apps import apps

    known = set(Member.objects.values_list("id_number", flat=True))
    for label, _prefix in _PHONE_MODELS:
        known |= set(apps.get_model(label)._default_manager.values_list("phone", flat=True))
    for changes in HouseholdChange.objects.values_list("changes", flat=True).iterator():
        for field, pair in changes.items():
            if field.split(".")[-1] in ("id_number", "phone"):
                known |= {str(v) for v in pair if v}
    known.discard("")
    return known


def _build() -> County:
    from fupin.areas.models import Area
    from fupin.assistance import services as assistance
    from fupin.assistance.models import Cadre, Concern, Unit
    from fupin.exchange.models import ImportJob
    from fupin.procedures import services as procedures
    from fupin.procedures.definitions import DEFINITIONS
    from fupin.registry import services as registry
    from tests import factories

    call_command(
        "demo", "--households", str(HOUSEHOLDS), "--seed", str(SEED), "--no-serve",
        stdout=io.StringIO(),
    )  # fmt: skip
    secretary = get_user_model().objects.get(username="village_secretary")
    village = RoleAssignment.objects.get(user=secretary).area.code
    township = village[:9] + "000"
    county = village[:6] + "000000"
    # One household of the village with everything: a phone and an ID changed in its
    # history, a responsible cadre, a concern, and a household on a public notice.
    household = factories.household(area_code=village, status="not_exited", phone="13800000000")
    registry.household_update(
        actor=None, household_id=household.pk, version=1, data={"phone": "13800000001"}
    )
    spouse = household.members.get(relation="spouse")
    registry.member_update(
        actor=None,
        member_id=spouse.pk,
        version=spouse.version,
        data={"id_number": factories.id_number(sex="female"), "health": "disabled"},
    )
    unit = Unit.objects.order_by("id").first()
    assert unit is not None
    cadre = assistance.cadre_save(
        actor=None, unit_id=unit.pk, name="王帮扶", area_code=village, phone="13700000000"
    )
    assistance.pairing_create(actor=None, cadre_id=cadre.pk, household_id=household.pk)
    assistance.concern_raise(actor=None, text="饮水管坏了", household_id=household.pk)
    # on a public notice: an applicant's identification (an exit would need a run first)
    applicant = factories.household(area_code=village, status="unregistered", identified_year=None)
    procedure = procedures.procedure_open(
        actor=None, kind="identification", household_id=applicant.pk, note="本人申请"
    )
    definition = DEFINITIONS["identification"]
    while not (nxt := definition.next_step(procedure.step)).is_notice:  # type: ignore[union-attr]
        procedures.procedure_advance(actor=None, procedure_id=procedure.pk, step=nxt.code)
        procedure.refresh_from_db()
    notice = procedures.notice_publish(actor=None, procedure_ids=[procedure.pk])
    head = household.members.get(relation="head")
    job = ImportJob.objects.create(
        created_by=secretary,
        area_prefix=village,
        status=ImportJob.Status.REJECTED,
        file_names=["registry.xlsx"],
        error_count=2,
        errors=[
            {"sheet": "家庭成员", "row": 3, "header": "证件号码", "value": head.id_number,
             "reason": "证件号码重复"},
            {"sheet": "户", "row": 2, "header": "联系电话", "value": "13800000001",
             "reason": "号码格式不对"},
        ],
    )  # fmt: skip
    _everyone_has_a_phone()
    household.refresh_from_db()

    from fupin.command.models import Leader
    from fupin.leadership.models import Course, WeakCase
    from fupin.matching.models import MatchRound
    from fupin.party.models import PartyMember, PartyOrganisation
    from fupin.policy.models import EvaluationRun, PolicyStandard

    def near(qs: Any, field: str = "area_code") -> Any:
        """The first row in the village, else the township, else the county."""
        for prefix in (village, village[:9], county[:6]):
            row = qs.filter(**{f"{field}__startswith": prefix}).order_by("pk").first()
            if row is not None:
                return row.pk
        return None

    runs = EvaluationRun.objects.order_by("-pk")
    values: dict[str, Any] = {
        "household_id": household.pk,
        "member_id": head.pk,
        "party_member_id": near(PartyMember.objects.all()),
        "job_id": job.pk,
        "run_id": runs.first().pk if runs.exists() else None,  # type: ignore[union-attr]
        "standard_id": PolicyStandard.objects.order_by("pk").values_list("pk", flat=True).first(),
        "year": TODAY.year,
        "area_code": village,
        "county_code": county,
        "code": village,
        "procedure_id": procedure.pk,
        "notice_id": notice.pk,
        "concern_id": near(Concern.objects.all()),
        "leader_id": Leader.objects.order_by("pk").values_list("pk", flat=True).first(),
        "organisation_id": near(PartyOrganisation.objects.all()),
        "case_id": near(WeakCase.objects.all()),
        "course_id": Course.objects.order_by("pk").values_list("pk", flat=True).first(),
        "round_id": near(MatchRound.objects.all()),
        "cadre_id": cadre.pk,
        "user_id": secretary.pk,
    }
    assert Area.objects.filter(code=village).exists() and Cadre.objects.filter(pk=cadre.pk)
    return County(
        village=village,
        township=township,
        county=county,
        household=household,
        values=values,
        known=_known_values(),
    )


@pytest.fixture(scope="module")
def county(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[County]:
    data_dir = tmp_path_factory.mktemp("data")
    with (
        django_db_blocker.unblock(),
        override_settings(
            DATA_DIR=data_dir,
            MEDIA_ROOT=data_dir / "media",
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        built = _build()
        yield built
        transaction.set_rollback(True)


# --- what to walk -------------------------------------------------------------------------

# Where a real value for a parameter comes from: by parameter name, with the few names
# that mean different things in different places told apart by page or path.
PARAMS: dict[str, str] = {
    "household_id": "household_id",
    "member_id": "member_id",
    "job_id": "job_id",
    "run_id": "run_id",
    "standard_id": "standard_id",
    "year": "year",
    "area_code": "area_code",
    "code": "code",
    "procedure_id": "procedure_id",
    "notice_id": "notice_id",
    "concern_id": "concern_id",
    "leader_id": "leader_id",
    "organisation_id": "organisation_id",
    "case_id": "case_id",
    "course_id": "course_id",
    "round_id": "round_id",
    "user_id": "user_id",
}
OVERRIDES: dict[tuple[str, str], str] = {
    ("party:member", "member_id"): "party_member_id",
    ("/api/party/members/{member_id}/vanguard", "member_id"): "party_member_id",
    ("policy:county_assessment_edit", "area_code"): "county_code",
}
# Extra query strings that change what a page shows.
VARIANTS: dict[str, list[str]] = {
    "assistance:cadres": ["?edit={cadre_id}"],
    "registry:household_list": ["?q={household_number}"],
    "/api/households": ["?q={household_number}"],
}
# Required query parameters of API reads.
QUERY = {"before": "run_id", "after": "run_id", "year": "year", "area_code": "area_code"}


def _value(county: County, where: str, param: str) -> Any:
    key = OVERRIDES.get((where, param)) or PARAMS.get(param)
    assert key is not None, (
        f"{where}: no rule for a real value of the parameter {param!r}; add it to PARAMS "
        "(and to the county built above) so that this page is walked"
    )
    return county.values.get(key)


def _web_patterns() -> Iterator[tuple[str, str, list[str]]]:
    """(route with <params>, namespaced name, parameter names) of every page."""

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[Any]:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith("api/"):
                    continue  # the API is walked from its schema
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                yield "/" + route, f"{namespace}{p.name}", re.findall(r"<(?:\w+:)?(\w+)>", route)

    yield from walk(get_resolver(), "", "")


def _fill(route: str, values: dict[str, Any]) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def web_urls(county: County) -> list[tuple[str, str]]:
    urls = []
    for route, name, params in _web_patterns():
        if name in NOT_RENDERED:
            continue
        values = {p: _value(county, name, p) for p in params}
        if any(v is None for v in values.values()):
            continue  # nothing of this kind in the county
        url = _fill(route, values)
        urls.append((name, url))
        for extra in VARIANTS.get(name, []):
            urls.append((name, url + _variant(county, extra)))
    return urls


def _variant(county: County, extra: str) -> str:
    return extra.format(**county.values, household_number=county.household.number)


def api_urls(county: County) -> list[tuple[str, str]]:
    urls = []
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        if "get" not in operations or path in NOT_RENDERED:
            continue
        op = operations["get"]
        values: dict[str, Any] = {}
        query: dict[str, Any] = {}
        for param in op.get("parameters", []):
            name = param["name"]
            if param["in"] == "path":
                values[name] = _value(county, path, name)
            elif param.get("required"):
                key = QUERY.get(name)
                assert key is not None, f"{path}: no rule for the required query {name!r}"
                query[name] = county.values[key]
        if any(v is None for v in values.values()):
            continue
        url = _fill(path.replace("{", "<").replace("}", ">"), values)
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        urls.append((path, url))
        for extra in VARIANTS.get(path, []):
            urls.append((path, url + _variant(county, extra)))
    return urls


_RUNS = re.compile(r"[0-9Xx]{11,}")


def full_values_in(body: str, known: set[str]) -> set[str]:
    """Known full ID numbers and phones in ``body`` (within any run of digits)."""
    found = set()
    for run in _RUNS.findall(body):
        for size in (11, 15, 18):
            for start in range(len(run) - size + 1):
                if run[start : start + size] in known:
                    found.add(run[start : start + size])
    return found


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _client(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def _walk(county: County, username: str | None, check: Callable[[str, Any, str, int], None]) -> int:
    client = _client(username)
    walked = 0
    for _name, url in [*web_urls(county), *api_urls(county)]:
        before = AuditEvent.objects.filter(kind__in=PII_KINDS).count()
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        check(url, response, _body(response), before)
        walked += 1
    return walked


# --- the tests ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_county_is_what_the_walk_needs(county: County) -> None:
    household = county.household
    assert household.phone in county.known and len(county.known) > 1000
    assert all(v is not None for k, v in county.values.items() if k != "case_id"), county.values
    assert full_values_in("x 13800000001 y", {"13800000001"}) == {"13800000001"}
    assert full_values_in("138****0001", {"13800000001"}) == set()
    head = household.members.get(relation="head").id_number
    assert full_values_in(f"ID:{head}.", county.known) == {head}


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["village_secretary", "cadre", None])
def test_a_masked_role_never_sees_a_full_id_number_or_phone(
    county: County, username: str | None
) -> None:
    leaks: dict[str, set[str]] = {}

    def check(url: str, response: Any, body: str, before: int) -> None:
        found = full_values_in(body, county.known)
        if found:
            leaks[url] = found

    walked = _walk(county, username, check)
    assert walked > 100
    assert not leaks, leaks
    # masking records nothing
    assert not AuditEvent.objects.filter(kind__in=PII_KINDS).exists()


@pytest.mark.django_db
def test_an_unmasked_view_of_any_page_is_recorded(county: County) -> None:
    unrecorded: list[str] = []
    shown = 0

    def check(url: str, response: Any, body: str, before: int) -> None:
        nonlocal shown
        if full_values_in(body, county.known):
            shown += 1
            after = AuditEvent.objects.filter(kind__in=PII_KINDS).count()
            if after != before + 1:  # exactly one access record per response (or export)
                unrecorded.append(f"{url} ({after - before} records)")

    _walk(county, "township_officer", check)
    assert shown >= 10  # the walk did reach pages with personal data
    assert not unrecorded, unrecorded
    events = AuditEvent.objects.filter(kind="pii_view", actor__username="township_officer")
    assert events.exists()
    assert all(e.object_ids and e.fields for e in events)
