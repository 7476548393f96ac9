"""Loading the real area tree: its shape (countyless prefectures), any size, all or nothing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from fupin.accounts.models import RoleAssignment
from fupin.accounts.scope import scope_for
from fupin.areas import loader
from fupin.areas.models import Area, PovertyStatus
from fupin.areas.selectors import area_get, area_list, area_path
from fupin.areas.services import areas_load, areas_load_csv, areas_load_file
from fupin.audit.models import AuditEvent
from fupin.core.errors import InvalidInput

# Shaped like the 2023 统计用区划代码: a province, an ordinary prefecture with a county,
# and the three prefecture-level cities without counties, whose townships (county
# digits 00) sit straight under the city, with their villages.
REAL = """\ufeff区划代码,名称,层级,贫困村识别年度,贫困村退出年度
440000000000,广东省,省,,
440300000000,深圳市,,,
440303000000,罗湖区,county,,
440303001000,桂园街道,,,
440303001001,松园社区居委会,,,
441900000000,东莞市,市,,
441900003000,东城街道,乡镇,,
441900003001,东城社区居委会,,,
441900003201,周屋村委会,行政村,,
441900101000,石碣镇,,,
441900101201,石碣村委会,,2014,2019
442000000000,中山市,,,
442000001000,石岐街道,,,
442000001001,岐港社区居委会,,,
460000000000,海南省,,,
460400000000,儋州市,,,
460400100000,那大镇,,,
460400100201,新风村委会,,2014,
460400100201001,新风村第一村民小组,,,
"""


def real_tree(path: Path) -> Path:
    path.write_text(REAL, encoding="utf-8")
    return path


def test_countyless_prefectures_load_with_their_villages(db: Any, tmp_path: Path) -> None:
    result = areas_load_file(actor=None, path=real_tree(tmp_path / "areas.csv"))
    assert (result.rows, result.created, result.changed) == (19, 19, 0)
    parents = dict(Area.objects.values_list("code", "parent__code"))
    assert parents["441900003000"] == "441900000000"
    assert parents["441900003201"] == "441900003000"
    assert parents["442000001000"] == "442000000000"
    assert parents["460400100000"] == "460400000000"
    assert parents["460400100201001"] == "460400100201"
    assert parents["440303001000"] == "440303000000"
    township = Area.objects.get(code="441900003000")
    assert (township.level, township.prefix) == ("township", "441900003")
    assert [a.code for a in area_path(area=Area.objects.get(code="441900003201"))] == [
        "440000000000",
        "441900000000",
        "441900003000",
        "441900003201",
    ]
    poor = Area.objects.get(code="441900101201")
    assert (poor.poverty_status, poor.poverty_identified_year, poor.poverty_exited_year) == (
        PovertyStatus.EXITED,
        2014,
        2019,
    )
    assert Area.objects.get(code="460400100201").poverty_status == PovertyStatus.POOR
    assert Area.objects.get(code="440303001001").poverty_status == PovertyStatus.NONE


def _user(role: str, code: str) -> Any:
    user = get_user_model().objects.create_user(username=f"{role}-{code}", password="x")
    RoleAssignment.objects.create(user=user, role=role, area=Area.objects.get(code=code))
    return user


def test_scope_under_a_countyless_prefecture(db: Any, tmp_path: Path) -> None:
    areas_load_file(actor=None, path=real_tree(tmp_path / "areas.csv"))
    city = scope_for(_user("county_admin", "441900000000"))
    assert {a.code for a in area_list(scope=city)} == {
        "441900000000",
        "441900003000",
        "441900003001",
        "441900003201",
        "441900101000",
        "441900101201",
    }
    assert [a.code for a in area_list(scope=city, parent_code_value="441900000000")] == [
        "441900003000",
        "441900101000",
    ]
    assert area_get(scope=city, code="442000001001") is None  # 中山 is another city

    township = scope_for(_user("township_officer", "441900003000"))
    assert township.prefixes == ("441900003",)
    assert {a.code for a in area_list(scope=township)} == {
        "441900003000",
        "441900003001",
        "441900003201",
    }
    assert area_get(scope=township, code="441900101201") is None


def test_a_file_beyond_any_variable_limit_loads_in_slices(
    db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "SLICE_BYTES", 200_000)  # several slices, as the nation has
    rows = ["code,name", "420000000000,湖北省", "422800000000,恩施州"]
    for county in (1, 2):
        rows.append(f"42280{county}000000,县{county}")
        for town in range(1, 26):
            rows.append(f"42280{county}{100 + town:03d}000,镇{county}-{town}")
            rows += [
                f"42280{county}{100 + town:03d}{v:03d},村{county}-{town}-{v}" for v in range(1, 821)
            ]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    calls: list[tuple[str, int, int]] = []

    result = areas_load_file(actor=None, path=path, progress=lambda *call: calls.append(call))
    total = len(rows) - 1
    assert total > 40_000
    assert (result.rows, result.created) == (total, total)
    assert Area.objects.count() == total
    assert Area.objects.filter(parent__isnull=True).count() == 1
    assert Area.objects.filter(level="village", parent__level="township").count() == 41_000
    reads = [done for phase, done, _of in calls if phase == "read"]
    assert reads == sorted(reads) and len(reads) >= 5 and reads[-1] == total
    assert {phase for phase, *_ in calls} == {"read", "check", "write"}
    assert calls[-1] == ("write", total, total)

    # the yearly update: renames and new villages, the rest untouched
    rows[500] = rows[500].replace(",村", ",新村")
    rows[30_000] = rows[30_000].replace(",村", ",新村")
    rows.append("422802125999,新设村")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    again = areas_load_file(actor=None, path=path)
    assert (again.created, again.changed, again.unchanged) == (1, 2, total - 2)
    assert Area.objects.count() == total + 1
    renamed = rows[500].split(",")
    assert Area.objects.get(code=renamed[0]).name == renamed[1]
    assert Area.objects.get(code="422802125999").parent.code == "422802125000"


WRONG = REAL + (
    "\n"  # a blank line: skipped, but the lines after it keep their numbers
    "441900003202,,,,\n"  # line 22
    "44190000320x,坏代码,,,\n"
    "441900999201,无乡镇之村,,,\n"
    "441900003203,南村,county,,\n"
    "441900003001,东城社区重复,,,\n"
    "441900004000,南城街道,,2014,\n"
    "441900003204,北村,,二〇一四,\n"
    "441900003205,西村,,,2018\n"
    "441900003206,中村,,2016,2015\n"
    f"441900003207,{'长' * 65},,,\n"
)


def test_every_wrong_row_is_reported_with_its_line_and_nothing_changes(
    db: Any, tmp_path: Path
) -> None:
    areas_load_file(actor=None, path=real_tree(tmp_path / "areas.csv"))
    before = list(Area.objects.values_list("code", "name", "poverty_status"))
    renamed = WRONG.replace("东城街道", "东城新街道").replace(
        "441900003201,周屋", "441900003201,新周屋"
    )
    path = tmp_path / "wrong.csv"
    path.write_text(renamed + "441900003208,新设村,,,\n", encoding="utf-8")

    with pytest.raises(InvalidInput) as err:
        areas_load_file(actor=None, path=path)

    assert list(Area.objects.values_list("code", "name", "poverty_status")) == before
    fields = err.value.fields
    assert list(fields) == [f"第{n}行" for n in range(22, 32)]
    assert fields["第22行"] == ["名称不能为空"]
    assert "12位" in fields["第23行"][0]
    assert fields["第24行"] == ["上级区划441900999000不存在"]
    assert fields["第25行"] == ["层级“county”与区划代码441900003203不符"]
    assert fields["第26行"] == ["区划代码441900003001重复"]
    assert fields["第27行"] == ["只有行政村可以登记为贫困村"]
    assert fields["第28行"] == ["年度“二〇一四”无效"]
    assert fields["第29行"] == ["有退出年度的贫困村须填写识别年度"]
    assert fields["第30行"] == ["贫困村退出年度早于识别年度"]
    assert fields["第31行"] == ["名称不能超过64个字"]
    assert AuditEvent.objects.filter(action="areas.load").count() == 1


def test_reload_renames_marks_and_keeps_boundaries(db: Any) -> None:
    text = (
        'code,name,boundary\n420000000000,湖北省,"{""type"": ""Point"", ""coordinates"": [1, 2]}"\n'
    )
    text += "422800000000,恩施州,\n"
    assert areas_load_csv(actor=None, text=text) == 2
    province = Area.objects.get(code="420000000000")
    assert province.boundary == {"type": "Point", "coordinates": [1, 2]}

    # a file without the boundary column leaves boundaries as they are
    assert areas_load_csv(actor=None, text="code,name\n420000000000,湖北省\n") == 0
    assert Area.objects.get(code="420000000000").boundary == province.boundary
    # with the column, a boundary is replaced (or cleared when empty)
    assert areas_load_csv(actor=None, text="code,name,boundary\n420000000000,湖北,[]\n") == 1
    assert Area.objects.get(code="420000000000").name == "湖北"
    assert Area.objects.get(code="420000000000").boundary == []

    bad = "code,name,boundary\n420000000000,湖北省,{oops\n"
    with pytest.raises(InvalidInput) as err:
        areas_load_csv(actor=None, text=bad)
    assert err.value.fields == {"第2行": ["边界不是有效的GeoJSON"]}


def test_poverty_marks_change_only_when_given(db: Any, tmp_path: Path) -> None:
    path = real_tree(tmp_path / "areas.csv")
    areas_load_file(actor=None, path=path)
    path.write_text(
        REAL.replace("441900101201,石碣村委会,,2014,2019", "441900101201,石碣村,,,").replace(
            "460400100201,新风村委会,,2014,", "460400100201,新风村委会,,2014,2020"
        ),
        encoding="utf-8",
    )
    result = areas_load_file(actor=None, path=path)
    assert (result.created, result.changed) == (0, 2)
    kept = Area.objects.get(code="441900101201")
    assert (kept.name, kept.poverty_status, kept.poverty_exited_year) == ("石碣村", "exited", 2019)
    exited = Area.objects.get(code="460400100201")
    assert (exited.poverty_status, exited.poverty_exited_year) == (PovertyStatus.EXITED, 2020)


def test_rows_as_mappings_load_like_a_file(db: Any) -> None:
    rows = [
        {"code": "420000000000", "name": "湖北省"},
        {"code": "422800000000", "name": "恩施州"},
        {"code": "422822000000", "name": "建始县", "level": "county"},
    ]
    assert areas_load(actor=None, rows=rows) == 3
    with pytest.raises(InvalidInput) as err:
        areas_load(actor=None, rows=[{"code": "422822100001", "name": "村"}])
    assert err.value.fields == {"第2行": ["上级区划422822100000不存在"]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "为空"),
        ("code,name\n420000000000,湖北省\n".encode("gbk") + "湖".encode("gbk") + b"\n", "UTF-8"),
        ("名字\n湖北省\n".encode(), "区划代码"),
    ],
)
def test_unreadable_files_are_refused_whole(
    db: Any, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "areas.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as err:
        areas_load_file(actor=None, path=path)
    assert message in str(err.value.message)
    assert not Area.objects.exists()


def test_command_prints_progress_and_every_wrong_row(db: Any, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("load_areas", str(real_tree(tmp_path / "areas.csv")), stdout=out)
    lines = out.getvalue().splitlines()
    assert "read 19/19" in lines and "write 19/19" in lines
    assert "新建19" in lines[-1]

    path = tmp_path / "wrong.csv"
    path.write_text(WRONG, encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("load_areas", str(path), "--quiet-progress", stdout=io.StringIO())
    text = str(err.value)
    assert "未导入任何区划" in text
    assert "第24行: 上级区划441900999000不存在" in text
    assert text.count("第") == 10


@pytest.mark.parametrize("block", [7, 64, 1 << 20])
def test_slices_end_at_row_ends_even_inside_quotes(
    db: Any, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(loader, "SLICE_BYTES", block)
    text = (
        "code,name,boundary\n"
        '420000000000,"湖北省","{""type"": ""Point"",\n ""coordinates"": [1, 2]}"\n'
        '422800000000,"恩施, 州",\n'
        "422822000000,建始县\n"
        "422822100000,,\n"
    )
    with pytest.raises(InvalidInput) as err:
        areas_load_csv(actor=None, text=text)
    assert list(err.value.fields) == ["第6行"]  # the quoted line break counts as a line
    assert areas_load_csv(actor=None, text=text.replace("100000,,", "100000,业州镇,")) == 4
    assert Area.objects.get(code="420000000000").boundary == {
        "type": "Point",
        "coordinates": [1, 2],
    }
    assert Area.objects.get(code="422800000000").name == "恩施, 州"
