"""Import jobs: every change of a job goes through here, each with its audit row.

A job moves pending → running → validated / succeeded / rejected / failed; a failed job
(or one left running by a killed worker, see :func:`job_is_stale`) goes back to pending
with :func:`import_job_retry`. The engine (:mod:`fupin.exchange.pipeline`) writes the
registry in one transaction, so a job that fails midway has written nothing.

Uploads are kept only until the job has run (a failed job keeps them to run again).
Live progress is a small JSON file beside the job's files, replaced atomically: while the
engine holds its write transaction no other connection may write to SQLite, and the job
row is only written before and after the engine runs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.models import Role
from fupin.accounts.scope import scope_for
from fupin.areas.codes import prefix_of
from fupin.audit.services import audit_write
from fupin.core.errors import AccessDenied, Conflict, InvalidInput
from fupin.core.files import open_private, private_dir
from fupin.exchange.layout import HOUSEHOLD_CSV, MEMBER_CSV
from fupin.exchange.models import ImportJob

log = logging.getLogger("fupin.exchange")

ALLOWED_SUFFIXES = (".xlsx", ".csv", ".zip")
# Errors kept on the job for its page; all of them are in the report workbook.
ERRORS_KEPT = 200
PROGRESS_FILE = "progress.json"
REPORT_FILE = "errors.xlsx"
# A running job whose progress has not moved for this long is taken to be dead (its
# worker was killed) and may be run again.
STALE_AFTER = timedelta(minutes=int(getattr(settings, "FUPIN_IMPORT_STALE_MINUTES", 15)))
# Progress is written at most this often (seconds), and at every change of phase.
PROGRESS_INTERVAL = 0.25

Status = ImportJob.Status


class Upload(Protocol):
    """What an uploaded file offers (Django's UploadedFile, or a test double)."""

    name: str | None
    size: int | None

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]: ...


def no_write_role_message() -> str:
    return _("您的角色只能查看和导出数据，不能导入。导入须由县、乡镇管理员或村党组织书记进行。")


def max_bytes() -> int:
    return int(settings.FUPIN_IMPORT_MAX_BYTES)


def too_large_message() -> str:
    return _("文件过大：上传的文件合计不能超过 %(mb)s MB。") % {
        "mb": f"{max_bytes() / (1024 * 1024):g}"
    }


# --- planning the stored files --------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    upload: Upload
    original: str
    stored: str  # a name fupin chose


def _original_name(upload: Upload) -> str:
    # Only ever displayed; the last path component, with control characters dropped.
    raw = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in raw if ch.isprintable())[:200] or "?"


def _suffix(name: str) -> str:
    lowered = name.lower()
    for suffix in ALLOWED_SUFFIXES:
        if lowered.endswith(suffix):
            return suffix
    return ""


def _csv_kind(name: str) -> str:
    lowered = name.lower()
    if "member" in lowered or "成员" in name:
        return MEMBER_CSV
    if "household" in lowered or "户" in name:
        return HOUSEHOLD_CSV
    return ""


def _plan(files: Sequence[Upload]) -> list[_Planned]:
    """Which files make an import: one .xlsx, one .zip, or households.csv + members.csv."""

    def refuse(message: str) -> InvalidInput:
        return InvalidInput(message, fields={"files": [message]})

    if not files:
        raise refuse(_("请选择要导入的文件。"))
    names = [_original_name(f) for f in files]
    suffixes = [_suffix(n) for n in names]
    for name, suffix in zip(names, suffixes, strict=True):
        if not suffix:
            raise refuse(
                _("不支持的文件类型：%(name)s。只接受 .xlsx、.csv 或 .zip 文件。") % {"name": name}
            )
    if len(files) == 1 and suffixes[0] in (".xlsx", ".zip"):
        stored = "upload" + suffixes[0]
        return [_Planned(files[0], names[0], stored)]
    if len(files) == 2 and suffixes == [".csv", ".csv"]:
        kinds = [_csv_kind(n) for n in names]
        if sorted(kinds) != sorted([HOUSEHOLD_CSV, MEMBER_CSV]):
            raise refuse(
                _(
                    "两个 CSV 文件须分别是户表和成员表，文件名请用 %(h)s 和 %(m)s"
                    "（或含“户”“成员”字样）。"
                )
                % {"h": HOUSEHOLD_CSV, "m": MEMBER_CSV}
            )
        return [_Planned(f, n, k) for f, n, k in zip(files, names, kinds, strict=True)]
    raise refuse(
        _(
            "请上传一个 .xlsx 工作簿，或 households.csv 和 members.csv 两个文件，"
            "或一个包含这两个文件的 .zip。"
        )
    )


