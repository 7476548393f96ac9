"""The party endpoints."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["party 党组织与党员"])
