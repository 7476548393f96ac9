"""Writing: updates recorded in the history, members leaving, unchanged rows untouched."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from fupin.audit.models import AuditEvent
from fupin.exchange.export import export_files, system_scope
from fupin.exchange.pipeline import import_files
from fupin.registry.models import Household, HouseholdChange, IncomeRecord, Member
from fupin.registry.services import income_record_set
from tests import factories
from tests.exchange.helpers import digest, household_pair, new_id, write_csv_pair


def _export(tmp_path: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    paths = export_files(
        actor=None, scope=system_scope(), filters=None, fmt="csv", dest_dir=tmp_path / "x"
    )
    out = []
    for path in paths[:2]:
        with path.open(encoding="utf-8-sig") as handle:
            out.append(list(csv.DictReader(handle)))
    return out[0], out[1]


def test_reimport_with_one_changed_member_records_the_change(
    users: dict[str, Any], household: Household, other_household: Household, tmp_path: Path
) -> None:
    households, members = _export(tmp_path)
    spouse = household.members.get(relation="spouse")
    row = next(m for m in members if m["证件号码"] == spouse.id_number)
    row["文化程度"] = "高中"
    row["姓名"] = "李四娘"
    untouched = Household.objects.get(pk=other_household.pk)
    history_before = HouseholdChange.objects.count()
    outcome = import_files(
        actor=users["county_admin"],
        paths=write_csv_pair(tmp_path / "in", households, members),
        dry_run=False,
        reason="年度动态调整",
    )
    assert outcome.ok, outcome.errors
    assert (outcome.members_updated, outcome.members_created, outcome.members_removed) == (1, 0, 0)
    assert (outcome.households_updated, outcome.households_unchanged) == (0, 2)
    spouse.refresh_from_db()
    assert (
        spouse.education == "senior" and spouse.version == 2 and spouse.name_pinyin == "lisiniang"
    )
    change = HouseholdChange.objects.get(member=spouse, action="import")
    assert change.changes == {"name": ["李四", "李四娘"], "education": ["junior", "senior"]}
    assert change.reason == "年度动态调整" and change.actor == users["county_admin"]
    assert HouseholdChange.objects.count() == history_before + 1
    other = Household.objects.get(pk=other_household.pk)
    assert (other.version, other.updated_at) == (untouched.version, untouched.updated_at)
    event = AuditEvent.objects.get(action="registry.import")
    assert event.object_ids == [household.pk] and event.channel == "cli"


def test_household_fields_income_and_members_leaving_and_joining(
    household: Household, tmp_path: Path
) -> None:
    income_record_set(actor=None, household_id=household.pk, year=2024, data={"wage": "100"})
    households, members = _export(tmp_path)
    households[0].update(
        {"户状态": "已脱贫", "脱贫年度": "2019", "工资性收入": "2500.5", "危房等级": "C"}
    )
    spouse = household.members.get(relation="spouse")
    members = [m for m in members if m["证件号码"] != spouse.id_number]
    child = new_id("female")
    members.append(
        {**members[0], "姓名": "王小花", "性别": "女", "证件号码": child, "与户主关系": "之女"}
    )
    outcome = import_files(
        actor=None, paths=write_csv_pair(tmp_path / "in", households, members), dry_run=False
    )
    assert outcome.ok, outcome.errors
    assert (outcome.households_updated, outcome.members_created, outcome.members_removed) == (
        1,
        1,
        1,
    )
    household.refresh_from_db()
    assert (household.status, household.exited_year, household.danger_grade, household.version) == (
        "exited",
        2019,
        "C",
        2,
    )
    spouse.refresh_from_db()
    assert not spouse.is_active
    assert Member.objects.get(id_number=child, is_active=True).relation == "daughter"
    income = IncomeRecord.objects.get(household=household, year=2024)
    assert str(income.wage) == "2500.50" and income.household_size == 2
    h_change = HouseholdChange.objects.get(household=household, member=None, action="import")
    assert h_change.changes["status"] == ["not_exited", "exited"]
    assert h_change.changes["2024.wage"] == ["100.00", "2500.50"]
    assert HouseholdChange.objects.get(member=spouse, action="import").changes == {
        "is_active": [True, False]
    }


def test_head_changes_hands(household: Household, tmp_path: Path) -> None:
    households, members = _export(tmp_path)
    head = household.members.get(relation="head")
    spouse = household.members.get(relation="spouse")
    for m in members:
        m["与户主关系"] = "配偶" if m["证件号码"] == head.id_number else "户主"
    households[0].update({"户主姓名": spouse.name, "户主证件号码": spouse.id_number})
    outcome = import_files(
        actor=None, paths=write_csv_pair(tmp_path / "in", households, members), dry_run=False
    )
    assert outcome.ok, outcome.errors
    assert household.members.get(relation="head", is_active=True).pk == spouse.pk


def test_empty_optional_cells_keep_stored_values(household: Household, tmp_path: Path) -> None:
    Household.objects.filter(pk=household.pk).update(phone="13800001111")
    households, members = _export(tmp_path)
    households[0]["联系电话"] = ""
    for m in members:
        m["健康状况"] = ""
    before = digest()
    assert import_files(
        actor=None, paths=write_csv_pair(tmp_path / "in", households, members), dry_run=False
    ).ok
    assert digest() == before


def test_reimporting_the_same_file_changes_nothing(areas: None, tmp_path: Path) -> None:
    h, m = household_pair("N1")
    paths = write_csv_pair(tmp_path, [h], m)
    first = import_files(actor=None, paths=paths, dry_run=False)
    assert first.ok and first.households_created == 1 and first.members_created == 2
    assert HouseholdChange.objects.filter(action="import").count() == 1
    created = HouseholdChange.objects.get(action="import")
    assert created.member_id is None
    assert created.changes["members"][1] == [
        {"name": x.name, "relation": x.relation} for x in Member.objects.order_by("pk")
    ]
    before = digest()
    again = import_files(actor=None, paths=paths, dry_run=False)
    assert again.ok and again.households_unchanged == 1 and again.members_created == 0
    assert digest() == before


def test_same_number_in_another_county_is_another_household(areas: None, tmp_path: Path) -> None:
    from fupin.areas.services import areas_load

    areas_load(actor=None, rows=[{"code": "422823000000", "name": "巴东县"},
                                 {"code": "422823100000", "name": "信陵镇"},
                                 {"code": "422823100001", "name": "东瀼口村"}])  # fmt: skip
    existing = factories.household(number="S1")
    h, m = household_pair(
        "S1", 区划代码="422823100001", 县="巴东县", 乡镇="信陵镇", 行政村="东瀼口村"
    )
    outcome = import_files(actor=None, paths=write_csv_pair(tmp_path, [h], m), dry_run=False)
    assert outcome.ok and outcome.households_created == 1, outcome.errors
    assert Household.objects.filter(number="S1").count() == 2
    assert existing.members.filter(is_active=True).count() == 2


def test_the_write_in_slices_gives_the_same_result(
    monkeypatch: Any, household: Household, other_household: Household, tmp_path: Path
) -> None:
    from fupin.exchange import write

    monkeypatch.setattr(write, "WRITE_CHUNK", 1)
    households, members = _export(tmp_path)
    head = household.members.get(relation="head")
    spouse = household.members.get(relation="spouse")
    for m in members:
        if m["证件号码"] in (head.id_number, spouse.id_number):
            m["与户主关系"] = "配偶" if m["证件号码"] == head.id_number else "户主"
    households[0].update({"户主姓名": spouse.name, "户主证件号码": spouse.id_number})
    h, m = household_pair("N9")
    outcome = import_files(
        actor=None,
        paths=write_csv_pair(tmp_path / "in", [*households, h], [*members, *m]),
        dry_run=False,
    )
    assert outcome.ok, outcome.errors
    assert (outcome.households_created, outcome.members_created, outcome.members_updated) == (
        1,
        2,
        2,
    )
    assert household.members.get(relation="head", is_active=True).pk == spouse.pk
    event = AuditEvent.objects.get(action="registry.import")
    assert sorted(event.object_ids) == sorted([household.pk, Household.objects.get(number="N9").pk])


def test_large_registry_path_through_key_tables(
    monkeypatch: Any, household: Household, other_household: Household, tmp_path: Path
) -> None:
    """With a registry much larger than the file, the rows are looked up through temporary
    key tables instead of being read whole: same outcome."""
    from fupin.exchange import validate

    monkeypatch.setattr(validate, "_registry_is_small", lambda model, wanted: False)
    income_record_set(actor=None, household_id=household.pk, year=2024, data={"wage": "100"})
    households, members = _export(tmp_path)
    before = digest()
    assert import_files(
        actor=None, paths=write_csv_pair(tmp_path / "same", households, members), dry_run=False
    ).ok
    assert digest() == before
    households[0]["工资性收入"] = "150"
    # The other household stays out of the file: its spouse is then only in the registry.
    households = [r for r in households if r["户编号"] != other_household.number]
    members = [r for r in members if r["户编号"] != other_household.number]
    taken = other_household.members.get(relation="spouse").id_number
    h, m = household_pair("N5")
    m[1]["证件号码"] = taken
    outcome = import_files(
        actor=None,
        paths=write_csv_pair(tmp_path / "in", [*households, h], [*members, *m]),
        dry_run=False,
    )
    assert [(e.sheet, e.header) for e in outcome.errors] == [("成员", "证件号码")]
    assert other_household.number in outcome.errors[0].reason
    outcome = import_files(
        actor=None, paths=write_csv_pair(tmp_path / "ok", households, members), dry_run=False
    )
    assert outcome.ok and outcome.households_updated == 1, outcome.errors
    assert str(IncomeRecord.objects.get(household=household, year=2024).wage) == "150.00"