def _store(job: ImportJob, planned: list[_Planned]) -> list[str]:
    """Stream the uploads into the job's directory, counting bytes against the limit."""
    limit = max_bytes()
    declared = sum(int(p.upload.size or 0) for p in planned)
    if declared > limit:
        raise InvalidInput(too_large_message(), fields={"files": [too_large_message()]})
    directory = job.directory
    if directory.exists():  # left over from a job row that was rolled back
        shutil.rmtree(directory)
    private_dir(directory)
    written = 0
    relative: list[str] = []
    root = Path(settings.MEDIA_ROOT)
    for item in planned:
        dest = directory / item.stored
        with open_private(dest, "wb") as out:
            for chunk in item.upload.chunks():
                written += len(chunk)
                if written > limit:
                    raise InvalidInput(too_large_message(), fields={"files": [too_large_message()]})
                out.write(chunk)
        relative.append(dest.relative_to(root).as_posix())
    return relative


def _area_prefix(prefixes: Iterable[str]) -> str:
    values = sorted(prefixes)
    if not values:
        return ""
    first, last = values[0], values[-1]
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


# --- progress -------------------------------------------------------------------------


def progress_path(job: ImportJob) -> Path:
    return job.directory / PROGRESS_FILE


def progress_write(job: ImportJob, *, phase: str, done: int, total: int) -> None:
    """Replace the job's progress file atomically (temp file + os.replace)."""
    directory = private_dir(job.directory)
    data = {"phase": phase, "done": int(done), "total": int(total), "at": time.time()}
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".progress-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, directory / PROGRESS_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def progress_read(job: ImportJob) -> dict[str, Any] | None:
    try:
        data = json.loads(progress_path(job).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class _Progress:
    """The engine's progress callback: throttled writes of the progress file."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.phase = ""
        self.done = 0
        self.total = 0
        self._last = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        changed = phase != self.phase
        self.phase, self.done, self.total = phase, done, total
        if changed or done >= total or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            try:
                progress_write(self.job, phase=phase, done=done, total=total)
            except OSError:  # progress is a courtesy; never fail the import for it
                log.warning("import job %s: progress file not written", self.job.pk)


def job_last_moved(job: ImportJob) -> Any:
    """When a running job last showed life: its progress file, else its start."""
    moved = job.started_at or job.created_at
    try:
        mtime = progress_path(job).stat().st_mtime
    except OSError:
        return moved
    from datetime import UTC, datetime

    file_time = datetime.fromtimestamp(mtime, tz=UTC)
    return max(moved, file_time) if moved else file_time


def job_is_stale(job: ImportJob) -> bool:
    """A running job whose progress has not moved for STALE_AFTER: its worker died."""
    if job.status != Status.RUNNING:
        return False
    return bool(timezone.now() - job_last_moved(job) >= STALE_AFTER)


# --- who may do what ------------------------------------------------------------------


def _is_county_admin_over(actor: Any, job: ImportJob) -> bool:
    scope = scope_for(actor)
    for role, code in scope.roles:
        if role == Role.COUNTY_ADMIN and job.area_prefix.startswith(prefix_of(code)):
            return True
    return False


def may_retry(actor: Any, job: ImportJob) -> bool:
    """The creator or a county admin over the job's area, for a failed or dead job whose
    uploads are still kept."""
    if job.status != Status.FAILED and not job_is_stale(job):
        return False
    if job.files_purged_at is not None:
        return False
    if getattr(actor, "pk", None) == job.created_by_id:
        return bool(scope_for(actor).may_write_anywhere)
    return _is_county_admin_over(actor, job)


# --- services -------------------------------------------------------------------------


def _audit(job: ImportJob, *, actor: Any, action: str, channel: str) -> None:
    audit_write(
        actor=actor,
        action=action,
        object_type="import_job",
        object_ids=[job.pk],
        fields=["status"],
        channel=channel,
        area_code=job.area_prefix,
    )


def _enqueue(job: ImportJob) -> None:
    from fupin.exchange.tasks import import_job_task

    try:
        import_job_task.enqueue(job.pk)
    except Exception:
        log.exception("import job %s could not be queued", job.pk)
        _finish_failed(job.pk, _("任务未能加入后台处理队列，没有写入任何数据。请稍后重新运行。"))


def import_job_create(
    *,
    actor: Any,
    files: Sequence[Upload],
    dry_run: bool,
    create_areas: bool = False,
    reason: str = "",
    channel: str = "web",
) -> ImportJob:
    """Check, store the uploads, create the job and queue it for the worker."""
    scope = scope_for(actor)
    if scope.is_empty:
        raise AccessDenied(_("您的账号尚未分配角色和区域，不能导入数据。请联系县级管理员分配。"))
    if not scope.may_write_anywhere:
        raise AccessDenied(no_write_role_message())
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise InvalidInput(fields={"reason": [_("最多 200 个字符")]})
    planned = _plan(files)
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=actor,
            area_prefix=_area_prefix(scope.write_prefixes),
            channel=channel,
            dry_run=bool(dry_run),
            create_areas=bool(create_areas),
            reason=reason,
            file_names=[p.original for p in planned],
        )
        try:
            job.file_paths = _store(job, planned)
        except BaseException:
            shutil.rmtree(job.directory, ignore_errors=True)
            raise
        job.save(update_fields=["file_paths"])
        _audit(job, actor=actor, action="import_job.create", channel=channel)
    _enqueue(job)
    _purge_quietly()
    job.refresh_from_db()
    return job


# --- retention ------------------------------------------------------------------------


def import_uploads_purge(*, now: Any = None) -> list[int]:
    """Remove the uploads and error reports of jobs that ended (finished or failed) more
    than ``FUPIN_UPLOAD_RETENTION_DAYS`` ago; returns the jobs' ids. One query finds them
    and one marks them; only the files are removed one job directory at a time."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.FUPIN_UPLOAD_RETENTION_DAYS)
    due = ImportJob.objects.filter(
        status__in=ImportJob.FINISHED, finished_at__lt=cutoff, files_purged_at__isnull=True
    )
    ids = list(due.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return []
    with transaction.atomic():
        # marked first: a purged failed job can no longer be claimed to run again
        ImportJob.objects.filter(pk__in=ids, files_purged_at__isnull=True).update(
            files_purged_at=now, file_paths=[], error_report=""
        )
        audit_write(
            actor=None,
            action="import_job.purge",
            object_type="import_job",
            object_ids=ids[:1000],
            fields=["file_paths", "error_report"],
            channel="task",
        )
    root = Path(settings.MEDIA_ROOT) / "imports"
    for pk in ids:
        shutil.rmtree(root / str(pk), ignore_errors=True)
    log.info("removed the uploads of %d import jobs past their retention", len(ids))
    return ids


def _purge_quietly() -> None:
    """Each new import also clears out expired uploads; a failure here must not fail it."""
    try:
        import_uploads_purge()
    except Exception:
        log.exception("expired uploads not removed")


def _finish_failed(job_id: int, message: str) -> None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        job.status = Status.FAILED
        job.failure = message
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "failure", "finished_at"])
        _audit(job, actor=job.created_by, action="import_job.failed", channel="task")


