"""Background tasks of the exchange: run an import job in the worker (`fupin db_worker`),
remove uploads past their retention."""

from __future__ import annotations

from django_tasks import task

from fupin.exchange import services


@task()
def import_job_task(job_id: int) -> str:
    """Run import job ``job_id``; returns its final status. The argument is JSON (an id)."""
    return str(services.import_job_run(job_id=int(job_id)).status)


@task()
def purge_uploads_task() -> int:
    """Remove the uploads and error reports of jobs past ``FUPIN_UPLOAD_RETENTION_DAYS``;
    returns how many jobs' files went. Schedule it daily (or run ``fupin purge_uploads``)."""
    return len(services.import_uploads_purge())
