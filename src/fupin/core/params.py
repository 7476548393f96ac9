"""Query parameters, checked once: the API's parameter types and the pages' parsers.

A filter a user (or a client) typed goes into selectors as an area-code prefix range or a
year lookup; an unchecked ``?area=abc`` or ``?year=99999`` fails there deep inside, as a
server error. Here every such parameter is checked at the door: the API declares it with
one of the annotated types below (a wrong value is ninja's 400 with the field named), the
pages read it with the parsers below (a wrong value is ``InvalidInput``, which the error
middleware shows as a 400 page with the message).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import Field

from fupin.core.errors import InvalidInput

# An area filter is a full code (12 digits, 15 for a village group) or the significant
# prefix of one (2, 4, 6, 9 digits); the selectors read either as a code-prefix range.
AREA_PATTERN = r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})?$"
_AREA = re.compile(AREA_PATTERN)

# Years the registry and the organisation records are about: poverty alleviation started
# in 2013, and dates beyond 9999 do not exist at all.
YEAR_MIN = 2000
YEAR_MAX = 2100

# What ninja validates and documents (pattern, bounds); the empty string means "no filter".
AreaFilter = Annotated[
    str,
    Field(
        pattern=AREA_PATTERN,
        description="区划代码（12 位，村民小组 15 位）或其前缀（2/4/6/9 位）；留空为全部",
    ),
]
Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
PositiveId = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _invalid(name: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={name: [message]})


def area_param(params: Mapping[str, str], name: str = "area") -> str:
    """An area filter from the query string: "" (none) or a code or code prefix."""
    value = (params.get(name) or "").strip()
    if not _AREA.match(value):
        raise _invalid(
            name,
            _("区划代码无效：%(value)s（须为12位数字，村民小组为15位）") % {"value": value[:30]},
        )
    return value


def year_param(params: Mapping[str, str], name: str = "year") -> int | None:
    """A year from the query string, or None when it is absent or empty."""
    value = (params.get(name) or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not YEAR_MIN <= int(value[:6]) <= YEAR_MAX:
        raise _invalid(
            name,
            _("年份无效：%(value)s（须在 %(min)s 至 %(max)s 之间）")
            % {"value": value[:30], "min": YEAR_MIN, "max": YEAR_MAX},
        )
    return int(value)


def as_id(value: object) -> int | None:
    """``value`` as a record id, or None when it is not one. ``str.isdigit`` alone lets
    through digits ``int`` refuses ("²") and numbers no database integer holds."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 1 <= number < 2**63 else None


def id_param(params: Mapping[str, str], name: str) -> int | None:
    """A record id from the query string, or None when it is absent or empty."""
    value = (params.get(name) or "").strip()
    if not value:
        return None
    number = as_id(value)
    if number is None:
        raise _invalid(name, _("编号无效：%(value)s") % {"value": value[:30]})
    return number


def choice_param(params: Mapping[str, str], name: str, choices: Iterable[str]) -> str:
    """One of ``choices`` from the query string, or "" when it is absent or empty."""
    value = (params.get(name) or "").strip()
    allowed = list(choices)
    if value and value not in allowed:
        raise _invalid(
            name,
            _("取值无效：%(value)s（可选：%(allowed)s）")
            % {"value": value[:30], "allowed": "、".join(allowed)},
        )
    return value
