"""Export of the registry in the exchange layout (IMPORT_TEMPLATE.md), xlsx or CSV.

Restricted to the actor's scope (and the list filters), masked by role (ID numbers and
phones partly, health entirely — the 健康状况 cell is left empty and a note says so), every
text cell neutralised against formula injection, and recorded once in the access log when
unmasked personal data leaves. Rows are read with ``.iterator()`` and turned into frames of
a few thousand rows, so memory stays flat whatever the size of the registry; the same
value mapping as the import (layout.py) makes export → import a round trip.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import polars as pl
import xlsxwriter
from django.db.models import OuterRef, Subquery, TextChoices

from fupin.accounts.scope import Scope
from fupin.areas.models import Area
from fupin.core import pii
from fupin.core.files import open_private, private_dir, private_file, write_private
from fupin.exchange import layout
from fupin.registry import choices
from fupin.registry.models import IncomeRecord, Member
from fupin.registry.selectors import HouseholdFilters, household_queryset

CHUNK = 20_000
_INCOME = ("wage", "business", "property_income", "transfer", "business_costs")
HOUSEHOLD_QUERY = (
    "id", "number", "area_code", "phone", "standard", "household_type", "main_cause",
    "other_causes", "income_year", *(f"income_{f}" for f in _INCOME), "housing_area",
    "danger_grade", "relocated", "safe_water", "has_electricity", "road_distance_km",
    "status", "identified_year", "exited_year", "head_name", "head_id_number",
)  # fmt: skip
MEMBER_QUERY = (
    "household__number", "household__area_code", "name", "sex", "id_number", "relation",
    "ethnicity", "education", "schooling", "health", "labour", "migrant_status",
    "migrant_months", "medical_insurance", "serious_illness_insurance", "pension_insurance",
    "dibao", "tekun",
)  # fmt: skip
HEALTH_NOTE = (
    "说明：按您的角色，导出的证件号码和联系电话已部分遮蔽，“健康状况”一栏留空（无权查看）。"
    "此文件不能原样导回。"
)


def neutralise(value: Any) -> str:
    """A cell starting with = + - @ (or a tab/CR) would run as a formula in Excel."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def _neutralise(col: str) -> pl.Expr:
    c = pl.col(col).fill_null("")
    return pl.when(c.str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + c).otherwise(c).alias(col)


def _label(col: str, enum: type[TextChoices]) -> pl.Expr:
    return pl.col(col).replace_strict(
        layout.enum_labels(enum), default=pl.col(col), return_dtype=pl.String
    )


def _money(col: str) -> pl.Expr:
    # SQLite hands subquery decimals back as float; the file always shows two decimals.
    return pl.col(col).cast(pl.String).cast(pl.Decimal(20, 2), strict=False).cast(pl.String)


def _yes_no(col: str) -> pl.Expr:
    return pl.when(pl.col(col).cast(pl.Boolean)).then(pl.lit("是")).otherwise(pl.lit("否"))