def _error_dict(error: Any) -> dict[str, Any]:
    return {
        "sheet": str(error.sheet),
        "row": int(error.row),
        "header": str(error.header),
        "value": str(error.value),
        "reason": str(error.reason),
    }


def import_job_run(*, job_id: int) -> ImportJob:
    """Run one job with the engine, as its creator. Never raises for a bad file."""
    with transaction.atomic():
        claimed = ImportJob.objects.filter(
            pk=job_id, status__in=[Status.PENDING, Status.FAILED], files_purged_at__isnull=True
        ).update(
            status=Status.RUNNING,
            started_at=timezone.now(),
            finished_at=None,
            failure="",
            phase="",
            done=0,
            total=0,
            attempts=F("attempts") + 1,
        )
        job = ImportJob.objects.select_related("created_by").get(pk=job_id)
        if not claimed:
            log.info("import job %s is %s; not run again", job_id, job.status)
            return job
        _audit(job, actor=job.created_by, action="import_job.running", channel="task")

    from fupin.exchange import pipeline  # the engine; imported when a job runs

    progress = _Progress(job)
    progress("read", 0, 0)
    paths = job.absolute_paths()
    try:
        outcome = pipeline.import_files(
            actor=job.created_by,
            paths=paths,
            dry_run=job.dry_run,
            create_areas=job.create_areas,
            reason=job.reason,
            channel=job.channel,
            progress=progress,
        )
    except Exception:
        log.exception("import job %s failed", job_id)
        _finish_failed(
            job_id,
            _(
                "导入时系统出现错误，没有写入任何数据。可以点击“重新运行”再试；"
                "如仍出错，请联系管理员（任务编号 %(id)s）。"
            )
            % {"id": job_id},
        )
        job.refresh_from_db()
        return job

    report = ""
    if outcome.errors:
        try:
            dest = pipeline.error_report_xlsx(outcome, paths, job.directory / REPORT_FILE)
            report = Path(dest).relative_to(Path(settings.MEDIA_ROOT)).as_posix()
        except Exception:  # the errors are still on the page
            log.exception("import job %s: error report not written", job_id)

    if not outcome.ok:
        status = Status.REJECTED
    elif outcome.dry_run:
        status = Status.VALIDATED
    else:
        status = Status.SUCCEEDED
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("created_by").get(pk=job_id)
        job.status = status
        job.finished_at = timezone.now()
        job.refused = outcome.refused or ""
        job.error_count = len(outcome.errors)
        job.errors = [_error_dict(e) for e in outcome.errors[:ERRORS_KEPT]]
        job.error_report = report
        job.ignored_headers = {k: list(v) for k, v in outcome.ignored_headers.items()}
        job.households_created = outcome.households_created
        job.households_updated = outcome.households_updated
        job.households_unchanged = outcome.households_unchanged
        job.members_created = outcome.members_created
        job.members_updated = outcome.members_updated
        job.members_removed = outcome.members_removed
        job.phase, job.done, job.total = progress.phase, progress.done, progress.total
        job.save()
        _audit(job, actor=job.created_by, action=f"import_job.{status}", channel="task")
    _remove_uploads(paths)
    return job


