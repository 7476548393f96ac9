"""A household's status changes only as the last step of a procedure: the registry's
services, the API and the web forms refuse it, naming the procedure to use; a household
registered directly is 非建档立卡 until identification registers it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fupin.accounts.services import api_token_create
from fupin.core.errors import InvalidInput, NotFound
from fupin.registry import services
from fupin.registry.models import Household, HouseholdChange
from tests import factories
from tests.registry.test_views import household_post


def _token_client(user: Any) -> Client:
    _, secret = api_token_create(actor=None, user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_service_refuses_a_status_change_naming_the_procedure(
    users: dict[str, Any], household: Household
) -> None:
    with pytest.raises(InvalidInput) as err:
        services.household_update(
            actor=users["village_secretary"],
            household_id=household.pk,
            version=household.version,
            data={"status": "exited"},
        )
    assert err.value.code == "status_by_procedure"
    assert "贫困户退出" in str(err.value.message) and "status" in err.value.fields
    household.refresh_from_db()
    assert household.status == "not_exited" and household.version == 1
    assert not HouseholdChange.objects.filter(household=household, action="update").exists()


def test_the_same_status_with_other_fields_is_saved(users: dict[str, Any], household: Any) -> None:
    saved = services.household_update(
        actor=users["village_secretary"],
        household_id=household.pk,
        version=household.version,
        data={"status": "not_exited", "phone": "13912345678"},
    )
    assert (saved.status, saved.phone) == ("not_exited", "13912345678")


def test_the_system_actor_is_refused_too(household: Household) -> None:
    with pytest.raises(InvalidInput) as err:
        services.household_update(
            actor=None, household_id=household.pk, version=1, data={"status": "monitored"}
        )
    assert err.value.code == "status_by_procedure"


def test_api_patch_status_is_400_status_by_procedure(
    users: dict[str, Any], household: Household
) -> None:
    response = _token_client(users["village_secretary"]).patch(
        f"/api/households/{household.pk}",
        data={"version": household.version, "status": "exited"},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "status_by_procedure"
    assert "贫困户退出" in error["message"]
    assert Household.objects.get(pk=household.pk).status == "not_exited"


def test_a_new_household_is_unregistered_and_no_other_status_may_be_chosen(
    users: dict[str, Any],
) -> None:
    body = {
        "area_code": factories.VILLAGE,
        "number": "JS0009",
        "main_cause": "illness",
        "members": [factories.member_data()],
    }
    client = _token_client(users["village_secretary"])
    for status in ("not_exited", "exited", "monitored"):
        response = client.post(
            "/api/households", data={**body, "status": status}, content_type="application/json"
        )
        assert response.status_code == 400, response.content
        assert response.json()["error"]["code"] == "status_by_procedure"
    assert not Household.objects.filter(number="JS0009").exists()
    response = client.post(
        "/api/households", data={**body, "identified_year": 2016}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "identified_year" in response.json()["error"]["fields"]
    response = client.post("/api/households", data=body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "unregistered"
    assert Household.objects.get(number="JS0009").identified_year is None


def test_the_edit_form_shows_the_status_without_letting_it_change(
    client_for: Callable[[str], Client], household: Household
) -> None:
    client = client_for("village_secretary")
    url = reverse("registry:household_edit", kwargs={"household_id": household.pk})
    page = client.get(url).content.decode()
    assert 'name="status"' in page and "disabled" in page[page.index('name="status"') - 200 :]
    response = client.post(url, household_post(household, status="exited"))
    assert response.status_code == 400
    assert "贫困户退出" in response.content.decode()
    household.refresh_from_db()
    assert household.status == "not_exited"


def test_the_create_form_has_no_status(client_for: Callable[[str], Client]) -> None:
    page = client_for("village_secretary").get(reverse("registry:household_create"))
    assert 'name="status"' not in page.content.decode()
    assert 'name="identified_year"' not in page.content.decode()


def test_the_procedure_door_needs_a_finished_procedure(
    users: dict[str, Any], household: Household
) -> None:
    from fupin.procedures.services import procedure_open
    from tests.procedures.helpers import candidate_run

    procedure = procedure_open(
        actor=users["village_secretary"],
        kind="exit",
        household_id=household.pk,
        run_id=candidate_run(household, "exit"),
    )
    with pytest.raises(InvalidInput) as err:
        services.household_status_by_procedure(
            actor=users["county_admin"], procedure_id=procedure.pk
        )
    assert err.value.code == "status_by_procedure"
    with pytest.raises(NotFound):
        services.household_status_by_procedure(actor=None, procedure_id=procedure.pk + 999)
    assert Household.objects.get(pk=household.pk).status == "not_exited"
