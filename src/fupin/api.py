"""The REST API root: token auth, one error shape, routers from each app.

Every error, whatever raised it, leaves as
``{"error": {"code": "...", "message": "中文...", "fields": {...}}}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from fupin.accounts.api import router as accounts_router
from fupin.accounts.services import api_token_user
from fupin.accounts.throttle import token_attempt_allowed, token_attempt_failed
from fupin.areas.api import router as areas_router
from fupin.assistance.api import router as assistance_router
from fupin.command.api import router as command_router
from fupin.core.errors import AccessDenied, FupinError, InvalidInput, NotAuthenticated, NotFound
from fupin.core.middleware import nul_refusal
from fupin.exchange.api import exports_router, imports_router
from fupin.leadership.api import router as leadership_router
from fupin.matching.api import router as matching_router
from fupin.party.api import router as party_router
from fupin.policy.api import router as policy_router
from fupin.procedures.api import router as procedures_router
from fupin.registry.api import router as registry_router

log = logging.getLogger("fupin.api")

DESCRIPTION = """
精准扶贫建档立卡系统的接口。Interface of the fupin targeted poverty alleviation registry.

**认证 Authentication**：请求头 `Authorization: Bearer fp_…`（令牌用 `fupin token create 用户名`
生成）；浏览器中已登录时也可直接使用本页面（写操作须带 CSRF 令牌）。
Send `Authorization: Bearer fp_…` (create a key with `fupin token create USERNAME`); a
logged-in browser session works too, with the CSRF token on writes.

**范围 Scope**：只能看到本人角色所辖区划内的数据；范围以外的户一律返回 404。
You see only the areas your roles cover; anything outside them is 404.

**个人信息 Personal data**：证件号码、健康状况、联系电话按角色掩码；未掩码的查看记入审计日志。
ID numbers, health and phone are masked unless your role may see them; unmasked views are
recorded in the audit trail.

**并发 Concurrency**：修改时须提交读取时的 `version`，已被他人修改则返回 409。
Writes carry the `version` you read; a stale one is refused with 409.

**错误 Errors**：`{"error": {"code": "...", "message": "...", "fields": {"字段": ["原因"]}}}`
— codes `not_authenticated` 401, `access_denied`/`csrf_failed` 403, `not_found` 404,
`invalid` 400, `conflict` 409, `throttled` 429 (too many bad tokens from one client:
wait 15 minutes), `server_error` 500.
"""


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer fp_...`` — an API token issued to a user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # Bad tokens from one client are counted and locked out like web sign-ins.
        if not token_attempt_allowed(request):
            raise HttpError(429, "throttled")
        user = api_token_user(key=token.strip()) if token.strip() else None
        if user is None:
            token_attempt_failed(request)
        return user


class SessionCsrfAuth(APIKeyCookie):
    """The logged-in browser session (so the docs page works), with CSRF on writes.

    ninja's own SessionAuth checks CSRF before it knows whether there is a session at
    all, which turns an anonymous write into 403; here a request without a session is
    simply not authenticated (401), and a session write without the token is 403.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and check_csrf(request) is not None:
            raise AccessDenied(_("安全校验（CSRF）未通过，请刷新页面后重试。"), code="csrf_failed")
        return user


