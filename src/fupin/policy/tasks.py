"""Background tasks of the policy engine: an evaluation run in the worker."""

from __future__ import annotations

from django_tasks import task

from fupin.policy import services


@task()
def evaluation_run_task(run_id: int) -> str:
    """Run evaluation ``run_id``; returns its final status. The argument is JSON (an id)."""
    return str(services.evaluation_run_execute(run_id=int(run_id)).status)
