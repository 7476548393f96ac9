"""Export of the household list in the 户 sheet layout of IMPORT_TEMPLATE.md (CSV).

Restricted to the actor's scope, masked by role, and recorded in the access log as an
export when unmasked data leaves. Cells a spreadsheet would run as a formula are
neutralised. Rows are streamed: memory stays flat whatever the size of the scope.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import translation

from fupin.accounts.scope import Scope
from fupin.areas.codes import LEVELS, PREFIX_LENGTH, parent_code, prefix_q
from fupin.areas.models import Area
from fupin.audit.services import pii_access_record
from fupin.core.masking import mask_id_number, mask_phone
from fupin.registry.choices import Cause, DangerGrade, HouseholdStatus, HouseholdType, Standard
from fupin.registry.models import IncomeRecord, Member
from fupin.registry.selectors import HouseholdFilters, household_queryset

HOUSEHOLD_HEADERS = [
    "户编号", "区划代码", "省", "市", "县", "乡镇", "行政村", "村民小组", "户主姓名", "户主证件号码",
    "联系电话", "识别标准", "贫困户属性", "主要致贫原因", "其他致贫原因", "收入年度", "工资性收入",
    "生产经营性收入", "财产性收入", "转移性收入", "生产经营性支出", "住房面积", "危房等级",
    "是否易地搬迁", "饮水是否安全", "是否通生活用电", "距村主干路距离", "户状态", "识别年度", "脱贫年度",
]  # fmt: skip
_INCOME = ("wage", "business", "property_income", "transfer", "business_costs")


def neutralise(value: Any) -> str:
    """A cell starting with = + - @ (or a tab/CR) would run as a formula in Excel."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def _money(value: Any) -> str:
    # Subquery values come back as float on SQLite; the file always shows two decimals.
    return f"{Decimal(str(value)):.2f}"


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _area_names(scope: Scope) -> dict[str, str]:
    return dict(Area.objects.filter(prefix_q("code", scope.prefixes)).values_list("code", "name"))


def _ancestor_names(code: str, names: dict[str, str], outside: dict[str, str]) -> list[str]:
    """Names for 省, 市, 县, 乡镇, 行政村, 村民小组 of an area code."""
    by_level = dict.fromkeys(LEVELS, "")
    current: str | None = code
    while current:
        name = names.get(current)
        if name is None:
            # Ancestors above the actor's scope (their own county, province) are public names.
            if current not in outside:
                outside[current] = (
                    Area.objects.filter(code=current).values_list("name", flat=True).first() or ""
                )
            name = outside[current]
        level = (
            "group"
            if len(current) == 15
            else next(lv for lv in LEVELS[:-1] if current[PREFIX_LENGTH[lv] :].strip("0") == "")
        )
        by_level[level] = name
        current = parent_code(current)
    return [by_level[lv] for lv in LEVELS]


def household_rows(
    *, actor: Any, scope: Scope, filters: HouseholdFilters | None = None
) -> Iterator[list[str]]:
    heads = Member.objects.filter(household=OuterRef("pk"), relation="head", is_active=True)
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
    )
    names = _area_names(scope)
    outside: dict[str, str] = {}
    unmasked_ids: list[int] = []
    # The exchange format's values are Simplified Chinese whatever the user's language.
    with translation.override("zh-hans"):
        labels = {
            name: {key: str(label) for key, label in choices}
            for name, choices in (
                ("standard", Standard.choices), ("type", HouseholdType.choices),
                ("cause", Cause.choices), ("grade", DangerGrade.choices),
                ("status", HouseholdStatus.choices),
            )
        }  # fmt: skip
    h: Any
    for h in qs.iterator(chunk_size=2000):
        sees = scope.sees_pii(h.area_code)
        if sees:
            unmasked_ids.append(h.pk)
        row: list[Any] = [
            h.number, h.area_code, *_ancestor_names(h.area_code, names, outside),
            h.head_name,
            h.head_id_number if sees else mask_id_number(h.head_id_number or ""),
            h.phone if sees else mask_phone(h.phone),
            labels["standard"][h.standard], labels["type"][h.household_type],
            labels["cause"][h.main_cause],
            "、".join(str(labels["cause"].get(c, c)) for c in h.other_causes),
            h.income_year or "",
            *[_money(getattr(h, f"income_{f}")) if h.income_year else "" for f in _INCOME],
            h.housing_area if h.housing_area is not None else "",
            labels["grade"][h.danger_grade], _yes_no(h.relocated), _yes_no(h.safe_water),
            _yes_no(h.has_electricity),
            h.road_distance_km if h.road_distance_km is not None else "",
            labels["status"][h.status], h.identified_year or "", h.exited_year or "",
        ]  # fmt: skip
        yield [neutralise(v) for v in row]
    pii_access_record(
        actor=actor,
        object_type="household",
        object_ids=unmasked_ids,
        fields=["head_id_number", "phone"],
        channel="export",
        export=True,
    )


def household_csv_chunks(
    *, actor: Any, scope: Scope, filters: HouseholdFilters | None = None
) -> Iterator[str]:
    """UTF-8 with BOM so that Excel in Chinese opens it correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(HOUSEHOLD_HEADERS)
    for count, row in enumerate(household_rows(actor=actor, scope=scope, filters=filters), 1):
        writer.writerow(row)
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
