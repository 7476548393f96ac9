"""A dry run reports what the import then does: the same counts, from the same
computation, for an unchanged export, a renamed member and new households."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from fupin.exchange.export import export_files, system_scope
from fupin.exchange.pipeline import ImportOutcome, import_files
from fupin.registry.models import Member
from tests import factories
from tests.exchange.helpers import digest, household_pair, write_csv_pair

pytestmark = pytest.mark.django_db
COUNTS = ("households_created", "households_updated", "households_unchanged",
          "members_created", "members_updated", "members_removed")  # fmt: skip


def _counts(outcome: ImportOutcome) -> dict[str, int]:
    assert outcome.ok, (outcome.refused, outcome.errors)
    return {k: getattr(outcome, k) for k in COUNTS}


def _dry_then_real(paths: list[Path]) -> tuple[dict[str, int], dict[str, int]]:
    before = digest()
    dry = _counts(import_files(actor=None, paths=paths, dry_run=True))
    assert digest() == before  # the dry run wrote nothing
    return dry, _counts(import_files(actor=None, paths=paths, dry_run=False))


def _export(directory: Path) -> list[Path]:
    return export_files(
        actor=None, scope=system_scope(), filters=None, fmt="csv", dest_dir=directory
    )[:2]


def _registry() -> None:
    for _ in range(3):
        factories.household()


def test_an_unchanged_export(areas: None, tmp_path: Path) -> None:
    _registry()
    dry, real = _dry_then_real(_export(tmp_path))
    assert dry == real
    assert real["households_unchanged"] == 3 and real["households_updated"] == 0


def test_one_renamed_member(areas: None, tmp_path: Path) -> None:
    _registry()
    paths = _export(tmp_path)
    members = paths[1]
    with members.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    spouse = Member.objects.filter(relation="spouse").order_by("pk").first()
    assert spouse is not None
    renamed = [
        r for r in rows if r["姓名"] == spouse.name and r["户编号"] == spouse.household.number
    ]
    renamed[0]["姓名"] = "李四改"
    with members.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    dry, real = _dry_then_real(paths)
    assert dry == real
    assert real["members_updated"] == 1 and real["households_unchanged"] == 3
    spouse.refresh_from_db()
    assert spouse.name == "李四改"


def test_new_households(areas: None, tmp_path: Path) -> None:
    h1, m1 = household_pair("N1")
    h2, m2 = household_pair("N2")
    dry, real = _dry_then_real(write_csv_pair(tmp_path, [h1, h2], [*m1, *m2]))
    assert dry == real
    assert real["households_created"] == 2 and real["members_created"] == 4
