"""Uploaded import files (full of ID numbers) are kept only FUPIN_UPLOAD_RETENTION_DAYS after
the job ended: removed by a set-based service, a task, a command and each new import; the
page and the API say until when, and a removed failed job cannot run again."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from fupin.audit.models import AuditEvent
from fupin.core.errors import Conflict
from fupin.exchange import pipeline, services
from fupin.exchange.models import ImportJob
from fupin.exchange.tasks import purge_uploads_task

pytestmark = pytest.mark.django_db
Status = ImportJob.Status


@pytest.fixture
def failing(monkeypatch: pytest.MonkeyPatch, jobs_inline: Path) -> Path:
    """The engine fails, so jobs end FAILED and keep their uploads."""

    def import_files(**kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "import_files", import_files)
    return jobs_inline


def create(actor: Any) -> ImportJob:
    return services.import_job_create(
        actor=actor,
        files=[SimpleUploadedFile("data.xlsx", b"PK\x03\x04 422822198005170059")],
        dry_run=False,
        channel="web",
    )


def age(job: ImportJob, days: int) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=days))
    job.refresh_from_db()
    return job


def test_expired_uploads_are_removed_and_recent_ones_kept(
    users: dict[str, Any], failing: Path, settings: Any
) -> None:
    settings.FUPIN_UPLOAD_RETENTION_DAYS = 30
    old, recent, running = (create(users["village_secretary"]) for _ in range(3))
    old, recent = age(old, 31), age(recent, 29)
    ImportJob.objects.filter(pk=running.pk).update(status=Status.RUNNING, finished_at=None)
    assert old.status == Status.FAILED and old.directory.exists()
    assert old.files_kept_until == old.finished_at + dt.timedelta(days=30)

    purged = services.import_uploads_purge()

    assert purged == [old.pk]
    old.refresh_from_db()
    assert not old.directory.exists() and old.files_purged_at is not None
    assert old.file_paths == [] and old.files_kept_until is None
    assert recent.directory.exists() and running.directory.exists()
    event = AuditEvent.objects.get(action="import_job.purge")
    assert event.object_ids == [old.pk]
    assert services.import_uploads_purge() == []  # nothing twice


def test_a_purged_failed_job_cannot_run_again(users: dict[str, Any], failing: Path) -> None:
    job = age(create(users["village_secretary"]), 400)
    secretary = users["village_secretary"]
    assert services.may_retry(secretary, job)
    services.import_uploads_purge()
    job.refresh_from_db()
    assert not services.may_retry(secretary, job)
    with pytest.raises(Conflict) as refused:
        services.import_job_retry(actor=secretary, job_id=job.pk)
    assert "按保存期限删除" in str(refused.value.message)
    # a queued run that arrives anyway does nothing
    assert services.import_job_run(job_id=job.pk).status == Status.FAILED


def test_the_page_and_the_api_say_until_when_and_that_it_was_removed(
    users: dict[str, Any], failing: Path, client_for: Any, settings: Any
) -> None:
    settings.FUPIN_UPLOAD_RETENTION_DAYS = 30
    job = create(users["village_secretary"])
    client = client_for("village_secretary")
    until = timezone.localtime(job.files_kept_until).date().isoformat()
    page = client.get(f"/exchange/jobs/{job.pk}/").content.decode()
    assert f"上传的文件和错误报告保存至 {until}" in page and "重新运行" in page
    body = client.get(f"/api/imports/{job.pk}").json()
    kept = dt.datetime.fromisoformat(body["files_kept_until"].replace("Z", "+00:00"))
    assert abs(kept - job.files_kept_until) < dt.timedelta(seconds=1)
    assert body["files_purged_at"] is None
    age(job, 31)
    services.import_uploads_purge()
    page = client.get(f"/exchange/jobs/{job.pk}/").content.decode()
    assert "按保存期限删除" in page and "不能重新运行" in page
    assert 'action="/exchange/jobs/' not in page  # no rerun button
    body = client.get(f"/api/imports/{job.pk}").json()
    assert body["files_purged_at"] and body["files_kept_until"] is None
    assert body["may_retry"] is False
    response = client.post(f"/exchange/jobs/{job.pk}/retry/")
    assert response.status_code == 409 and "按保存期限删除" in response.content.decode()


def test_the_command_the_task_and_a_new_import_purge(
    users: dict[str, Any], failing: Path, settings: Any
) -> None:
    settings.FUPIN_UPLOAD_RETENTION_DAYS = 10
    first = age(create(users["village_secretary"]), 11)
    out = io.StringIO()
    call_command("purge_uploads", stdout=out)
    assert "已删除 1 个导入任务" in out.getvalue() and not first.directory.exists()

    second = age(create(users["village_secretary"]), 11)
    assert purge_uploads_task.call() == 1 and not second.directory.exists()

    third = age(create(users["village_secretary"]), 11)
    create(users["village_secretary"])  # a new import clears out the expired ones
    third.refresh_from_db()
    assert third.files_purged_at is not None and not third.directory.exists()