class NulRefusingParser(Parser):
    """JSON bodies, query strings and form fields, refusing a NUL byte in any text.

    PostgreSQL cannot hold NUL in text (a server error on save or in a query) and SQLite
    would store it; here it is a 400 naming the field, before any view runs. Paths and
    the web's forms are checked by the error middleware (core.middleware).
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        names = sorted(set(_nul_paths(data, "")))
        if names:
            raise nul_refusal(names)
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        names = [
            key
            for key, values in data.lists()
            if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values)
        ]
        if names:
            raise nul_refusal(names)
        return super().parse_querydict(data, list_fields, request)


def _nul_paths(value: Any, where: str) -> list[str]:
    """Where in a parsed JSON document a string (or an object key) holds a NUL byte."""
    if isinstance(value, str):
        return [where or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            out += [name.replace("\x00", "")] if "\x00" in str(key) else _nul_paths(item, name)
        return out
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _nul_paths(item, f"{where}[{i}]")]
    return []


def _error_response(error: FupinError) -> JsonResponse:
    return JsonResponse(
        error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False}
    )


# The error statuses fupin answers, each with the one error shape; which operations can
# answer which is decided in FupinAPI.get_openapi_schema.
ERROR_STATUSES: dict[int, str] = {
    400: "invalid — 请求参数或内容有误（fields 指明字段）",
    401: "not_authenticated — 未提供有效的令牌或会话",
    403: "access_denied / csrf_failed — 无权进行此操作",
    404: "not_found — 不存在，或不在您的管辖范围内",
    405: "method_not_allowed — 此地址不支持该请求方法",
    409: "conflict — 已被他人修改（version 不符）或状态不允许",
    413: "too_large — 上传的文件过大",
    429: "throttled — 请求或登录失败过于频繁，请稍后再试",
}
ERROR_SCHEMA = "ErrorOut"


def _error_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    """What an operation can answer besides success: every one can be refused as
    invalid (query, path, NUL bytes), unauthenticated, forbidden (role, CSRF), not found
    (scope), another method, or throttled; writes can also conflict; uploads be too
    large."""
    statuses = [400, 401, 403, 404, 405, 429]
    if method != "get":
        statuses.append(409)
    body = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in body:
        statuses.append(413)
    return sorted(statuses)


class FupinAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        """ninja's schema, with every error status an operation can answer documented
        with the one error shape, and the statuses fupin never answers (``codes_4xx``
        lists all of 400-451) left out."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        if ERROR_SCHEMA not in components:
            from fupin.registry.schemas import ErrorOut

            error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(error_schema.pop("$defs", {}))
            components[ERROR_SCHEMA] = error_schema
        error_ref = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
        for methods in schema["paths"].values():
            for method, operation in methods.items():
                responses = operation["responses"]
                wanted = _error_statuses(method, operation)
                for status in list(responses):
                    if 400 <= int(status) < 500 and int(status) not in wanted:
                        del responses[status]
                for status in wanted:
                    responses[status] = {
                        "description": ERROR_STATUSES[status],
                        "content": {"application/json": {"schema": error_ref}},
                    }
                operation["responses"] = dict(sorted(responses.items(), key=lambda r: int(r[0])))
        return schema

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(pattern.callback)
        # Anything else under /api/ is a JSON 404 rather than the web's HTML page.
        patterns.append(re_path(r"^.*$", _unknown_path, name="unknown"))
        return patterns, app_name, namespace


