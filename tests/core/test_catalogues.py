from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "src" / "fupin" / "locale"
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%\([a-z_]+\)\.\d+f|\{[a-z_0-9]*\}")


@pytest.mark.parametrize("language", ["en", "zh_Hant"])
def test_catalogue_is_complete_and_placeholders_match(language: str) -> None:
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert len(po) > 300
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    for entry in po:
        if entry.msgid_plural:
            continue
        # Named placeholders may repeat in one language and not the other; the set must agree.
        assert set(_PLACEHOLDER.findall(entry.msgid)) == set(_PLACEHOLDER.findall(entry.msgstr)), (
            entry.msgid
        )
