"""The command endpoints."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["command 作战指挥"])
