"""The exchange pages: access, upload, job page with progress and errors, retry, export."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from fupin.exchange import pipeline, services
from fupin.exchange.models import ImportJob
from fupin.registry.models import Household
from tests import factories
from tests.exchange.test_jobs import (
    fake_outcome,
    household_rows,
    xlsx_upload,
)

Status = ImportJob.Status
HOME = "/exchange/"
EXPORT = "/exchange/export/"


# Every test here runs its jobs inline, with uploads in a temporary MEDIA_ROOT (`media`).
pytestmark = pytest.mark.usefixtures("jobs_inline")


def _job(user: Any, **kwargs: Any) -> ImportJob:
    values: dict[str, Any] = {
        "created_by": user,
        "area_prefix": factories.VILLAGE,
        "status": Status.FAILED,
        "failure": "导入时系统出现错误，没有写入任何数据。",
        "file_names": ["a.xlsx"],
    }
    values.update(kwargs)
    return ImportJob.objects.create(**values)


def _post_upload(client: Client, *files: Any, **fields: Any) -> Any:
    data: dict[str, Any] = {"upload": list(files), "reason": fields.pop("reason", "")}
    for key in ("dry_run", "create_areas"):
        if fields.get(key):
            data[key] = "on"
    return client.post(HOME, data)


def _follow_to_job(response: Any) -> int:
    assert response.status_code == 302, response.content.decode()[:2000]
    location = response["Location"]
    assert location.startswith("/exchange/jobs/")
    return int(location.rstrip("/").rsplit("/", 1)[-1])


# --- access -----------------------------------------------------------------------------


def _job_urls(job_id: int) -> list[tuple[str, str]]:
    return [
        ("get", f"/exchange/jobs/{job_id}/"),
        ("get", f"/exchange/jobs/{job_id}/errors.xlsx"),
        ("post", f"/exchange/jobs/{job_id}/retry/"),
    ]


def test_anonymous_is_sent_to_login(users: dict[str, Any], media: Path) -> None:
    job = _job(users["village_secretary"])
    client = Client()
    for method, url in [("get", HOME), ("post", HOME), ("get", EXPORT), *_job_urls(job.pk)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_outsider_is_refused_with_a_clear_message(
    client_for: Any, users: dict[str, Any], media: Path
) -> None:
    client = client_for("outsider")
    for method, url in [("get", HOME), ("get", EXPORT + "?format=xlsx")]:
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
        assert "尚未分配角色" in response.content.decode()
    response = _post_upload(client, SimpleUploadedFile("a.xlsx", b"PK"))
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("key", ["outsider", "other_secretary", "township_officer", "cadre"])
def test_another_users_job_is_not_found(
    client_for: Any, users: dict[str, Any], media: Path, key: str
) -> None:
    job = _job(users["village_secretary"], error_report="imports/1/errors.xlsx")
    client = client_for(key)
    for method, url in _job_urls(job.pk):
        assert getattr(client, method)(url).status_code == 404, url
    job.refresh_from_db()
    assert job.status == Status.FAILED


def test_auditor_sees_the_areas_job_but_may_not_rerun_it(
    client_for: Any, users: dict[str, Any], media: Path
) -> None:
    job = _job(users["village_secretary"])
    client = client_for("auditor")
    response = client.get(f"/exchange/jobs/{job.pk}/")
    assert response.status_code == 200
    assert "/retry/" not in response.content.decode()
    assert client.post(f"/exchange/jobs/{job.pk}/retry/").status_code == 403


@pytest.mark.parametrize("key", ["cadre", "auditor"])
def test_read_only_roles_may_not_import(
    client_for: Any, users: dict[str, Any], media: Path, key: str
) -> None:
    client = client_for(key)
    page = client.get(HOME)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="import-form"' not in text
    assert "导出 Excel" in text
    response = _post_upload(client, SimpleUploadedFile("a.xlsx", b"PK"))
    assert response.status_code == 403
    assert "不能导入" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_needs_the_csrf_token(users: dict[str, Any], media: Path) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["county_admin"])
    response = client.post(HOME, {"upload": [SimpleUploadedFile("a.xlsx", b"PK")]})
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


# --- the page ---------------------------------------------------------------------------


def test_home_lists_own_recent_jobs_and_the_forms(
    client_for: Any, users: dict[str, Any], media: Path
) -> None:
    mine = _job(users["village_secretary"], file_names=["我的文件.xlsx"])
    theirs = _job(users["other_secretary"], file_names=["别人的.xlsx"])
    text = client_for("village_secretary").get(HOME).content.decode()
    assert 'id="import-form"' in text
    assert "试运行（只校验，不写入）" in text and "自动创建区划" in text
    assert f'href="/exchange/jobs/{mine.pk}/"' in text and "我的文件.xlsx" in text
    assert f'href="/exchange/jobs/{theirs.pk}/"' not in text and "别人的.xlsx" not in text


def test_nav_and_list_page_link_to_the_exchange(client_for: Any, household: Any) -> None:
    text = client_for("county_admin").get("/households/?status=not_exited").content.decode()
    assert 'href="/exchange/"' in text
    assert "/exchange/export/?status=not_exited&amp;format=xlsx" in text
    assert "/exchange/export/?status=not_exited&amp;format=csv" in text


# --- imports through the web ------------------------------------------------------------


def test_successful_import_lands(
    client_for: Any, users: dict[str, Any], media: Path, tmp_path: Path
) -> None:
    client = client_for("village_secretary")
    response = _post_upload(client, xlsx_upload(tmp_path, household_rows("WEB-1")), reason="新识别")
    job_id = _follow_to_job(response)
    page = client.get(f"/exchange/jobs/{job_id}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "已导入" in text, text
    assert 'hx-trigger="every 1s"' not in text  # finished: no more polling
    household = Household.objects.get(number="WEB-1")
    assert household.members.count() == 2
    job = ImportJob.objects.get(pk=job_id)
    assert job.reason == "新识别" and job.households_created == 1


def test_dry_run_writes_nothing(
    client_for: Any, users: dict[str, Any], media: Path, tmp_path: Path
) -> None:
    client = client_for("county_admin")
    response = _post_upload(client, xlsx_upload(tmp_path, household_rows("DRY-1")), dry_run=True)
    job_id = _follow_to_job(response)
    assert "校验通过（试运行，未写入）" in client.get(f"/exchange/jobs/{job_id}/").content.decode()
    assert not Household.objects.filter(number="DRY-1").exists()


def test_file_with_errors_is_rejected_with_table_and_report(
    client_for: Any, users: dict[str, Any], media: Path, tmp_path: Path
) -> None:
    good = household_rows("ERR-1")
    bad_household, bad_members = household_rows("ERR-2")
    broken = bad_members[1]["证件号码"][:-1] + (
        "0" if bad_members[1]["证件号码"][-1] != "0" else "1"
    )
    bad_members[1]["证件号码"] = broken
    client = client_for("county_admin")
    response = _post_upload(client, xlsx_upload(tmp_path, good, (bad_household, bad_members)))
    job_id = _follow_to_job(response)
    text = client.get(f"/exchange/jobs/{job_id}/").content.decode()
    assert "有错误，未导入任何数据" in text
    assert 'id="error-table"' in text and broken in text
    assert not Household.objects.filter(number__in=["ERR-1", "ERR-2"]).exists()
    report = client.get(f"/exchange/jobs/{job_id}/errors.xlsx")
    assert report.status_code == 200
    assert "attachment" in report["Content-Disposition"]
    assert b"".join(report.streaming_content).startswith(b"PK")


def test_error_table_shows_first_200_and_links_report(
    client_for: Any, users: dict[str, Any], media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors = [
        pipeline.CellError(sheet="户", row=i + 2, header="户编号", value=f"V{i}", reason="重复")
        for i in range(300)
    ]
    monkeypatch.setattr(pipeline, "import_files", lambda **kw: fake_outcome(errors=errors))

    def report(outcome: Any, raw_paths: Any, dest: Path) -> Path:
        dest.write_bytes(b"PK")
        return dest

    monkeypatch.setattr(pipeline, "error_report_xlsx", report)
    client = client_for("county_admin")
    job_id = _follow_to_job(_post_upload(client, SimpleUploadedFile("a.xlsx", b"PK")))
    text = client.get(f"/exchange/jobs/{job_id}/").content.decode()
    assert "共 300 处错误" in text
    assert ">V199<" in text and ">V200<" not in text
    assert f'href="/exchange/jobs/{job_id}/errors.xlsx"' in text


def test_refusal_and_ignored_headers_are_shown(
    client_for: Any, users: dict[str, Any], media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        pipeline,
        "import_files",
        lambda **kw: fake_outcome(refused="缺少“成员”表", ignored_headers={"户": ["备注", "X"]}),
    )
    client = client_for("county_admin")
    job_id = _follow_to_job(_post_upload(client, SimpleUploadedFile("a.xlsx", b"PK")))
    text = client.get(f"/exchange/jobs/{job_id}/").content.decode()
    assert "缺少“成员”表" in text
    assert "备注、X" in text
    assert client.get(f"/exchange/jobs/{job_id}/errors.xlsx").status_code == 404


def test_failed_job_shows_message_and_rerun_succeeds(
    client_for: Any, users: dict[str, Any], media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(**kwargs: Any) -> Any:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(pipeline, "import_files", boom)
    client = client_for("village_secretary")
    job_id = _follow_to_job(_post_upload(client, SimpleUploadedFile("a.xlsx", b"PK")))
    text = client.get(f"/exchange/jobs/{job_id}/").content.decode()
    assert "处理出错（可重新运行）" in text
    assert "没有写入任何数据" in text and "engine exploded" not in text
    assert f'action="/exchange/jobs/{job_id}/retry/"' in text and "重新运行" in text

    monkeypatch.setattr(pipeline, "import_files", lambda **kw: fake_outcome(households_created=3))
    response = client.post(f"/exchange/jobs/{job_id}/retry/")
    assert response.status_code == 302
    text = client.get(response["Location"]).content.decode()
    assert "已导入" in text and "重新运行" not in text


def test_retry_of_a_finished_job_is_refused(
    client_for: Any, users: dict[str, Any], media: Path
) -> None:
    job = _job(users["county_admin"], status=Status.SUCCEEDED, area_prefix="422822")
    response = client_for("county_admin").post(f"/exchange/jobs/{job.pk}/retry/")
    assert response.status_code == 409


def test_running_job_polls_with_progress(
    client_for: Any, users: dict[str, Any], media: Path
) -> None:
    job = _job(users["village_secretary"], status=Status.RUNNING, failure="")
    services.progress_write(job, phase="validate", done=250, total=1000)
    client = client_for("village_secretary")
    text = client.get(f"/exchange/jobs/{job.pk}/").content.decode()
    assert "正在处理" in text
    assert 'hx-trigger="every 1s"' in text
    assert 'value="25"' in text and "校验数据" in text and "250 / 1000" in text
    partial = client.get(f"/exchange/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body and 'id="job-body"' in body and 'hx-trigger="every 1s"' in body
    assert partial["Cache-Control"] == "no-store"

    ImportJob.objects.filter(pk=job.pk).update(status=Status.SUCCEEDED)
    body = client.get(f"/exchange/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "已导入" in body and "hx-trigger" not in body


# --- upload limits ----------------------------------------------------------------------


def test_wrong_extension_is_refused_on_the_form(
    client_for: Any, users: dict[str, Any], media: Path
) -> None:
    response = _post_upload(client_for("county_admin"), SimpleUploadedFile("a.xls", b"x"))
    assert response.status_code == 400
    assert "只接受 .xlsx、.csv 或 .zip" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_no_file_is_refused_on_the_form(
    client_for: Any, users: dict[str, Any], media: Path
) -> None:
    response = client_for("county_admin").post(HOME, {"reason": "x"})
    assert response.status_code == 400
    assert "请选择要导入的文件" in response.content.decode()


def test_oversize_upload_is_refused_before_reading(
    client_for: Any, users: dict[str, Any], media: Path, settings: Any
) -> None:
    settings.FUPIN_IMPORT_MAX_BYTES = 100
    client = client_for("county_admin")
    body = b"x" * (2 * 1024 * 1024)
    response = client.generic(
        "POST", HOME, data=body, content_type="multipart/form-data; boundary=zzz"
    )
    assert response.status_code == 413
    assert "文件过大" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_oversize_upload_is_stopped_while_reading(
    client_for: Any, users: dict[str, Any], media: Path, settings: Any
) -> None:
    settings.FUPIN_IMPORT_MAX_BYTES = 1000
    response = _post_upload(client_for("county_admin"), SimpleUploadedFile("a.xlsx", b"x" * 5000))
    assert response.status_code == 413
    assert "文件过大" in response.content.decode()
    assert not ImportJob.objects.exists()


# --- export -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["county_admin", "cadre", "auditor"])
def test_export_xlsx(client_for: Any, media: Path, household: Any, key: str) -> None:
    response = client_for(key).get(EXPORT + "?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert ".xlsx" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_export_csv_is_a_zip_of_the_two_files_and_leaves_nothing(
    client_for: Any, media: Path, household: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []
    real = pipeline.export_files

    def spy(**kwargs: Any) -> Any:
        seen.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(pipeline, "export_files", spy)
    response = client_for("county_admin").get(EXPORT + "?format=csv&status=not_exited")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == ["households.csv", "members.csv"]
    assert seen[0]["fmt"] == "csv"
    assert seen[0]["filters"].status == "not_exited"
    assert not Path(seen[0]["dest_dir"]).exists()


def test_export_without_filters_is_the_whole_scope(
    client_for: Any, media: Path, household: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []
    real = pipeline.export_files

    def spy(**kwargs: Any) -> Any:
        seen.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(pipeline, "export_files", spy)
    client_for("township_officer").get(EXPORT + "?format=xlsx")
    assert seen[0]["filters"] is None
    assert seen[0]["scope"].prefixes == ("422822100",)


def test_export_of_unknown_format_is_not_found(client_for: Any, media: Path) -> None:
    assert client_for("county_admin").get(EXPORT + "?format=pdf").status_code == 404


def test_reverse_names() -> None:
    assert reverse("exchange:home") == HOME
    assert reverse("exchange:export") == EXPORT
