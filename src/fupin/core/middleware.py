"""No exception page ever reaches a user: errors become a Chinese page with a code."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from fupin.core.errors import FupinError, InvalidInput
from fupin.core.views import error_response, server_error

log = logging.getLogger("fupin.errors")


class FupinErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = nul_byte_error(request)
        if refused is not None:
            return error_response(request, refused)
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        # Forms of the web pages; by now the CSRF check has normally read the body. The
        # API reads its bodies itself (its parser refuses NUL, and the import endpoint
        # caps an upload while reading it, which reading it here would defeat).
        if request.method != "POST" or request.path.startswith("/api/"):
            return None
        if request.content_type == "multipart/form-data" and not hasattr(request, "_post"):
            # An upload nobody has read yet (the CSRF check found its token in a header):
            # the import view caps it while reading, which reading it here would defeat.
            return None
        refused = nul_byte_form_error(request)
        return error_response(request, refused) if refused is not None else None

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, FupinError):
            error = exc
        else:
            from django.core.exceptions import PermissionDenied
            from django.http import Http404

            if isinstance(exc, Http404):
                from fupin.core.errors import NotFound

                error = NotFound()
            elif isinstance(exc, PermissionDenied):
                from fupin.core.errors import AccessDenied

                error = AccessDenied()
            else:
                log.exception("unhandled error on %s", request.path)
                error = server_error()
        return error_response(request, error)


_NUL = "\x00"


def nul_refusal(names: list[str]) -> InvalidInput:
    message = _("提交的内容含有不允许的控制字符（NUL），请删除后重试。")
    return InvalidInput(message, fields={n.replace(_NUL, "") or "?": [message] for n in names})


def nul_byte_error(request: HttpRequest) -> InvalidInput | None:
    """A NUL byte in the path or the query string, as a refusal.

    No text field holds one: PostgreSQL refuses it in text (a server error deep in a
    query or a save) and SQLite would store it. The request is refused before any view
    runs, so nothing is read or stored with it.
    """
    names = ["path"] if _NUL in request.path else []
    names += [k for k, values in request.GET.lists() if _NUL in k or _has_nul(values)]
    return nul_refusal(names) if names else None


def nul_byte_form_error(request: HttpRequest) -> InvalidInput | None:
    """A NUL byte in a posted form field (uploaded files are not text and not checked)."""
    try:
        posted = request.POST
    except MultiPartParserError:
        return InvalidInput(_("提交的内容无法解析，请重新提交。"))
    names = [k for k, values in posted.lists() if _NUL in k or _has_nul(values)]
    return nul_refusal(names) if names else None


def _has_nul(values: list[str]) -> bool:
    return any(_NUL in v for v in values)


class LanguageMiddleware:
    """The interface is Simplified Chinese unless the user picked another language.

    Django's LocaleMiddleware follows the browser's Accept-Language, which would show a
    cadre with an English-language phone the English catalogue; here only the explicit
    choice (the language cookie set by the set_language view) counts.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
