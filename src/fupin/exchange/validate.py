"""Whole-file validation as frame expressions (IMPORT_TEMPLATE.md, every rule).

Each sheet is normalised column by column (NFKC, trimming, the tolerated spellings) into
the values the registry stores, and every rule is an expression giving, per row, the
reason a cell is wrong or null. Rules needing the registry (areas, households already
there, ID numbers in other households) read it with a few set queries through temporary
key tables — never one query per row. The result is either the typed frames ready for
write.py, or every wrong cell at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from fupin.accounts.scope import scope_for
from fupin.core import clock
from fupin.core.bulk import insert_rows
from fupin.exchange import layout
from fupin.exchange.readers import ROW, RawTables
from fupin.registry import choices
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.registry.validation import _LANDLINE, _MOBILE, _SCHOOLING

H, M = layout.HOUSEHOLD_SHEET, layout.MEMBER_SHEET
ERROR_SCHEMA = {"sheet": pl.String, "row": pl.Int64, "header": pl.String,
                "value": pl.String, "reason": pl.String}  # fmt: skip
EXITED_STATUSES = (
    choices.HouseholdStatus.EXITED,
    choices.HouseholdStatus.RETURNED,
    choices.HouseholdStatus.MONITORED,
    choices.HouseholdStatus.RISK_CLEARED,
)
TEXT_LIMITS = {"number": 32, "head_name": 64, "name": 64, "ethnicity": 16,
               "household_number": 32, "schooling": 16}  # fmt: skip
DECIMAL_LIMITS = {"housing_area": 10**6, "road_distance_km": 10**4}
INCOME_FIELDS = ("wage", "business", "property_income", "transfer", "business_costs")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


@dataclass
class Validation:
    households: pl.DataFrame  # typed, one row per household: fields, area_id, existing_id…
    members: pl.DataFrame  # typed, one row per member: fields, household_number, existing_id…
    errors: pl.DataFrame  # sheet,row,header,value,reason
    existing_households: pl.DataFrame  # registry rows matched by (county, 户编号)
    existing_members: pl.DataFrame  # active members of those households
    existing_incomes: pl.DataFrame  # their income records of the years in the file
    new_areas: list[dict[str, str]] = field(default_factory=list)  # for areas_load

    @property
    def ok(self) -> bool:
        return self.errors.height == 0


# --- expressions ------------------------------------------------------------------------


# C0 control characters but tab, line feed and carriage return (a cell may hold lines).
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


def _text(header: str) -> pl.Expr:
    """The cell, normalised (once per sheet, in place, by ``_normalise``)."""
    return pl.col(header)


def _normalised_cell(header: str) -> pl.Expr:
    raw = pl.col(header)
    # NFKC only where it changes something in practice (full-width forms, the ideographic
    # space, compatibility symbols): normalising every CJK cell costs seconds per million.
    value = (
        pl.when(raw.str.contains("[\u3000\u2460-\u24ff\u3380-\u33ff\uff00-\uffef]"))
        .then(raw.str.normalize("NFKC"))
        .otherwise(raw)
        .str.strip_chars()
    )
    # Export neutralises formula-like cells with a leading apostrophe; read them back.
    value = value.str.replace(r"^'([=+\-@])", "${1}")
    return pl.when(value == "").then(None).otherwise(value)


def _numeric_text(header: str) -> pl.Expr:
    """Text of a cell that a spreadsheet may have stored as a number: “2015.0” → “2015”."""
    return _text(header).str.replace_all(" ", "").str.replace(r"^(\d+)\.0+$", "${1}")


def _enum(header: str, enum: type[TextChoices]) -> pl.Expr:
    return _text(header).replace_strict(
        layout.enum_values(enum), default=None, return_dtype=pl.String
    )


def _bool(header: str) -> pl.Expr:
    mapping = {t: True for t in layout.TRUE_TEXTS} | {t: False for t in layout.FALSE_TEXTS if t}
    return _numeric_text(header).replace_strict(mapping, default=None, return_dtype=pl.Boolean)


def _decimal(header: str) -> pl.Expr:
    text = _numeric_text(header).str.replace_all(",", "")
    return (
        pl.when(text.str.contains(r"^\d+(\.\d+)?$"))
        .then(text.cast(pl.Decimal(20, 2), strict=False).cast(pl.String))
        .otherwise(None)
    )


def _year(header: str) -> pl.Expr:
    # 2015, 2015.0, 2015年, 2015-03-01, 2015/3/1, 2015-03-01 00:00:00 (a date cell)
    return (
        _text(header)
        .str.extract(r"^(\d{4})(?:\.0+|年|[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?)?(?: .*)?)?$", 1)
        .cast(pl.Int64, strict=False)
    )


def _id_number(header: str) -> pl.Expr:
    return _text(header).str.replace_all(r"\s", "").str.to_uppercase()


def _id_reason(col: str) -> pl.Expr:
    """Why an (already normalised) ID number is wrong, or null. Birth places are checked
    separately (they need the national code list)."""
    value = pl.col(col)
    base = value.str.slice(0, 18)
    total = pl.sum_horizontal(
        base.str.slice(i, 1).cast(pl.Int64, strict=False) * w for i, w in enumerate(_ID_WEIGHTS)
    )
    expected = (total % 11).replace_strict(
        dict(enumerate(_CHECK_CHARS)), default=None, return_dtype=pl.String
    )
    birth = base.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    as_int = base.cast(pl.Int64, strict=False)
    # An 18-digit number that went through a spreadsheet's float keeps only ~15
    # significant digits: it is a float-exact integer or ends in zeros.
    float_mangled = (as_int.cast(pl.Float64).cast(pl.Int64) == as_int) | base.str.ends_with("000")
    sci = _("证件号码被表格软件改成了科学计数法，末几位已丢失")
    return (
        pl.when(value.is_null())
        .then(None)
        .when(value.str.contains(r"^\d(\.\d+)?E\+?\d+$"))
        .then(pl.lit(sci))
        .when(~value.str.contains(r"^\d{17}[\dX](\d{2}|\d{4})?$"))
        .then(
            pl.when(value.str.len_chars().is_in([18, 20, 22]))
            .then(pl.lit(_("证件号码格式错误（前17位须为数字，末位为数字或X）")))
            .otherwise(
                pl.format(
                    _("证件号码须为18位（残疾人证号20或22位），现为{}位"), value.str.len_chars()
                )
            )
        )
        .when((expected != base.str.slice(17, 1)) & float_mangled)
        .then(pl.lit(sci))
        .when(expected != base.str.slice(17, 1))
        .then(pl.lit(_("证件号码校验位错误")))
        .when(birth.is_null() | (birth < date(1900, 1, 1)))
        .then(pl.lit(_("证件号码中的出生日期无效")))
        .when(birth > clock.today())
        .then(pl.lit(_("证件号码中的出生日期晚于今天")))
        .otherwise(None)
    )


def _bad_birth_places(ids: pl.Series) -> set[str]:
    """(region, birth year) keys whose region code is unknown for that year — checked
    once per distinct key with the national code list, not per person."""
    keys = (
        pl.DataFrame({"id": ids})
        .filter(pl.col("id").str.contains(r"^\d{17}[\dX]"))
        .select(pl.col("id").str.slice(0, 10).alias("key"))
        .unique()
        .to_series()
    )
    bad = set()
    for key in keys:
        try:
            ric.get_birth_place(key + "0101" + "0000")
        except (StdnumError, ValueError):
            bad.add(key)
    return bad


# --- error collection -------------------------------------------------------------------


class _Errors:
    """Rules are collected as (header, reason expression) and evaluated at the end in one
    ``select`` per sheet over the final frames (which only ever gain columns), so polars
    computes the shared sub-expressions once and runs the rules in parallel."""

    def __init__(self) -> None:
        self.pending: dict[str, list[tuple[str, pl.Expr]]] = {H: [], M: []}

    def add(self, sheet: str, frame: pl.DataFrame, header: str, reason: pl.Expr | str) -> None:
        """Every row where ``reason`` is not null is an error on ``header``."""
        del frame  # evaluated later against the sheet's final frame
        reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
        self.pending[sheet].append((header, reason_expr))

    def where(
        self, sheet: str, frame: pl.DataFrame, header: str, cond: pl.Expr, reason: str
    ) -> None:
        self.add(sheet, frame, header, pl.when(cond).then(pl.lit(reason)).otherwise(None))

    def frame(self, frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
        parts = []
        for sheet, rules in self.pending.items():
            if not rules:
                continue
            frame = frames[sheet]
            names = [f"__e{i}" for i in range(len(rules))]
            found = (
                frame.lazy()
                .select(
                    pl.col(ROW),
                    *(r.cast(pl.String).alias(n) for (_h, r), n in zip(rules, names, strict=True)),
                )
                .unpivot(index=ROW, on=names, variable_name="rule", value_name="reason")
                .drop_nulls("reason")
                .collect()
            )
            if not found.height:
                continue
            headers = {n: h for (h, _r), n in zip(rules, names, strict=True)}
            found = found.with_columns(
                pl.col("rule").replace_strict(headers, return_dtype=pl.String).alias("header")
            )
            # The cell as written, for each header that has errors.
            cells = []
            for header in found["header"].unique().to_list():
                rows = found.filter(pl.col("header") == header).select(ROW).unique()
                cells.append(
                    # a control character is shown as U+FFFD: reports and jobs store it
                    frame.select(
                        ROW,
                        pl.col(header)
                        .fill_null("")
                        .str.replace_all(CONTROL, "\ufffd")
                        .alias("value"),
                    )
                    .join(rows, on=ROW, how="semi")
                    .with_columns(pl.lit(header).alias("header"))
                )
            values = pl.concat(cells).unique([ROW, "header"])
            parts.append(
                found.join(values, on=[ROW, "header"], how="left").select(
                    pl.lit(sheet).alias("sheet"),
                    pl.col(ROW).alias("row"),
                    "header",
                    pl.col("value").fill_null(""),
                    "reason",
                )
            )
        if not parts:
            return pl.DataFrame(schema=ERROR_SCHEMA)
        order = {c.header: i for i, c in enumerate(layout.HOUSEHOLD_COLUMNS)} | {
            c.header: i for i, c in enumerate(layout.MEMBER_COLUMNS)
        }
        return (
            pl.concat(parts)
            .with_columns(
                pl.col("sheet").replace_strict({H: 0, M: 1}, return_dtype=pl.Int8).alias("_s"),
                pl.col("header")
                .replace_strict(order, default=99, return_dtype=pl.Int64)
                .alias("_h"),
            )
            .sort("_s", "row", "_h")
            .drop("_s", "_h")
            .unique(maintain_order=True)
        )


# --- registry reads through key tables ----------------------------------------------------


def _key_table(name: str, values: Iterable[Any], sql_type: str) -> str:
    """A temporary one-column table holding ``values`` (for joins instead of huge IN lists)."""
    table = f"fupin_import_{name}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMPORARY TABLE {table} (k {sql_type} PRIMARY KEY)")
    insert_rows(table, ["k"], ((v,) for v in values))
    return table


def _drop(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _query_frame(sql: str, params: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(50_000):
            parts.append(
                pl.DataFrame(rows, schema=list(schema), orient="row", infer_schema_length=None)
            )
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts, how="vertical_relaxed").cast(schema)  # type: ignore[arg-type]


HOUSEHOLD_DB_FIELDS = (
    "id", "number", "area_id", "area_code", "phone", "standard", "household_type",
    "main_cause", "other_causes", "housing_area", "danger_grade", "relocated", "safe_water",
    "has_electricity", "road_distance_km", "status", "identified_year", "exited_year",
    "is_active", "version",
)  # fmt: skip
MEMBER_DB_FIELDS = (
    "id", "household_id", "name", "sex", "id_number", "relation", "ethnicity", "education",
    "schooling", "health", "labour", "migrant_status", "migrant_months", "medical_insurance",
    "serious_illness_insurance", "pension_insurance", "dibao", "tekun", "version",
)  # fmt: skip
_DB_TYPES: dict[str, Any] = {
    "id": pl.Int64, "household_id": pl.Int64, "area_id": pl.Int64, "version": pl.Int64,
    "identified_year": pl.Int64, "exited_year": pl.Int64, "migrant_months": pl.Int64,
    "relocated": pl.Boolean, "safe_water": pl.Boolean, "has_electricity": pl.Boolean,
    "is_active": pl.Boolean, "medical_insurance": pl.Boolean,
    "serious_illness_insurance": pl.Boolean, "pension_insurance": pl.Boolean,
    "dibao": pl.Boolean, "tekun": pl.Boolean, "year": pl.Int64, "household_size": pl.Int64,
}  # fmt: skip


def _columns_sql(model: Any, names: Sequence[str]) -> str:
    return ", ".join(
        "t0." + connection.ops.quote_name(model._meta.get_field(n.removesuffix("_id")).column)
        if n.endswith("_id") and n != "id"
        else "t0." + connection.ops.quote_name(n)
        for n in names
    )


def _decimal_text(col: str) -> pl.Expr:
    # SQLite hands numeric columns back as float; both databases compare as 2-decimal text.
    return pl.col(col).cast(pl.String).cast(pl.Decimal(20, 2), strict=False).cast(pl.String)


def registry_households(numbers: Iterable[str]) -> pl.DataFrame:
    """Households of the registry whose 户编号 is among ``numbers`` (any county)."""
    wanted = sorted(set(numbers))
    if _registry_is_small(Household, len(wanted)):
        return _households_query("").join(
            pl.DataFrame({"number": wanted}, schema={"number": pl.String}), on="number", how="semi"
        )
    table = _key_table("numbers", wanted, "varchar(32)")
    try:
        return _households_query(table)
    finally:
        _drop(table)


def _households_query(table: str) -> pl.DataFrame:
    schema = {f: _DB_TYPES.get(f, pl.String) for f in HOUSEHOLD_DB_FIELDS}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_columns_sql(Household, HOUSEHOLD_DB_FIELDS)} FROM "  # noqa: S608
            f"{Household._meta.db_table} t0"
            + (f" JOIN {table} k ON k.k = t0.number" if table else "")
        )
        rows = cursor.fetchall()
    decimals = ("housing_area", "road_distance_km")
    index = {f: i for i, f in enumerate(HOUSEHOLD_DB_FIELDS)}
    data = {
        f: [None if r[index[f]] is None else str(r[index[f]]) for r in rows]
        if f in decimals or f == "other_causes"
        else [r[index[f]] for r in rows]
        for f in HOUSEHOLD_DB_FIELDS
    }
    frame = pl.DataFrame(
        {
            f: pl.Series(
                f, data[f], dtype=pl.Int64 if schema[f] == pl.Boolean else schema[f], strict=False
            )
            for f in HOUSEHOLD_DB_FIELDS
        }
    ).cast(schema)  # type: ignore[arg-type]
    return frame.with_columns(
        *(_decimal_text(c) for c in decimals),
        pl.col("other_causes").map_batches(_canonical_causes, return_dtype=pl.String),
    )


def _canonical_causes(series: pl.Series) -> pl.Series:
    """Stored JSON lists (text on SQLite, JSON on PostgreSQL) → “a,b” for comparing."""
    out = []
    for value in series.to_list():
        items = json.loads(value) if isinstance(value, str) and value.startswith("[") else value
        if isinstance(items, str):  # psycopg returned the list's text form
            items = json.loads(items)
        out.append(",".join(items or []))
    return pl.Series(out, dtype=pl.String)


def registry_members(household_ids: Sequence[int]) -> pl.DataFrame:
    schema = {f: _DB_TYPES.get(f, pl.String) for f in MEMBER_DB_FIELDS}
    if not household_ids:
        return pl.DataFrame(schema=schema)
    sql = (
        f"SELECT {_columns_sql(Member, MEMBER_DB_FIELDS)} FROM {Member._meta.db_table} t0 "  # noqa: S608
        "{join}WHERE t0.is_active = %s"
    )
    if _registry_is_small(Household, len(household_ids)):
        # Most of the registry is in the file (a re-import): one plain scan beats
        # shipping a million keys to the database.
        return _query_frame(sql.format(join=""), [True], schema).join(
            _ids_frame(household_ids), on="household_id", how="semi"
        )
    table = _key_table("households", household_ids, "bigint")
    try:
        return _query_frame(
            sql.format(join=f"JOIN {table} k ON k.k = t0.household_id "), [True], schema
        )
    finally:
        _drop(table)


def _ids_frame(household_ids: Sequence[int]) -> pl.DataFrame:
    return pl.DataFrame({"household_id": list(household_ids)}, schema={"household_id": pl.Int64})


def registry_incomes(household_ids: Sequence[int]) -> pl.DataFrame:
    names = ("id", "household_id", "year", *INCOME_FIELDS, "household_size", "version")
    schema = {f: _DB_TYPES.get(f, pl.String) for f in names}
    if not household_ids:
        return pl.DataFrame(schema=schema)
    sql = f"SELECT {_columns_sql(IncomeRecord, names)} FROM {IncomeRecord._meta.db_table} t0"  # noqa: S608
    small = _registry_is_small(Household, len(household_ids))
    table = "" if small else _key_table("households", household_ids, "bigint")
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql + (f" JOIN {table} k ON k.k = t0.household_id" if table else ""))
            rows = cursor.fetchall()
    finally:
        if table:
            _drop(table)
    data = {
        f: [None if r[i] is None else (str(r[i]) if f in INCOME_FIELDS else r[i]) for r in rows]
        for i, f in enumerate(names)
    }
    frame = pl.DataFrame({f: pl.Series(f, data[f], dtype=schema[f], strict=False) for f in names})
    if small:
        frame = frame.join(_ids_frame(household_ids), on="household_id", how="semi")
    return frame.with_columns(_decimal_text(f) for f in INCOME_FIELDS)


def _registry_is_small(model: Any, wanted: int) -> bool:
    """Whether reading the registry's rows is cheaper than shipping ``wanted`` keys to it
    (a first import into an empty or small registry)."""
    return bool(model._default_manager.filter(is_active=True).count() <= 4 * wanted + 10_000)


def registry_id_holders(id_numbers: Iterable[str]) -> pl.DataFrame:
    """Active members (of active households) holding any of these ID numbers."""
    ids = sorted(set(id_numbers))
    schema = {"id_number": pl.String, "holder_number": pl.String, "holder_code": pl.String}
    sql = (
        f"SELECT m.id_number, h.number, h.area_code FROM {Member._meta.db_table} m "  # noqa: S608
        "{join}"
        f"JOIN {Household._meta.db_table} h ON h.id = m.household_id "
        "WHERE m.is_active = %s AND h.is_active = %s"
    )
    if _registry_is_small(Member, len(ids)):
        found = _query_frame(sql.format(join=""), [True, True], schema)
        return found.join(pl.DataFrame({"id_number": ids}, schema={"id_number": pl.String}),
                          on="id_number", how="semi")  # fmt: skip
    table = _key_table("ids", ids, "varchar(22)")
    try:
        return _query_frame(
            sql.format(join=f"JOIN {table} k ON k.k = m.id_number "), [True, True], schema
        )
    finally:
        _drop(table)


def registry_areas(codes: Iterable[str]) -> pl.DataFrame:
    from fupin.areas.models import Area

    wanted = sorted(set(codes))
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(wanted), 500):
        rows.extend(
            Area.objects.filter(code__in=wanted[start : start + 500]).values_list(
                "code", "id", "name", "level"
            )
        )
    return pl.DataFrame(
        rows,
        schema={"code": pl.String, "id": pl.Int64, "name": pl.String, "level": pl.String},
        orient="row",
    )


# --- the sheets --------------------------------------------------------------------------

LEVEL_CODES = (  # (name header, code of that level's area from a 12/15-digit code)
    ("省", pl.col("area_code").str.slice(0, 2) + "0" * 10),
    ("市", pl.col("area_code").str.slice(0, 4) + "0" * 8),
    ("县", pl.col("area_code").str.slice(0, 6) + "0" * 6),
    ("乡镇", pl.col("area_code").str.slice(0, 9) + "000"),
    ("行政村", pl.col("area_code").str.slice(0, 12)),
    ("村民小组", pl.when(pl.col("area_code").str.len_chars() == 15).then(pl.col("area_code"))),
)
LEVEL_NAMES = ("province", "prefecture", "county", "township", "village", "group")


def _normalise(frame: pl.DataFrame, columns: Sequence[layout.Column]) -> pl.DataFrame:
    # Each cell is replaced by its normalised text (errors then show the trimmed,
    # half-width text): the sheet is held once instead of twice.
    frame = frame.with_columns(_normalised_cell(c).alias(c) for c in frame.columns if c != ROW)
    exprs = []
    for c in columns:
        if c.kind == "enum":
            assert c.enum is not None
            exprs.append(_enum(c.header, c.enum).alias(c.field))
        elif c.kind == "enum_list":
            exprs.append(
                _text(c.header)
                .str.replace_all(r"[、，,;；/]", ",")
                .str.split(",")
                .list.eval(pl.element().str.strip_chars())
                .list.eval(pl.element().filter(pl.element() != ""))
                .alias("_causes_text")
            )
        elif c.kind == "bool":
            exprs.append(_bool(c.header).alias(c.field))
        elif c.kind == "decimal":
            exprs.append(_decimal(c.header).alias(c.field))
        elif c.kind == "int":
            exprs.append(_numeric_text(c.header).cast(pl.Int64, strict=False).alias(c.field))
        elif c.kind == "year":
            exprs.append(_year(c.header).alias(c.field))
        elif c.kind == "id_number":
            exprs.append(_id_number(c.header).alias(c.field))
        elif c.kind == "phone":
            exprs.append(_numeric_text(c.header).str.replace_all("[ ()（）]", "").alias(c.field))
        elif c.kind == "code":
            exprs.append(_numeric_text(c.header).alias(c.field))
        else:
            exprs.append(_text(c.header).alias(c.field))
    return frame.with_columns(exprs)


def _check_kinds(
    errors: _Errors, sheet: str, frame: pl.DataFrame, columns: Sequence[layout.Column]
) -> None:
    this_year = timezone.now().year
    for c in columns:
        given = _text(c.header).is_not_null()
        if c.required:
            errors.where(sheet, frame, c.header, ~given, _("此项必填"))
        value = pl.col(c.field)
        if c.kind == "enum":
            assert c.enum is not None
            labels = "、".join(layout.enum_labels(c.enum).values())
            errors.where(sheet, frame, c.header, given & value.is_null(),
                         _("不是有效的选项，应为：%(labels)s") % {"labels": labels})  # fmt: skip
        elif c.kind == "bool":
            errors.where(sheet, frame, c.header, given & value.is_null(),
                         _("应为“是”或“否”"))  # fmt: skip
        elif c.kind == "decimal":
            raw = _numeric_text(c.header).str.replace_all(",", "")
            errors.where(sheet, frame, c.header,
                         given & value.is_null() & raw.str.contains(r"^-\d+(\.\d+)?$"),
                         _("不能为负数"))  # fmt: skip
            errors.where(sheet, frame, c.header,
                         given & value.is_null() & ~raw.str.contains(r"^-\d+(\.\d+)?$"),
                         _("应为数字（可带小数）"))  # fmt: skip
            limit = DECIMAL_LIMITS.get(c.field, 10**10)
            errors.where(sheet, frame, c.header,
                         value.cast(pl.Float64, strict=False) >= limit,
                         _("数值过大（应小于%(limit)d）") % {"limit": limit})  # fmt: skip
        elif c.kind == "int":
            errors.where(sheet, frame, c.header, given & value.is_null(), _("应为整数"))
            errors.where(sheet, frame, c.header, (value < 0) | (value > 12),
                         _("务工时间须在0到12个月之间"))  # fmt: skip
        elif c.kind == "year":
            errors.where(sheet, frame, c.header, given & value.is_null(), _("应为四位年份"))
            errors.where(sheet, frame, c.header, (value < 2000) | (value > this_year),
                         _("年度须在2000年至%(year)d年之间") % {"year": this_year})  # fmt: skip
        elif c.kind == "phone":
            ok = value.str.contains(_MOBILE.pattern) | value.str.contains(_LANDLINE.pattern)
            errors.where(sheet, frame, c.header, value.is_not_null() & ~ok,
                         _("联系电话须为11位手机号或带区号的固定电话"))  # fmt: skip
        elif c.kind == "code":
            errors.where(sheet, frame, c.header,
                         _numeric_text(c.header).is_not_null()
                & ~_numeric_text(c.header).str.contains(r"^\d{12}(\d{3})?$"),
                         _("区划代码须为12位数字（村民小组为15位）"))  # fmt: skip
        text_limit = TEXT_LIMITS.get(c.field)
        if text_limit:
            errors.where(sheet, frame, c.header, value.str.len_chars() > text_limit,
                         _("过长（最多%(n)d个字）") % {"n": text_limit})  # fmt: skip
    for name in layout.AREA_NAME_HEADERS if sheet == H else ():
        errors.where(sheet, frame, name, pl.col(name).str.len_chars() > 64, _("过长（最多64个字）"))


def _scratch_columns(frame: pl.DataFrame, headers: Sequence[str]) -> list[str]:
    keep = {"_causes"}
    return [
        c
        for c in frame.columns
        if c not in keep
        and (c in headers or c.startswith("__t_") or c.startswith("_code_") or c.startswith("_name_")
             or c.startswith("_id_") or c == "_causes_text")
    ]  # fmt: skip


def validate(raw: RawTables, *, actor: Any, create_areas: bool) -> Validation:
    errors = _Errors()
    hh = _normalise(raw.households, layout.HOUSEHOLD_COLUMNS)
    mm = _normalise(raw.members, layout.MEMBER_COLUMNS)
    # The cells as read are not needed again: let them go (memory at a million rows).
    raw.households, raw.members = pl.DataFrame(), pl.DataFrame()
    _check_kinds(errors, H, hh, layout.HOUSEHOLD_COLUMNS)
    _check_kinds(errors, M, mm, layout.MEMBER_COLUMNS)
    # A NUL (or another control character) is nothing anyone types: PostgreSQL cannot
    # store it, and the history's JSON would carry it. Refused as the cell's error.
    for sheet, frame, headers in ((H, hh, layout.HOUSEHOLD_HEADERS),
                                  (M, mm, layout.MEMBER_HEADERS)):  # fmt: skip
        for header in headers:
            if header in frame.columns and frame.schema[header] == pl.String:
                errors.where(sheet, frame, header, pl.col(header).str.contains(CONTROL),
                             _("含有不可见的控制字符（如 NUL），请删除后重新导入"))  # fmt: skip

    # 其他致贫原因: known causes, at most two, not the main one, no repeats.
    cause_map = layout.enum_values(choices.Cause)
    hh = hh.with_columns(
        pl.col("_causes_text")
        .list.eval(pl.element().replace_strict(cause_map, default=None, return_dtype=pl.String))
        .alias("_causes")
    )
    causes = pl.col("_causes")
    errors.where(H, hh, "其他致贫原因", causes.list.eval(pl.element().is_null()).list.any(),
                 _("含有无效的致贫原因，应从：%(labels)s 中选择")
                 % {"labels": "、".join(layout.enum_labels(choices.Cause).values())})  # fmt: skip
    errors.where(H, hh, "其他致贫原因", causes.list.len() > 2, _("其他致贫原因最多两项"))
    errors.where(H, hh, "其他致贫原因", causes.list.contains(pl.col("main_cause")),
                 _("其他致贫原因不能与主要致贫原因相同"))  # fmt: skip
    errors.where(H, hh, "其他致贫原因", causes.list.n_unique() < causes.list.len(),
                 _("其他致贫原因有重复"))  # fmt: skip
    hh = hh.with_columns(
        causes.list.drop_nulls().list.join(",").fill_null("").alias("other_causes")
    )

    # Years: 脱贫年度 only for exited households, not before 识别年度.
    errors.where(H, hh, "脱贫年度",
                 pl.col("exited_year").is_not_null()
                 & pl.col("status").is_not_null()
                 & ~pl.col("status").is_in(list(EXITED_STATUSES)),
                 _("只有已脱贫（或返贫、监测、已消除风险）的户才有脱贫年度"))  # fmt: skip
    errors.where(H, hh, "脱贫年度", pl.col("exited_year") < pl.col("identified_year"),
                 _("脱贫年度不能早于识别年度"))  # fmt: skip
    errors.where(H, hh, "收入年度",
                 pl.col("income_year").is_null()
                 & pl.any_horizontal(_text(h).is_not_null() for h in layout.INCOME_HEADERS),
                 _("填写了收入，须同时填写收入年度"))  # fmt: skip

    # 户编号 unique in the file.
    errors.where(H, hh, "户编号", pl.col("number").is_not_null() & pl.col("number").is_duplicated(),
                 _("户编号在文件中重复"))  # fmt: skip

    # Members: schooling text, ID numbers, sex agreeing, unique in the file.
    errors.where(M, mm, "在校生状况",
                 pl.col("schooling").is_not_null() & ~pl.col("schooling").str.contains(_SCHOOLING.pattern),
                 _("在校生状况须为 学前、小学N年级、初中N年级、高中N年级 或 非在校生"))  # fmt: skip
    mm = mm.with_columns(_id_reason("id_number").alias("_id_error"))
    errors.add(M, mm, "证件号码", pl.col("_id_error"))
    bad_places = _bad_birth_places(
        mm.filter(pl.col("_id_error").is_null())["id_number"].drop_nulls()
    )
    if bad_places:
        errors.where(M, mm, "证件号码",
                     pl.col("_id_error").is_null() & pl.col("id_number").str.slice(0, 10).is_in(list(bad_places)),
                     _("证件号码中的地区代码无效"))  # fmt: skip
    id_ok = pl.col("_id_error").is_null() & pl.col("id_number").is_not_null()
    id_sex = pl.when(pl.col("id_number").str.slice(16, 1).cast(pl.Int64, strict=False) % 2 == 1).then(
        pl.lit("male")).otherwise(pl.lit("female"))  # fmt: skip
    errors.add(M, mm, "性别",
               pl.when(id_ok & pl.col("sex").is_not_null() & (pl.col("sex") != id_sex))
               .then(pl.format(_("性别与证件号码不符（证件号码显示为{}）"),
                               pl.when(id_sex == "male").then(pl.lit(_("男"))).otherwise(pl.lit(_("女"))))))  # fmt: skip
    errors.where(M, mm, "证件号码",
                 id_ok & pl.col("id_number").str.slice(0, 18).is_duplicated(),
                 _("证件号码在文件中重复（同一人不能登记两次）"))  # fmt: skip

    # Each member's household is in 户; exactly one head per household, matching 户.
    numbers = (
        hh.filter(pl.col("number").is_not_null())
        .select("number", pl.lit(True).alias("_in_h"))
        .unique("number")
    )
    mm = mm.join(numbers, left_on="household_number", right_on="number", how="left")
    errors.where(M, mm, "户编号", pl.col("household_number").is_not_null() & pl.col("_in_h").is_null(),
                 _("户编号在“户”表中不存在"))  # fmt: skip
    is_head = pl.col("relation") == choices.Relation.HEAD
    errors.where(M, mm, "与户主关系",
                 is_head & (is_head.cast(pl.Int64).sum().over("household_number") > 1),
                 _("每户只能有一名户主"))  # fmt: skip
    heads = (
        mm.filter(is_head & pl.col("household_number").is_not_null())
        .group_by("household_number")
        .agg(
            pl.col("name").first().alias("_head_name"),
            pl.col("id_number").first().alias("_head_id"),
            pl.len().alias("_heads"),
        )
    )
    sizes = mm.group_by("household_number").agg(pl.len().alias("household_size"))
    hh = hh.join(heads, left_on="number", right_on="household_number", how="left").join(
        sizes, left_on="number", right_on="household_number", how="left"
    )
    errors.where(H, hh, "户编号", pl.col("number").is_not_null() & pl.col("household_size").is_null(),
                 _("“成员”表中没有本户的成员"))  # fmt: skip
    errors.where(H, hh, "户编号", pl.col("household_size").is_not_null() & pl.col("_heads").is_null(),
                 _("本户在“成员”表中没有户主（与户主关系＝户主）"))  # fmt: skip
    errors.add(H, hh, "户主姓名",
               pl.when(pl.col("_head_name").is_not_null() & pl.col("head_name").is_not_null()
                       & (pl.col("_head_name") != pl.col("head_name")))
               .then(pl.format(_("与“成员”表中的户主姓名“{}”不符"), pl.col("_head_name"))))  # fmt: skip
    head_id_sci = pl.col("head_id_number").str.contains(r"^\d(\.\d+)?E\+?\d+$")
    errors.where(H, hh, "户主证件号码", head_id_sci,
                 _("证件号码被表格软件改成了科学计数法，末几位已丢失"))  # fmt: skip
    errors.where(H, hh, "户主证件号码",
                 ~head_id_sci & pl.col("_head_id").is_not_null() & pl.col("head_id_number").is_not_null()
                 & (pl.col("_head_id") != pl.col("head_id_number")),
                 _("与“成员”表中户主的证件号码不符"))  # fmt: skip

    # Areas: known (or creatable), village or group level, names agreeing, writable.
    hh = hh.with_columns(
        pl.when(pl.col("area_code").str.contains(r"^\d{12}(\d{3})?$"))
        .then(pl.col("area_code"))
        .alias("area_code")
    ).with_columns(code.alias(f"_code_{i}") for i, (_h, code) in enumerate(LEVEL_CODES))
    level_codes = [f"_code_{i}" for i in range(len(LEVEL_CODES))]
    wanted = pl.concat([hh[c] for c in level_codes]).drop_nulls().unique()
    areas = registry_areas(wanted.to_list())
    new_areas: list[dict[str, str]] = []
    for i in range(len(LEVEL_CODES)):
        hh = hh.join(
            areas.select(
                pl.col("code").alias(f"_code_{i}"),
                pl.col("name").alias(f"_name_{i}"),
                pl.col("id").alias(f"_id_{i}"),
            ),
            on=f"_code_{i}",
            how="left",
        )
    is_group = pl.col("area_code").str.len_chars() == 15
    known = pl.when(is_group).then(pl.col("_id_5")).otherwise(pl.col("_id_4"))
    hh = hh.with_columns(known.alias("area_id"))
    is_village_level = is_group | (pl.col("area_code").str.slice(9, 3) != "000")
    errors.where(H, hh, "区划代码", pl.col("area_code").is_not_null() & ~is_village_level,
                 _("区划代码须为行政村或村民小组的代码"))  # fmt: skip
    if not create_areas:
        errors.where(H, hh, "区划代码",
                     pl.col("area_code").is_not_null() & is_village_level & pl.col("area_id").is_null(),
                     _("区划代码在区划库中不存在（如需新建区划，请勾选“自动创建区划”）"))  # fmt: skip
    for i, (header, _code) in enumerate(LEVEL_CODES):
        given = _text(header)
        errors.add(H, hh, header,
                   pl.when(given.is_not_null() & pl.col(f"_name_{i}").is_not_null()
                           & (given != pl.col(f"_name_{i}")))
                   .then(pl.format(_("与区划代码不符（应为“{}”）"), pl.col(f"_name_{i}"))))  # fmt: skip
        errors.where(H, hh, header,
                     given.is_not_null() & pl.col(f"_code_{i}").is_null() & pl.col("area_code").is_not_null(),
                     _("区划代码是行政村的代码，村民小组应为空"))  # fmt: skip
        if create_areas:
            errors.where(H, hh, header,
                         is_village_level & pl.col(f"_code_{i}").is_not_null()
                         & pl.col(f"_name_{i}").is_null() & given.is_null(),
                         _("区划库中没有此级区划，新建区划须填写名称"))  # fmt: skip
            errors.where(H, hh, header,
                         pl.col(f"_name_{i}").is_null() & given.is_not_null()
                         & (given.n_unique().over(f"_code_{i}") > 1),
                         _("同一新区划在文件中有不同的名称"))  # fmt: skip
    if create_areas:
        for i, (header, _code) in enumerate(LEVEL_CODES):
            fresh = (
                hh.filter(pl.col(f"_code_{i}").is_not_null() & pl.col(f"_name_{i}").is_null()
                          & _text(header).is_not_null() & is_village_level)
                .select(pl.col(f"_code_{i}").alias("code"), _text(header).alias("name"))
                .unique("code")
            )  # fmt: skip
            new_areas.extend(fresh.to_dicts())

    if actor is not None:
        scope = scope_for(actor)
        writable = pl.any_horizontal(
            pl.lit(False), *(pl.col("area_code").str.starts_with(p) for p in scope.write_prefixes)
        )
        errors.where(H, hh, "区划代码", pl.col("area_code").is_not_null() & ~writable,
                     _("您无权在此区划导入（超出您的管辖范围）"))  # fmt: skip

    # The registry: households already there (same county and number), their members,
    # and ID numbers held in other households.
    hh = hh.with_columns(pl.col("area_code").str.slice(0, 6).alias("county"))
    existing_h = registry_households(hh["number"].drop_nulls().to_list())
    existing_h = existing_h.with_columns(pl.col("area_code").str.slice(0, 6).alias("county"))
    matched = (
        hh.select("county", "number")
        .drop_nulls()
        .join(existing_h, on=["county", "number"], how="inner")
    )
    hh = hh.join(
        matched.select("county", "number", pl.col("id").alias("existing_id"),
                       pl.col("is_active").alias("_existing_active"),
                       pl.col("area_code").alias("_existing_code")),
        on=["county", "number"], how="left",
    )  # fmt: skip
    errors.where(H, hh, "户编号", pl.col("_existing_active") == False,  # noqa: E712
                 _("本县已有此户编号的户且已注销，不能用导入恢复"))  # fmt: skip
    if actor is not None:
        scope = scope_for(actor)
        writable_old = pl.any_horizontal(
            pl.lit(False),
            *(pl.col("_existing_code").str.starts_with(p) for p in scope.write_prefixes),
        )
        errors.where(H, hh, "区划代码", pl.col("_existing_code").is_not_null() & ~writable_old,
                     _("本户现属区划超出您的管辖范围，不能迁入"))  # fmt: skip
    matched_ids = hh["existing_id"].drop_nulls().to_list()
    existing_m = registry_members(matched_ids)
    years = hh.select("existing_id", pl.col("income_year").alias("year")).drop_nulls()
    existing_i = registry_incomes(matched_ids).join(
        years, left_on=["household_id", "year"], right_on=["existing_id", "year"], how="semi"
    )

    mm = mm.join(hh.select("number", "county", "existing_id").drop_nulls("number"),
                 left_on="household_number", right_on="number", how="left")  # fmt: skip
    holders = registry_id_holders(mm.filter(id_ok)["id_number"].to_list())
    mm = mm.join(holders, on="id_number", how="left")
    elsewhere = pl.col("holder_number").is_not_null() & (
        (pl.col("holder_number") != pl.col("household_number"))
        | (pl.col("holder_code").str.slice(0, 6) != pl.col("county"))
    )
    # A household outside the actor's areas is not named: its number would say where
    # (and that) the person lives.
    if actor is None:
        visible: pl.Expr = pl.lit(True)
    else:
        visible = pl.any_horizontal(
            pl.lit(False),
            *(pl.col("holder_code").str.starts_with(p) for p in scope_for(actor).prefixes),
        )
    errors.add(M, mm, "证件号码",
               pl.when(id_ok & elsewhere & visible).then(
                   pl.format(_("此人已在另一有效户（户编号{}）中登记，一人只能在一户"), pl.col("holder_number")))
               .when(id_ok & elsewhere).then(
                   pl.lit(_("此人已在您管辖范围以外的另一有效户中登记，一人只能在一户"))))  # fmt: skip
    mm = mm.join(
        existing_m.select(pl.col("household_id").alias("existing_id"), "id_number",
                          pl.col("id").alias("existing_member_id")),
        on=["existing_id", "id_number"], how="left",
    )  # fmt: skip
    found = errors.frame({H: hh, M: mm})
    # The cells as written and their normalised text are no longer needed: at a million
    # households they are most of the memory the frames hold.
    hh = hh.drop(_scratch_columns(hh, layout.HOUSEHOLD_HEADERS))
    mm = mm.drop(_scratch_columns(mm, layout.MEMBER_HEADERS))
    return Validation(
        households=hh,
        members=mm,
        errors=found,
        existing_households=existing_h.join(matched.select("id"), on="id", how="semi"),
        existing_members=existing_m,
        existing_incomes=existing_i,
        new_areas=new_areas,
    )
