"""The matching endpoints."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["matching 第一书记选派"])
