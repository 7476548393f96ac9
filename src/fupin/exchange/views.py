"""Pages of the registry exchange: upload, job progress and result, export."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fupin.accounts.scope import Scope, scope_for
from fupin.areas.models import Area
from fupin.areas.selectors import area_list
from fupin.core import pii
from fupin.core.errors import AccessDenied, FupinError, NotFound
from fupin.exchange import selectors, services
from fupin.exchange.forms import ImportForm, UploadSizeLimit
from fupin.exchange.models import ImportJob
from fupin.registry.forms import HouseholdFilterForm
from fupin.registry.selectors import HouseholdFilters

CHANNEL = "web"
ERRORS_SHOWN = 200
# Room for the multipart envelope and the form's other fields around the files.
ENVELOPE_BYTES = 1024 * 1024
PHASE_LABELS = {
    "read": gettext_lazy("读取文件"),
    "validate": gettext_lazy("校验数据"),
    "write": gettext_lazy("写入数据库"),
}


def no_role_message() -> str:
    return _("您的账号尚未分配角色和区域，不能使用数据交换。请联系县级管理员分配。")


def too_large() -> FupinError:
    error = FupinError(services.too_large_message(), code="too_large")
    error.status = 413
    return error


def declared_too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > services.max_bytes() + ENVELOPE_BYTES


def limit_upload(request: HttpRequest) -> UploadSizeLimit | None:
    """Refuse a declared oversize body before reading it; cap the rest while reading."""
    if declared_too_large(request):
        raise too_large()
    handlers = request.upload_handlers
    # Once the body is parsed (a CSRF check read it) the handlers are frozen; the
    # services still check the size of what was received.
    if hasattr(request, "_files") or not isinstance(handlers, list):
        return None
    handler = UploadSizeLimit(request, limit=services.max_bytes())
    handlers.insert(0, handler)
    return handler


def _scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if scope.is_empty:
        raise AccessDenied(no_role_message())
    return scope


# --- export -------------------------------------------------------------------------


def filter_areas(scope: Scope) -> list[tuple[str, str]]:
    areas = (
        area_list(scope=scope)
        .filter(level__in=[Area.Level.TOWNSHIP, Area.Level.VILLAGE])
        .only("code", "name", "level")
    )
    return [
        (a.code, ("\u3000" + a.name) if a.level != Area.Level.TOWNSHIP else a.name) for a in areas
    ]


def export_filters(params: QueryDict, scope: Scope) -> HouseholdFilters | None:
    """The list page's filters from a query string; none at all means the whole scope."""
    form = HouseholdFilterForm(params, areas=filter_areas(scope))
    filters = HouseholdFilters(
        area_code=form.value("area"),
        status=form.value("status"),
        household_type=form.value("household_type"),
        main_cause=form.value("main_cause"),
        q=form.value("q"),
    )
    return None if filters == HouseholdFilters() else filters


