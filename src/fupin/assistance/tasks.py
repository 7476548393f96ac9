"""Background tasks of assistance: the daily escalation of overdue concerns."""

from __future__ import annotations

from django_tasks import task

from fupin.assistance import services


@task()
def concerns_escalate_task() -> int:
    """Send every routed concern past its deadline one level up; returns how many.
    Safe to rerun: an escalated concern has a new deadline in the future."""
    return services.concerns_escalate()
