from __future__ import annotations

from typing import Any

import pytest

from fupin.audit.models import AuditEvent
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.registry import services
from fupin.registry.models import HouseholdChange, Member
from tests import factories


def test_create_household_records_history_and_audit(users: dict[str, Any]) -> None:
    h = services.household_create(
        actor=users["village_secretary"],
        area_code=factories.VILLAGE,
        data={"number": "A001", "main_cause": "illness"},
        members=[factories.member_data()],
        reason="识别",
    )
    assert h.members.count() == 1
    assert HouseholdChange.objects.filter(household=h, action="create").count() == 1
    assert AuditEvent.objects.filter(
        action="household.create", actor=users["village_secretary"]
    ).exists()


def test_create_refused_outside_area(users: dict[str, Any]) -> None:
    with pytest.raises(AccessDenied):
        services.household_create(
            actor=users["village_secretary"],
            area_code=factories.OTHER_TOWNSHIP_VILLAGE,
            data={"number": "A002", "main_cause": "illness"},
            members=[factories.member_data()],
        )


def test_read_only_roles_cannot_write(users: dict[str, Any], household: Any) -> None:
    for key in ("cadre", "auditor"):
        with pytest.raises(AccessDenied):
            services.household_update(
                actor=users[key],
                household_id=household.pk,
                version=household.version,
                data={"phone": "13800000000"},
            )


def test_household_needs_exactly_one_head(areas: None) -> None:
    with pytest.raises(InvalidInput) as err:
        factories.household(members=[factories.member_data(relation="spouse")])
    assert "members" in err.value.fields


def test_bad_id_number_is_a_field_error(areas: None) -> None:
    bad = factories.member_data()
    bad["id_number"] = bad["id_number"][:-1] + ("0" if bad["id_number"][-1] != "0" else "1")
    with pytest.raises(InvalidInput) as err:
        factories.household(members=[bad])
    assert "members[0].id_number" in err.value.fields
    assert "校验位" in err.value.fields["members[0].id_number"][0]


def test_sex_must_agree_with_id(areas: None) -> None:
    data = factories.member_data(sex="male")
    data["sex"] = "female"
    with pytest.raises(InvalidInput) as err:
        factories.household(members=[data])
    assert "members[0].sex" in err.value.fields


def test_full_width_and_lower_x_are_tolerated(areas: None) -> None:
    data = factories.member_data()
    expected = data["id_number"]
    data["id_number"] = (
        " " + "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c.lower() for c in expected) + " "
    )
    h = factories.household(members=[data])
    assert h.members.get().id_number == expected


def test_one_person_one_active_household(areas: None) -> None:
    person = factories.member_data()
    factories.household(members=[person])
    with pytest.raises(InvalidInput) as err:
        factories.household(members=[dict(person)])
    assert err.value.fields == {"id_number": ["此人已在另一有效户中登记，一人只能在一户"]}


def test_database_refuses_a_second_active_membership(household: Any) -> None:
    from django.db import IntegrityError, transaction

    head = household.members.get(relation="head")
    other = factories.household()
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(
            household=other, name="x", sex=head.sex, id_number=head.id_number, relation="son"
        )


def test_editing_a_member_twice_keeps_both_changes(users: dict[str, Any], household: Any) -> None:
    spouse = household.members.get(relation="spouse")
    services.member_update(
        actor=users["village_secretary"],
        member_id=spouse.pk,
        version=spouse.version,
        data={"health": "chronic"},
        reason="体检",
    )
    spouse.refresh_from_db()
    services.member_update(
        actor=users["township_officer"],
        member_id=spouse.pk,
        version=spouse.version,
        data={"labour": "lost"},
        reason="复核",
    )
    history = list(
        HouseholdChange.objects.filter(
            household=household, member=spouse, action="member_update"
        ).order_by("id")
    )
    assert [(c.actor, c.changes) for c in history] == [
        (users["village_secretary"], {"health": ["healthy", "chronic"]}),
        (users["township_officer"], {"labour": ["ordinary", "lost"]}),
    ]
    assert all(c.at is not None for c in history)


def test_concurrent_save_gets_conflict(users: dict[str, Any], household: Any) -> None:
    version = household.version
    services.household_update(
        actor=users["village_secretary"],
        household_id=household.pk,
        version=version,
        data={"phone": "13912345678"},
    )
    with pytest.raises(Conflict):
        services.household_update(
            actor=users["township_officer"],
            household_id=household.pk,
            version=version,
            data={"phone": "13800001111"},
        )
    household.refresh_from_db()
    assert household.phone == "13912345678"


def test_update_of_unseen_household_is_not_found(
    users: dict[str, Any], other_household: Any
) -> None:
    with pytest.raises(NotFound):
        services.household_update(
            actor=users["village_secretary"],
            household_id=other_household.pk,
            version=other_household.version,
            data={"phone": "13800001111"},
        )


def test_income_per_capita_follows_policy_formula(household: Any) -> None:
    from decimal import Decimal

    record = services.income_record_set(
        actor=None,
        household_id=household.pk,
        year=2019,
        data={
            "wage": "6000",
            "business": "3000",
            "property_income": "100",
            "transfer": "900",
            "business_costs": "1000",
        },
    )
    assert record.household_size == 2
    assert record.net_income_per_capita == Decimal("4500.00")


def test_exit_year_not_before_identification(areas: None) -> None:
    exited = factories.household(status="exited", identified_year=2015, exited_year=2018)
    with pytest.raises(InvalidInput) as err:
        services.household_update(
            actor=None,
            household_id=exited.pk,
            version=exited.version,
            data={"exited_year": 2014},
        )
    assert "exited_year" in err.value.fields


def test_the_database_itself_refuses_a_second_active_head(household: Any) -> None:
    # The constraint must exist on both databases, not only in the migration state.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(
            household=household,
            name="第二户主",
            sex="male",
            id_number=factories.id_number(),
            relation="head",
        )
