"""One failing row per rule of IMPORT_TEMPLATE.md: the exact cell is named, the reason is
Chinese, and nothing is written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from fupin.exchange.pipeline import import_files
from fupin.registry.models import Household
from tests import factories
from tests.exchange.helpers import digest, household_pair, write_csv_pair


def _checked(body: str) -> str:
    """A 17-digit body with its correct check digit (to test the rules after it)."""
    from stdnum.cn import ric

    return body + ric.calc_check_digit(body + "0")


CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _file(tmp_path: Path, edit: Any) -> list[Path]:
    h1, m1 = household_pair("H1")
    h2, m2 = household_pair("H2", 区划代码=factories.OTHER_VILLAGE_SAME_TOWNSHIP, 行政村="南门村")
    households, members = [h1, h2], [*m1, *m2]
    edit(households, members)
    return write_csv_pair(tmp_path, households, members)


def _set(sheet: str, index: int, header: str, value: str) -> Any:
    def edit(households: list[dict[str, str]], members: list[dict[str, str]]) -> None:
        (households if sheet == "户" else members)[index][header] = value

    return edit


# (edit, sheet, row, header, a fragment of the reason)
CASES = [
    pytest.param(_set("户", 0, "户编号", ""), "户", 2, "户编号", "必填", id="required"),
    pytest.param(_set("户", 1, "户编号", "H1"), "户", 3, "户编号", "重复", id="number-duplicate"),
    pytest.param(
        _set("户", 0, "区划代码", "4228221000"), "户", 2, "区划代码", "12位", id="code-format"
    ),
    pytest.param(
        _set("户", 0, "区划代码", "422822100099"), "户", 2, "区划代码", "不存在", id="code-unknown"
    ),
    pytest.param(
        _set("户", 0, "区划代码", "422822100000"),
        "户",
        2,
        "区划代码",
        "行政村或村民小组",
        id="code-level",
    ),
    pytest.param(
        _set("户", 0, "行政村", "西门村"), "户", 2, "行政村", "东门村", id="name-disagrees"
    ),
    pytest.param(_set("户", 0, "户主姓名", "赵六"), "户", 2, "户主姓名", "不符", id="head-name"),
    pytest.param(
        _set("户", 0, "户主证件号码", "422822197001010011"),
        "户",
        2,
        "户主证件号码",
        "不符",
        id="head-id",
    ),
    pytest.param(_set("户", 0, "联系电话", "12345"), "户", 2, "联系电话", "手机号", id="phone"),
    pytest.param(
        _set("户", 0, "识别标准", "县定"), "户", 2, "识别标准", "选项", id="standard-enum"
    ),
    pytest.param(
        _set("户", 0, "贫困户属性", "富裕户"), "户", 2, "贫困户属性", "选项", id="type-enum"
    ),
    pytest.param(
        _set("户", 0, "主要致贫原因", "懒"), "户", 2, "主要致贫原因", "选项", id="cause-enum"
    ),
    pytest.param(
        _set("户", 0, "其他致贫原因", "因学、因灾、缺水"),
        "户",
        2,
        "其他致贫原因",
        "最多两项",
        id="causes-three",
    ),
    pytest.param(
        _set("户", 0, "其他致贫原因", "因病"),
        "户",
        2,
        "其他致贫原因",
        "主要致贫原因",
        id="causes-main",
    ),
    pytest.param(
        _set("户", 0, "其他致贫原因", "因学,穷"),
        "户",
        2,
        "其他致贫原因",
        "无效",
        id="causes-unknown",
    ),
    pytest.param(_set("户", 0, "工资性收入", "-5"), "户", 2, "工资性收入", "负数", id="negative"),
    pytest.param(
        _set("户", 0, "转移性收入", "两千"), "户", 2, "转移性收入", "数字", id="not-number"
    ),
    pytest.param(_set("户", 0, "收入年度", "1999"), "户", 2, "收入年度", "2000", id="year-range"),
    pytest.param(_set("户", 0, "识别年度", "去年"), "户", 2, "识别年度", "年份", id="year-format"),
    pytest.param(
        _set("户", 0, "脱贫年度", "2014"),
        "户",
        2,
        "脱贫年度",
        "早于",
        id="exit-before-identification",
    ),
    pytest.param(
        _set("户", 1, "户状态", "未脱贫"), "户", 3, "脱贫年度", "脱贫", id="exit-year-not-exited"
    ),
    pytest.param(_set("户", 0, "危房等级", "E"), "户", 2, "危房等级", "选项", id="grade-enum"),
    pytest.param(_set("户", 0, "是否易地搬迁", "也许"), "户", 2, "是否易地搬迁", "是", id="bool"),
    pytest.param(
        _set("成员", 1, "户编号", "H9"), "成员", 3, "户编号", "不存在", id="member-household"
    ),
    pytest.param(_set("成员", 0, "姓名", ""), "成员", 2, "姓名", "必填", id="member-required"),
    pytest.param(
        _set("成员", 1, "证件号码", "42282219780102004X"),
        "成员",
        3,
        "证件号码",
        "校验位",
        id="check-digit",
    ),
    pytest.param(
        _set("成员", 1, "证件号码", "4228221978010"), "成员", 3, "证件号码", "18位", id="id-length"
    ),
    pytest.param(
        _set("成员", 1, "证件号码", _checked("42282219781332004")),
        "成员",
        3,
        "证件号码",
        "出生日期",
        id="id-birth",
    ),
    pytest.param(
        _set("成员", 1, "证件号码", _checked("99999919780102004")),
        "成员",
        3,
        "证件号码",
        "地区代码",
        id="id-region",
    ),
    pytest.param(
        _set("成员", 1, "证件号码", "4.22822E+17"),
        "成员",
        3,
        "证件号码",
        "科学计数法",
        id="id-scientific",
    ),
    pytest.param(
        _set("成员", 1, "证件号码", "422822197801020000"),
        "成员",
        3,
        "证件号码",
        "科学计数法",
        id="id-float-digits",
    ),
    pytest.param(
        _set("成员", 1, "性别", "男"), "成员", 3, "性别", "证件号码显示为女", id="sex-disagrees"
    ),
    pytest.param(
        _set("成员", 1, "与户主关系", "户主"), "成员", 3, "与户主关系", "一名户主", id="two-heads"
    ),
    pytest.param(
        _set("成员", 0, "与户主关系", "之子"), "户", 2, "户编号", "没有户主", id="no-head"
    ),
    pytest.param(
        _set("成员", 0, "文化程度", "博士"), "成员", 2, "文化程度", "选项", id="education-enum"
    ),
    pytest.param(
        _set("成员", 0, "在校生状况", "读书"), "成员", 2, "在校生状况", "在校生状况", id="schooling"
    ),
    pytest.param(
        _set("成员", 0, "健康状况", "很好"), "成员", 2, "健康状况", "选项", id="health-enum"
    ),
    pytest.param(
        _set("成员", 0, "务工时间(月)", "13"), "成员", 2, "务工时间(月)", "12", id="months"
    ),
    pytest.param(
        _set("成员", 0, "是否参加基本医疗保险", "不知道"),
        "成员",
        2,
        "是否参加基本医疗保险",
        "是",
        id="member-bool",
    ),
]


@pytest.mark.parametrize(("edit", "sheet", "row", "header", "fragment"), CASES)
def test_each_rule_names_the_cell_and_writes_nothing(
    users: dict[str, Any],
    tmp_path: Path,
    edit: Any,
    sheet: str,
    row: int,
    header: str,
    fragment: str,
) -> None:
    paths = _file(tmp_path, edit)
    before = digest()
    outcome = import_files(actor=users["county_admin"], paths=paths, dry_run=False)
    assert outcome.refused is None and not outcome.ok
    hits = [e for e in outcome.errors if (e.sheet, e.row, e.header) == (sheet, row, header)]
    assert hits, outcome.errors
    assert any(fragment in e.reason for e in hits), hits
    assert all(CHINESE.search(e.reason) for e in outcome.errors)
    assert digest() == before
    assert not Household.objects.filter(number__in=["H1", "H2"]).exists()


def test_duplicate_id_in_the_file(users: dict[str, Any], tmp_path: Path) -> None:
    def edit(households: list[dict[str, str]], members: list[dict[str, str]]) -> None:
        members[3]["证件号码"] = members[1]["证件号码"]

    outcome = import_files(actor=users["county_admin"], paths=_file(tmp_path, edit), dry_run=False)
    rows = {(e.row, e.header) for e in outcome.errors if "重复" in e.reason}
    assert (3, "证件号码") in rows and (5, "证件号码") in rows


def test_person_already_in_another_household(
    users: dict[str, Any], household: Any, tmp_path: Path
) -> None:
    taken = household.members.get(relation="spouse").id_number

    def edit(households: list[dict[str, str]], members: list[dict[str, str]]) -> None:
        members[1]["证件号码"] = taken

    before = digest()
    outcome = import_files(actor=users["county_admin"], paths=_file(tmp_path, edit), dry_run=False)
    [error] = [e for e in outcome.errors if e.row == 3 and e.header == "证件号码"]
    assert household.number in error.reason and "一人只能在一户" in error.reason
    assert digest() == before


def test_outside_the_actors_write_scope_is_an_error(users: dict[str, Any], tmp_path: Path) -> None:
    before = digest()
    outcome = import_files(
        actor=users["village_secretary"], paths=_file(tmp_path, lambda h, m: None), dry_run=False
    )
    assert [(e.sheet, e.row, e.header) for e in outcome.errors] == [("户", 3, "区划代码")]
    assert "管辖范围" in outcome.errors[0].reason
    assert digest() == before
    cadre = import_files(
        actor=users["cadre"], paths=_file(tmp_path, lambda h, m: None), dry_run=False
    )
    assert {e.row for e in cadre.errors if e.header == "区划代码"} == {2, 3}


def test_every_wrong_cell_is_reported_at_once(users: dict[str, Any], tmp_path: Path) -> None:
    def edit(households: list[dict[str, str]], members: list[dict[str, str]]) -> None:
        households[0]["户状态"] = "不知道"
        households[1]["工资性收入"] = "-1"
        members[2]["性别"] = "女"
        members[3]["证件号码"] = "123"

    outcome = import_files(actor=None, paths=_file(tmp_path, edit), dry_run=False)
    assert {(e.sheet, e.row, e.header) for e in outcome.errors} >= {
        ("户", 2, "户状态"), ("户", 3, "工资性收入"), ("成员", 4, "性别"), ("成员", 5, "证件号码"),
    }  # fmt: skip


def test_tolerated_spellings(users: dict[str, Any], tmp_path: Path) -> None:
    def edit(households: list[dict[str, str]], members: list[dict[str, str]]) -> None:
        members[0]["证件号码"] = (
            members[0]["证件号码"].translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
            + "  "
        )
        households[0]["贫困户属性"] = " 五保户 "
        households[0]["是否易地搬迁"] = "√"
        households[0]["饮水是否安全"] = "Y"
        households[0]["是否通生活用电"] = "1"
        households[0]["识别年度"] = "2015-03-01"
        households[0]["脱贫年度"] = "2018.0"
        households[0]["其他致贫原因"] = "缺技术，缺资金"
        members[0]["是否享受低保"] = "N"

    outcome = import_files(actor=None, paths=_file(tmp_path, edit), dry_run=False)
    assert outcome.ok, outcome.errors
    h = Household.objects.get(number="H1")
    assert h.household_type == "tekun" and h.relocated and h.safe_water and h.has_electricity
    assert (h.identified_year, h.exited_year) == (2015, 2018)
    assert h.other_causes == ["lack_skills", "lack_funds"]
    head_member = h.members.get(relation="head")
    assert (
        head_member.name_pinyin == "wangwu"
        and head_member.id_reversed == head_member.id_number[::-1]
    )


def test_lower_case_x_is_read_as_upper(tmp_path: Path, areas: None) -> None:
    from datetime import date

    from fupin.registry.validation import build_id_number

    x_id = next(
        i
        for i in (build_id_number("422822", date(1980, 1, 1), s) for s in range(1, 999, 2))
        if i.endswith("X")
    )

    def edit(households: list[dict[str, str]], members: list[dict[str, str]]) -> None:
        members[0]["证件号码"] = x_id.lower()
        households[0]["户主证件号码"] = x_id.lower()

    outcome = import_files(actor=None, paths=_file(tmp_path, edit), dry_run=False)
    assert outcome.ok, outcome.errors
    assert Household.objects.get(number="H1").members.get(relation="head").id_number == x_id


def test_missing_header_refuses_the_file(tmp_path: Path, areas: None) -> None:
    h, m = household_pair("H1")
    for row in (h,):
        row.pop("主要致贫原因")
    paths = write_csv_pair(tmp_path, [h], m)
    text = paths[0].read_text(encoding="utf-8-sig").replace(",主要致贫原因", "")
    paths[0].write_text(text, encoding="utf-8-sig")
    outcome = import_files(actor=None, paths=paths, dry_run=False)
    assert outcome.refused and "主要致贫原因" in outcome.refused and not outcome.errors


def test_dry_run_writes_nothing(tmp_path: Path, areas: None) -> None:
    before = digest()
    outcome = import_files(actor=None, paths=_file(tmp_path, lambda h, m: None), dry_run=True)
    assert outcome.ok and outcome.dry_run and outcome.households_created == 2
    assert digest() == before


def test_create_areas_from_the_names(tmp_path: Path, areas: None) -> None:
    def edit(households: list[dict[str, str]], members: list[dict[str, str]]) -> None:
        households[0].update({"区划代码": "422822100003", "行政村": "北门村"})

    outcome = import_files(actor=None, paths=_file(tmp_path, edit), dry_run=False)
    assert [e.header for e in outcome.errors] == ["区划代码"]
    outcome = import_files(
        actor=None, paths=_file(tmp_path, edit), dry_run=False, create_areas=True
    )
    assert outcome.ok, outcome.errors
    from fupin.areas.models import Area

    village = Area.objects.get(code="422822100003")
    assert (
        village.name == "北门村"
        and village.parent is not None
        and village.parent.code == "422822100000"
    )
    assert Household.objects.get(number="H1").area_id == village.pk

    def nameless(households: list[dict[str, str]], members: list[dict[str, str]]) -> None:
        households[0].update({"区划代码": "422822100004", "行政村": ""})

    outcome = import_files(
        actor=None, paths=_file(tmp_path, nameless), dry_run=False, create_areas=True
    )
    assert [(e.row, e.header) for e in outcome.errors] == [(2, "行政村")]


def test_a_person_registered_outside_the_actors_areas_is_not_located(
    users: dict[str, Any], tmp_path: Path
) -> None:
    far = factories.household(area_code=factories.OTHER_TOWNSHIP_VILLAGE, number="FAR-0042")
    taken = far.members.get(relation="spouse").id_number
    h1, m1 = household_pair("H1")
    m1[1]["证件号码"] = taken
    paths = write_csv_pair(tmp_path, [h1], m1)
    outcome = import_files(actor=users["village_secretary"], paths=paths, dry_run=True)
    [error] = [e for e in outcome.errors if e.row == 3 and e.header == "证件号码"]
    assert "管辖范围以外" in error.reason and "一人只能在一户" in error.reason
    assert far.number not in error.reason and "FAR" not in error.reason
    assert "高坪" not in error.reason and factories.OTHER_TOWNSHIP_VILLAGE not in error.reason
    # the county administrator, whose areas hold it, is told which household
    county = import_files(actor=users["county_admin"], paths=paths, dry_run=True)
    [named] = [e for e in county.errors if e.row == 3 and e.header == "证件号码"]
    assert far.number in named.reason
