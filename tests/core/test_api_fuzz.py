"""The API fuzzed against its own OpenAPI schema (schemathesis), in-process, as two roles.

A small demo county (every app has rows, households in both users' areas) is built in the
test database; schemathesis then sends generated requests, valid and invalid, to every
operation through Django's WSGI application with an API token, and checks each answer:
never a server error, the body matches the documented schema, the status is documented,
the content type is the documented one. Writes land in the test database and are rolled
back with it.

Bounded for a 2-core machine: a few examples per operation, no shrinking, a fixed seed
(derandomized), so that a run is reproducible and takes a few minutes on each database.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_wsgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fupin.accounts.services import api_token_create

# Examples per operation and generation mode: 96 operations × 2 modes × 5 is about a
# thousand requests per role, some 2 minutes per role on SQLite or PostgreSQL.
MAX_EXAMPLES = 5
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


@pytest.fixture
def demo_county(db: Any, settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # uploads, exports and the run's progress file go under the data directory
    settings.DATA_DIR = tmp_path
    call_command("demo", "--households", "120", "--seed", "13", "--no-serve", stdout=io.StringIO())


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """Django's WSGI application, without closing the test's connection after each
    request (the test database lives in that connection's transaction)."""
    from fupin.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Path parameters that name a row → where such rows are (app label, model).
ROWS = {
    "household_id": [("registry", "Household")],
    "member_id": [("registry", "Member"), ("party", "PartyMember")],
    "case_id": [("leadership", "WeakCase")],
    "concern_id": [("assistance", "Concern")],
    "contact_id": [("command", "ContactPoint")],
    "course_id": [("leadership", "Course")],
    "job_id": [("exchange", "ImportJob")],
    "leader_id": [("command", "Leader")],
    "objection_id": [("procedures", "Objection")],
    "organisation_id": [("party", "PartyOrganisation")],
    "pairing_id": [("assistance", "Pairing")],
    "procedure_id": [("procedures", "Procedure")],
    "round_id": [("matching", "MatchRound")],
    "run_id": [("policy", "EvaluationRun")],
    "standard_id": [("policy", "PolicyStandard")],
}


def _real_ids(user: Any) -> dict[str, list[int | str]]:
    """Keys that exist for path parameters, by parameter name: rows in the user's areas
    where a model keeps an area code, else any."""
    from django.apps import apps

    from fupin.accounts.scope import scope_for
    from fupin.areas.codes import prefix_q
    from fupin.areas.models import Area

    prefixes = scope_for(user).prefixes
    out: dict[str, list[int | str]] = {}
    for name, models in ROWS.items():
        for app_label, model_name in models:
            model = apps.get_model(app_label, model_name)
            rows = model.objects.order_by("pk")
            if any(f.name == "area_code" for f in model._meta.get_fields()):
                rows = rows.filter(prefix_q("area_code", prefixes))
            out.setdefault(name, []).extend(rows.values_list("pk", flat=True)[:20])
    codes = Area.objects.filter(prefix_q("code", prefixes)).order_by("code")
    out["code"] = out["area_code"] = list(codes.values_list("code", flat=True)[:40])
    out["year"] = [2024, 2025, 2026]
    return {k: v for k, v in out.items() if v}


def _fuzz(schema: Any, headers: dict[str, str], ids: dict[str, list[int | str]]) -> list[str]:
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            known = {
                p.name: ids[p.name]
                for p in operation.path_parameters
                if p.name in ids and mode is GenerationMode.POSITIVE
            }
            if known:
                strategy = st.one_of(
                    strategy,
                    strategy.flatmap(
                        lambda case, known=known: st.fixed_dictionaries(
                            {k: st.sampled_from(v) for k, v in known.items()}
                        ).map(lambda values, case=case: _with_path(case, values))
                    ),
                )

            @settings(
                max_examples=MAX_EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def run(case: Case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # every operation is tried
                failures.append(f"{operation.label} [{mode.value}]: {_short(exc)}")
    return failures


def _short(exc: BaseException) -> str:
    lines = str(exc).splitlines()
    return "\n".join(lines[:40]) + ("\n…" if len(lines) > 40 else "")


def _with_path(case: Case, values: dict[str, Any]) -> Case:
    case.path_parameters = {**(case.path_parameters or {}), **values}
    return case


@pytest.mark.parametrize("role", ["county_admin", "village_secretary"])
def test_api_conforms_to_its_schema(role: str, demo_county: None, wsgi_app: Any) -> None:
    user = get_user_model().objects.get(username=role)
    _, key = api_token_create(actor=None, user=user, name="schemathesis")
    schema = from_wsgi("/api/openapi.json", wsgi_app)
    failures = _fuzz(schema, {"Authorization": f"Bearer {key}"}, _real_ids(user))
    assert not failures, "\n\n".join(failures)
