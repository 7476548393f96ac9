"""One exception hierarchy for fupin: machine-readable codes, translated messages.

Services raise these; the web middleware renders them as a page and the API as
``{"error": {"code": ..., "message": ..., "fields": {...}}}``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class FupinError(Exception):
    code = "error"
    status = 400
    default_message: Any = _("操作未能完成。")

    def __init__(
        self,
        message: Any = None,
        *,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.fields = fields or {}
        if code:
            self.code = code
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.fields:
            body["fields"] = {k: [str(m) for m in v] for k, v in self.fields.items()}
        return {"error": body}


class NotAuthenticated(FupinError):
    code = "not_authenticated"
    status = 401
    default_message = _("请先登录。")


class AccessDenied(FupinError):
    code = "access_denied"
    status = 403
    default_message = _("您无权进行此操作。")


class NotFound(FupinError):
    code = "not_found"
    status = 404
    default_message = _("未找到该记录，或不在您的管辖范围内。")


class InvalidInput(FupinError):
    code = "invalid"
    status = 400
    default_message = _("提交的数据有误，请检查标出的字段。")


class Conflict(FupinError):
    code = "conflict"
    status = 409
    default_message = _("该记录已被他人修改，请刷新后再改。您的修改未保存。")
