"""The server's notion of today.

``FUPIN_TODAY`` (settings) moves it for a demo or a test run, so that a notice period can
be shown ending without waiting a week; production refuses the setting. Everything that
asks "what day is it" for the work (deadlines, notice periods, ages, overdue lists) asks
here, never ``date.today()``; timestamps of what happened (created_at, audit rows) stay
real.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone


def today() -> date:
    fixed: date | None = getattr(settings, "FUPIN_TODAY", None)
    return fixed if fixed is not None else timezone.localdate()


def now() -> datetime:
    """The current moment, moved by as many days as today is."""
    real = timezone.now()
    fixed: date | None = getattr(settings, "FUPIN_TODAY", None)
    if fixed is None:
        return real
    return real + timedelta(days=(fixed - timezone.localdate(real)).days)
