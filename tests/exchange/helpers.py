"""Shared helpers of the exchange tests: files in the layout, and a digest of the registry."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from django.db import connection

from fupin.exchange import layout
from fupin.registry.validation import build_id_number
from tests import factories

TABLES = ("registry_household", "registry_member", "registry_incomerecord",
          "registry_householdchange", "areas_area", "audit_auditevent")  # fmt: skip


def digest() -> str:
    """A hash of every row of the registry tables (and areas, audit): equal before and
    after means nothing was written."""
    h = hashlib.sha256()
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608
            for row in cursor.fetchall():
                h.update(repr(row).encode())
    return h.hexdigest()


def household_row(number: str = "H1", **over: str) -> dict[str, str]:
    row = {h: "" for h in layout.HOUSEHOLD_HEADERS}
    row.update({
        "户编号": number, "区划代码": factories.VILLAGE, "县": "建始县", "行政村": "东门村",
        "户主姓名": "王五", "户主证件号码": over.pop("_head_id", ""), "联系电话": "13912345678",
        "识别标准": "国家", "贫困户属性": "一般贫困户", "主要致贫原因": "因病",
        "其他致贫原因": "缺技术、缺资金", "收入年度": "2024", "工资性收入": "12000.50",
        "生产经营性收入": "3000", "财产性收入": "0", "转移性收入": "2400", "生产经营性支出": "500",
        "住房面积": "90.5", "危房等级": "无", "是否易地搬迁": "否", "饮水是否安全": "是",
        "是否通生活用电": "是", "距村主干路距离": "1.2", "户状态": "已脱贫", "识别年度": "2015",
        "脱贫年度": "2018",
    })  # fmt: skip
    row.update(over)
    return row


def member_row(number: str = "H1", **over: str) -> dict[str, str]:
    row = {h: "" for h in layout.MEMBER_HEADERS}
    row.update({
        "户编号": number, "姓名": "王五", "性别": "男", "证件号码": "", "与户主关系": "户主",
        "民族": "土家族", "文化程度": "初中", "在校生状况": "非在校生", "健康状况": "健康",
        "劳动能力": "普通劳动力", "务工状况": "县外省内务工", "务工时间(月)": "6",
        "是否参加基本医疗保险": "是", "是否参加大病保险": "是", "是否参加基本养老保险": "否",
        "是否享受低保": "否", "是否特困供养": "否",
    })  # fmt: skip
    row.update(over)
    return row


_seq = iter(range(1, 10**6))


def new_id(sex: str = "male", born: date = date(1975, 3, 9)) -> str:
    n = next(_seq)
    seq = (n * 2 + (1 if sex == "male" else 0)) % 1000
    return build_id_number("422822", born, seq)


def household_pair(number: str = "H1", **over: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """A valid household with a head and a spouse."""
    head, spouse = new_id("male"), new_id("female", date(1978, 1, 2))
    h = household_row(number, _head_id=head, **over)
    return h, [
        member_row(number, 证件号码=head),
        member_row(number, 姓名="李梅", 性别="女", 证件号码=spouse, 与户主关系="配偶",
                   务工状况="未务工", **{"务工时间(月)": "0"}),
    ]  # fmt: skip


def write_csv_pair(
    directory: Path,
    households: Sequence[Mapping[str, str]],
    members: Sequence[Mapping[str, str]],
    *,
    encoding: str = "utf-8-sig",
    newline: str = "\n",
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name, headers, rows in (
        (layout.HOUSEHOLD_CSV, layout.HOUSEHOLD_HEADERS, households),
        (layout.MEMBER_CSV, layout.MEMBER_HEADERS, members),
    ):
        path = directory / name
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(headers), lineterminator=newline,
                                    extrasaction="ignore")  # fmt: skip
            writer.writeheader()
            writer.writerows(rows)
        out.append(path)
    return out


def write_xlsx(
    path: Path, households: Sequence[Mapping[str, Any]], members: Sequence[Mapping[str, Any]]
) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    for sheet, headers, rows in (
        (layout.HOUSEHOLD_SHEET, layout.HOUSEHOLD_HEADERS, households),
        (layout.MEMBER_SHEET, layout.MEMBER_HEADERS, members),
    ):
        ws = wb.add_worksheet(sheet)
        ws.write_row(0, 0, list(headers))
        for i, row in enumerate(rows, 1):
            for j, h in enumerate(headers):
                value = row.get(h, "")
                if isinstance(value, (int, float)):
                    ws.write_number(i, j, value)
                elif value != "":
                    ws.write_string(i, j, str(value))
    wb.close()
    return path
