"""``fupin import`` and ``fupin export``."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from fupin.audit.models import AuditEvent
from fupin.registry.models import Household
from tests.exchange.helpers import digest, household_pair, write_csv_pair


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_import_prints_a_summary_and_progress(areas: None, tmp_path: Path) -> None:
    h, m = household_pair("C1")
    paths = write_csv_pair(tmp_path, [h], m)
    code, out, _err = _run(*map(str, paths), "--reason", "首次导入")
    assert code == 0
    assert "导入完成" in out and "新增1" in out and "write " in out
    assert Household.objects.get(number="C1").changes.get(member=None).reason == "首次导入"


def test_import_dry_run_writes_nothing(areas: None, tmp_path: Path) -> None:
    h, m = household_pair("C1")
    before = digest()
    code, out, _err = _run(*map(str, write_csv_pair(tmp_path, [h], m)), "--dry-run")
    assert code == 0 and "检查通过" in out and digest() == before


def test_import_errors_listed_exit_1_and_error_report(areas: None, tmp_path: Path) -> None:
    h, m = household_pair("C1")
    m[1]["性别"] = "男"
    h["户状态"] = "很好"
    report = tmp_path / "errors.xlsx"
    code, _out, err = _run(*map(str, write_csv_pair(tmp_path, [h], m)), "--errors", str(report))
    assert code == 1
    assert "户 第2行 户状态「很好」" in err and "成员 第3行 性别「男」" in err
    import fastexcel

    book = fastexcel.read_excel(str(report))
    members = book.load_sheet_by_name("成员", dtypes="string").to_polars()
    assert members.height == 1 and "性别" in members["错误说明"][0]
    assert members["行号"].to_list() == ["3"]
    assert not Household.objects.exists()


def test_import_refusal_and_unknown_user(areas: None, tmp_path: Path) -> None:
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"junk")
    code, _out, err = _run(str(bad))
    assert code == 1 and "文件被拒绝" in err
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        _run(str(bad), "--user", "nobody")


def test_import_as_a_user_is_scoped(users: dict[str, Any], tmp_path: Path) -> None:
    h, m = household_pair("C1", 区划代码="422822101001", 行政村="高坪村")
    code, _out, err = _run(
        *map(str, write_csv_pair(tmp_path, [h], m)), "--user", "village_secretary"
    )
    assert code == 1 and "管辖范围" in err


def test_export_command(
    users: dict[str, Any], household: Any, other_household: Any, tmp_path: Path
) -> None:
    out = io.StringIO()
    call_command("export", str(tmp_path / "all"), "--format", "csv", stdout=out)
    assert (tmp_path / "all" / "households.csv").exists() and "导出完成" in out.getvalue()
    event = AuditEvent.objects.get(kind="pii_export")
    assert event.actor is None and sorted(event.object_ids) == sorted(
        [household.pk, other_household.pk]
    )
    call_command(
        "export",
        str(tmp_path / "mine"),
        "--user",
        "village_secretary",
        "--area",
        "422822100001",
        stdout=out,
    )
    assert (tmp_path / "mine" / "registry.xlsx").exists()
    # Round trip through the CLI: nothing changes.
    before = digest()
    code, text, _err = _run(
        str(tmp_path / "all" / "households.csv"), str(tmp_path / "all" / "members.csv")
    )
    assert code == 0 and "未变2" in text and digest() == before


def test_error_report_of_an_xlsx_keeps_the_original_cells(areas: None, tmp_path: Path) -> None:
    from fupin.exchange.pipeline import error_report_xlsx, import_files
    from tests.exchange.helpers import write_xlsx

    h, m = household_pair("X1")
    h["户状态"] = "不详"
    path = write_xlsx(tmp_path / "in.xlsx", [h], m)
    outcome = import_files(actor=None, paths=[path], dry_run=False)
    assert [(e.sheet, e.row, e.header) for e in outcome.errors] == [("户", 2, "户状态")]
    report = error_report_xlsx(outcome, [path], tmp_path / "report.xlsx")
    import fastexcel

    households = (
        fastexcel.read_excel(str(report)).load_sheet_by_name("户", dtypes="string").to_polars()
    )
    assert households["户编号"].to_list() == ["X1"] and households["户状态"].to_list() == ["不详"]
    assert "户状态" in households["错误说明"][0]
