"""Loading the area tree from a file of any size, in bounded memory.

The file is read in slices of about ``SLICE_BYTES`` (polars, every cell as text). Each slice is
checked with frame expressions (code, level, name, poverty-village columns) and its rows
with a well-formed code go into a temporary table; the checks that need the whole file
(duplicates, parents present in the file or the tree) are then two queries over that
table. Only a file without errors is written: renames and poverty marks by one
``UPDATE … FROM``, new areas by one ``INSERT … SELECT`` per level (parents first), all in
the caller's transaction. Memory is a slice's frames whatever the size of the file (and
the error messages of a wrong file); no query has one parameter per row, so SQLite's
variable limit never applies.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl
from django.db import connection
from django.utils.translation import gettext as _

from fupin.areas.codes import CODE_PATTERN, LEVELS, level_expr, parent_expr
from fupin.areas.models import Area, PovertyStatus
from fupin.core.bulk import insert_frame
from fupin.core.errors import InvalidInput

SLICE = 50_000  # rows given as mappings
SLICE_BYTES = 2 << 20  # of a file: about 60,000 rows of the national file
STAGE = "areas_load_stage"
NAME_MAX = Area._meta.get_field("name").max_length or 64
YEARS = (1978, 2100)

# Each column of the file by the headers it may have; in a row, the first non-empty wins.
HEADERS = {
    "code": ("code", "区划代码"),
    "name": ("name", "名称"),
    "level": ("level", "层级"),
    "boundary": ("boundary",),
    "since": ("poor_since", "贫困村识别年度"),
    "exited": ("exited_in", "贫困村退出年度"),
}
LINE = "_line"

ProgressFn = Callable[[str, int, int], None]  # (phase: "read"|"check"|"write", done, total)


@dataclass(frozen=True)
class LoadResult:
    rows: int  # areas in the file
    created: int
    changed: int  # existing areas renamed, given another boundary or poverty mark

    @property
    def unchanged(self) -> int:
        return self.rows - self.created - self.changed


# --- reading ---------------------------------------------------------------------------


def _row_end(data: bytes, last: bool) -> int:
    """The first (or last) newline of ``data`` outside a quoted field, or -1. In CSV a
    quote inside a field is doubled, so a newline ends a row where the quotes before it are
    even in number."""
    quotes = data.count(b'"')
    pos = data.find(b"\n") if not last else data.rfind(b"\n")
    while pos >= 0:
        before = data.count(b'"', 0, pos) if not last else quotes - data.count(b'"', pos)
        if before % 2 == 0:
            return pos
        pos = data.find(b"\n", pos + 1) if not last else data.rfind(b"\n", 0, pos)
    return -1


def _row_starts(block: bytes, first: int) -> list[int]:
    """The line on which each row of ``block`` starts, the block starting on ``first``."""
    starts: list[int] = []
    row_start = line = first
    quotes = prev = 0
    pos = block.find(b"\n")
    while pos >= 0:
        quotes += block.count(b'"', prev, pos)
        prev, line = pos, line + 1
        if quotes % 2 == 0:
            starts.append(row_start)
            row_start = line
        pos = block.find(b"\n", pos + 1)
    if not block.endswith(b"\n"):
        starts.append(row_start)
    return starts


def _blocks(handle: BinaryIO) -> Iterator[bytes]:
    """The file in blocks of about ``SLICE_BYTES`` that end at the end of a row."""
    carry = b""
    while block := handle.read(SLICE_BYTES):
        data = carry + block
        cut = _row_end(data, last=True)
        if cut < 0:
            carry = data
            continue
        yield data[: cut + 1]
        carry = data[cut + 1 :]
    if carry:
        yield carry


def csv_slices(source: Path | bytes) -> Iterator[pl.DataFrame]:
    """The CSV file (a path, or its bytes) in slices of strings, with the line numbers.

    Read in blocks of bytes cut at row ends, each parsed by polars under the file's header
    line, so that memory is a block's worth whatever the size of the file (polars' own
    batched reader keeps more of the file the longer it is).
    """
    with source.open("rb") if isinstance(source, Path) else io.BytesIO(source) as handle:
        blocks = _blocks(handle)
        first = next(blocks, b"").removeprefix(b"\xef\xbb\xbf")
        end = _row_end(first, last=False)
        if not first.strip():
            raise InvalidInput(_("区划文件为空。"))
        header = first if end < 0 else first[: end + 1]
        rest = b"" if end < 0 else first[end + 1 :]
        line = 1 + header.count(b"\n") + (0 if header.endswith(b"\n") else 1)
        header = header.rstrip(b"\r\n") + b"\n"
        for block in chain([rest], blocks):
            if not block:
                continue
            try:
                frame = pl.read_csv(
                    header + block,
                    infer_schema=False,
                    truncate_ragged_lines=True,
                    empty_string_is_null=False,
                )
            except pl.exceptions.PolarsError as exc:
                raise InvalidInput(_("区划文件无法读取，须为UTF-8编码的CSV文件。")) from exc
            lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
            # a quoted field holding a line break: the rows' lines counted one by one
            starts = _row_starts(block, line) if frame.height != lines else []
            if len(starts) == frame.height:
                yield frame.with_columns(pl.Series(LINE, starts, dtype=pl.UInt32))
            else:
                yield frame.with_row_index(LINE, offset=line)
            line += lines


def row_slices(rows: Iterable[Mapping[str, Any]]) -> Iterator[pl.DataFrame]:
    """Rows given as mappings (the importer's new areas, tests), numbered as lines of a
    file with a header."""
    iterator = iter(rows)
    line = 2
    while chunk := list(islice(iterator, SLICE)):
        frame = pl.DataFrame(
            [{k: None if v is None else str(v) for k, v in row.items()} for row in chunk],
            infer_schema_length=None,
        )
        yield frame.with_columns(pl.all().cast(pl.String)).with_row_index(LINE, offset=line)
        line += len(chunk)


def count_lines(path: Path) -> int:
    """The rows of a CSV file, for progress: its lines less the header (quick, in bytes)."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    if lines and last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def _normalised(frame: pl.DataFrame) -> pl.DataFrame:
    """The file's columns under one name each, trimmed, empty cells null; blank rows out."""
    headers = {str(c).strip().lstrip("\ufeff"): c for c in frame.columns if c != LINE}

    def text(column: str) -> pl.Expr:
        value = pl.col(column).cast(pl.String).str.strip_chars()
        return pl.when(value != "").then(value)

    columns = [pl.col(LINE).cast(pl.Int64)]
    for name, accepted in HEADERS.items():
        given = [text(headers[h]) for h in accepted if h in headers]
        value = pl.coalesce(given) if given else pl.lit(None, dtype=pl.String)
        columns.append(value.alias(name))
    out = frame.select(columns)
    return out.filter(pl.any_horizontal(pl.all().exclude(LINE).is_not_null()))


def has_column(frame: pl.DataFrame, name: str) -> bool:
    headers = {str(c).strip().lstrip("\ufeff") for c in frame.columns}
    return any(h in headers for h in HEADERS[name])


# --- checks of one slice ---------------------------------------------------------------


def _year(column: str) -> pl.Expr:
    text = pl.col(column).str.normalize("NFKC")
    return pl.when(text.str.contains(r"^[0-9]{1,6}$")).then(text.cast(pl.Int64, strict=False))


def _checked(frame: pl.DataFrame) -> pl.DataFrame:
    """The slice with its level, parent and poverty values, and one flag per wrong thing."""
    labels = {str(level): str(level.label) for level in Area.Level}
    code, name, given = pl.col("code"), pl.col("name"), pl.col("level")
    ok = code.str.contains(CODE_PATTERN).fill_null(False)
    since, exited = pl.col("since"), pl.col("exited")
    poverty = since.is_not_null() | exited.is_not_null()
    low, high = YEARS
    since_ok = pl.col("_since").is_between(low, high)
    exited_ok = pl.col("_exited").is_between(low, high)
    problem = (
        pl.when(~poverty)
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("_level") != Area.Level.VILLAGE)
        .then(pl.lit("not_village"))
        .when(since.is_not_null() & ~since_ok.fill_null(False))
        .then(pl.lit("bad_since"))
        .when(exited.is_not_null() & ~exited_ok.fill_null(False))
        .then(pl.lit("bad_exited"))
        .when(since.is_null())
        .then(pl.lit("no_since"))
        .when(pl.col("_exited") < pl.col("_since"))
        .then(pl.lit("exited_first"))
    )
    return (
        frame.with_columns(
            ok.alias("_ok"),
            pl.when(ok).then(level_expr(code)).alias("_level"),
            _year("since").alias("_since"),
            _year("exited").alias("_exited"),
        )
        .with_columns(
            parent_expr(code, pl.col("_level")).alias("_parent"),
            problem.alias("_poverty_problem"),
        )
        .with_columns(
            pl.when(pl.col("_ok") & poverty & pl.col("_poverty_problem").is_null())
            .then(
                pl.when(pl.col("_exited").is_not_null())
                .then(pl.lit(str(PovertyStatus.EXITED)))
                .otherwise(pl.lit(str(PovertyStatus.POOR)))
            )
            .alias("_status"),
            (pl.col("_ok") & name.is_null()).alias("_no_name"),
            (pl.col("_ok") & (name.str.len_chars() > NAME_MAX).fill_null(False)).alias("_long"),
            (
                pl.col("_ok")
                & given.is_not_null()
                & (given != pl.col("_level"))
                & (given != pl.col("_level").replace_strict(labels, default=None))
            )
            .fill_null(False)
            .alias("_bad_level"),
        )
    )


