"""Statistical division codes (统计用区划代码) and prefix scoping.

Levels down to the village use the national 12-digit code, zero-padded; a village group
(村民小组) has no national code, so it extends its village's code by three digits (15 in
all), the common local practice. An area's *prefix* is the significant part of its code;
everything under it has a code starting with that prefix. Scoping is a range on the code
(prefix <= code < next(prefix)) so a plain B-tree index serves it on SQLite and PostgreSQL
without LIKE operator classes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from fupin.core.errors import InvalidInput

LEVELS = ("province", "prefecture", "county", "township", "village", "group")
PREFIX_LENGTH = {
    "province": 2,
    "prefecture": 4,
    "county": 6,
    "township": 9,
    "village": 12,
    "group": 15,
}
_CODE = re.compile(r"^[0-9]{12}([0-9]{3})?$")


def level_of(code: str) -> str:
    if not _CODE.match(code):
        raise InvalidInput(_("区划代码须为12位数字（村民小组为15位）：%(code)s") % {"code": code})
    if len(code) == 15:
        return "group"
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "prefecture"
    if code[6:] == "0" * 6:
        return "county"
    if code[9:] == "000":
        return "township"
    return "village"


def prefix_of(code: str) -> str:
    return code[: PREFIX_LENGTH[level_of(code)]]


def parent_code(code: str) -> str | None:
    level = level_of(code)
    index = LEVELS.index(level)
    if index == 0:
        return None
    parent_prefix = code[: PREFIX_LENGTH[LEVELS[index - 1]]]
    return parent_prefix.ljust(12, "0")


def _next_prefix(prefix: str) -> str | None:
    """The smallest digit string of the same length greater than every code under prefix."""
    if set(prefix) == {"9"}:
        return None
    return str(int(prefix) + 1).zfill(len(prefix))


def prefix_q(field: str, prefixes: Iterable[str]) -> Q:
    """A filter matching rows whose ``field`` starts with any of ``prefixes``.

    An empty list matches nothing, so a user without a role sees nothing.
    """
    condition = Q(pk__in=[])
    for prefix in sorted(set(prefixes)):
        upper = _next_prefix(prefix)
        part = Q(**{f"{field}__gte": prefix})
        if upper is not None:
            part &= Q(**{f"{field}__lt": upper})
        condition |= part
    return condition


def covers(prefix: str, code: str) -> bool:
    return code.startswith(prefix)
