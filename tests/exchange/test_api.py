"""The exchange API: upload → 202 job, status, error report, retry, export; access rules."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fupin.accounts.services import api_token_create
from fupin.exchange import pipeline
from fupin.exchange.models import ImportJob
from fupin.registry.models import Household
from tests import factories
from tests.exchange.test_jobs import (
    fake_outcome,
    household_rows,
    xlsx_upload,
)

Status = ImportJob.Status
IMPORTS = "/api/imports"
EXPORTS = "/api/exports"


# Every test here runs its jobs inline, with uploads in a temporary MEDIA_ROOT (`media`).
pytestmark = pytest.mark.usefixtures("jobs_inline")


@pytest.fixture
def api(users: dict[str, Any]) -> Callable[[str], Client]:
    def make(key: str) -> Client:
        _, secret = api_token_create(actor=None, user=users[key], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return dict(body["error"])


def _job(user: Any, **kwargs: Any) -> ImportJob:
    values: dict[str, Any] = {
        "created_by": user,
        "area_prefix": factories.VILLAGE,
        "status": Status.FAILED,
        "failure": "出错",
    }
    values.update(kwargs)
    return ImportJob.objects.create(**values)


def _upload(client: Client, *files: Any, **fields: Any) -> Any:
    return client.post(IMPORTS, {"files": list(files), **fields})


# --- access -----------------------------------------------------------------------------


def test_without_token_401(users: dict[str, Any], media: Path) -> None:
    job = _job(users["village_secretary"])
    client = Client()
    for method, url in [
        ("post", IMPORTS),
        ("get", IMPORTS),
        ("get", f"{IMPORTS}/{job.pk}"),
        ("get", f"{IMPORTS}/{job.pk}/errors.xlsx"),
        ("post", f"{IMPORTS}/{job.pk}/retry"),
        ("get", f"{EXPORTS}?format=xlsx"),
    ]:
        assert_error(getattr(client, method)(url), 401, "not_authenticated")


def test_bad_token_401(users: dict[str, Any], media: Path) -> None:
    client = Client(HTTP_AUTHORIZATION="Bearer fp_nope")
    assert_error(_upload(client, SimpleUploadedFile("a.xlsx", b"PK")), 401, "not_authenticated")


def test_outsider(api: Callable[[str], Client], users: dict[str, Any], media: Path) -> None:
    client = api("outsider")
    error = assert_error(_upload(client, SimpleUploadedFile("a.xlsx", b"PK")), 403, "access_denied")
    assert "角色" in error["message"]
    assert_error(client.get(f"{EXPORTS}?format=xlsx"), 403, "access_denied")
    assert client.get(IMPORTS).json() == []
    job = _job(users["village_secretary"])
    assert_error(client.get(f"{IMPORTS}/{job.pk}"), 404, "not_found")
    assert not ImportJob.objects.exclude(pk=job.pk).exists()


@pytest.mark.parametrize("key", ["other_secretary", "township_officer", "cadre", "outsider"])
def test_another_users_job_is_not_found(
    api: Callable[[str], Client], users: dict[str, Any], media: Path, key: str
) -> None:
    job = _job(users["village_secretary"], error_report="imports/x/errors.xlsx")
    client = api(key)
    assert_error(client.get(f"{IMPORTS}/{job.pk}"), 404, "not_found")
    assert_error(client.get(f"{IMPORTS}/{job.pk}/errors.xlsx"), 404, "not_found")
    assert_error(client.post(f"{IMPORTS}/{job.pk}/retry"), 404, "not_found")
    assert job.pk not in [j["id"] for j in client.get(IMPORTS).json()]


@pytest.mark.parametrize("key", ["cadre", "auditor"])
def test_read_only_roles_refused_on_import(
    api: Callable[[str], Client], users: dict[str, Any], media: Path, key: str
) -> None:
    response = _upload(api(key), SimpleUploadedFile("a.xlsx", b"PK"))
    error = assert_error(response, 403, "access_denied")
    assert "不能导入" in error["message"]
    assert not ImportJob.objects.exists()


def test_auditor_sees_the_areas_job_but_may_not_retry(
    api: Callable[[str], Client], users: dict[str, Any], media: Path
) -> None:
    job = _job(users["village_secretary"])
    client = api("auditor")
    body = client.get(f"{IMPORTS}/{job.pk}").json()
    assert body["id"] == job.pk and body["may_retry"] is False
    assert_error(client.post(f"{IMPORTS}/{job.pk}/retry"), 403, "access_denied")


def test_session_write_needs_csrf(users: dict[str, Any], media: Path) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["county_admin"])
    response = _upload(client, SimpleUploadedFile("a.xlsx", b"PK"))
    assert_error(response, 403, "csrf_failed")


# --- importing --------------------------------------------------------------------------


def test_import_returns_202_with_the_job(
    api: Callable[[str], Client], users: dict[str, Any], media: Path, tmp_path: Path
) -> None:
    client = api("village_secretary")
    response = _upload(
        client, xlsx_upload(tmp_path, household_rows("API-1")), reason="接口导入", dry_run="false"
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == Status.SUCCEEDED, body
    assert body["status_label"] == "已导入"
    assert body["counts"]["households_created"] == 1
    assert body["counts"]["members_created"] == 2
    assert body["reason"] == "接口导入" and body["dry_run"] is False
    assert body["file_names"] == ["户籍数据.xlsx"]
    assert body["progress"]["percent"] == 100
    assert Household.objects.filter(number="API-1").exists()
    again = client.get(f"{IMPORTS}/{body['id']}").json()
    assert again["status"] == Status.SUCCEEDED and again["created_by"] == "village_secretary"
    assert [j["id"] for j in client.get(IMPORTS).json()] == [body["id"]]


def test_dry_run_over_api_writes_nothing(
    api: Callable[[str], Client], users: dict[str, Any], media: Path, tmp_path: Path
) -> None:
    response = _upload(
        api("county_admin"), xlsx_upload(tmp_path, household_rows("API-D")), dry_run="true"
    )
    assert response.status_code == 202
    assert response.json()["status"] == Status.VALIDATED
    assert not Household.objects.filter(number="API-D").exists()


def test_errors_and_report(
    api: Callable[[str], Client],
    users: dict[str, Any],
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    errors = [
        pipeline.CellError(sheet="户", row=i + 2, header="户编号", value=str(i), reason="重复")
        for i in range(150)
    ]
    monkeypatch.setattr(pipeline, "import_files", lambda **kw: fake_outcome(errors=errors))

    def report(outcome: Any, raw_paths: Any, dest: Path) -> Path:
        dest.write_bytes(b"PK report")
        return dest

    monkeypatch.setattr(pipeline, "error_report_xlsx", report)
    client = api("county_admin")
    body = _upload(client, SimpleUploadedFile("a.xlsx", b"PK")).json()
    assert body["status"] == Status.REJECTED
    assert body["error_count"] == 150
    assert len(body["errors"]) == 100
    assert body["errors"][0] == {
        "sheet": "户", "row": 2, "header": "户编号", "value": "0", "reason": "重复",
    }  # fmt: skip
    assert body["error_report_url"] == f"{IMPORTS}/{body['id']}/errors.xlsx"
    report_response = client.get(body["error_report_url"])
    assert report_response.status_code == 200
    assert b"".join(report_response.streaming_content) == b"PK report"


def test_report_of_a_job_without_errors_is_not_found(
    api: Callable[[str], Client], users: dict[str, Any], media: Path
) -> None:
    job = _job(users["county_admin"], status=Status.SUCCEEDED, area_prefix="422822")
    assert_error(api("county_admin").get(f"{IMPORTS}/{job.pk}/errors.xlsx"), 404, "not_found")


def test_failure_then_retry(
    api: Callable[[str], Client],
    users: dict[str, Any],
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom(**kwargs: Any) -> Any:
        raise ValueError("secret internals")

    monkeypatch.setattr(pipeline, "import_files", boom)
    client = api("village_secretary")
    body = _upload(client, SimpleUploadedFile("a.xlsx", b"PK")).json()
    assert body["status"] == Status.FAILED
    assert body["may_retry"] is True
    assert "secret internals" not in body["failure"] and "没有写入" in body["failure"]
    monkeypatch.setattr(pipeline, "import_files", lambda **kw: fake_outcome())
    response = client.post(f"{IMPORTS}/{body['id']}/retry")
    assert response.status_code == 202
    assert response.json()["status"] == Status.SUCCEEDED
    assert_error(client.post(f"{IMPORTS}/{body['id']}/retry"), 409, "conflict")


def test_wrong_files_are_400(
    api: Callable[[str], Client], users: dict[str, Any], media: Path
) -> None:
    client = api("county_admin")
    error = assert_error(_upload(client, SimpleUploadedFile("a.pdf", b"x")), 400, "invalid")
    assert "files" in error["fields"]
    assert_error(client.post(IMPORTS, {}), 400, "invalid")
    assert not ImportJob.objects.exists()


def test_oversize_is_413(
    api: Callable[[str], Client], users: dict[str, Any], media: Path, settings: Any
) -> None:
    settings.FUPIN_IMPORT_MAX_BYTES = 1000
    client = api("county_admin")
    response = _upload(client, SimpleUploadedFile("a.xlsx", b"x" * 5000))
    assert_error(response, 413, "too_large")
    big = client.generic(
        "POST",
        IMPORTS,
        data=b"x" * (2 * 1024 * 1024),
        content_type="multipart/form-data; boundary=z",
    )
    assert_error(big, 413, "too_large")
    assert not ImportJob.objects.exists()


# --- exporting --------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["county_admin", "cadre", "auditor"])
def test_export_xlsx(api: Callable[[str], Client], household: Any, media: Path, key: str) -> None:
    response = api(key).get(f"{EXPORTS}?format=xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_export_csv_with_filters(
    api: Callable[[str], Client], household: Any, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []
    real = pipeline.export_files

    def spy(**kwargs: Any) -> Any:
        seen.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(pipeline, "export_files", spy)
    response = api("county_admin").get(
        f"{EXPORTS}?format=csv&status=not_exited&area_code={factories.VILLAGE}"
    )
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == ["households.csv", "members.csv"]
    filters = seen[0]["filters"]
    assert filters.status == "not_exited" and filters.area_code == factories.VILLAGE


def test_export_bad_format_is_400(api: Callable[[str], Client], users: dict[str, Any]) -> None:
    error = assert_error(api("county_admin").get(f"{EXPORTS}?format=pdf"), 400, "invalid")
    assert "format" in error["fields"]