class _AreaNames:
    """Names of the six levels of an area code, loaded per chunk and cached."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    @staticmethod
    def chain(code: str) -> list[str | None]:
        return [code[:2] + "0" * 10, code[:4] + "0" * 8, code[:6] + "0" * 6,
                code[:9] + "000", code[:12], code if len(code) == 15 else None]  # fmt: skip

    def frame(self, codes: Iterable[str]) -> pl.DataFrame:
        codes = sorted(set(codes))
        wanted = {a for c in codes for a in self.chain(c) if a and a not in self.names}
        wanted_list = sorted(wanted)
        for start in range(0, len(wanted_list), 500):
            self.names.update(
                Area.objects.filter(code__in=wanted_list[start : start + 500]).values_list(
                    "code", "name"
                )
            )
        rows = [[c, *((self.names.get(a, "") if a else "") for a in self.chain(c))] for c in codes]
        return pl.DataFrame(
            rows, schema=["area_code", *layout.AREA_NAME_HEADERS], orient="row"
        ).cast(pl.String)


def _chunks(rows: Iterable[tuple[Any, ...]], names: Sequence[str]) -> Iterator[pl.DataFrame]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            yield pl.DataFrame(batch, schema=list(names), orient="row", infer_schema_length=None)
            batch = []
    if batch:
        yield pl.DataFrame(batch, schema=list(names), orient="row", infer_schema_length=None)


def _households(scope: Scope, filters: HouseholdFilters | None) -> Iterable[tuple[Any, ...]]:
    heads = Member.objects.filter(
        household=OuterRef("pk"), relation=choices.Relation.HEAD, is_active=True
    )
    latest = IncomeRecord.objects.filter(household=OuterRef("pk")).order_by("-year")
    qs = (
        household_queryset(scope=scope, filters=filters)
        .annotate(
            head_name=Subquery(heads.values("name")[:1]),
            head_id_number=Subquery(heads.values("id_number")[:1]),
            income_year=Subquery(latest.values("year")[:1]),
            **{f"income_{f}": Subquery(latest.values(f)[:1]) for f in _INCOME},
        )
        .order_by("area_code", "id")
        .values_list(*HOUSEHOLD_QUERY)
    )
    return qs.iterator(chunk_size=5000)


def _members(scope: Scope, filters: HouseholdFilters | None) -> Iterable[tuple[Any, ...]]:
    households = household_queryset(scope=scope, filters=filters).values("id")
    return (
        Member.objects.filter(is_active=True, household_id__in=Subquery(households))
        .order_by("household__area_code", "household_id", "id")
        .values_list(*MEMBER_QUERY)
        .iterator(chunk_size=5000)
    )


def household_frames(
    scope: Scope, filters: HouseholdFilters | None, unmasked: list[int]
) -> Iterator[pl.DataFrame]:
    """Frames of the 户 sheet in layout order (all strings); appends to ``unmasked`` the
    ids of households whose personal data left unmasked."""
    areas = _AreaNames()
    for raw in _chunks(_households(scope, filters), HOUSEHOLD_QUERY):
        frame = raw.with_columns(pii.sees_expr(scope, "area_code").alias("_sees"))
        unmasked.extend(frame.filter(pl.col("_sees"))["id"].to_list())
        causes = layout.enum_labels(choices.Cause)
        has_income = pl.col("income_year").is_not_null()
        frame = frame.with_columns(
            pii.id_number_expr("head_id_number", pl.col("_sees")).alias("户主证件号码"),
            pii.phone_expr("phone", pl.col("_sees")).alias("联系电话"),
            _label("standard", choices.Standard).alias("识别标准"),
            _label("household_type", choices.HouseholdType).alias("贫困户属性"),
            _label("main_cause", choices.Cause).alias("主要致贫原因"),
            pl.col("other_causes").cast(pl.List(pl.String))
            .list.eval(pl.element().replace_strict(causes, default=pl.element(), return_dtype=pl.String))
            .list.join("、").alias("其他致贫原因"),
            pl.col("income_year").cast(pl.String).alias("收入年度"),
            *(pl.when(has_income).then(_money(f"income_{f}")).alias(h)
              for f, h in zip(_INCOME, layout.INCOME_HEADERS, strict=True)),
            _money("housing_area").alias("住房面积"),
            _label("danger_grade", choices.DangerGrade).alias("危房等级"),
            _yes_no("relocated").alias("是否易地搬迁"),
            _yes_no("safe_water").alias("饮水是否安全"),
            _yes_no("has_electricity").alias("是否通生活用电"),
            _money("road_distance_km").alias("距村主干路距离"),
            _label("status", choices.HouseholdStatus).alias("户状态"),
            pl.col("identified_year").cast(pl.String).alias("识别年度"),
            pl.col("exited_year").cast(pl.String).alias("脱贫年度"),
            pl.col("number").alias("户编号"),
            pl.col("area_code").alias("区划代码"),
            pl.col("head_name").alias("户主姓名"),
        )  # fmt: skip
        frame = frame.join(areas.frame(frame["area_code"].to_list()), on="area_code", how="left")
        yield frame.select(_neutralise(h) for h in layout.HOUSEHOLD_HEADERS)


def member_frames(scope: Scope, filters: HouseholdFilters | None) -> Iterator[pl.DataFrame]:
    labels = {c.field: c.enum for c in layout.MEMBER_COLUMNS if c.kind == "enum"}
    for raw in _chunks(_members(scope, filters), MEMBER_QUERY):
        sees = pii.sees_expr(scope, "household__area_code")
        exprs = [pl.col("household__number").alias("户编号")]
        for c in layout.MEMBER_COLUMNS[1:]:
            enum = labels.get(c.field)
            if c.field == "id_number":
                exprs.append(pii.id_number_expr("id_number", sees).alias(c.header))
            elif c.field == "health":
                assert enum is not None
                exprs.append(pii.health_expr(_label("health", enum), sees).alias(c.header))
            elif enum is not None:
                exprs.append(_label(c.field, enum).alias(c.header))
            elif c.kind == "bool":
                exprs.append(_yes_no(c.field).alias(c.header))
            else:
                exprs.append(pl.col(c.field).cast(pl.String).alias(c.header))
        yield raw.select(exprs).select(_neutralise(h) for h in layout.MEMBER_HEADERS)


def _record(actor: Any, scope: Scope, unmasked: list[int]) -> None:
    with pii.viewing(actor=actor, scope=scope, channel="export", export=True) as viewer:
        viewer.note_many("household", unmasked, ["head_id_number", "phone", "id_number", "health"])


def _masked_anywhere(scope: Scope, filters: HouseholdFilters | None) -> bool:
    """Whether some exported household is outside the actor's unmasked areas."""
    qs = household_queryset(scope=scope, filters=filters)
    from fupin.areas.codes import prefix_q

    return qs.exclude(prefix_q("area_code", scope.pii_prefixes)).exists()


