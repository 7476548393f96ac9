"""Keep personal data out of logs: ID numbers and phone numbers are redacted.

What people type reaches logs in many spellings: full-width digits (１３９…), a phone with
its country code (+86, 0086) or split into groups (139-1234-5678, 139 1234 5678), an ID
number run into the letters after it. Ordinary numbers stay: amounts, years, and the
12-digit area codes (only a 15-digit run, shaped like an old ID, is taken for one).
"""

from __future__ import annotations

import logging
import re

_D = "[0-9０-９]"  # an ASCII or full-width digit
_X = "[0-9０-９XxＸｘ]"  # the last character of a resident ID
_SEP = "[ \u3000\\-－]?"  # an optional space, ideographic space or dash between groups
_ID = rf"{_D}{{17}}{_X}|{_D}{{15}}"
# A mainland mobile number, optionally after +86 / 0086 / 86: 1[3-9]x xxxx xxxx.
_PHONE = (
    rf"(?:(?:[+＋]|00|００)?[8８][6６]{_SEP})?"
    rf"[1１][3-9３-９]{_D}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}"
)
# Not inside a longer run of digits (a 20-digit account number is not an ID); a letter
# straight after the number does not protect it.
_PII = re.compile(rf"(?<![0-9０-９])(?:{_ID}|{_PHONE})(?![0-9０-９])")


def redact(text: str) -> str:
    return _PII.sub("[已隐去]", text)


class PiiRedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
