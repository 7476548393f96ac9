from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from fupin.areas.models import Area
from fupin.core.bulk import allocate_ids, bulk_insert, bulk_insert_frame
from fupin.registry.models import Household, HouseholdChange, IncomeRecord


def test_allocated_ids_follow_existing_rows(household: Household) -> None:
    with transaction.atomic():
        first = allocate_ids(Household, 3)
    assert len(set(first)) == 3 and first == sorted(first) and min(first) > household.pk


def test_rows_written_with_their_ids_and_types(areas: None) -> None:
    village = Area.objects.get(code="422822100001")
    now = timezone.now()
    with transaction.atomic():
        ids = allocate_ids(Household, 2)
        written = bulk_insert(
            Household,
            ["id", "number", "area", "area_code", "phone", "standard", "household_type",
             "main_cause", "other_causes", "housing_area", "danger_grade", "relocated",
             "safe_water", "has_electricity", "road_distance_km", "status", "identified_year",
             "exited_year", "is_active", "version", "created_at", "updated_at"],
            [
                (pk, f"B{pk}", village.pk, village.code, "", "national", "ordinary", "illness",
                 json.dumps(["disability"]), Decimal("88.50"), "C", False, True, True, None,
                 "exited", 2015, 2019, True, 1, now, now)
                for pk in ids
            ],
        )  # fmt: skip
        bulk_insert(
            IncomeRecord,
            ["household", "year", "wage", "business", "property_income", "transfer",
             "business_costs", "household_size", "version"],
            [(pk, 2019, Decimal("1000.5"), 0, 0, 0, 0, 2, 1) for pk in ids],
        )  # fmt: skip
    assert written == 2
    h = Household.objects.get(pk=ids[1])
    assert h.other_causes == ["disability"] and h.housing_area == Decimal("88.50")
    assert h.relocated is False and h.safe_water is True and h.created_at == now
    assert IncomeRecord.objects.get(household=h).wage == Decimal("1000.50")
    # Ordinary creation goes on after the allocated ids without a clash.
    HouseholdChange.objects.create(household=h, action="create")
    later = Household.objects.create(number="after", area=village, area_code=village.code,
                                     main_cause="illness")  # fmt: skip
    assert later.pk > max(ids)


def test_frame_written_with_nulls_empty_strings_and_types(areas: None) -> None:
    village = Area.objects.get(code="422822100001")
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic():
        ids = allocate_ids(Household, 2)
        frame = pl.DataFrame(
            {
                "id": ids,
                "number": ['B"1,\n', "B2"],
                "area": [village.pk] * 2,
                "area_code": [village.code] * 2,
                "phone": ["", None],
                "main_cause": ["illness"] * 2,
                "other_causes": ['["disability"]', "[]"],
                "housing_area": ["88.50", None],
                "relocated": [True, False],
                "identified_year": [2015, None],
                "standard": ["national"] * 2,
                "household_type": ["ordinary"] * 2,
                "danger_grade": ["C"] * 2,
                "safe_water": [True] * 2,
                "has_electricity": [True] * 2,
                "status": ["exited"] * 2,
                "is_active": [True] * 2,
                "version": [1] * 2,
            }
        ).with_columns(pl.lit(stamp).alias("created_at"), pl.lit(stamp).alias("updated_at"))
        frame = frame.with_columns(pl.col("phone").fill_null(""))
        written = bulk_insert_frame(Household, frame.columns, frame)
        changes = pl.DataFrame(
            {
                "household": ids,
                "member": [None, None],
                "action": ["import", "import"],
                "changes": ['{"a":[null,"x\\"y"]}', "{}"],
                "reason": ["", "r"],
            },
            schema_overrides={"member": pl.Int64},
        ).with_columns(pl.lit(stamp).alias("at"))
        bulk_insert_frame(HouseholdChange, changes.columns, changes)
    assert written == 2
    first, second = (Household.objects.get(pk=pk) for pk in ids)
    assert first.number == 'B"1,\n' and first.phone == "" and second.phone == ""
    assert first.other_causes == ["disability"] and first.housing_area == Decimal("88.50")
    assert second.housing_area is None and second.identified_year is None
    assert first.relocated is True and second.relocated is False and first.created_at == now
    change = HouseholdChange.objects.get(household=first)
    assert change.changes == {"a": [None, 'x"y']} and change.member is None
    assert change.reason == "" and change.at == now


def test_constraints_still_hold(household: Household, db: Any) -> None:
    head = household.members.get(relation="head")
    from fupin.registry.models import Member

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(
            Member,
            ["household", "name", "sex", "id_number", "relation", "ethnicity", "education",
             "schooling", "health", "labour", "migrant_status", "migrant_months",
             "medical_insurance", "serious_illness_insurance", "pension_insurance", "dibao",
             "tekun", "is_active", "name_pinyin", "name_initials", "id_reversed", "version",
             "created_at", "updated_at"],
            [(household.pk, "重复", head.sex, head.id_number, "son", "汉族", "", "", "healthy",
              "ordinary", "none", 0, True, True, False, False, False, True, "", "", "", 1,
              timezone.now(), timezone.now())],
        )  # fmt: skip
    assert household.members.count() == 2
