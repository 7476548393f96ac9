from __future__ import annotations

from typing import Any

import pytest

from fupin.accounts.scope import scope_for
from fupin.registry.models import Member
from fupin.registry.selectors import HouseholdFilters, household_page, household_queryset
from tests import factories


def test_scope_by_role(users: dict[str, Any]) -> None:
    admin = scope_for(users["county_admin"])
    assert admin.prefixes == ("422822",) and admin.can_write("422822101001")
    assert admin.sees_pii("422822100001")
    secretary = scope_for(users["village_secretary"])
    assert secretary.prefixes == ("422822100001",)
    assert secretary.can_write("422822100001001") and not secretary.can_write("422822100002")
    assert not secretary.sees_pii("422822100001")
    cadre = scope_for(users["cadre"])
    assert cadre.covers("422822100001") and not cadre.may_write_anywhere
    auditor = scope_for(users["auditor"])
    assert auditor.sees_pii("422822101001") and not auditor.may_write_anywhere
    outsider = scope_for(users["outsider"])
    assert outsider.is_empty and not outsider.covers("422822100001")


def test_each_user_sees_exactly_their_areas(users: dict[str, Any]) -> None:
    mine = factories.household(area_code=factories.VILLAGE)
    group = factories.household(area_code="422822100001001")
    neighbour = factories.household(area_code=factories.OTHER_VILLAGE_SAME_TOWNSHIP)
    far = factories.household(area_code=factories.OTHER_TOWNSHIP_VILLAGE)
    expected = {
        "county_admin": {mine, group, neighbour, far},
        "auditor": {mine, group, neighbour, far},
        "township_officer": {mine, group, neighbour},
        "village_secretary": {mine, group},
        "cadre": {mine, group},
        "other_secretary": {far},
        "outsider": set(),
    }
    for key, households in expected.items():
        seen = set(household_queryset(scope=scope_for(users[key])))
        assert seen == households, key


def test_area_filter_cannot_widen_scope(users: dict[str, Any]) -> None:
    factories.household(area_code=factories.OTHER_TOWNSHIP_VILLAGE)
    scope = scope_for(users["village_secretary"])
    qs = household_queryset(scope=scope, filters=HouseholdFilters(area_code="422822000000"))
    assert not qs.exists()


def test_keyset_pages_cover_everything_once(users: dict[str, Any]) -> None:
    made = {factories.household().pk for _ in range(7)}
    scope = scope_for(users["county_admin"])
    seen: list[int] = []
    cursor = ""
    while True:
        page = household_page(scope=scope, cursor=cursor, limit=3)
        seen += [h.pk for h in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(made)
    back = household_page(scope=scope, cursor=page.prev_cursor or "", limit=3)
    # 7 rows in pages of 3: the page before the last one is rows 4-6.
    assert [h.pk for h in back.rows] == seen[3:6]
    assert back.next_cursor and back.prev_cursor


def test_search_by_name_initials_id_tail_and_traditional(users: dict[str, Any]) -> None:
    zhang = factories.household(members=[factories.member_data(name="张国强")])
    other = factories.household(members=[factories.member_data(name="王五")])
    scope = scope_for(users["county_admin"])
    tail = zhang.members.get().id_number[-4:]

    def found(q: str) -> set[int]:
        return {h.pk for h in household_queryset(scope=scope, filters=HouseholdFilters(q=q))}

    assert found("张国强") == {zhang.pk}
    assert found("張國強") == {zhang.pk}
    assert found("zgq") == {zhang.pk}
    assert found("ZhangGuo") == {zhang.pk}
    expected = {
        h.pk for h in (zhang, other) if any(m.id_number.endswith(tail) for m in h.members.all())
    }
    assert found(tail) == expected and zhang.pk in expected
    assert found("王") == {other.pk}


@pytest.mark.parametrize("eager_limit", [2000, 1])
def test_search_answers_the_same_for_rare_and_common_matches(
    users: dict[str, Any], eager_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fupin.registry import selectors

    monkeypatch.setattr(selectors, "_EAGER_MATCHES", eager_limit)
    zhangs = {
        factories.household(members=[factories.member_data(name=n)]).pk
        for n in ("张伟", "张敏", "张国强")
    }
    wang = factories.household(number="3412", members=[factories.member_data(name="王五")])
    scope = scope_for(users["county_admin"])

    def found(q: str) -> set[int]:
        return {h.pk for h in household_queryset(scope=scope, filters=HouseholdFilters(q=q))}

    assert found("张") == zhangs
    assert found("z") == zhangs
    by_id_tail = {
        m.household_id for m in Member.objects.filter(is_active=True) if m.id_number.endswith("341")
    }
    assert found("341") == {wang.pk} | by_id_tail
    page = household_page(scope=scope, filters=HouseholdFilters(q="张"), limit=2)
    assert len(page.rows) == 2 and page.next_cursor


def test_search_finds_household_numbers_with_letters(users: dict[str, Any]) -> None:
    wanted = factories.household(number="BR-0001")
    factories.household(number="BR-0100")
    scope = scope_for(users["county_admin"])
    found = household_queryset(scope=scope, filters=HouseholdFilters(q="br-0001"))
    assert [h.pk for h in found] == [wanted.pk]
