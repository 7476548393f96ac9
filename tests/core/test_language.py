from __future__ import annotations

from django.test import Client
from django.urls import reverse


def test_chinese_by_default_even_for_an_english_browser(db: None) -> None:
    response = Client().get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()


def test_chosen_language_is_used(db: None) -> None:
    client = Client()
    response = client.post(reverse("set_language"), {"language": "zh-hant", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("accounts:login")).content.decode()
    assert "登入" in page and "登录" not in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("accounts:login"))
    assert english["Content-Language"] == "en"
    assert "Log in" in english.content.decode() and "登录" not in english.content.decode()


def test_unknown_language_cookie_falls_back_to_chinese(db: None) -> None:
    client = Client()
    client.cookies["django_language"] = "xx"
    assert client.get(reverse("accounts:login"))["Content-Language"] == "zh-hans"
