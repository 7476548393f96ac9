"""The user pages: who may open them, the forms and their refusals, the list's queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fupin.accounts import services
from fupin.accounts.models import RoleAssignment
from fupin.areas.models import Area
from fupin.audit.models import AuditEvent
from tests import factories
from tests.conftest import PASSWORD

GOOD = "Qiang-Shan-2026-hu"
NON_MANAGERS = ["village_secretary", "cadre", "auditor", "outsider"]


def _pages(user_id: int) -> list[str]:
    return [
        reverse("accounts:user_list"),
        reverse("accounts:user_create"),
        reverse("accounts:user_detail", args=[user_id]),
        reverse("accounts:role_assign", args=[user_id]),
        reverse("accounts:password_reset", args=[user_id]),
    ]


@pytest.mark.parametrize("role", NON_MANAGERS)
def test_pages_are_refused_to_roles_that_do_not_manage_users(
    client_for: Callable[[str], Client], users: dict[str, Any], role: str
) -> None:
    client = client_for(role)
    for url in _pages(users["cadre"].pk):
        assert client.get(url).status_code == 403, url
        if url != reverse("accounts:user_list"):  # the list is GET only
            assert client.post(url, {"what": "deactivate"}).status_code == 403, url
    assert get_user_model().objects.get(pk=users["cadre"].pk).is_active
    body = client.get(reverse("registry:household_list")).content.decode()
    assert reverse("accounts:user_list") not in body  # no nav link either
    assert reverse("accounts:password_change") in body


def test_pages_need_a_login(users: dict[str, Any]) -> None:
    for url in [*_pages(users["cadre"].pk), reverse("accounts:password_change")]:
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_out_of_scope_user_is_not_found(
    client_for: Callable[[str], Client], users: dict[str, Any]
) -> None:
    client = client_for("township_officer")
    for key in ("other_secretary", "outsider", "county_admin"):
        for url in _pages(users[key].pk)[2:]:
            assert client.get(url).status_code == 404, (key, url)


def test_list_search_and_nav_link(
    client_for: Callable[[str], Client], users: dict[str, Any]
) -> None:
    client = client_for("township_officer")
    body = client.get(reverse("accounts:user_list")).content.decode()
    assert "用户管理" in body
    assert "village_secretary" in body and "cadre" in body
    assert "other_secretary" not in body and "outsider" not in body and "auditor" not in body
    body = client.get(reverse("accounts:user_list"), {"q": "cad"}).content.decode()
    assert ">cadre<" in body and ">village_secretary<" not in body


def test_list_queries_do_not_grow_with_users(
    client_for: Callable[[str], Client], users: dict[str, Any]
) -> None:
    client = client_for("county_admin")
    village = Area.objects.get(code=factories.VILLAGE)
    User = get_user_model()

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            u = User.objects.create_user(username=f"u{i:03d}", password=None)
            RoleAssignment.objects.create(user=u, role="cadre", area=village)

    add(2, 0)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("accounts:user_list")).status_code == 200
    add(30, 100)
    with CaptureQueriesContext(connection) as many:
        body = client.get(reverse("accounts:user_list")).content.decode()
    assert "u129" in body
    assert len(many.captured_queries) == len(few.captured_queries)


def test_list_pages_by_user_name(users: dict[str, Any]) -> None:
    from fupin.accounts import selectors

    village = Area.objects.get(code=factories.VILLAGE)
    for i in range(5):
        u = get_user_model().objects.create_user(username=f"zz{i}", password=None)
        RoleAssignment.objects.create(user=u, role="cadre", area=village)
    first, after = selectors.user_list(actor=users["county_admin"], q="zz", limit=3)
    assert [r.username for r in first] == ["zz0", "zz1", "zz2"] and after == "zz2"
    rest, after = selectors.user_list(actor=users["county_admin"], q="zz", after=after, limit=3)
    assert [r.username for r in rest] == ["zz3", "zz4"] and after == ""


def test_create_form_offers_only_what_the_manager_may_give(
    client_for: Callable[[str], Client],
) -> None:
    body = client_for("township_officer").get(reverse("accounts:user_create")).content.decode()
    assert 'value="village_secretary"' in body and 'value="township_officer"' in body
    assert 'value="county_admin"' not in body
    assert f'value="{factories.VILLAGE}"' in body
    assert f'value="{factories.OTHER_TOWNSHIP_VILLAGE}"' not in body
    assert 'value="422822000000"' not in body
    body = client_for("county_admin").get(reverse("accounts:user_create")).content.decode()
    assert 'value="county_admin"' in body and f'value="{factories.OTHER_TOWNSHIP_VILLAGE}"' in body


def test_create_then_assign_then_remove(
    client_for: Callable[[str], Client], users: dict[str, Any]
) -> None:
    client = client_for("county_admin")
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "wang_shuji",
            "full_name": "王书记",
            "password": GOOD,
            "password2": GOOD,
            "role": "village_secretary",
            "area_code": factories.VILLAGE,
        },
    )
    user = get_user_model().objects.get(username="wang_shuji")
    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    body = client.get(response["Location"]).content.decode()
    assert "王书记" in body and "村党组织书记" in body and "东门村" in body
    response = client.post(
        reverse("accounts:role_assign", args=[user.pk]),
        {"role": "cadre", "area_code": factories.OTHER_VILLAGE_SAME_TOWNSHIP},
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=user, role="cadre")
    client.post(
        reverse("accounts:user_detail", args=[user.pk]),
        {"what": "role_remove", "assignment": assignment.pk},
    )
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(action="accounts.role.remove", object_ids=[user.pk]).exists()


def test_create_form_shows_every_error_in_chinese(client_for: Callable[[str], Client]) -> None:
    response = client_for("county_admin").post(
        reverse("accounts:user_create"),
        {"username": "cadre", "password": "123", "password2": "123", "role": "county_admin",
         "area_code": factories.VILLAGE},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200
    assert "该用户名已被使用" in body
    assert "密码太短" in body
    assert "县级管理员" in body and "只能设在县一级的区划" in body
    response = client_for("county_admin").post(
        reverse("accounts:user_create"),
        {"username": "x1", "password": GOOD, "password2": GOOD + "x"},
    )
    assert "两次输入的密码不一致" in response.content.decode()
    assert not get_user_model().objects.filter(username="x1").exists()


def test_township_officer_cannot_post_a_county_admin(
    client_for: Callable[[str], Client], users: dict[str, Any]
) -> None:
    client = client_for("township_officer")
    response = client.post(
        reverse("accounts:user_create"),
        {"username": "boss", "password": GOOD, "password2": GOOD, "role": "county_admin",
         "area_code": "422822000000"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "您无权分配“县级管理员”角色" in response.content.decode()
    assert not get_user_model().objects.filter(username="boss").exists()
    response = client.post(
        reverse("accounts:role_assign", args=[users["cadre"].pk]),
        {"role": "county_admin", "area_code": "422822000000"},
    )
    assert "您无权分配“县级管理员”角色" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=users["cadre"], role="county_admin").exists()


def test_deactivate_and_reactivate(
    client_for: Callable[[str], Client], users: dict[str, Any]
) -> None:
    client = client_for("township_officer")
    url = reverse("accounts:user_detail", args=[users["cadre"].pk])
    client.post(url, {"what": "deactivate"})
    assert not get_user_model().objects.get(pk=users["cadre"].pk).is_active
    assert "账号已停用" in client.get(url).content.decode()
    client.post(url, {"what": "reactivate"})
    assert get_user_model().objects.get(pk=users["cadre"].pk).is_active


def test_reset_password_typed_or_generated(
    client_for: Callable[[str], Client], users: dict[str, Any]
) -> None:
    client = client_for("county_admin")
    url = reverse("accounts:password_reset", args=[users["cadre"].pk])
    response = client.post(url, {"password": "short", "password2": "short"})
    assert "密码太短" in response.content.decode()
    client.post(url, {"password": GOOD, "password2": GOOD})
    assert get_user_model().objects.get(pk=users["cadre"].pk).check_password(GOOD)
    response = client.post(url, {"what": "generate"})
    assert response["Cache-Control"].count("no-store") == 1
    body = response.content.decode()
    start = body.index('id="generated-password">') + len('id="generated-password">')
    generated = body[start : body.index("</code>", start)]
    assert len(generated) >= 12
    assert get_user_model().objects.get(pk=users["cadre"].pk).check_password(generated)
    assert generated not in client.get(url).content.decode()


def test_own_password_change_keeps_the_session(
    client_for: Callable[[str], Client], users: dict[str, Any]
) -> None:
    client = client_for("cadre")
    url = reverse("accounts:password_change")
    body = client.post(
        url, {"old_password": "nope", "new_password": GOOD, "new_password2": GOOD}
    ).content.decode()
    assert "原密码不正确" in body
    response = client.post(
        url, {"old_password": PASSWORD, "new_password": GOOD, "new_password2": GOOD}
    )
    assert response.status_code == 302
    assert client.get(reverse("registry:household_list")).status_code == 200
    assert get_user_model().objects.get(pk=users["cadre"].pk).check_password(GOOD)


def test_self_cannot_be_deactivated_from_the_page(
    client_for: Callable[[str], Client], users: dict[str, Any]
) -> None:
    client = client_for("county_admin")
    url = reverse("accounts:user_detail", args=[users["county_admin"].pk])
    assert "停用账号" not in client.get(url).content.decode()
    client.post(url, {"what": "deactivate"})
    assert get_user_model().objects.get(pk=users["county_admin"].pk).is_active


def test_services_used_by_the_pages_keep_one_rule(users: dict[str, Any]) -> None:
    # the page's refusal and the service's are the same rule
    with pytest.raises(Exception, match="县级管理员"):
        services.user_create(
            actor=users["township_officer"], username="z", password=GOOD,
            role="county_admin", area_code="422822000000",
        )  # fmt: skip
