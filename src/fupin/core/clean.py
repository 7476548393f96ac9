"""Cleaning of single values that services take from forms and the API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fupin.core.errors import InvalidInput


def text(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    """Stripped text of at most ``limit`` characters; required unless told otherwise."""
    cleaned = str(value or "").strip()
    if required and not cleaned:
        raise InvalidInput(fields={field: [_("必填")]})
    if len(cleaned) > limit:
        raise InvalidInput(fields={field: [_("最多 %(n)s 字") % {"n": limit}]})
    return cleaned
