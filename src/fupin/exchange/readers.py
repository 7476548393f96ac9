"""Reading an exchange file into two frames of strings, with the file-level checks.

Every cell is read as text (nothing is inferred: an ID must never become a number here);
normalisation and checks of the values are validate.py's job. Whole-file problems (too
large, not a spreadsheet, zip bomb, too many columns, missing sheet or header) raise
``Refused`` with a message for the person who uploaded the file, before any row is read.
"""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl
from django.conf import settings
from django.utils.translation import gettext as _

from fupin.exchange import layout

ROW = "_row"  # the spreadsheet row number of each row (the header is row 1)
_HEAD_BYTES = 64 * 1024
_CHUNK = 8 * 1024 * 1024


class Refused(Exception):
    """The whole file is refused; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class RawTables:
    """Both sheets as strings: ``_row`` plus every header of the layout (absent optional
    headers are columns of nulls, so the validation sees one shape)."""

    households: pl.DataFrame
    members: pl.DataFrame
    ignored: dict[str, list[str]] = field(default_factory=dict)
    present: dict[str, frozenset[str]] = field(default_factory=dict)

    def frame(self, sheet: str) -> pl.DataFrame:
        return self.households if sheet == layout.HOUSEHOLD_SHEET else self.members


def clean_header(text: object) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip().lstrip("\ufeff")


# --- file-level checks ----------------------------------------------------------------


def check_size(paths: Sequence[Path]) -> None:
    limit = int(settings.FUPIN_IMPORT_MAX_BYTES)
    total = sum(p.stat().st_size for p in paths)
    if total > limit:
        raise Refused(
            _("文件过大（%(size)s），超过允许的%(limit)s。请按乡镇分开导入。")
            % {"size": _human(total), "limit": _human(limit)}
        )


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{size / 1024:.1f} KB"


def check_zip(path: Path) -> zipfile.ZipFile:
    """Open a zip (an xlsx is one) after checking, from its directory only, that it does
    not inflate absurdly; nothing is decompressed here."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Refused(_("文件不是有效的xlsx或zip文件（可能已损坏或被改了扩展名）。")) from exc
    infos = archive.infolist()
    total = sum(i.file_size for i in infos)
    stored = max(path.stat().st_size, 1)
    worst = max(
        (i.file_size / max(i.compress_size, 1) for i in infos if i.file_size > 1024 * 1024),
        default=0.0,
    )
    if (
        total > layout.MAX_UNCOMPRESSED_BYTES
        or total > stored * 50 + 50 * 1024 * 1024
        or worst > layout.MAX_COMPRESSION_RATIO
    ):
        archive.close()
        raise Refused(
            _("文件解压后将达%(size)s，压缩比异常，疑似压缩炸弹，已拒绝。")
            % {"size": _human(total)}
        )
    return archive


# --- CSV ------------------------------------------------------------------------------


