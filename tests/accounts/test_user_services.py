"""Managing users: who may create users and give roles where, what is audited, the
password rules, and what a deactivated user can no longer do."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from fupin.accounts import services
from fupin.accounts.models import RoleAssignment, UserCreation
from fupin.accounts.scope import scope_for
from fupin.audit.models import AuditEvent
from fupin.core.errors import AccessDenied, InvalidInput, NotFound
from tests import factories
from tests.conftest import PASSWORD

GOOD = "Qiang-Shan-2026-hu"
COUNTY = "422822000000"
TOWNSHIP = "422822100000"
OTHER_TOWNSHIP = "422822101000"


def make(actor: Any, username: str = "new_secretary", **kw: Any) -> Any:
    kw.setdefault("password", GOOD)
    return services.user_create(actor=actor, username=username, channel="web", **kw)


def test_county_admin_creates_a_village_secretary_for_one_village(users: dict[str, Any]) -> None:
    user = make(
        users["county_admin"],
        full_name="李书记",
        role="village_secretary",
        area_code=factories.OTHER_VILLAGE_SAME_TOWNSHIP,
    )
    assert user.check_password(GOOD)
    assert user.first_name == "李书记"
    scope = scope_for(get_user_model().objects.get(pk=user.pk))
    assert scope.prefixes == (factories.OTHER_VILLAGE_SAME_TOWNSHIP,)
    assert scope.write_prefixes == (factories.OTHER_VILLAGE_SAME_TOWNSHIP,)
    assert scope.pii_prefixes == ()
    assert UserCreation.objects.get(user=user).created_by == users["county_admin"]
    actions = list(
        AuditEvent.objects.filter(object_ids=[user.pk])
        .order_by("id")
        .values_list("action", "actor", "channel", "area_code")
    )
    assert actions == [
        ("accounts.user.create", users["county_admin"].pk, "web", ""),
        (
            "accounts.role.assign",
            users["county_admin"].pk,
            "web",
            factories.OTHER_VILLAGE_SAME_TOWNSHIP,
        ),
    ]


def test_no_password_in_the_audit_trail(users: dict[str, Any]) -> None:
    user = make(users["county_admin"])
    services.user_password_set(
        actor=users["county_admin"], user_id=user.pk, password="Another-Long-Pass-77"
    )
    for event in AuditEvent.objects.filter(object_ids=[user.pk]):
        assert GOOD not in str(event.fields) and "Another-Long-Pass-77" not in str(event.fields)
    assert AuditEvent.objects.filter(
        action="accounts.user.password_set", fields=["password"]
    ).exists()


def test_township_officer_manages_users_of_the_township(users: dict[str, Any]) -> None:
    officer = users["township_officer"]
    cadre = make(officer, "new_cadre", role="cadre", area_code=factories.VILLAGE)
    services.role_assign(
        actor=officer,
        user_id=cadre.pk,
        role="cadre",
        area_code=factories.OTHER_VILLAGE_SAME_TOWNSHIP,
    )
    colleague = make(officer, "colleague", role="township_officer", area_code=TOWNSHIP)
    assert RoleAssignment.objects.filter(user__in=[cadre, colleague]).count() == 3


def test_township_officer_cannot_create_a_county_admin(users: dict[str, Any]) -> None:
    officer = users["township_officer"]
    with pytest.raises(AccessDenied, match="县级管理员"):
        make(officer, role="county_admin", area_code=COUNTY)
    # not on the county, nor on their own township (the role belongs on a county)
    with pytest.raises(AccessDenied):
        make(officer, role="county_admin", area_code=TOWNSHIP)
    assert not get_user_model().objects.filter(username="new_secretary").exists()
    target = make(officer)
    with pytest.raises(AccessDenied):
        services.role_assign(
            actor=officer, user_id=target.pk, role="county_admin", area_code=COUNTY
        )
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_township_officer_cannot_assign_outside_the_township(users: dict[str, Any]) -> None:
    officer = users["township_officer"]
    with pytest.raises(NotFound):
        make(officer, role="village_secretary", area_code=factories.OTHER_TOWNSHIP_VILLAGE)
    target = make(officer)
    with pytest.raises(NotFound):
        services.role_assign(
            actor=officer, user_id=target.pk, role="township_officer", area_code=OTHER_TOWNSHIP
        )
    # a county-level auditor is outside (above) the township as well
    with pytest.raises(NotFound):
        services.role_assign(actor=officer, user_id=target.pk, role="auditor", area_code=COUNTY)


def test_a_role_goes_on_an_area_of_its_level(users: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as caught:
        make(users["county_admin"], role="village_secretary", area_code=TOWNSHIP)
    assert "行政村" in caught.value.fields["area_code"][0]
    with pytest.raises(InvalidInput) as caught:
        make(users["county_admin"], role="no_such_role", area_code=TOWNSHIP)
    assert "role" in caught.value.fields


@pytest.mark.parametrize("role", ["village_secretary", "cadre", "auditor", "outsider"])
def test_other_roles_cannot_manage_users(users: dict[str, Any], role: str) -> None:
    actor = users[role]
    with pytest.raises(AccessDenied):
        make(actor)
    with pytest.raises(AccessDenied):
        services.user_deactivate(actor=actor, user_id=users["cadre"].pk)
    with pytest.raises(AccessDenied):
        services.role_assign(
            actor=actor, user_id=users["outsider"].pk, role="cadre", area_code=factories.VILLAGE
        )
    with pytest.raises(AccessDenied):
        services.user_password_set(actor=actor, user_id=users["cadre"].pk, password=GOOD)
    assignment = RoleAssignment.objects.get(user=users["cadre"])
    with pytest.raises(AccessDenied):
        services.role_remove(actor=actor, assignment_id=assignment.pk)
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert get_user_model().objects.get(pk=users["cadre"].pk).is_active


def test_out_of_scope_users_are_not_found(users: dict[str, Any]) -> None:
    officer = users["township_officer"]
    for key in ("other_secretary", "outsider"):
        with pytest.raises(NotFound):
            services.user_deactivate(actor=officer, user_id=users[key].pk)
        with pytest.raises(NotFound):
            services.role_assign(
                actor=officer, user_id=users[key].pk, role="cadre", area_code=factories.VILLAGE
            )
    with pytest.raises(NotFound):
        services.role_remove(
            actor=officer,
            assignment_id=RoleAssignment.objects.get(user=users["other_secretary"]).pk,
        )


def test_a_county_user_working_in_a_township_is_not_the_townships_to_lock_out(
    users: dict[str, Any],
) -> None:
    """The county's auditor also gets a cadre role in the township: the township officer
    sees them but may not change their account, only the role in the township."""
    auditor = users["auditor"]
    services.role_assign(
        actor=users["county_admin"], user_id=auditor.pk, role="cadre", area_code=factories.VILLAGE
    )
    officer = users["township_officer"]
    with pytest.raises(AccessDenied):
        services.user_deactivate(actor=officer, user_id=auditor.pk)
    with pytest.raises(AccessDenied):
        services.user_password_set(actor=officer, user_id=auditor.pk, password=GOOD)
    cadre_role = RoleAssignment.objects.get(user=auditor, role="cadre")
    services.role_remove(actor=officer, assignment_id=cadre_role.pk)
    assert list(RoleAssignment.objects.filter(user=auditor).values_list("role", flat=True)) == [
        "auditor"
    ]
    with pytest.raises(NotFound):  # no longer in the township at all
        services.user_deactivate(actor=officer, user_id=auditor.pk)


def test_nobody_manages_their_own_account_here(users: dict[str, Any]) -> None:
    admin = users["county_admin"]
    with pytest.raises(AccessDenied):
        services.user_deactivate(actor=admin, user_id=admin.pk)
    with pytest.raises(AccessDenied):
        services.role_remove(actor=admin, assignment_id=RoleAssignment.objects.get(user=admin).pk)


def test_password_rules_in_chinese_collected_per_field(users: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.user_create(
            actor=users["county_admin"], username="bad name!", password="12345", full_name="x" * 200
        )
    fields = caught.value.fields
    assert set(fields) == {"username", "password", "full_name"}
    assert fields["password"] == [
        "密码太短，至少需要 8 个字符。",
        "密码太常见，容易被猜到。",
        "密码不能全是数字。",
    ]
    with pytest.raises(InvalidInput) as caught:
        make(users["county_admin"], "zhangsan", password="zhangsan2026")
    assert "password" in caught.value.fields  # too like the user name
    with pytest.raises(InvalidInput) as caught:
        make(users["county_admin"], "CADRE")
    assert caught.value.fields["username"] == ["该用户名已被使用"]


def test_deactivated_user_can_no_longer_sign_in_or_use_tokens(users: dict[str, Any]) -> None:
    cadre = users["cadre"]
    _, key = services.api_token_create(actor=None, user=cadre, name="t")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    web = Client()
    web.force_login(cadre)
    assert api.get("/api/me").status_code == 200
    assert web.get("/households/").status_code == 200
    services.user_deactivate(actor=users["township_officer"], user_id=cadre.pk)
    assert api.get("/api/me").status_code == 401
    assert web.get("/households/").status_code == 302  # the session is gone
    response = Client().post(
        "/accounts/login/", {"username": "cadre", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1"
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session
    assert AuditEvent.objects.filter(
        action="accounts.user.deactivate", actor=users["township_officer"], object_ids=[cadre.pk]
    ).exists()
    services.user_reactivate(actor=users["township_officer"], user_id=cadre.pk)
    assert api.get("/api/me").status_code == 200


def test_password_set_ends_the_users_sessions(users: dict[str, Any]) -> None:
    web = Client()
    web.force_login(users["village_secretary"])
    services.user_password_set(
        actor=users["county_admin"], user_id=users["village_secretary"].pk, password=GOOD
    )
    assert web.get("/households/").status_code == 302
    assert Client().login(request=_request(), username="village_secretary", password=GOOD)


def test_own_password_change(users: dict[str, Any]) -> None:
    cadre = users["cadre"]
    with pytest.raises(InvalidInput) as caught:
        services.password_change(actor=cadre, old_password="wrong", new_password="123")
    assert set(caught.value.fields) == {"old_password", "new_password"}
    services.password_change(actor=cadre, old_password=PASSWORD, new_password=GOOD)
    assert get_user_model().objects.get(pk=cadre.pk).check_password(GOOD)
    assert AuditEvent.objects.filter(action="accounts.user.password_change", actor=cadre).exists()


def test_roleless_user_is_seen_by_their_creator_only(users: dict[str, Any]) -> None:
    from fupin.accounts import selectors

    officer = users["township_officer"]
    mine = make(officer, "mine")
    names = [r.username for r in selectors.user_list(actor=officer)[0]]
    assert "mine" in names and "outsider" not in names and "other_secretary" not in names
    assert "mine" not in [r.username for r in selectors.user_list(actor=users["county_admin"])[0]]
    services.role_assign(actor=officer, user_id=mine.pk, role="cadre", area_code=factories.VILLAGE)
    assert "mine" in [r.username for r in selectors.user_list(actor=users["county_admin"])[0]]


def _request() -> Any:
    from django.http import HttpRequest

    return HttpRequest()
