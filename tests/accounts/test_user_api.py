"""/api/users: listing, creating, roles, deactivation, passwords; refusals by role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from fupin.accounts.models import RoleAssignment
from fupin.accounts.services import api_token_create
from fupin.audit.models import AuditEvent
from tests import factories

GOOD = "Qiang-Shan-2026-hu"
NON_MANAGERS = ["village_secretary", "cadre", "auditor", "outsider"]


@pytest.fixture
def api(users: dict[str, Any]) -> Callable[[str], Client]:
    def make(key: str) -> Client:
        _, secret = api_token_create(actor=None, user=users[key], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


def _calls(user_id: int, assignment_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("get", "/api/users", None),
        ("post", "/api/users", {"username": "x", "password": GOOD}),
        ("get", f"/api/users/{user_id}", None),
        ("post", f"/api/users/{user_id}/roles", {"role": "cadre", "area_code": factories.VILLAGE}),
        ("delete", f"/api/users/{user_id}/roles/{assignment_id}", None),
        ("post", f"/api/users/{user_id}/deactivate", None),
        ("post", f"/api/users/{user_id}/reactivate", None),
        ("post", f"/api/users/{user_id}/password", {"password": GOOD}),
    ]


def _call(client: Client, method: str, url: str, body: Any) -> Any:
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, content_type="application/json")


@pytest.mark.parametrize("role", NON_MANAGERS)
def test_every_endpoint_refuses_roles_that_do_not_manage_users(
    api: Callable[[str], Client], users: dict[str, Any], role: str
) -> None:
    client = api(role)
    assignment = RoleAssignment.objects.get(user=users["cadre"])
    for method, url, body in _calls(users["cadre"].pk, assignment.pk):
        response = _call(client, method, url, body)
        assert response.status_code == 403, (method, url, response.content)
        assert response.json()["error"]["code"] == "access_denied"
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert get_user_model().objects.get(pk=users["cadre"].pk).is_active


def test_every_endpoint_needs_authentication(users: dict[str, Any]) -> None:
    assignment = RoleAssignment.objects.get(user=users["cadre"])
    for method, url, body in _calls(users["cadre"].pk, assignment.pk):
        response = _call(Client(), method, url, body)
        assert response.status_code == 401, (method, url)


def test_out_of_scope_user_is_404(api: Callable[[str], Client], users: dict[str, Any]) -> None:
    client = api("township_officer")
    other = users["other_secretary"]
    assignment = RoleAssignment.objects.get(user=other)
    for method, url, body in _calls(other.pk, assignment.pk)[2:]:
        response = _call(client, method, url, body)
        assert response.status_code == 404, (method, url, response.content)
        assert response.json()["error"]["code"] == "not_found"


def test_create_assign_list_remove_deactivate(
    api: Callable[[str], Client], users: dict[str, Any]
) -> None:
    client = api("county_admin")
    response = client.post(
        "/api/users",
        {"username": "li", "password": GOOD, "full_name": "李四", "role": "village_secretary",
         "area_code": factories.VILLAGE},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "li" and body["full_name"] == "李四" and body["is_active"]
    assert [(r["role"], r["area_code"]) for r in body["roles"]] == [
        ("village_secretary", factories.VILLAGE)
    ]
    assert "password" not in response.content.decode()
    uid = body["id"]
    response = client.post(
        f"/api/users/{uid}/roles",
        {"role": "cadre", "area_code": factories.OTHER_TOWNSHIP_VILLAGE},
        content_type="application/json",
    )
    assert response.status_code == 201
    cadre_role = next(r for r in response.json()["roles"] if r["role"] == "cadre")
    listed = client.get("/api/users", {"q": "li"}).json()
    assert [u["username"] for u in listed["items"]] == ["li"] and listed["next_after"] == ""
    assert client.delete(f"/api/users/{uid}/roles/{cadre_role['id']}").status_code == 204
    assert client.post(f"/api/users/{uid}/deactivate").json()["is_active"] is False
    assert client.post(f"/api/users/{uid}/reactivate").json()["is_active"] is True
    response = client.post(
        f"/api/users/{uid}/password", {"password": GOOD + "2"}, content_type="application/json"
    )
    assert response.status_code == 204
    assert get_user_model().objects.get(pk=uid).check_password(GOOD + "2")
    actions = set(AuditEvent.objects.filter(object_ids=[uid]).values_list("action", "channel"))
    assert {
        ("accounts.user.create", "api"),
        ("accounts.role.assign", "api"),
        ("accounts.role.remove", "api"),
        ("accounts.user.deactivate", "api"),
        ("accounts.user.reactivate", "api"),
        ("accounts.user.password_set", "api"),
    } <= actions


def test_errors_in_the_one_shape(api: Callable[[str], Client], users: dict[str, Any]) -> None:
    client = api("township_officer")
    response = client.post(
        "/api/users",
        {"username": "boss", "password": GOOD, "role": "county_admin", "area_code": "422822000000"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "县级管理员" in response.json()["error"]["message"]
    response = client.post(
        "/api/users", {"username": "a b", "password": "1"}, content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == {"username", "password"}
    response = client.post(
        "/api/users", {"username": "c", "password": GOOD, "admin": True},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400 and "admin" in response.json()["error"]["fields"]
    response = client.post(
        "/api/users", {"username": "c", "password": GOOD, "role": "king"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400 and "role" in response.json()["error"]["fields"]


def test_schema_names_are_documented(users: dict[str, Any]) -> None:
    schema = Client().get("/api/openapi.json").json()
    names = set(schema["components"]["schemas"])
    assert {"UserAdminOut", "UserAdminCreateIn", "UserAdminRoleIn"} <= names
    assert "403" in schema["paths"]["/api/users"]["post"]["responses"]