def _header_line(path: Path) -> tuple[list[str], str]:
    """The header cells and the encoding, read from the file's first 64 KB only."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    end = head.find(b"\n")
    if end < 0 and len(head) == _HEAD_BYTES:
        raise Refused(
            _("%(name)s 的表头超过%(n)d列或过长，已拒绝。")
            % {"name": path.name, "n": layout.MAX_COLUMNS}
        )
    line = head if end < 0 else head[:end]
    if line.startswith(codecs.BOM_UTF8):
        encoding, line = "utf-8", line[3:]
    else:
        try:
            line.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            # What Excel in Chinese writes for “CSV (逗号分隔)”: GBK, a subset of GB18030.
            encoding = "gb18030"
    try:
        text = line.decode(encoding).rstrip("\r")
    except UnicodeDecodeError as exc:
        raise Refused(
            _("%(name)s 的编码无法识别（应为UTF-8或GBK/GB18030）。") % {"name": path.name}
        ) from exc
    if text.count(",") >= layout.MAX_COLUMNS:
        raise Refused(
            _("%(name)s 有%(n)d列，超过上限%(max)d列，已拒绝。")
            % {"name": path.name, "n": text.count(",") + 1, "max": layout.MAX_COLUMNS}
        )
    cells = next(csv.reader([text]), [])
    return [clean_header(c) for c in cells], encoding


def _to_utf8(path: Path, workdir: Path) -> Path:
    """GB18030 → UTF-8 in chunks, so that polars (UTF-8 only) can read it; memory flat."""
    target = workdir / (path.stem + ".utf8.csv")
    decoder = codecs.getincrementaldecoder("gb18030")()
    try:
        with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as out:
            while chunk := source.read(_CHUNK):
                out.write(decoder.decode(chunk))
            out.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise Refused(
            _("%(name)s 的编码无法识别（应为UTF-8或GBK/GB18030）。") % {"name": path.name}
        ) from exc
    return target


def _read_csv(path: Path, encoding: str, workdir: Path) -> pl.DataFrame:
    source = _to_utf8(path, workdir) if encoding != "utf-8" else path
    try:
        return pl.read_csv(
            source,
            infer_schema=False,
            truncate_ragged_lines=True,
        )
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            raise Refused(
                _("%(name)s 的编码无法识别（应为UTF-8或GBK/GB18030）。") % {"name": path.name}
            ) from exc
        raise Refused(
            _("%(name)s 不是有效的CSV文件：%(error)s") % {"name": path.name, "error": exc}
        ) from exc
    except pl.exceptions.NoDataError as exc:
        raise Refused(_("%(name)s 是空文件。") % {"name": path.name}) from exc


def _sheet_of_headers(headers: list[str]) -> str | None:
    names = set(headers)
    if "户主姓名" in names or "区划代码" in names:
        return layout.HOUSEHOLD_SHEET
    if "与户主关系" in names or ("姓名" in names and "证件号码" in names):
        return layout.MEMBER_SHEET
    return None


def _csv_pair(paths: Sequence[Path], workdir: Path) -> dict[str, pl.DataFrame]:
    if len(paths) != 2:
        raise Refused(_("CSV导入需要两个文件：households.csv（户）和 members.csv（成员）。"))
    found: dict[str, tuple[Path, str]] = {}
    for path in paths:
        headers, encoding = _header_line(path)
        sheet = _sheet_of_headers(headers)
        if sheet is None:  # the names decide only when the headers cannot
            sheet = {layout.HOUSEHOLD_CSV: layout.HOUSEHOLD_SHEET,
                     layout.MEMBER_CSV: layout.MEMBER_SHEET}.get(path.name.lower())  # fmt: skip
        if sheet is None or sheet in found:
            raise Refused(
                _("无法判断 %(name)s 是户表还是成员表：请检查表头。") % {"name": path.name}
            )
        found[sheet] = (path, encoding)
    return {sheet: _read_csv(path, enc, workdir) for sheet, (path, enc) in found.items()}


def _zip_pair(path: Path, archive: zipfile.ZipFile, workdir: Path) -> dict[str, pl.DataFrame]:
    entries = [i for i in archive.infolist() if i.filename.lower().endswith(".csv")]
    if len(entries) != 2:
        raise Refused(_("zip文件中须恰好有两个CSV文件（households.csv 和 members.csv）。"))
    extracted = []
    for index, info in enumerate(entries):
        target = workdir / f"part{index}.csv"
        with archive.open(info) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, _CHUNK)
        extracted.append(target)
    return _csv_pair(extracted, workdir)


# --- xlsx -----------------------------------------------------------------------------


def _xlsx(path: Path) -> dict[str, pl.DataFrame]:
    try:
        workbook = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own error types for broken files
        raise Refused(_("无法读取xlsx文件：%(error)s") % {"error": exc}) from exc
    names = set(workbook.sheet_names)
    out = {}
    for sheet in (layout.HOUSEHOLD_SHEET, layout.MEMBER_SHEET):
        if sheet not in names:
            raise Refused(_("工作簿缺少工作表“%(sheet)s”。") % {"sheet": sheet})
        probe = workbook.load_sheet_by_name(sheet, n_rows=1, dtypes="string")
        if probe.width > layout.MAX_COLUMNS:
            raise Refused(
                _("工作表“%(sheet)s”有%(n)d列，超过上限%(max)d列，已拒绝。")
                % {"sheet": sheet, "n": probe.width, "max": layout.MAX_COLUMNS}
            )
        out[sheet] = workbook.load_sheet_by_name(sheet, dtypes="string").to_polars()
    return out


# --- shaping --------------------------------------------------------------------------


def _shape(sheet: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str], frozenset[str]]:
    """Known headers in layout order (missing optional ones as nulls), ``_row``, and the
    ignored extra headers; empty rows dropped."""
    columns = layout.columns_of(sheet)
    known = {c.header for c in columns}
    renamed: dict[str, str] = {}
    ignored: list[str] = []
    for name in frame.columns:
        header = clean_header(name)
        if header in known and header not in renamed.values():
            renamed[name] = header
        elif header and not header.startswith("__UNNAMED__"):
            ignored.append(header)
    missing = [c.header for c in columns if c.required and c.header not in renamed.values()]
    if missing:
        raise Refused(
            _("工作表“%(sheet)s”缺少必需的表头：%(headers)s")
            % {"sheet": sheet, "headers": "、".join(missing)}
        )
    present = frozenset(renamed.values())
    frame = frame.select(pl.col(k).alias(v) for k, v in renamed.items())
    frame = frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    if frame.height > layout.MAX_ROWS:
        raise Refused(
            _("工作表“%(sheet)s”超过%(max)d行，已拒绝。") % {"sheet": sheet, "max": layout.MAX_ROWS}
        )
    values = [c for c in frame.columns if c != ROW]
    blank = pl.all_horizontal(
        pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in values
    )
    frame = frame.filter(~blank)
    frame = frame.with_columns(
        pl.lit(None, dtype=pl.String).alias(c.header) for c in columns if c.header not in present
    ).select(ROW, *(c.header for c in columns))
    return frame, ignored, present


@contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fupin-import-") as name:
        yield Path(name)


def read_tables(paths: Sequence[Path]) -> RawTables:
    """Read one .xlsx, two CSVs or one .zip of two CSVs. Raises ``Refused``."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise Refused(_("没有文件。"))
    check_size(paths)
    with _workdir() as workdir:
        sheets: dict[str, pl.DataFrame]
        if len(paths) == 1 and zipfile.is_zipfile(paths[0]):
            archive = check_zip(paths[0])
            with archive:
                is_xlsx = "xl/workbook.xml" in archive.namelist()
                if not is_xlsx:
                    sheets = _zip_pair(paths[0], archive, workdir)
            if is_xlsx:
                sheets = _xlsx(paths[0])
        elif len(paths) == 1 and paths[0].suffix.lower() in (".xlsx", ".xlsm", ".zip"):
            raise Refused(_("文件不是有效的xlsx或zip文件（可能已损坏或被改了扩展名）。"))
        elif len(paths) == 1 and paths[0].suffix.lower() == ".xls":
            raise Refused(_("不支持旧的.xls格式，请在Excel中另存为.xlsx。"))
        else:
            sheets = _csv_pair(paths, workdir)
    out = RawTables(households=pl.DataFrame(), members=pl.DataFrame())
    for sheet in (layout.HOUSEHOLD_SHEET, layout.MEMBER_SHEET):
        frame, ignored, present = _shape(sheet, sheets[sheet])
        if sheet == layout.HOUSEHOLD_SHEET:
            out.households = frame
        else:
            out.members = frame
        if ignored:
            out.ignored[sheet] = ignored
        out.present[sheet] = present
    return out


def raw_rows(paths: Sequence[Path]) -> dict[str, tuple[list[str], pl.DataFrame]]:
    """The sheets as uploaded (all original headers, ``_row``), for the error report."""
    paths = [Path(p) for p in paths]
    with _workdir() as workdir:
        if len(paths) == 1 and zipfile.is_zipfile(paths[0]):
            with check_zip(paths[0]) as archive:
                is_xlsx = "xl/workbook.xml" in archive.namelist()
                sheets = _xlsx(paths[0]) if is_xlsx else _zip_pair(paths[0], archive, workdir)
        else:
            sheets = _csv_pair(paths, workdir)
    out = {}
    for sheet, frame in sheets.items():
        headers = [clean_header(c) for c in frame.columns]
        out[sheet] = (
            headers,
            frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64)),
        )
    return out


def csv_text_frame(text: str) -> pl.DataFrame:
    """A small CSV given as text (tests, the web preview) as strings."""
    return pl.read_csv(io.StringIO(text), infer_schema=False)
