"""A refused service call or an invalid form, told to the user as a message on the page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _


def fail(request: HttpRequest, exc: Any) -> None:
    """A ``FupinError``: its message and the reasons of each field."""
    text = str(exc.message)
    for errors in exc.fields.values():
        text += " " + " ".join(str(e) for e in errors)
    messages.error(request, text)


def form_fail(request: HttpRequest, form: Any) -> None:
    """An invalid form: each field's label with its errors."""
    text = " ".join(
        f"{form.fields[name].label if name in form.fields else ''} {' '.join(errors)}".strip()
        for name, errors in form.errors.items()
    )
    messages.error(request, text or _("提交的数据有误，请检查。"))
