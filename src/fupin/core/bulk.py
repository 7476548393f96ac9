"""Set-based writing of many rows: COPY on PostgreSQL, executemany on SQLite.

Django's bulk_create prepares every value through its field classes and builds SQL per
batch, which costs more than the database's own work at a million rows. Callers here
pass values already in database form (str, int, Decimal, bool, None, aware datetimes,
JSON as text) in the column order they name. Ids are allocated up front so that child
rows can point at their parents without reading them back.

Call these inside ``transaction.atomic()``: on SQLite the write lock taken at the start of
the transaction (IMMEDIATE mode) is what makes ``allocate_ids`` safe.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.db import connection, models
from django.utils import timezone

if TYPE_CHECKING:
    import polars as pl

_SQLITE_BATCH = 5000
_FRAME_SLICE = 50_000


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _columns(model: type[models.Model], fields: Sequence[str]) -> list[str]:
    return [str(getattr(model._meta.get_field(f), "column", f)) for f in fields]


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``, in ascending order.

    On SQLite the keys follow the largest one in the table, so insert the rows before
    allocating again in the same transaction.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    pk = str(getattr(model._meta.pk, "column", "id"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            f"SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 0) FROM {_table(model)}"  # noqa: S608 - names from the model
        )
        start = int(cursor.fetchone()[0]) + 1
    return list(range(start, start + count))


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` into a table by its (unquoted) table and column names; also for
    temporary tables. Returns the number written."""
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor: COPY is not in Django's API
            # Raised as Django's IntegrityError etc., like every other write.
            with (
                connection.wrap_database_errors,
                raw.copy(f"COPY {qn(table)} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {qn(table)} ({names}) VALUES ({placeholders})"  # noqa: S608
        iterator = iter(rows)
        while batch := list(islice(iterator, _SQLITE_BATCH)):
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def insert_frame(
    table: str,
    columns: Sequence[str],
    frame: pl.DataFrame,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert a polars frame (its columns in the order of ``columns``, values in database
    form) into a table by its unquoted names; returns the number written.

    On PostgreSQL the frame goes in as CSV text written by polars (``COPY … (FORMAT csv)``),
    with no Python object per value: strings are quoted, so an empty string stays one and
    an unquoted empty field is NULL; booleans, decimals, JSON text and ISO timestamps are
    read by the columns' own types. On SQLite, rows through ``insert_rows``. ``progress``
    is called with the size of each slice written.
    """
    if len(columns) != frame.width:
        raise ValueError("one column name per frame column")
    if connection.vendor != "postgresql":
        written = 0
        for part in frame.iter_slices(_FRAME_SLICE):
            written += insert_rows(table, columns, part.iter_rows())
            if progress:
                progress(part.height)
        return written
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with (
            connection.wrap_database_errors,
            raw.copy(f"COPY {qn(table)} ({names}) FROM STDIN (FORMAT csv)") as copy,
        ):
            for part in frame.iter_slices(_FRAME_SLICE):
                copy.write(part.write_csv(include_header=False, quote_style="non_numeric"))
                if progress:
                    progress(part.height)
    return frame.height


def bulk_insert_frame(
    model: type[models.Model],
    fields: Sequence[str],
    frame: pl.DataFrame,
    progress: Callable[[int], None] | None = None,
) -> int:
    """``insert_frame`` by model and field names."""
    return insert_frame(model._meta.db_table, _columns(model, fields), frame, progress)


def bulk_insert(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` (tuples in the order of ``fields``); returns the number written."""
    return insert_rows(model._meta.db_table, _columns(model, fields), rows)


def insert_instances(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert unsaved instances built in memory, giving each its new id.

    For generators that find model instances the clearest way to build rows; the write
    itself skips Django's per-value preparation like ``bulk_insert``.
    """
    if not objs:
        return
    for obj, pk in zip(objs, allocate_ids(model, len(objs)), strict=True):
        obj.pk = pk
    fields = list(model._meta.concrete_fields)
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    stamped = [
        f.attname
        for f in fields
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
    ]
    as_json = {f.attname for f in fields if isinstance(f, models.JSONField)}

    def row(obj: models.Model) -> tuple[Any, ...]:
        for attname in stamped:
            setattr(obj, attname, now)
        return tuple(
            stamp
            if f.attname in stamped
            else json.dumps(getattr(obj, f.attname), ensure_ascii=False)
            if f.attname in as_json
            else getattr(obj, f.attname)
            for f in fields
        )

    bulk_insert(
        model,
        [field.name for field in fields],
        (row(obj) for obj in objs),
    )
