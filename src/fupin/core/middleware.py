"""No exception page ever reaches a user: errors become a Chinese page with a code."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from fupin.core.errors import FupinError
from fupin.core.views import error_response, server_error

log = logging.getLogger("fupin.errors")


class FupinErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

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