def _boundaries(frame: pl.DataFrame) -> tuple[pl.Series, list[int]]:
    """The boundary column as stored (JSON text as Django writes it), and the lines whose
    boundary is not JSON. Only the few rows with a boundary are parsed."""
    values: list[str | None] = [None] * frame.height
    wrong: list[int] = []
    given = frame.with_row_index("_i").filter(pl.col("_ok") & pl.col("boundary").is_not_null())
    for i, line, text in given.select("_i", LINE, "boundary").iter_rows():
        try:
            values[i] = json.dumps(json.loads(text))
        except ValueError:
            wrong.append(line)
    return pl.Series("boundary", values, dtype=pl.String), wrong


def _messages(frame: pl.DataFrame, bad_boundary: set[int]) -> Iterator[tuple[int, str]]:
    """(line, message) for every wrong thing in the slice; Python only for wrong rows."""
    flags = ["_no_name", "_long", "_bad_level"]
    wrong = frame.filter(
        ~pl.col("_ok")
        | pl.any_horizontal(flags)
        | pl.col("_poverty_problem").is_not_null()
        | pl.col(LINE).is_in(list(bad_boundary))
    )
    for row in wrong.iter_rows(named=True):
        line = row[LINE]
        if not row["_ok"]:
            yield (
                line,
                _("区划代码须为12位数字（村民小组为15位）：%(code)s") % {"code": row["code"] or ""},
            )
            continue
        if row["_no_name"]:
            yield line, _("名称不能为空")
        if row["_long"]:
            yield line, _("名称不能超过%(n)d个字") % {"n": NAME_MAX}
        if row["_bad_level"]:
            yield (
                line,
                _("层级“%(given)s”与区划代码%(code)s不符")
                % {
                    "given": row["level"],
                    "code": row["code"],
                },
            )
        if line in bad_boundary:
            yield line, _("边界不是有效的GeoJSON")
        problem = row["_poverty_problem"]
        if problem == "not_village":
            yield line, _("只有行政村可以登记为贫困村")
        elif problem in ("bad_since", "bad_exited"):
            value = row["since"] if problem == "bad_since" else row["exited"]
            yield line, _("年度“%(value)s”无效") % {"value": value}
        elif problem == "no_since":
            yield line, _("有退出年度的贫困村须填写识别年度")
        elif problem == "exited_first":
            yield line, _("贫困村退出年度早于识别年度")


