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
from fupin.core.errors import NotFound
from fupin.exchange import services
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
