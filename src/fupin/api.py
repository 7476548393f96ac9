"""The REST API root: token auth, one error shape, routers from each app."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="fupin API", version="1", urls_namespace="api")
