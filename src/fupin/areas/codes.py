"""Statistical division codes (统计用区划代码) and prefix scoping.

Levels down to the village use the national 12-digit code, zero-padded; a village group
(村民小组) has no national code, so it extends its village's code by three digits (15 in
all), the common local practice. An area's *prefix* is the significant part of its code;
everything under it has a code starting with that prefix. Scoping is a range on the code
(prefix <= code < next(prefix)) so a plain B-tree index serves it on SQLite and PostgreSQL
without LIKE operator classes.

A level may be skipped: the prefecture-level cities without counties (东莞 441900, 中山
442000, 儋州 460400) hold their townships directly, with county digits 00 (441900003000
东城街道). Such a township's padded county code is the prefecture's own code, so
``parent_code`` names the prefecture without a special case, and its prefix (441900003)
scopes it like any other township.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _

from fupin.core.errors import InvalidInput

if TYPE_CHECKING:
    import polars as pl

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


def parent_code_of_level(code: str, level: str) -> str | None:
    """The parent's code: the code cut to the prefix of the level above and padded (for a
    township under a countyless prefecture that is the prefecture's own code)."""
    index = LEVELS.index(level)
    if index == 0:
        return None
    return code[: PREFIX_LENGTH[LEVELS[index - 1]]].ljust(12, "0")


def prefix_of(code: str) -> str:
    return code[: PREFIX_LENGTH[level_of(code)]]


def parent_code(code: str) -> str | None:
    return parent_code_of_level(code, level_of(code))


# The same three rules as frame expressions, for the loader's whole-file checks; tests
# hold them equal to level_of / parent_code.
CODE_PATTERN = _CODE.pattern


def level_expr(code: pl.Expr) -> pl.Expr:
    """``level_of`` of a column of well-formed codes."""
    import polars as pl

    return (
        pl.when(code.str.len_chars() == 15)
        .then(pl.lit("group"))
        .when(code.str.slice(2) == "0" * 10)
        .then(pl.lit("province"))
        .when(code.str.slice(4) == "0" * 8)
        .then(pl.lit("prefecture"))
        .when(code.str.slice(6) == "0" * 6)
        .then(pl.lit("county"))
        .when(code.str.slice(9) == "000")
        .then(pl.lit("township"))
        .otherwise(pl.lit("village"))
    )


def parent_expr(code: pl.Expr, level: pl.Expr) -> pl.Expr:
    """``parent_code_of_level`` of columns of well-formed codes and their levels."""
    import polars as pl

    def cut(parent_level: str) -> pl.Expr:
        return code.str.slice(0, PREFIX_LENGTH[parent_level]).str.pad_end(12, "0")

    return (
        pl.when(level == "prefecture")
        .then(cut("province"))
        .when(level == "county")
        .then(cut("prefecture"))
        .when(level == "township")
        .then(cut("county"))
        .when(level == "village")
        .then(cut("township"))
        .when(level == "group")
        .then(cut("village"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


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
