"""The exchange engine's contract: import (read → validate → write), the error report,
and export. The job layer (ImportJob, tasks, views, API) and the CLI call only this.

``import_files`` never raises for bad input: a bad file gives ``refused`` (the whole file,
e.g. too large) or ``errors`` (every wrong cell). It raises only for real failures (the
database gone…), and then the transaction has written nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl
import xlsxwriter

from fupin.accounts.scope import Scope
from fupin.exchange import export as _export
from fupin.exchange import layout
from fupin.exchange.readers import ROW, Refused, raw_rows, read_tables
from fupin.exchange.validate import validate
from fupin.exchange.write import write
from fupin.registry.selectors import HouseholdFilters


@dataclass(frozen=True)
class CellError:
    sheet: str
    row: int  # spreadsheet row number; the header is row 1
    header: str
    value: str
    reason: str  # in Chinese


@dataclass
class ImportOutcome:
    refused: str | None
    errors: list[CellError]
    ignored_headers: dict[str, list[str]]
    dry_run: bool
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    members_created: int = 0
    members_updated: int = 0
    members_removed: int = 0

    @property
    def ok(self) -> bool:
        return self.refused is None and not self.errors


ProgressFn = Callable[[str, int, int], None]  # (phase: "read"|"validate"|"write", done, total)


def import_files(
    *,
    actor: Any,
    paths: Sequence[Path],
    dry_run: bool,
    create_areas: bool = False,
    reason: str = "",
    channel: str = "cli",
    progress: ProgressFn | None = None,
) -> ImportOutcome:
    def report(phase: str, done: int, total: int) -> None:
        if progress:
            progress(phase, done, total)

    report("read", 0, 1)
    try:
        raw = read_tables([Path(p) for p in paths])
    except Refused as exc:
        return ImportOutcome(refused=exc.message, errors=[], ignored_headers={}, dry_run=dry_run)
    rows = raw.households.height + raw.members.height
    ignored = raw.ignored
    report("read", 1, 1)
    report("validate", 0, rows)
    checked = validate(raw, actor=actor, create_areas=create_areas)
    del raw  # the cells as read: freed before the write, which needs only typed values
    report("validate", rows, rows)
    outcome = ImportOutcome(
        refused=None,
        errors=[CellError(**r) for r in checked.errors.iter_rows(named=True)],
        ignored_headers=ignored,
        dry_run=dry_run,
    )
    if outcome.errors:
        return outcome
    # A dry run goes through the write's own computation, writing nothing: its counts
    # are the import's.
    counts = write(
        checked,
        actor=actor,
        reason=reason,
        channel=channel,
        progress=None if dry_run else lambda done, total: report("write", done, total),
        dry_run=dry_run,
    )
    outcome.households_created = counts.households_created
    outcome.households_updated = counts.households_updated
    outcome.households_unchanged = counts.households_unchanged
    outcome.members_created = counts.members_created
    outcome.members_updated = counts.members_updated
    outcome.members_removed = counts.members_removed
    return outcome


def error_report_xlsx(outcome: ImportOutcome, raw_paths: Sequence[Path], dest: Path) -> Path:
    """The rows that have errors, per sheet, with their original cells and a 错误说明
    column listing every wrong cell of the row (“header: reason”)."""
    dest = Path(dest)
    by_row: dict[tuple[str, int], list[str]] = {}
    for e in outcome.errors:
        by_row.setdefault((e.sheet, e.row), []).append(f"{e.header}：{e.reason}")
    sheets = raw_rows(raw_paths) if outcome.errors else {}
    workbook = xlsxwriter.Workbook(str(dest), {"constant_memory": True, "strings_to_numbers": False,
                                               "strings_to_formulas": False, "strings_to_urls": False})  # fmt: skip
    try:
        for sheet in (layout.HOUSEHOLD_SHEET, layout.MEMBER_SHEET):
            ws = workbook.add_worksheet(sheet)
            headers, frame = sheets.get(sheet, ([], pl.DataFrame({ROW: []})))
            ws.write_row(0, 0, ["行号", *headers, layout.ERROR_HEADER])
            wanted = sorted(row for s, row in by_row if s == sheet)
            if not wanted:
                continue
            picked = frame.filter(pl.col(ROW).is_in(wanted)).sort(ROW)
            for out_row, record in enumerate(picked.iter_rows(), start=1):
                row_number = record[0]
                cells = [_export.neutralise(c) for c in record[1:]]
                ws.write_row(
                    out_row, 0, [row_number, *cells, "；".join(by_row[(sheet, row_number)])]
                )
    finally:
        workbook.close()
    return dest


def export_files(
    *,
    actor: Any,
    scope: Scope,
    filters: HouseholdFilters | None,
    fmt: Literal["xlsx", "csv"],
    dest_dir: Path,
) -> list[Path]:
    """xlsx: one workbook with sheets 户 and 成员; csv: households.csv + members.csv
    (UTF-8 with BOM). Scoped, masked by role, neutralised, logged when unmasked."""
    return _export.export_files(
        actor=actor, scope=scope, filters=filters, fmt=fmt, dest_dir=dest_dir
    )


def household_csv_chunks(
    *, actor: Any, scope: Scope, filters: HouseholdFilters | None = None
) -> Iterator[str]:
    return _export.household_csv_chunks(actor=actor, scope=scope, filters=filters)


__all__ = [
    "CellError",
    "ImportOutcome",
    "ProgressFn",
    "error_report_xlsx",
    "export_files",
    "household_csv_chunks",
    "import_files",
]
