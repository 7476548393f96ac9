"""Property tests: generated registries survive export → import unchanged, and random
corruptions of a valid file are refused with the registry unchanged."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fupin.exchange.export import export_files, system_scope
from fupin.exchange.pipeline import import_files
from fupin.registry import choices
from fupin.registry.models import Household
from fupin.registry.services import household_create, income_record_set
from fupin.registry.validation import build_id_number
from tests import factories
from tests.exchange.helpers import digest, write_csv_pair

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
VILLAGES = [factories.VILLAGE, factories.OTHER_VILLAGE_SAME_TOWNSHIP, factories.OTHER_TOWNSHIP_VILLAGE,
            "422822100001001"]  # fmt: skip
names = st.text(alphabet="王李张刘陈杨赵黄周吴明华国英秀兰", min_size=2, max_size=4)
money = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False, allow_infinity=False)

member = st.fixed_dictionaries({
    "name": names,
    "sex": st.sampled_from(choices.Sex.values),
    "born": st.dates(date(1930, 1, 1), date(2020, 12, 31)),
    "ethnicity": st.sampled_from(["汉族", "土家族", "苗族"]),
    "education": st.sampled_from(["", *choices.Education.values]),
    "schooling": st.sampled_from(["", "学前", "非在校生", "小学3年级", "初中1年级"]),
    "health": st.sampled_from(choices.Health.values),
    "labour": st.sampled_from(choices.Labour.values),
    "migrant_status": st.sampled_from(choices.MigrantStatus.values),
    "migrant_months": st.integers(0, 12),
    "medical_insurance": st.booleans(),
    "pension_insurance": st.booleans(),
    "dibao": st.booleans(),
})  # fmt: skip

household = st.fixed_dictionaries({
    "village": st.sampled_from(VILLAGES),
    "phone": st.sampled_from(["", "13912345678", "0718-3321234"]),
    "standard": st.sampled_from(choices.Standard.values),
    "household_type": st.sampled_from(choices.HouseholdType.values),
    "main_cause": st.sampled_from(choices.Cause.values),
    "other": st.lists(st.sampled_from(choices.Cause.values), max_size=2, unique=True),
    "housing_area": st.one_of(st.none(), money),
    "danger_grade": st.sampled_from(choices.DangerGrade.values),
    "relocated": st.booleans(),
    "safe_water": st.booleans(),
    "exited": st.booleans(),
    "identified_year": st.integers(2014, 2019),
    "income": st.one_of(st.none(), st.tuples(st.integers(2020, 2025), money, money)),
    "members": st.lists(member, min_size=1, max_size=4),
})  # fmt: skip


def _build(registry: list[dict[str, Any]]) -> None:
    seq = 0
    for index, h in enumerate(registry):
        people = []
        for position, m in enumerate(h["members"]):
            seq += 1
            m = dict(m)
            born = m.pop("born")
            id_number = build_id_number("422822", born, seq * 2 + (1 if m["sex"] == "male" else 0))
            people.append({**m, "id_number": id_number,
                           "relation": "head" if position == 0 else "other"})  # fmt: skip
        exited = h["exited"]
        created = household_create(
            actor=None,
            area_code=h["village"],
            data={
                "number": f"P{index:03d}", "phone": h["phone"], "standard": h["standard"],
                "household_type": h["household_type"], "main_cause": h["main_cause"],
                "other_causes": [c for c in h["other"] if c != h["main_cause"]],
                "housing_area": h["housing_area"], "danger_grade": h["danger_grade"],
                "relocated": h["relocated"], "safe_water": h["safe_water"],
            },
            members=people,
        )  # fmt: skip
        # the registry as procedures (or an earlier import) left it
        Household.objects.filter(pk=created.pk).update(
            status="exited" if exited else "not_exited",
            identified_year=h["identified_year"],
            exited_year=h["identified_year"] + 1 if exited else None,
        )
        if h["income"]:
            year, wage, transfer = h["income"]
            income_record_set(actor=None, household_id=created.pk, year=year,
                              data={"wage": wage, "transfer": transfer})  # fmt: skip


def _export(directory: Path) -> list[Path]:
    return export_files(
        actor=None, scope=system_scope(), filters=None, fmt="csv", dest_dir=directory
    )[:2]


class _Rollback(Exception):
    pass


def _isolated(body: Any) -> None:
    """Each example on a clean registry: everything it writes is rolled back."""
    try:
        with transaction.atomic():
            body()
            raise _Rollback
    except _Rollback:
        pass


@pytest.mark.django_db(transaction=False)
@SETTINGS
@given(registry=st.lists(household, min_size=1, max_size=4), fmt=st.sampled_from(["csv", "xlsx"]))
def test_export_then_import_changes_nothing(
    areas: None, tmp_path_factory: Any, registry: Any, fmt: str
) -> None:
    def body() -> None:
        _build(registry)
        out = tmp_path_factory.mktemp("rt")
        paths = export_files(actor=None, scope=system_scope(), filters=None, fmt=fmt, dest_dir=out)  # type: ignore[arg-type]
        before = digest()
        outcome = import_files(
            actor=None, paths=paths[:2] if fmt == "csv" else paths, dry_run=False
        )
        assert outcome.ok, outcome.errors
        assert outcome.households_created == outcome.households_updated == 0
        assert outcome.members_created == outcome.members_updated == outcome.members_removed == 0
        assert digest() == before

    _isolated(body)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _flip_check_digit(h: list[dict[str, str]], m: list[dict[str, str]], i: int) -> None:
    row = m[i % len(m)]
    last = row["证件号码"][-1]
    row["证件号码"] = row["证件号码"][:-1] + ("0" if last != "0" else "1")


def _blank_required(h: list[dict[str, str]], m: list[dict[str, str]], i: int) -> None:
    header = ["主要致贫原因", "户状态", "区划代码", "贫困户属性"][i % 4]
    h[i % len(h)][header] = ""


def _duplicate_id(h: list[dict[str, str]], m: list[dict[str, str]], i: int) -> None:
    copy = dict(m[i % len(m)])
    copy["与户主关系"] = "其他"
    m.append(copy)


def _bad_enum(h: list[dict[str, str]], m: list[dict[str, str]], i: int) -> None:
    m[i % len(m)][["文化程度", "劳动能力", "健康状况", "务工状况"][i % 4]] = "不详"


def _negative(h: list[dict[str, str]], m: list[dict[str, str]], i: int) -> None:
    h[i % len(h)]["住房面积"] = "-3"


def _unknown_household(h: list[dict[str, str]], m: list[dict[str, str]], i: int) -> None:
    m[i % len(m)]["户编号"] = "NOPE"


CORRUPTIONS = [
    _flip_check_digit,
    _blank_required,
    _duplicate_id,
    _bad_enum,
    _negative,
    _unknown_household,
]


@pytest.mark.django_db(transaction=False)
@SETTINGS
@given(registry=st.lists(household, min_size=1, max_size=3), corrupt=st.sampled_from(CORRUPTIONS),
       where=st.integers(0, 50))  # fmt: skip
def test_corrupted_files_are_refused_unchanged(
    areas: None, tmp_path_factory: Any, registry: Any, corrupt: Any, where: int
) -> None:
    def body() -> None:
        _build(registry)
        paths = _export(tmp_path_factory.mktemp("bad"))
        households, members = _read(paths[0]), _read(paths[1])
        corrupt(households, members, where)
        bad = write_csv_pair(tmp_path_factory.mktemp("badin"), households, members)
        before = digest()
        outcome = import_files(actor=None, paths=bad, dry_run=False)
        assert not outcome.ok and outcome.errors
        assert digest() == before

    _isolated(body)
