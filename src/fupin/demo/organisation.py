"""The organisation that does the work, for the demo county, built after assistance.

The builders run in this order, each reading what the ones before wrote:
1. ``org_party``: Party organisations (village, unit, cooperative and enterprise branches),
   economic bodies and which branches cover them, members with their files, meetings of
   三会一课 with attendance, commendations and sanctions;
2. ``org_leadership``: the 两委 rosters, reserve cadres, weak branches with their 三对一
   teams (the first secretary is the village work team's leader) and rectification items,
   instructors and supervisors with their 六个一 goals, trainings and attendance;
3. ``org_command``: leaders, the county and township HQs with their working groups, the
   leaders' contact points (townships, key poor villages, the weak villages of step 2,
   listed supervision), and the county leader of each weak branch's team;
4. ``org_matching``: village and candidate profiles, the current first secretaries'
   postings, and this year's matching round, solved, with a few overrides.

Each draws from its own ``random.Random`` (seeded from the demo's seed and its name), so
one part can change without moving the others, and writes set-based.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from django.db import connection

from fupin.core import clock
from fupin.demo import org_command, org_leadership, org_matching, org_party

BUILDERS = (
    ("party", org_party.build),
    ("leadership", org_leadership.build),
    ("command", org_command.build),
    ("matching", org_matching.build),
)


@dataclass
class Built:
    counts: dict[str, int]
    seconds: float


def _analyze() -> None:
    """Fresh planner statistics for the tables just filled (PostgreSQL): taking them for
    empty, the vanguard index's correlated counts ran for minutes instead of seconds."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def build(*, seed: int) -> Built:
    started = time.monotonic()
    today = clock.today()
    counts: dict[str, int] = {}
    for name, builder in BUILDERS:
        written = builder(rng=random.Random(f"fupin-demo-{name}:{seed}"), today=today)
        counts.update({f"{name}.{k}": v for k, v in written.items()})
    _analyze()
    return Built(counts=counts, seconds=time.monotonic() - started)
