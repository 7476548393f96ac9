from __future__ import annotations

from typing import Any

import pytest

from fupin.areas.codes import level_of, parent_code, prefix_of, prefix_q
from fupin.areas.models import Area
from fupin.core.errors import InvalidInput


@pytest.mark.parametrize(
    ("code", "level", "prefix", "parent"),
    [
        ("420000000000", "province", "42", None),
        ("422800000000", "prefecture", "4228", "420000000000"),
        ("422822000000", "county", "422822", "422800000000"),
        ("422822100000", "township", "422822100", "422822000000"),
        ("422822100001", "village", "422822100001", "422822100000"),
        ("422822100001003", "group", "422822100001003", "422822100001"),
    ],
)
def test_levels_prefixes_and_parents(
    code: str, level: str, prefix: str, parent: str | None
) -> None:
    assert level_of(code) == level
    assert prefix_of(code) == prefix
    assert parent_code(code) == parent


@pytest.mark.parametrize("code", ["42282210000", "4228221000011", "42282210000a", ""])
def test_malformed_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidInput):
        level_of(code)


def test_prefix_filter_is_exact(areas: None) -> None:
    codes = set(Area.objects.filter(prefix_q("code", ["422822100"])).values_list("code", flat=True))
    assert codes == {
        "422822100000",
        "422822100001",
        "422822100001001",
        "422822100002",
    }
    assert not Area.objects.filter(prefix_q("code", [])).exists()


def test_prefix_filter_handles_nines(db: Any) -> None:
    Area.objects.create(code="990000000000", name="x", level="province")
    assert Area.objects.filter(prefix_q("code", ["99"])).count() == 1
