"""Test data: a small county with two townships, and households with valid IDs."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from fupin.registry.models import Household
from fupin.registry.services import household_create
from fupin.registry.validation import build_id_number

_seq = itertools.count(1)

AREAS = [
    ("420000000000", "湖北省"),
    ("422800000000", "恩施土家族苗族自治州"),
    ("422822000000", "建始县"),
    ("422822100000", "业州镇"),
    ("422822100001", "东门村"),
    ("422822100001001", "东门村一组"),
    ("422822100002", "南门村"),
    ("422822101000", "高坪镇"),
    ("422822101001", "高坪村"),
]
VILLAGE = "422822100001"
OTHER_VILLAGE_SAME_TOWNSHIP = "422822100002"
OTHER_TOWNSHIP_VILLAGE = "422822101001"


def id_number(*, sex: str = "male", born: date | None = None) -> str:
    """A valid, unused ID: the 3-digit sequence cycles through 450 values, and without an
    explicit birth date each cycle moves the birth date on by a day."""
    count = next(_seq)
    if born is None:
        born = date(1980, 5, 17) + timedelta(days=count // 450)
    sequence = (count % 450) * 2 + (1 if sex == "male" else 2)
    return build_id_number("422822", born, sequence)


def member_data(**overrides: Any) -> dict[str, Any]:
    sex = overrides.pop("sex", "male")
    born = overrides.pop("born", None)
    data = {
        "name": "张三",
        "sex": sex,
        "id_number": id_number(sex=sex, born=born),
        "relation": "head",
        "education": "junior",
        "health": "healthy",
        "labour": "ordinary",
    }
    data.update(overrides)
    return data


def household(
    *,
    area_code: str = VILLAGE,
    number: str | None = None,
    members: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Household:
    data = {
        "number": number or f"H{next(_seq):06d}",
        "main_cause": "illness",
        "household_type": "ordinary",
        "status": "not_exited",
        "identified_year": 2015,
    }
    data.update(fields)
    # Registry data as an import or earlier procedures left it: people create households
    # only as 非建档立卡 and change the status only through procedures.
    registered = {k: data.pop(k) for k in ("status", "identified_year", "exited_year") if k in data}
    created = household_create(
        actor=None,
        area_code=area_code,
        data=data,
        members=members
        or [member_data(), member_data(name="李四", sex="female", relation="spouse")],
    )
    Household.objects.filter(pk=created.pk).update(**registered)
    created.refresh_from_db()
    return created