def export_files(
    *,
    actor: Any,
    scope: Scope,
    filters: HouseholdFilters | None,
    fmt: Literal["xlsx", "csv"],
    dest_dir: Path,
) -> list[Path]:
    dest_dir = private_dir(dest_dir)
    unmasked: list[int] = []
    masked = _masked_anywhere(scope, filters)
    out: list[Path]
    if fmt == "csv":
        hpath, mpath = dest_dir / layout.HOUSEHOLD_CSV, dest_dir / layout.MEMBER_CSV
        for path, headers, frames in (
            (hpath, layout.HOUSEHOLD_HEADERS, household_frames(scope, filters, unmasked)),
            (mpath, layout.MEMBER_HEADERS, member_frames(scope, filters)),
        ):
            with open_private(path, "wb") as handle:
                # UTF-8 with BOM: Excel in Chinese opens it without garbling.
                handle.write(("\ufeff" + ",".join(headers) + "\n").encode())
                for frame in frames:
                    frame.write_csv(handle, include_header=False)
        out = [hpath, mpath]
        if masked:
            note = dest_dir / "说明.txt"
            write_private(note, HEALTH_NOTE + "\n", encoding="utf-8-sig")
            out.append(note)
    else:
        path = dest_dir / "registry.xlsx"
        workbook = xlsxwriter.Workbook(
            str(path),
            {"constant_memory": True, "strings_to_numbers": False,
             "strings_to_formulas": False, "strings_to_urls": False},
        )  # fmt: skip
        try:
            for sheet, headers, frames in (
                (layout.HOUSEHOLD_SHEET, layout.HOUSEHOLD_HEADERS, household_frames(scope, filters, unmasked)),
                (layout.MEMBER_SHEET, layout.MEMBER_HEADERS, member_frames(scope, filters)),
            ):  # fmt: skip
                ws = workbook.add_worksheet(sheet)
                ws.write_row(0, 0, headers)
                index = 1
                for frame in frames:
                    for row in frame.iter_rows():
                        ws.write_row(index, 0, row)
                        index += 1
            if masked:
                workbook.add_worksheet("说明").write_string(0, 0, HEALTH_NOTE)
        finally:
            workbook.close()
            private_file(path)
        out = [path]
    _record(actor, scope, unmasked)
    return out


def household_csv_chunks(
    *, actor: Any, scope: Scope, filters: HouseholdFilters | None = None
) -> Iterator[str]:
    """The 户 sheet as CSV text, streamed (for the list page's export button). UTF-8 with
    BOM so that Excel in Chinese opens it correctly."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerow(layout.HOUSEHOLD_HEADERS)
    yield buffer.getvalue()
    unmasked: list[int] = []
    for frame in household_frames(scope, filters, unmasked):
        yield frame.write_csv(include_header=False)
    _record(actor, scope, unmasked)


__all__ = [
    "export_files",
    "household_csv_chunks",
    "household_frames",
    "member_frames",
    "neutralise",
]


def system_scope() -> Scope:
    """Everything, unmasked: the system's own exports (CLI without --user, benchmarks)."""
    provinces = tuple(
        sorted({c[:2] for c in Area.objects.filter(parent=None).values_list("code", flat=True)})
    )
    return Scope(user_id=None, prefixes=provinces, write_prefixes=provinces, pii_prefixes=provinces)
