"""An evaluation run that names households as candidates: their incomes are recorded
(for the year judged and the year before, whichever a clause reads) and a real run
judges them, as the web page's "exits from run" and the API require."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fupin.policy import services as policy_services
from fupin.registry.services import income_record_set
from tests import factories

YEAR = 2026
HIGH = "20000"  # two people: 10,000 元 each, above the line and the monitoring threshold
LOW = "5000"  # 2,500 元 each: below the line, a monitoring risk


def evaluated(
    *, high: Iterable[Any] = (), low: Iterable[Any] = (), area_code: str = "", year: int = YEAR
) -> int:
    """Record a high income for ``high`` (exit and risk-clearing candidates) and a low one
    for ``low`` (monitoring candidates), run the evaluation over ``area_code`` (the county
    by default) and return the run's id."""
    for households, wage in ((high, HIGH), (low, LOW)):
        for household in households:
            for y in (year - 1, year):
                income_record_set(
                    actor=None, household_id=household.pk, year=y, data={"wage": wage}
                )
    run = policy_services.evaluation_run_create(
        actor=None, area_code=area_code or factories.VILLAGE[:6] + "000000", year=year
    )
    done = policy_services.evaluation_run_execute(run_id=run.pk)
    assert done.status == "done", done.error
    return int(done.pk)


def candidate_run(household: Any, kind: str) -> int:
    """A run in which ``household`` is a candidate for ``kind``."""
    if kind == "monitoring":
        return evaluated(low=[household])
    return evaluated(high=[household])
