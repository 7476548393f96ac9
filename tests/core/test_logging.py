"""Log redaction: every spelling of an ID or mobile number people type goes, ordinary
numbers stay."""

from __future__ import annotations

import logging

import pytest

from fupin.core.logging import PiiRedactingFilter, redact

GONE = "[已隐去]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话 13912345678", f"电话 {GONE}"),
        ("电话 +8613912345678。", f"电话 {GONE}。"),
        ("tel:+86 139 1234 5678", f"tel:{GONE}"),
        ("tel 0086-139-1234-5678", f"tel {GONE}"),
        ("86 13912345678", GONE),
        ("139-1234-5678", GONE),
        ("139 1234 5678", GONE),
        ("１３９１２３４５６７８", GONE),
        ("＋８６１３９１２３４５６７８", GONE),
        ("139　1234　5678", GONE),  # ideographic spaces
        ("42282219900101123X", GONE),
        ("42282219900101123Xabc", f"{GONE}abc"),
        ("42282219900101123xabc", f"{GONE}abc"),
        ("422822199001011234abc", f"{GONE}abc"),
        ("422822199001011234x", f"{GONE}x"),
        ("422822199001011234Xyz", f"{GONE}Xyz"),
        ("身份证４２２８２２１９９００１０１１２３４", f"身份证{GONE}"),
        ("id=422822199001011234&x=1", f"id={GONE}&x=1"),
        ("422822900101123", GONE),  # a 15-digit old ID
    ],
)
def test_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "金额 1234567.89 元，2026 年",
        "区划 422822100201 东门村",
        "区划 130100000000",
        "户编号 H000123",
        "共 13912 户 5678 人",
        "账号 62220212345678901234",  # 20 digits: not an ID
        "任务 12345678901",  # 11 digits not starting 1[3-9]
        "耗时 0.138 秒, 1391 ms",
    ],
)
def test_ordinary_numbers_stay(text: str) -> None:
    assert redact(text) == text


def test_the_filter_redacts_arguments_and_tracebacks() -> None:
    try:
        raise ValueError("bad phone +86 139-1234-5678")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "saving %s", ("１３９１２３４５６７８",), exc_info
    )
    assert PiiRedactingFilter().filter(record)
    assert record.getMessage() == f"saving {GONE}"
    assert record.exc_text and "1234" not in record.exc_text and GONE in record.exc_text
