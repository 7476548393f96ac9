"""The demo county's leadership data; see fupin.demo.organisation for the order of the builders."""

from __future__ import annotations

import random
from datetime import date


def build(*, rng: random.Random, today: date) -> dict[str, int]:
    """Write this part of the demo organisation; returns rows written per kind."""
    return {}
