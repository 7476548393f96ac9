from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fupin.areas.codes import level_expr, level_of, parent_code, parent_expr, prefix_of, prefix_q
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
        # prefecture-level cities without counties: townships straight under the city
        ("441900000000", "prefecture", "4419", "440000000000"),
        ("441900003000", "township", "441900003", "441900000000"),
        ("441900003001", "village", "441900003001", "441900003000"),
        ("442000001000", "township", "442000001", "442000000000"),
        ("460400100000", "township", "460400100", "460400000000"),
        ("460400100201002", "group", "460400100201002", "460400100201"),
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


def _segment(n: int) -> st.SearchStrategy[str]:
    """A code segment: all zeros (the level is absent) or some number."""
    return st.just("0" * n) | st.integers(1, 10**n - 1).map(lambda i: str(i).zfill(n))


_codes = st.tuples(
    st.integers(11, 99).map(str), _segment(2), _segment(2), _segment(3), _segment(3)
).map("".join)
_groups = st.tuples(_codes, _segment(3).filter(lambda s: s != "000")).map("".join)


@given(st.lists(_codes | _groups, min_size=1, max_size=50))
def test_frame_rules_agree_with_the_functions(codes: list[str]) -> None:
    frame = pl.DataFrame({"code": codes}, schema={"code": pl.String})
    frame = frame.with_columns(level_expr(pl.col("code")).alias("level"))
    frame = frame.with_columns(parent_expr(pl.col("code"), pl.col("level")).alias("parent"))
    assert frame["level"].to_list() == [level_of(c) for c in codes]
    assert frame["parent"].to_list() == [parent_code(c) for c in codes]
