from __future__ import annotations

from typing import Any

import pytest

from fupin.areas.models import Area
from fupin.areas.services import areas_load_csv
from fupin.audit.models import AuditEvent
from fupin.core.errors import InvalidInput

CSV = """\ufeffcode,name,level
420000000000,湖北省,province
422800000000,恩施土家族苗族自治州,
422822000000,建始县,县
422822100000,业州镇,
422822100001,东门村,
422822100001001,东门村一组,
"""


def test_load_builds_the_tree_with_parents(db: Any) -> None:
    assert areas_load_csv(actor=None, text=CSV) == 6
    group = Area.objects.get(code="422822100001001")
    assert group.level == "group"
    assert group.parent is not None and group.parent.code == "422822100001"
    assert group.parent.parent is not None and group.parent.parent.name == "业州镇"
    assert AuditEvent.objects.filter(action="areas.load").count() == 1


def test_reload_renames_without_duplicating(db: Any) -> None:
    areas_load_csv(actor=None, text=CSV)
    areas_load_csv(actor=None, text=CSV.replace("东门村,", "东门社区,"))
    assert Area.objects.count() == 6
    assert Area.objects.get(code="422822100001").name == "东门社区"


def test_bad_rows_change_nothing_and_say_where(db: Any) -> None:
    bad = (
        CSV
        + "422822100009,,\n4228221000x1,坏代码,\n422822999001,孤村,\n422822100002,南村,province\n"
    )
    with pytest.raises(InvalidInput) as err:
        areas_load_csv(actor=None, text=bad)
    assert not Area.objects.exists()
    fields = err.value.fields
    assert "名称不能为空" in fields["第8行"]
    assert any("12位" in m for m in fields["第9行"])
    assert any("422822999000" in m for m in fields["第10行"])
    assert any("层级" in m for m in fields["第11行"])


def test_area_selectors_are_scoped(users: dict[str, Any]) -> None:
    from fupin.accounts.scope import scope_for
    from fupin.areas.selectors import area_get, area_list, area_roots

    scope = scope_for(users["village_secretary"])
    assert [a.code for a in area_roots(scope=scope)] == ["422822100001"]
    assert {a.code for a in area_list(scope=scope)} == {"422822100001", "422822100001001"}
    assert area_get(scope=scope, code="422822101001") is None
    assert area_list(scope=scope_for(users["outsider"])).count() == 0
