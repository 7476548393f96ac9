from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def test_login_page_is_chinese(db: Any) -> None:
    body = Client().get(reverse("accounts:login")).content.decode()
    assert "用户名" in body
    assert "密码" in body
    assert "扶贫工作平台" in body


def test_wrong_password_shows_a_chinese_error(users: dict[str, Any]) -> None:
    response = Client().post(
        reverse("accounts:login"), {"username": "village_secretary", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_login_goes_to_the_household_list(users: dict[str, Any]) -> None:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "village_secretary", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_list")
    assert client.get(response["Location"]).status_code == 200


def test_login_returns_to_the_page_asked_for(users: dict[str, Any], household: Any) -> None:
    target = reverse("registry:household_detail", args=[household.pk])
    response = Client().post(
        reverse("accounts:login") + f"?next={target}",
        {"username": "village_secretary", "password": PASSWORD, "next": target},
    )
    assert response["Location"] == target


def test_home_redirects_anonymous_to_login(db: Any) -> None:
    response = Client().get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))


def test_header_shows_name_roles_and_logout(
    client_for: Callable[[str], Client], users: dict[str, Any]
) -> None:
    users["township_officer"].first_name = "王乡长"
    users["township_officer"].save()
    body = client_for("township_officer").get(reverse("registry:household_list")).content.decode()
    assert "王乡长" in body
    assert "乡镇干部" in body
    assert f'action="{reverse("accounts:logout")}"' in body
    assert "/api/docs" in body


def test_logout_is_post_only(client_for: Callable[[str], Client]) -> None:
    client = client_for("cadre")
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("registry:household_list")).status_code == 302
