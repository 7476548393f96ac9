"""Reads of import jobs, restricted to what the actor may see.

A user sees their own jobs. County admins and auditors also see the jobs of users whose
writable areas lie inside their own area (a job remembers the common prefix of its
creator's writable areas, so all of its data lies under it). Never another area's jobs.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from fupin.accounts.models import Role
from fupin.accounts.scope import scope_for
from fupin.areas.codes import prefix_of, prefix_q
from fupin.core import pii
from fupin.core.errors import NotFound
from fupin.exchange import layout, services
from fupin.exchange.models import ImportJob

OVERSEER_ROLES = (Role.COUNTY_ADMIN, Role.AUDITOR)


def _overseen_prefixes(actor: Any) -> list[str]:
    scope = scope_for(actor)
    return [prefix_of(code) for role, code in scope.roles if role in OVERSEER_ROLES]


def import_job_queryset(*, actor: Any) -> QuerySet[ImportJob]:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return ImportJob.objects.none()
    visible = Q(created_by=actor)
    prefixes = _overseen_prefixes(actor)
    if prefixes:
        visible |= prefix_q("area_prefix", prefixes)
    return ImportJob.objects.filter(visible).select_related("created_by")


def import_job_list(*, actor: Any, limit: int = 20) -> list[ImportJob]:
    return list(import_job_queryset(actor=actor).order_by("-created_at", "-pk")[:limit])


def import_job_get(*, actor: Any, job_id: int) -> ImportJob:
    job = import_job_queryset(actor=actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job


def import_job_progress(job: ImportJob) -> dict[str, Any]:
    """Phase, done, total and percent: live from the progress file while it runs."""
    phase, done, total = job.phase, job.done, job.total
    if job.status == ImportJob.Status.RUNNING:
        live = services.progress_read(job)
        if live:
            phase = str(live.get("phase") or "")
            done = int(live.get("done") or 0)
            total = int(live.get("total") or 0)
    if job.is_finished and job.status != ImportJob.Status.FAILED:
        percent = 100
    elif total:
        percent = max(0, min(100, int(done * 100 / total)))
    else:
        percent = 0
    return {"phase": phase, "done": done, "total": total, "percent": percent}


# Columns whose cell values are personal data, by header: an error row quotes the value.
_PII_HEADERS = {
    c.header: {"id_number": pii.ID_NUMBER, "head_id_number": pii.ID_NUMBER}.get(c.field, c.field)
    for c in (*layout.HOUSEHOLD_COLUMNS, *layout.MEMBER_COLUMNS)
    if c.field in ("id_number", "head_id_number", "phone", "health")
}


def import_job_errors(*, viewer: pii.Viewer, job: ImportJob, limit: int) -> list[dict[str, Any]]:
    """The job's first errors; a quoted ID number, phone or health value is shown as the
    viewer's actor may see it in the job's area (the uploader included: a masked role
    sees it masked like everywhere else)."""
    out = []
    for error in (job.errors or [])[:limit]:
        kind = _PII_HEADERS.get(str(error.get("header", "")))
        if kind and error.get("value"):
            error = {
                **error,
                "value": viewer.show(
                    kind,
                    error["value"],
                    area_code=job.area_prefix,
                    ref=("import_job", job.pk),
                    field="errors",
                ),
            }
        out.append(error)
    return out
