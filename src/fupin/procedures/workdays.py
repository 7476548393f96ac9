"""Notice periods in calendar or working days, by the State Council holiday calendar.

Working days follow `chinese_calendar` (holidays and the make-up working weekends, 调休).
For a year the library does not cover yet, weekends alone are taken as rest days and the
result says so, so that a notice is never silently wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar


@dataclass(frozen=True)
class Period:
    ends_on: dt.date  # the last day of the period; action is allowed from the day after
    calendar_known: bool  # False when a year outside the holiday calendar was involved


def is_workday(day: dt.date) -> tuple[bool, bool]:
    """(is a working day, whether the holiday calendar knew the year)."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


def period_end(start: dt.date, days: int, kind: str) -> Period:
    """The last day of a period of ``days`` days beginning on ``start`` (day one).

    ``kind`` is "calendar" or "working"; a working-day period counts only working days,
    and a start on a rest day counts from the next working day.
    """
    if days < 1:
        raise ValueError("a period lasts at least one day")
    if kind == "calendar":
        return Period(start + dt.timedelta(days=days - 1), True)
    known = True
    day = start
    counted = 0
    while True:
        work, ok = is_workday(day)
        known = known and ok
        if work:
            counted += 1
            if counted == days:
                return Period(day, known)
        day += dt.timedelta(days=1)
