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


# --- big synthetic files (kill test, benchmarks) --------------------------------------------

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗谭向田覃")
GIVEN = list("明华国英秀兰建军平红玉芳德志文斌海燕丽强伟勇静敏")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def synthetic_frames(
    households: int, villages: Sequence[str], *, seed: int = 7, region: str = "422822"
) -> tuple[Any, Any]:
    """A valid registry of ``households`` households (about three members each) as two
    frames in the exchange layout, built with frame expressions (a million in seconds).
    IDs are unique by construction: birth day and sequence come from the person's index."""
    import polars as pl

    rng_h = pl.int_range(0, households, eager=True).alias("i").to_frame()
    size = (pl.col("i").hash(seed) % 5 + 1).cast(pl.Int64)  # 1..5 members, mean 3
    hh = rng_h.with_columns(size.alias("size"))
    hh = hh.with_columns(
        pl.format("B{}", pl.col("i").cast(pl.String).str.zfill(7)).alias("户编号"),
        pl.col("i")
        .mod(len(villages))
        .replace_strict(dict(enumerate(villages)), return_dtype=pl.String)
        .alias("区划代码"),
        (pl.col("size").cum_sum() - pl.col("size")).alias("first"),
    )
    people = (
        hh.select("户编号", "first", pl.int_ranges(0, "size").alias("k"))
        .explode("k")
        .with_columns((pl.col("first") + pl.col("k")).alias("p"))
    )
    day = pl.col("p") % 30000  # 1940 … 2022
    birth = (pl.lit(date(1940, 1, 1)) + pl.duration(days=day)).alias("birth")
    male = pl.col("k") % 2 == 0
    seq = (pl.col("p") // 30000) * 2 + pl.when(male).then(1).otherwise(0)
    people = people.with_columns(birth, male.alias("male"), seq.alias("seq"))
    body = (
        pl.lit(region)
        + pl.col("birth").dt.strftime("%Y%m%d")
        + pl.col("seq").cast(pl.String).str.zfill(3)
    )
    people = people.with_columns(body.alias("body"))
    total = pl.sum_horizontal(
        pl.col("body").str.slice(i, 1).cast(pl.Int64) * w for i, w in enumerate(_WEIGHTS)
    )
    check = (total % 11).replace_strict(dict(enumerate("10X98765432")), return_dtype=pl.String)
    name = (
        (pl.col("p") % len(SURNAMES)).replace_strict(
            dict(enumerate(SURNAMES)), return_dtype=pl.String
        )
        + ((pl.col("p") // 7) % len(GIVEN)).replace_strict(
            dict(enumerate(GIVEN)), return_dtype=pl.String
        )
        + ((pl.col("p") // 3) % len(GIVEN)).replace_strict(
            dict(enumerate(GIVEN)), return_dtype=pl.String
        )
    )
    members = people.with_columns(
        (pl.col("body") + check).alias("证件号码"), name.alias("姓名")
    ).select(
        "户编号",
        "姓名",
        pl.when("male").then(pl.lit("男")).otherwise(pl.lit("女")).alias("性别"),
        "证件号码",
        pl.when(pl.col("k") == 0)
        .then(pl.lit("户主"))
        .otherwise(pl.lit("其他"))
        .alias("与户主关系"),
        pl.lit("土家族").alias("民族"),
        pl.lit("初中").alias("文化程度"),
        pl.lit("非在校生").alias("在校生状况"),
        pl.lit("健康").alias("健康状况"),
        pl.lit("普通劳动力").alias("劳动能力"),
        pl.lit("县外省内务工").alias("务工状况"),
        (pl.col("p") % 13).cast(pl.String).alias("务工时间(月)"),
        pl.lit("是").alias("是否参加基本医疗保险"),
        pl.lit("是").alias("是否参加大病保险"),
        pl.lit("否").alias("是否参加基本养老保险"),
        pl.lit("否").alias("是否享受低保"),
        pl.lit("否").alias("是否特困供养"),
    )
    heads = members.filter(pl.col("与户主关系") == "户主").select("户编号", pl.col("姓名").alias("户主姓名"),
                                                               pl.col("证件号码").alias("户主证件号码"))  # fmt: skip
    hh = (
        hh.join(heads, on="户编号")
        .with_columns(
            pl.lit("13912345678").alias("联系电话"),
            pl.lit("国家").alias("识别标准"),
            pl.lit("一般贫困户").alias("贫困户属性"),
            pl.lit("因病").alias("主要致贫原因"),
            pl.lit("缺技术").alias("其他致贫原因"),
            pl.lit("2024").alias("收入年度"),
            ((pl.col("i") % 20000) + 1000).cast(pl.String).alias("工资性收入"),
            pl.lit("1200.50").alias("生产经营性收入"),
            pl.lit("0.00").alias("财产性收入"),
            pl.lit("2400.00").alias("转移性收入"),
            pl.lit("300.00").alias("生产经营性支出"),
            pl.lit("85.00").alias("住房面积"),
            pl.lit("无").alias("危房等级"),
            pl.lit("否").alias("是否易地搬迁"),
            pl.lit("是").alias("饮水是否安全"),
            pl.lit("是").alias("是否通生活用电"),
            pl.lit("1.50").alias("距村主干路距离"),
            pl.lit("已脱贫").alias("户状态"),
            pl.lit("2015").alias("识别年度"),
            pl.lit("2019").alias("脱贫年度"),
            *(pl.lit("").alias(h) for h in layout.AREA_NAME_HEADERS),
        )
        .select(layout.HOUSEHOLD_HEADERS)
    )
    return hh, members


def synthetic_csv(directory: Path, households: int, villages: Sequence[str]) -> list[Path]:
    hh, members = synthetic_frames(households, villages)
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / layout.HOUSEHOLD_CSV, directory / layout.MEMBER_CSV]
    hh.write_csv(paths[0])
    members.write_csv(paths[1])
    return paths


def synthetic_xlsx(path: Path, households: int, villages: Sequence[str]) -> Path:
    import xlsxwriter

    hh, members = synthetic_frames(households, villages)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    for sheet, frame in ((layout.HOUSEHOLD_SHEET, hh), (layout.MEMBER_SHEET, members)):
        ws = wb.add_worksheet(sheet)
        ws.write_row(0, 0, frame.columns)
        for i, row in enumerate(frame.iter_rows(), 1):
            ws.write_row(i, 0, row)
    wb.close()
    return path
