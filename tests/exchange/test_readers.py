"""Reading: encodings detected, CSV pairs told apart by headers, xlsx cells as text."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from fupin.exchange.pipeline import import_files
from fupin.exchange.readers import Refused, read_tables
from fupin.registry.models import Household, Member
from tests.exchange.helpers import household_pair, new_id, write_csv_pair, write_xlsx


def _pair() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    h, m = household_pair("H1")
    return [h], m


def test_gbk_csv_the_way_excel_saves_it(tmp_path: Path, areas: None) -> None:
    households, members = _pair()
    paths = write_csv_pair(tmp_path, households, members, encoding="gbk", newline="\r\n")
    raw = paths[0].read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    outcome = import_files(actor=None, paths=paths, dry_run=False)
    assert outcome.ok, outcome.errors
    h = Household.objects.get(number="H1")
    assert h.members.get(relation="head").name == "王五" and h.members.count() == 2


def test_utf8_with_and_without_bom(tmp_path: Path, areas: None) -> None:
    households, members = _pair()
    for encoding in ("utf-8-sig", "utf-8"):
        paths = write_csv_pair(tmp_path / encoding, households, members, encoding=encoding)
        raw = read_tables(paths)
        assert raw.households["户编号"].to_list() == ["H1"]
        assert raw.members["姓名"].to_list() == ["王五", "李梅"]


def test_csv_pair_told_apart_by_headers_not_names(tmp_path: Path, areas: None) -> None:
    households, members = _pair()
    hpath, mpath = write_csv_pair(tmp_path, households, members)
    a, b = hpath.rename(tmp_path / "b.csv"), mpath.rename(tmp_path / "a.csv")
    raw = read_tables([b, a])
    assert raw.households.height == 1 and raw.members.height == 2


def test_zip_of_the_pair(tmp_path: Path, areas: None) -> None:
    households, members = _pair()
    paths = write_csv_pair(tmp_path / "csv", households, members, encoding="gbk", newline="\r\n")
    archive = tmp_path / "registry.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for p in paths:
            z.write(p, p.name)
    outcome = import_files(actor=None, paths=[archive], dry_run=False)
    assert outcome.ok, outcome.errors
    assert Member.objects.filter(household__number="H1").count() == 2


def test_extra_columns_ignored_and_reported_header_order_free(tmp_path: Path, areas: None) -> None:
    households, members = _pair()
    for row in households:
        row["备注"] = "随便"
    paths = write_csv_pair(tmp_path, households, members)
    text = paths[0].read_text(encoding="utf-8-sig").splitlines()
    # Move the first column to the end, and add the extra header.
    cells = [line.split(",") for line in text]
    paths[0].write_text(
        "\n".join(",".join([*c[1:], c[0], "x" if i else "备注"]) for i, c in enumerate(cells))
        + "\n",
        encoding="utf-8-sig",
    )
    outcome = import_files(actor=None, paths=paths, dry_run=False)
    assert outcome.ok, outcome.errors
    assert outcome.ignored_headers == {"户": ["备注"]}


def test_trailing_empty_rows_ignored(tmp_path: Path, areas: None) -> None:
    households, members = _pair()
    paths = write_csv_pair(tmp_path, households, members)
    with paths[1].open("a", encoding="utf-8") as handle:
        handle.write(",,,,\n\n,,,\n")
    assert import_files(actor=None, paths=paths, dry_run=False).ok


def test_xlsx_numbers_and_dates_as_spreadsheets_store_them(tmp_path: Path, areas: None) -> None:
    households, members = _pair()
    h: dict[str, Any] = dict(households[0])
    h.update({"识别年度": 2015, "脱贫年度": 2018.0, "工资性收入": 12000.5, "联系电话": 13912345678})
    path = write_xlsx(tmp_path / "r.xlsx", [h], members)
    outcome = import_files(actor=None, paths=[path], dry_run=False)
    assert outcome.ok, outcome.errors
    assert Household.objects.get(number="H1").phone == "13912345678"


def test_xlsx_id_stored_as_a_number_is_refused_with_its_row(tmp_path: Path, areas: None) -> None:
    households, members = _pair()
    from stdnum.cn import ric

    # An ID whose float value no longer carries a valid check digit (10 in 11 do; the
    # other one in 11 cannot be told from a genuine ID by its text alone).
    spouse = next(
        i for i in (new_id("female") for _ in range(50))
        if not ric.is_valid(str(int(float(i))))
    )  # fmt: skip
    members[1]["证件号码"] = spouse
    mangled: list[dict[str, Any]] = [dict(m) for m in members]
    mangled[1]["证件号码"] = float(spouse)
    path = write_xlsx(tmp_path / "r.xlsx", households, mangled)
    outcome = import_files(actor=None, paths=[path], dry_run=False)
    [error] = outcome.errors
    assert (error.sheet, error.row, error.header) == ("成员", 3, "证件号码")
    assert "科学计数法" in error.reason
    assert not Household.objects.exists()


def test_missing_sheet_and_wrong_files(tmp_path: Path, db: Any) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(tmp_path / "one.xlsx"))
    wb.add_worksheet("户").write_row(0, 0, ["户编号"])
    wb.close()
    with pytest.raises(Refused, match=r"成员|必需"):
        read_tables([tmp_path / "one.xlsx"])
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a zip at all")
    outcome = import_files(actor=None, paths=[fake], dry_run=False)
    assert outcome.refused and "xlsx" in outcome.refused
    single = tmp_path / "households.csv"
    single.write_text("户编号,区划代码\n", encoding="utf-8")
    assert "两个文件" in (import_files(actor=None, paths=[single], dry_run=False).refused or "")