# --- the staging table and the whole-file checks ---------------------------------------

STAGE_COLUMNS = [
    "line",
    "code",
    "name",
    "level",
    "parent",
    "boundary",
    "poverty_status",
    "since",
    "exited",
]


def _execute(sql: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return int(cursor.rowcount)


def _fetch(sql: str, params: list[Any] | None = None) -> Iterator[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        while rows := cursor.fetchmany(10_000):
            yield from rows


def _temporary() -> str:
    """The stage's name qualified by the temporary schema, so that a DROP can never reach
    a table of the same name in the database itself."""
    return f"{'pg_temp' if connection.vendor == 'postgresql' else 'temp'}.{STAGE}"


def _create_stage() -> None:
    _execute(f"DROP TABLE IF EXISTS {_temporary()}")
    # Temporary: private to this connection, never in a backup; dropped at the end (and
    # with the transaction on a rollback).
    _execute(
        f"CREATE TEMPORARY TABLE {STAGE} (line BIGINT NOT NULL, code VARCHAR(15) NOT NULL, "
        "name TEXT, level VARCHAR(16) NOT NULL, parent VARCHAR(15), boundary TEXT, "
        "poverty_status VARCHAR(8), since INTEGER, exited INTEGER)"
    )


def _index_stage() -> None:
    _execute(f"CREATE INDEX {STAGE}_code ON {STAGE} (code, line)")
    if connection.vendor == "postgresql":
        _execute(f"ANALYZE {STAGE}")  # temporary tables get no statistics otherwise


def _whole_file_errors() -> Iterator[tuple[int, str]]:
    area = Area._meta.db_table
    for line, code in _fetch(
        f"SELECT s.line, s.code FROM {STAGE} s JOIN (SELECT code, MIN(line) AS first "  # noqa: S608 - fixed names
        f"FROM {STAGE} GROUP BY code HAVING COUNT(*) > 1) d "
        "ON d.code = s.code AND s.line > d.first"
    ):
        yield int(line), _("区划代码%(code)s重复") % {"code": code}
    for line, parent in _fetch(
        f"SELECT s.line, s.parent FROM {STAGE} s WHERE s.parent IS NOT NULL "  # noqa: S608
        f"AND NOT EXISTS (SELECT 1 FROM {STAGE} t WHERE t.code = s.parent) "
        f"AND NOT EXISTS (SELECT 1 FROM {area} a WHERE a.code = s.parent)"
    ):
        yield int(line), _("上级区划%(parent)s不存在") % {"parent": parent}


# --- writing ---------------------------------------------------------------------------


def _update_existing(has_boundary: bool) -> int:
    """Renames, boundaries (when the file has that column) and poverty marks (on the rows
    that give them, so that a rename never clears them) of areas already in the tree."""
    area = Area._meta.db_table
    pg = connection.vendor == "postgresql"
    differs = "IS DISTINCT FROM" if pg else "IS NOT"
    boundary = "CAST(s.boundary AS jsonb)" if pg else "s.boundary"
    sets = [
        "name = s.name",
        f"poverty_status = COALESCE(s.poverty_status, {area}.poverty_status)",
        "poverty_identified_year = CASE WHEN s.poverty_status IS NULL "
        f"THEN {area}.poverty_identified_year ELSE s.since END",
        "poverty_exited_year = CASE WHEN s.poverty_status IS NULL "
        f"THEN {area}.poverty_exited_year ELSE s.exited END",
    ]
    changed = [
        f"s.name <> {area}.name",
        f"(s.poverty_status IS NOT NULL AND (s.poverty_status <> {area}.poverty_status "
        f"OR s.since {differs} {area}.poverty_identified_year "
        f"OR s.exited {differs} {area}.poverty_exited_year))",
    ]
    if has_boundary:
        sets.append(f"boundary = {boundary}")
        changed.append(f"{area}.boundary {differs} {boundary}")
    return _execute(
        f"UPDATE {area} SET {', '.join(sets)} FROM {STAGE} s "  # noqa: S608 - fixed names
        f"WHERE s.code = {area}.code AND ({' OR '.join(changed)})"
    )


def _insert_level(level: str) -> int:
    """The new areas of one level, each pointing at its parent (written a level before, or
    already in the tree)."""
    area = Area._meta.db_table
    boundary = "CAST(s.boundary AS jsonb)" if connection.vendor == "postgresql" else "s.boundary"
    return _execute(
        f"INSERT INTO {area} (code, name, level, parent_id, boundary, poverty_status, "  # noqa: S608
        "poverty_identified_year, poverty_exited_year) "
        f"SELECT s.code, s.name, s.level, p.id, {boundary}, COALESCE(s.poverty_status, ''), "
        f"s.since, s.exited FROM {STAGE} s LEFT JOIN {area} p ON p.code = s.parent "
        f"WHERE s.level = %s AND NOT EXISTS (SELECT 1 FROM {area} a WHERE a.code = s.code) "
        "ORDER BY s.code",
        [level],
    )


def first_codes(limit: int) -> list[str]:
    return [
        str(code)
        for (code,) in _fetch(f"SELECT code FROM {STAGE} ORDER BY code LIMIT %s", [limit])  # noqa: S608
    ]


def drop_stage() -> None:
    _execute(f"DROP TABLE IF EXISTS {_temporary()}")


# --- the whole load --------------------------------------------------------------------


def load(
    slices: Iterable[pl.DataFrame], *, total: int, progress: ProgressFn | None = None
) -> LoadResult:
    """Check and write the areas of ``slices``; call inside ``transaction.atomic()``.

    Raises ``InvalidInput`` with every wrong row (``第N行``: reasons, in line order) and
    writes nothing if any row is wrong. The staging table is left for the caller's audit
    (``first_codes``) and ``drop_stage``.
    """

    def report(phase: str, done: int, of: int) -> None:
        if progress:
            progress(phase, done, of)

    errors: list[tuple[int, str]] = []
    per_level = dict.fromkeys(LEVELS, 0)
    has_boundary = False
    has_code = False
    headed = False  # a slice (and so a header) was read
    read = 0
    _create_stage()
    report("read", 0, total)
    for raw in slices:
        has_boundary = has_boundary or has_column(raw, "boundary")
        has_code = has_code or has_column(raw, "code")
        headed = True
        frame = _checked(_normalised(raw))
        boundary, bad_boundary = _boundaries(frame)
        errors.extend(_messages(frame, set(bad_boundary)))
        staged = frame.filter(pl.col("_ok")).with_columns(boundary.filter(frame["_ok"]))
        insert_frame(
            STAGE,
            STAGE_COLUMNS,
            staged.select(
                pl.col(LINE),
                pl.col("code"),
                pl.col("name"),
                pl.col("_level"),
                pl.col("_parent"),
                pl.col("boundary"),
                pl.col("_status"),
                pl.col("_since").cast(pl.Int32),
                pl.col("_exited").cast(pl.Int32),
            ),
        )
        for level, n in staged["_level"].value_counts().iter_rows():
            per_level[level] += n
        read += frame.height
        report("read", read, max(total, read))
    if read != total:
        report("read", read, read)  # blank lines counted in the estimate are not rows
    if headed and not has_code:
        raise InvalidInput(_("区划文件缺少“code”（区划代码）列，未导入任何区划。"))
    report("check", 0, read)
    _index_stage()
    errors.extend(_whole_file_errors())
    report("check", read, read)
    if errors:
        errors.sort(key=lambda e: e[0])
        fields: dict[str, list[str]] = {}
        for line, message in errors:
            fields.setdefault(_("第%(line)d行") % {"line": line}, []).append(message)
        raise InvalidInput(_("区划文件有误，未导入任何区划。"), fields=fields)

    staged_rows = sum(per_level.values())
    report("write", 0, staged_rows)
    changed = _update_existing(has_boundary)
    created = 0
    done = 0
    for level in LEVELS:
        if per_level[level]:
            created += _insert_level(level)
            done += per_level[level]
            report("write", done, staged_rows)
    return LoadResult(rows=staged_rows, created=created, changed=changed)