def export_response(
    *, actor: Any, scope: Scope, filters: HouseholdFilters | None, fmt: str
) -> FileResponse:
    """Run the export into a temporary directory and stream the file; nothing stays behind.

    The open file is unlinked at once (POSIX keeps it readable until closed), so the
    temporary directory is gone whether or not the download completes.
    """
    from fupin.exchange import pipeline  # the engine

    if fmt not in ("xlsx", "csv"):
        raise NotFound(_("导出格式只能是 xlsx 或 csv。"))
    workdir = Path(tempfile.mkdtemp(prefix="fupin-export-"))
    try:
        paths = pipeline.export_files(
            actor=actor,
            scope=scope,
            filters=filters,
            fmt="xlsx" if fmt == "xlsx" else "csv",
            dest_dir=workdir,
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        if fmt == "xlsx":
            path = Path(paths[0])
            name = f"建档立卡-{stamp}.xlsx"
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            path = workdir / "export.zip"
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for p in paths:
                    zf.write(p, arcname=Path(p).name)
            name = f"建档立卡-{stamp}-csv.zip"
            content_type = "application/zip"
        handle = path.open("rb")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


@login_required
@require_GET
def export(request: HttpRequest) -> FileResponse:
    scope = _scope(request)
    fmt = request.GET.get("format", "xlsx")
    return export_response(
        actor=request.user, scope=scope, filters=export_filters(request.GET, scope), fmt=fmt
    )


# --- import -------------------------------------------------------------------------


def _home_context(request: HttpRequest, scope: Scope, form: ImportForm) -> dict[str, Any]:
    jobs = selectors.import_job_list(actor=request.user, limit=20)
    return {
        "form": form,
        "can_import": scope.may_write_anywhere,
        "jobs": jobs,
        "filter_form": HouseholdFilterForm(areas=filter_areas(scope)),
        "max_mb": f"{services.max_bytes() / (1024 * 1024):g}",
    }


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """数据交换: upload form, export, recent jobs."""
    handler = None
    if request.method == "POST":
        # Only the size is checked before CSRF, so that nothing oversize is read at all.
        handler = limit_upload(request)
    return _home(request, handler)


@csrf_protect
def _home(request: HttpRequest, handler: UploadSizeLimit | None) -> HttpResponse:
    scope = _scope(request)
    if request.method != "POST":
        return render(request, "exchange/home.html", _home_context(request, scope, ImportForm()))
    if not scope.may_write_anywhere:
        raise AccessDenied(services.no_write_role_message())
    form = ImportForm(request.POST, request.FILES)  # reads the body, through the limit
    if handler is not None and handler.exceeded:
        raise too_large()
    if form.is_valid():
        try:
            job = services.import_job_create(
                actor=request.user,
                files=form.cleaned_data["upload"],
                dry_run=form.cleaned_data["dry_run"],
                create_areas=form.cleaned_data["create_areas"],
                reason=form.cleaned_data["reason"],
                channel=CHANNEL,
            )
        except FupinError as error:
            if error.status >= 403:
                raise
            for field, reasons in (error.fields or {"upload": [str(error.message)]}).items():
                name = "upload" if field == "files" else field
                for reason in reasons:
                    form.add_error(name if name in form.fields else None, reason)
        else:
            if not job.is_finished:
                messages.success(request, _("文件已上传，正在后台处理。"))
            return HttpResponseRedirect(reverse("exchange:job_detail", args=[job.pk]))
    return render(request, "exchange/home.html", _home_context(request, scope, form), status=400)


def _job_context(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    progress = selectors.import_job_progress(job)
    phase = progress["phase"]
    ignored = [
        {"sheet": sheet, "headers": "、".join(headers)}
        for sheet, headers in (job.ignored_headers or {}).items()
        if headers
    ]
    return {
        "job": job,
        "progress": progress,
        "phase_label": str(PHASE_LABELS[phase]) if phase in PHASE_LABELS else "",
        "errors": selectors.import_job_errors(
            viewer=pii.viewer(request, CHANNEL), job=job, limit=ERRORS_SHOWN
        ),
        "errors_more": job.error_count > ERRORS_SHOWN,
        "ignored": ignored,
        "may_retry": services.may_retry(request.user, job),
        "polling": not job.is_finished,
        "stale": services.job_is_stale(job),
        "wrote": job.status == ImportJob.Status.SUCCEEDED,
    }


@login_required
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.import_job_get(actor=request.user, job_id=job_id)
    context = _job_context(request, job)
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )
    template = "exchange/_job_body.html" if partial else "exchange/job_detail.html"
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    services.import_job_retry(actor=request.user, job_id=job_id, channel=CHANNEL)
    messages.success(request, _("已重新加入处理队列。"))
    return HttpResponseRedirect(reverse("exchange:job_detail", args=[job_id]))


@login_required
@require_GET
def job_errors(request: HttpRequest, job_id: int) -> FileResponse:
    job = selectors.import_job_get(actor=request.user, job_id=job_id)
    return error_report_response(job)


def error_report_response(job: ImportJob) -> FileResponse:
    if not job.error_report:
        raise NotFound(_("这个任务没有错误报告。"))
    path = Path(settings.MEDIA_ROOT) / job.error_report
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise NotFound(_("错误报告文件已不存在。")) from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"导入错误-任务{job.pk}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
