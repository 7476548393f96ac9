"""Keep personal data out of logs: ID numbers and phone numbers are redacted."""

from __future__ import annotations

import logging
import re

# 18-digit resident IDs (last may be X), 15-digit old IDs, and mainland mobile numbers.
_PII = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15}|1[3-9][0-9]{9})(?![0-9Xx])")


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
