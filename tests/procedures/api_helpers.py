"""API clients of the procedures tests."""

from __future__ import annotations

from typing import Any

from django.test import Client

from fupin.accounts.services import api_token_create


def api_client(user: Any) -> Client:
    _, secret = api_token_create(actor=None, user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=body, content_type="application/json")
