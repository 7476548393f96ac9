"""Exchange endpoints: import jobs (upload, status, error report, retry) and export.

Only HTTP translation here; the services check who may import, the selectors who may
see which job. Another user's job outside the caller's area is "not found".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from ninja.responses import codes_4xx
from pydantic import Field

from fupin.accounts.scope import scope_for
from fupin.core import pii
from fupin.core.errors import AccessDenied
from fupin.core.params import AreaFilter
from fupin.exchange import selectors, services, views
from fupin.exchange.models import ImportJob
from fupin.registry.choices import Cause, HouseholdStatus, HouseholdType
from fupin.registry.schemas import ErrorOut
from fupin.registry.selectors import HouseholdFilters

CHANNEL = "api"
API_ERRORS_SHOWN = 100

imports_router = Router(tags=["exchange 数据交换"])
exports_router = Router(tags=["exchange 数据交换"])

# Files the API answers with, documented as such (ninja documents only JSON bodies).
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BINARY = {"schema": {"type": "string", "format": "binary"}}


class ProgressOut(Schema):
    phase: str
    done: int
    total: int
    percent: int


class CountsOut(Schema):
    households_created: int
    households_updated: int
    households_unchanged: int
    members_created: int
    members_updated: int
    members_removed: int


class CellErrorOut(Schema):
    sheet: str
    row: int
    header: str
    value: str
    reason: str


class ImportJobOut(Schema):
    id: int
    status: str
    status_label: str
    dry_run: bool
    create_areas: bool
    reason: str
    file_names: list[str]
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: ProgressOut
    counts: CountsOut
    error_count: int
    errors: list[CellErrorOut]
    error_report_url: str | None
    refused: str
    ignored_headers: dict[str, list[str]]
    failure: str
    may_retry: bool
    files_kept_until: datetime | None = Field(
        description="上传文件和错误报告保存至（之后删除）; null while running or once removed"
    )
    files_purged_at: datetime | None = Field(
        description="上传文件和错误报告按保存期限删除的时间; a removed failed job cannot rerun"
    )


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _job_out(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "dry_run": job.dry_run,
        "create_areas": job.create_areas,
        "reason": job.reason,
        "file_names": list(job.file_names),
        "created_by": job.created_by.get_username(),
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "progress": selectors.import_job_progress(job),
        "counts": job.counts(),
        "error_count": job.error_count,
        "errors": selectors.import_job_errors(
            viewer=pii.viewer(request, CHANNEL), job=job, limit=API_ERRORS_SHOWN
        ),
        "error_report_url": (
            reverse("api:import_errors", args=[job.pk]) if job.error_report else None
        ),
        "refused": job.refused,
        "ignored_headers": job.ignored_headers or {},
        "failure": job.failure,
        "may_retry": services.may_retry(_actor(request), job),
        "files_kept_until": job.files_kept_until,
        "files_purged_at": job.files_purged_at,
    }


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on", "是")


_UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "一个 .xlsx；或 households.csv 和 members.csv；或一个 .zip",
                        },
                        "dry_run": {"type": "boolean", "default": False},
                        "create_areas": {"type": "boolean", "default": False},
                        "reason": {"type": "string", "maxLength": 200},
                    },
                }
            }
        },
    }
}


@imports_router.post(
    "",
    response={202: ImportJobOut, codes_4xx: ErrorOut},
    openapi_extra=_UPLOAD_SCHEMA,
    url_name="import_create",
)
def import_create(request: HttpRequest) -> Status[dict[str, Any]]:
    """导入 — upload the files (multipart ``files``); the job runs in the background (202)."""
    actor = _actor(request)
    scope = scope_for(actor)
    if not scope.is_empty and not scope.may_write_anywhere:
        # Refuse read-only roles before reading any upload.
        raise AccessDenied(services.no_write_role_message())
    handler = views.limit_upload(request)
    files = [f for key in request.FILES for f in request.FILES.getlist(key)]
    if handler is not None and handler.exceeded:
        raise views.too_large()
    job = services.import_job_create(
        actor=actor,
        files=files,
        dry_run=_flag(request.POST.get("dry_run")),
        create_areas=_flag(request.POST.get("create_areas")),
        reason=request.POST.get("reason", ""),
        channel=CHANNEL,
    )
    return Status(202, _job_out(request, job))


@imports_router.get("", response={200: list[ImportJobOut], codes_4xx: ErrorOut})
def import_list(request: HttpRequest) -> list[dict[str, Any]]:
    """导入任务 — the caller's recent jobs (and, for county admins and auditors, their area's)."""
    return [
        _job_out(request, job) for job in selectors.import_job_list(actor=_actor(request), limit=50)
    ]


@imports_router.get("/{job_id}", response={200: ImportJobOut, codes_4xx: ErrorOut})
def import_detail(request: HttpRequest, job_id: int) -> dict[str, Any]:
    """导入任务状态 — status, live progress, counts and the first errors."""
    return _job_out(request, selectors.import_job_get(actor=_actor(request), job_id=job_id))


@imports_router.get(
    "/{job_id}/errors.xlsx",
    response={codes_4xx: ErrorOut},
    url_name="import_errors",
    openapi_extra={
        "responses": {200: {"description": "错误报告（xlsx）", "content": {XLSX: _BINARY}}}
    },
)
def import_errors(request: HttpRequest, job_id: int) -> FileResponse:
    """错误报告 — the rows with errors, with an error column (xlsx)."""
    job = selectors.import_job_get(actor=_actor(request), job_id=job_id)
    return views.error_report_response(job)


@imports_router.post("/{job_id}/retry", response={202: ImportJobOut, codes_4xx: ErrorOut})
def import_retry(request: HttpRequest, job_id: int) -> Status[dict[str, Any]]:
    """重新运行 — a failed job (or one whose worker died) goes back to the queue."""
    job = services.import_job_retry(actor=_actor(request), job_id=job_id, channel=CHANNEL)
    return Status(202, _job_out(request, job))


class ExportQuery(Schema):
    format: Literal["xlsx", "csv"] = "xlsx"
    area_code: AreaFilter = ""
    status: HouseholdStatus | None = None
    household_type: HouseholdType | None = None
    main_cause: Cause | None = None
    q: str = ""


@exports_router.get(
    "",
    response={codes_4xx: ErrorOut},
    openapi_extra={
        "responses": {
            200: {
                "description": "xlsx（format=xlsx）或两个 CSV 的 zip（format=csv）",
                "content": {XLSX: _BINARY, "application/zip": _BINARY},
            }
        }
    },
)
def export(request: HttpRequest, params: Query[ExportQuery]) -> FileResponse:
    """导出 — the caller's areas (or the filtered list) as xlsx, or as a zip of two CSVs;
    personal data masked per role, recorded in the access log."""
    actor = _actor(request)
    scope = scope_for(actor)
    if scope.is_empty:
        raise AccessDenied(views.no_role_message())
    filters = HouseholdFilters(
        area_code=params.area_code,
        status=params.status or "",
        household_type=params.household_type or "",
        main_cause=params.main_cause or "",
        q=params.q,
    )
    return views.export_response(
        actor=actor,
        scope=scope,
        filters=None if filters == HouseholdFilters() else filters,
        fmt=params.format,
    )
