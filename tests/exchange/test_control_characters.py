"""A NUL byte in a cell is that cell's error (sheet, row, header, a Chinese reason):
never stored, never a generic failure — in CSV and in xlsx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fupin.exchange.pipeline import error_report_xlsx, import_files
from fupin.registry.models import Household
from tests.exchange.helpers import digest, household_pair, write_csv_pair, write_xlsx

pytestmark = pytest.mark.django_db


def _files(tmp_path: Path, fmt: str) -> list[Path]:
    h, m = household_pair("NUL1")
    h["户主姓名"] = "王\x00五"
    m[0]["姓名"] = "王\x00五"
    m[1]["民族"] = "土家\x00族"
    if fmt == "csv":
        return write_csv_pair(tmp_path, [h], m)
    return [write_xlsx(tmp_path / "nul.xlsx", [h], m)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("dry_run", [True, False])
def test_a_nul_byte_is_a_cell_error(areas: None, tmp_path: Path, fmt: str, dry_run: bool) -> None:
    paths = _files(tmp_path, fmt)
    before = digest()
    outcome = import_files(actor=None, paths=paths, dry_run=dry_run)
    assert outcome.refused is None and not outcome.ok
    found = {(e.sheet, e.row, e.header) for e in outcome.errors if "控制字符" in e.reason}
    assert found == {("户", 2, "户主姓名"), ("成员", 2, "姓名"), ("成员", 3, "民族")}
    assert all("\x00" not in e.value for e in outcome.errors)
    assert digest() == before
    assert not Household.objects.filter(number="NUL1").exists()
    report = error_report_xlsx(outcome, paths, tmp_path / "report.xlsx")
    assert report.stat().st_size > 0


def test_a_nul_byte_through_an_import_job(
    users: dict[str, Any], tmp_path: Path, jobs_inline: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fupin.exchange import services
    from fupin.exchange.models import ImportJob

    [path] = _files(tmp_path, "xlsx")
    job = services.import_job_create(
        actor=users["county_admin"],
        files=[SimpleUploadedFile("nul.xlsx", path.read_bytes())],
        dry_run=False,
    )
    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == ImportJob.Status.REJECTED, (job.status, job.error)
