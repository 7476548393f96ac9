"""Limits: files too large, zip bombs, absurd column counts and row counts are refused
quickly, with a clear Chinese message, before anything is decompressed or parsed."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path
from typing import Any

from fupin.exchange import layout
from fupin.exchange.pipeline import import_files
from tests.exchange.helpers import digest, household_pair, write_csv_pair, write_xlsx


def test_oversize_file_refused_before_reading(settings: Any, tmp_path: Path, areas: None) -> None:
    h, m = household_pair("L1")
    paths = write_csv_pair(tmp_path, [h], m)
    settings.FUPIN_IMPORT_MAX_BYTES = 200
    before = digest()
    outcome = import_files(actor=None, paths=paths, dry_run=False)
    assert outcome.refused and "文件过大" in outcome.refused and not outcome.errors
    assert digest() == before


def test_zip_bomb_disguised_as_xlsx(tmp_path: Path, areas: None) -> None:
    bomb = tmp_path / "registry.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as entry:
            zeros = b"\0" * (1024 * 1024)
            for _ in range(300):  # 300 MB that compress to about 300 KB
                entry.write(zeros)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    started = time.monotonic()
    outcome = import_files(actor=None, paths=[bomb], dry_run=False)
    assert outcome.refused and "压缩炸弹" in outcome.refused
    assert time.monotonic() - started < 2


def test_a_million_empty_columns(tmp_path: Path, areas: None) -> None:
    h, m = household_pair("L1")
    paths = write_csv_pair(tmp_path, [h], m)
    text = paths[0].read_text(encoding="utf-8-sig").splitlines()
    with paths[0].open("w", encoding="utf-8") as handle:
        handle.write(text[0] + "," * 1_000_000 + "\n" + text[1] + "\n")
    started = time.monotonic()
    outcome = import_files(actor=None, paths=paths, dry_run=False)
    assert outcome.refused and "列" in outcome.refused and "已拒绝" in outcome.refused
    assert time.monotonic() - started < 2


def test_many_columns_in_a_short_header(tmp_path: Path, areas: None) -> None:
    h, m = household_pair("L1")
    paths = write_csv_pair(tmp_path, [h], m)
    text = paths[1].read_text(encoding="utf-8-sig").splitlines()
    paths[1].write_text(text[0] + ",x" * 300 + "\n", encoding="utf-8")
    outcome = import_files(actor=None, paths=paths, dry_run=False)
    assert outcome.refused and "超过上限" in outcome.refused


def test_too_many_rows(monkeypatch: Any, tmp_path: Path, areas: None) -> None:
    monkeypatch.setattr(layout, "MAX_ROWS", 1)
    h, m = household_pair("L1")
    outcome = import_files(actor=None, paths=write_csv_pair(tmp_path, [h], m), dry_run=False)
    assert outcome.refused and "成员" in outcome.refused and "行" in outcome.refused


def test_xlsx_within_limits_is_read(tmp_path: Path, areas: None) -> None:
    h, m = household_pair("L1")
    path = write_xlsx(tmp_path / "ok.xlsx", [h], m)
    assert import_files(actor=None, paths=[path], dry_run=True).ok