def _json_method_not_allowed(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if getattr(response, "status_code", None) == 405 and not isinstance(response, JsonResponse):
            allow = response.get("Allow", "")
            error = FupinError(
                _("不支持此请求方法；可用的方法：%(allow)s") % {"allow": allow},
                code="method_not_allowed",
            )
            error.status = 405
            json = _error_response(error)
            json["Allow"] = allow
            return json
        return response

    return wrapper


def _unknown_path(request: HttpRequest) -> HttpResponse:
    return _error_response(NotFound(_("没有这个接口地址。")))


api = FupinAPI(
    title="fupin 精准扶贫 API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionCsrfAuth()],
    parser=NulRefusingParser(),
)

api.add_router("", accounts_router)
api.add_router("", areas_router)
api.add_router("", registry_router)
api.add_router("/imports", imports_router)
api.add_router("/exports", exports_router)
api.add_router("", policy_router)
api.add_router("", procedures_router)
api.add_router("", assistance_router)
api.add_router("", command_router)
api.add_router("", party_router)
api.add_router("", leadership_router)
api.add_router("", matching_router)


# --- one error shape -----------------------------------------------------------------


@api.exception_handler(FupinError)
def _fupin_error(request: HttpRequest, exc: FupinError) -> HttpResponse:
    return _error_response(exc)


_VALIDATION_MESSAGES: dict[str, Any] = {
    "missing": gettext_lazy("此项必填"),
    "int_parsing": gettext_lazy("须为整数"),
    "int_type": gettext_lazy("须为整数"),
    "int_from_float": gettext_lazy("须为整数"),
    "float_parsing": gettext_lazy("须为数字"),
    "float_type": gettext_lazy("须为数字"),
    "decimal_parsing": gettext_lazy("须为数字"),
    "decimal_type": gettext_lazy("须为数字"),
    "decimal_max_digits": gettext_lazy("数字位数过多"),
    "decimal_max_places": gettext_lazy("小数位数过多"),
    "decimal_whole_digits": gettext_lazy("整数位数过多"),
    "bool_parsing": gettext_lazy("须为 true 或 false"),
    "bool_type": gettext_lazy("须为 true 或 false"),
    "string_type": gettext_lazy("须为文本"),
    "list_type": gettext_lazy("须为列表"),
    "model_type": gettext_lazy("须为 JSON 对象"),
    "model_attributes_type": gettext_lazy("须为 JSON 对象"),
    "dict_type": gettext_lazy("须为 JSON 对象"),
    "extra_forbidden": gettext_lazy("没有这个字段"),
    "json_invalid": gettext_lazy("不是有效的 JSON"),
    "enum": gettext_lazy("须为以下之一：%(expected)s"),
    "literal_error": gettext_lazy("须为以下之一：%(expected)s"),
    "greater_than_equal": gettext_lazy("不能小于 %(ge)s"),
    "greater_than": gettext_lazy("须大于 %(gt)s"),
    "less_than_equal": gettext_lazy("不能大于 %(le)s"),
    "less_than": gettext_lazy("须小于 %(lt)s"),
    "string_too_long": gettext_lazy("最多 %(max_length)s 个字符"),
    "string_too_short": gettext_lazy("至少 %(min_length)s 个字符"),
    "too_long": gettext_lazy("最多 %(max_length)s 项"),
    "too_short": gettext_lazy("至少 %(min_length)s 项"),
}


def _validation_message(error: dict[str, Any]) -> str:
    template = _VALIDATION_MESSAGES.get(str(error.get("type")))
    if template is None:
        return _("取值无效")
    text = str(template)
    if "%(" not in text:
        return text
    ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return text % ctx
    except (KeyError, ValueError):
        return _("取值无效")


def _field_name(loc: Any) -> str:
    """("body", "payload", "members", 0, "id_number") → "members[0].id_number", the
    same names the services use; query and path parameters keep their own name."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == "payload":
            parts.pop(0)
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "body"


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(error.get("loc", ())), []).append(_validation_message(error))
    return _error_response(InvalidInput(fields=fields))


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error_response(
        NotAuthenticated(_("请提供有效的接口令牌（Authorization: Bearer fp_…），或先登录。"))
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, FupinError):
        # ninja wraps what the body parser raised (a NUL refusal) in "cannot parse"
        return _error_response(exc.__cause__)
    if exc.status_code == 400:
        error: FupinError = InvalidInput(_("请求内容不是有效的 JSON。"))
    elif exc.status_code == 401:
        error = NotAuthenticated()
    elif exc.status_code == 403:
        error = AccessDenied()
    elif exc.status_code == 404:
        error = NotFound()
    elif exc.status_code == 429:
        error = FupinError(_("请求过于频繁，请稍后再试。"), code="throttled")
        error.status = 429
    else:
        error = FupinError(code="error")
        error.status = exc.status_code
    return _error_response(error)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error_response(NotFound())


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error_response(AccessDenied())


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unhandled API error on %s %s", request.method, request.path)
    error = FupinError(_("系统出现错误，已记录。请稍后再试或联系管理员。"), code="server_error")
    error.status = 500
    return _error_response(error)
