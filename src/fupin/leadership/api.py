"""The leadership endpoints."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["leadership 村级班子与基层党建"])
