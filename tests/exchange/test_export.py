from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from fupin.accounts.scope import scope_for
from fupin.audit.models import AuditEvent
from fupin.exchange.export import household_csv_chunks, neutralise
from fupin.exchange.layout import HOUSEHOLD_HEADERS
from fupin.registry.selectors import HouseholdFilters
from tests import factories


def _export(user: Any, filters: HouseholdFilters | None = None) -> list[dict[str, str]]:
    text = "".join(household_csv_chunks(actor=user, scope=scope_for(user), filters=filters))
    assert text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    assert reader.fieldnames == list(HOUSEHOLD_HEADERS)
    return list(reader)


def test_export_is_scoped_and_masked_for_a_village_secretary(
    users: dict[str, Any], household: Any, other_household: Any
) -> None:
    rows = _export(users["village_secretary"])
    assert [r["户编号"] for r in rows] == [household.number]
    head = household.members.get(relation="head")
    assert rows[0]["户主证件号码"] == head.id_number[:6] + "********" + head.id_number[-4:]
    assert (
        rows[0]["县"] == "建始县" and rows[0]["行政村"] == "东门村" and rows[0]["乡镇"] == "业州镇"
    )
    assert rows[0]["主要致贫原因"] == "因病" and rows[0]["户状态"] == "未脱贫"
    assert not AuditEvent.objects.filter(kind="pii_export").exists()


def test_unmasked_export_is_in_the_access_log(
    users: dict[str, Any], household: Any, other_household: Any
) -> None:
    rows = _export(users["county_admin"])
    assert {r["户编号"] for r in rows} == {household.number, other_household.number}
    head = household.members.get(relation="head")
    assert head.id_number in {r["户主证件号码"] for r in rows}
    event = AuditEvent.objects.get(kind="pii_export")
    assert event.actor == users["county_admin"] and event.channel == "export"
    assert sorted(event.object_ids) == sorted([household.pk, other_household.pk])


def test_outsider_exports_nothing(users: dict[str, Any], household: Any) -> None:
    assert _export(users["outsider"]) == []


def test_filters_apply_and_formulas_are_neutralised(users: dict[str, Any]) -> None:
    factories.household(number="=1+2", status="exited", exited_year=2018)
    factories.household(number="H-KEEP")
    rows = _export(users["county_admin"], HouseholdFilters(status="exited"))
    assert [r["户编号"] for r in rows] == ["'=1+2"]
    assert rows[0]["脱贫年度"] == "2018"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)" and neutralise("张三") == "张三"


def test_latest_income_is_exported(users: dict[str, Any], household: Any) -> None:
    from fupin.registry.services import income_record_set

    income_record_set(actor=None, household_id=household.pk, year=2018, data={"wage": "100"})
    income_record_set(actor=None, household_id=household.pk, year=2019, data={"wage": "5000.5"})
    row = _export(users["county_admin"])[0]
    assert row["收入年度"] == "2019" and row["工资性收入"] == "5000.50"


# --- export_files ----------------------------------------------------------------------


def _sheets(path: Path) -> dict[str, Any]:
    import fastexcel

    book = fastexcel.read_excel(str(path))
    return {n: book.load_sheet_by_name(n, dtypes="string").to_polars() for n in book.sheet_names}


def test_xlsx_export_for_a_masked_role(
    users: dict[str, Any], household: Any, other_household: Any, tmp_path: Path
) -> None:
    from fupin.exchange.export import export_files

    user = users["village_secretary"]
    [path] = export_files(
        actor=user, scope=scope_for(user), filters=None, fmt="xlsx", dest_dir=tmp_path
    )
    sheets = _sheets(path)
    assert set(sheets) == {"户", "成员", "说明"}
    assert sheets["户"]["户编号"].to_list() == [household.number]
    members = sheets["成员"]
    assert members.height == 2 and set(members["健康状况"].fill_null("").to_list()) == {""}
    assert all("*" * 8 in v for v in members["证件号码"].to_list())
    assert "健康状况" in sheets["说明"].columns[0]
    assert not AuditEvent.objects.filter(kind="pii_export").exists()


def test_csv_export_unmasked_is_logged_once(
    users: dict[str, Any], household: Any, other_household: Any, tmp_path: Path
) -> None:
    from fupin.exchange.export import export_files

    user = users["township_officer"]
    paths = export_files(
        actor=user, scope=scope_for(user), filters=None, fmt="csv", dest_dir=tmp_path
    )
    assert [p.name for p in paths] == ["households.csv", "members.csv"]
    assert paths[1].read_bytes().startswith(b"\xef\xbb\xbf")
    text = paths[1].read_text(encoding="utf-8-sig")
    assert household.members.get(relation="head").id_number in text and "健康" in text
    assert other_household.number not in paths[0].read_text(encoding="utf-8-sig")
    event = AuditEvent.objects.get(kind="pii_export")
    assert event.object_ids == [household.pk] and event.channel == "export"


def test_formula_cells_are_neutralised_in_member_sheet(
    users: dict[str, Any], tmp_path: Path
) -> None:
    from fupin.exchange.export import export_files

    factories.household(
        members=[
            factories.member_data(name="=HYPERLINK(1)"),
            factories.member_data(name="@x", sex="female", relation="spouse"),
        ]
    )
    user = users["county_admin"]
    paths = export_files(
        actor=user, scope=scope_for(user), filters=None, fmt="csv", dest_dir=tmp_path
    )
    rows = list(csv.DictReader(io.StringIO(paths[1].read_text(encoding="utf-8-sig"))))
    assert {r["姓名"] for r in rows} == {"'=HYPERLINK(1)", "'@x"}