def _remove_uploads(paths: Sequence[Path]) -> None:
    """A finished job's uploads hold personal data nobody needs any more; only a failed
    job keeps them, to run again. The error report stays for download."""
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("upload %s not removed", path)


def import_job_retry(*, actor: Any, job_id: int, channel: str = "web") -> ImportJob:
    """Put a failed (or dead running) job back in the queue."""
    from fupin.exchange.selectors import import_job_get

    job = import_job_get(actor=actor, job_id=job_id)
    is_creator = getattr(actor, "pk", None) == job.created_by_id
    if not (is_creator and scope_for(actor).may_write_anywhere) and not _is_county_admin_over(
        actor, job
    ):
        raise AccessDenied(_("只有提交人或县级管理员可以重新运行导入任务。"))
    if job.status != Status.FAILED and not job_is_stale(job):
        raise Conflict(_("只有处理出错或长时间没有进展的任务可以重新运行。"))
    if job.files_purged_at is not None:
        raise Conflict(
            _("上传的文件已于 %(day)s 按保存期限删除，不能重新运行。请重新上传文件导入。")
            % {"day": timezone.localtime(job.files_purged_at).date().isoformat()}
        )
    with transaction.atomic():
        moved = ImportJob.objects.filter(
            pk=job.pk, status=job.status, files_purged_at__isnull=True
        ).update(status=Status.PENDING, failure="", finished_at=None)
        if not moved:
            raise Conflict(_("任务状态已变化，请刷新页面。"))
        job.refresh_from_db()
        _audit(job, actor=actor, action="import_job.retry", channel=channel)
    _enqueue(job)
    job.refresh_from_db()
    return job
