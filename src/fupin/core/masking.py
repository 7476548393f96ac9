"""How personal data looks to a role that may not see it."""

from __future__ import annotations

from django.utils.translation import gettext as _


def mask_id_number(value: str) -> str:
    if not value:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return value
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_sensitive() -> str:
    """Health and disability are hidden entirely, not partially."""
    return _("（无权查看）")
