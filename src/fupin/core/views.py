"""fupin's own error pages for what Django answers before or around a view (an unknown
address, a failed CSRF check, a crash), in the same shape as every other error."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fupin.core.errors import AccessDenied, FupinError, InvalidInput, NotFound

log = logging.getLogger("fupin.errors")


def error_response(request: HttpRequest, error: FupinError) -> HttpResponse:
    """The page (or, under /api/, the JSON error) for ``error``."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False}
        )
    return render(request, "error.html", {"error": error}, status=error.status)


def server_error() -> FupinError:
    error = FupinError(_("系统出现错误，已记录。请稍后再试或联系管理员。"), code="server_error")
    error.status = 500
    return error


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_response(
        request,
        AccessDenied(
            _("安全校验（CSRF）未通过：页面可能已过期，或浏览器禁用了 Cookie。请刷新页面后重试。"),
            code="csrf_failed",
        ),
    )


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_response(request, InvalidInput(_("请求无效。")))


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_response(request, AccessDenied())


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_response(request, NotFound(_("没有这个页面。")))


def crashed(request: HttpRequest) -> HttpResponse:
    # Django has already logged the exception (through the redacting filter). The page
    # stands alone, without the user's menu: whatever failed (the database, say) must not
    # fail again while it is drawn.
    error = server_error()
    if request.path.startswith("/api/"):
        return error_response(request, error)
    return render(None, "500.html", {"error": error}, status=500)
