"""The import task: queued with a JSON job id on the database backend, run by the worker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from fupin.exchange import pipeline, services, tasks
from fupin.exchange.models import ImportJob
from tests.exchange.conftest import IMMEDIATE
from tests.exchange.test_jobs import fake_outcome

Status = ImportJob.Status
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _create(user: Any) -> ImportJob:
    return services.import_job_create(
        actor=user,
        files=[SimpleUploadedFile("a.xlsx", b"PK")],
        dry_run=False,
        create_areas=False,
        reason="",
        channel="web",
    )


@pytest.mark.django_db(transaction=True)
def test_job_is_queued_on_the_database_and_run_by_the_worker(
    users: dict[str, Any], media: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKS = DATABASE
    monkeypatch.setattr(pipeline, "import_files", lambda **kw: fake_outcome(households_created=4))
    job = _create(users["county_admin"])
    assert job.status == Status.PENDING  # waits for the worker
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "fupin.exchange.tasks.import_job_task"
    assert json.loads(json.dumps(queued.args_kwargs)) == {"args": [job.pk], "kwargs": {}}

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")

    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED
    assert job.households_created == 4
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert queued.return_value == Status.SUCCEEDED


def test_task_runs_the_job_and_returns_its_status(
    users: dict[str, Any], media: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKS = DATABASE  # queue only; run it by hand below
    monkeypatch.setattr(pipeline, "import_files", lambda **kw: fake_outcome(dry_run=True))
    job = _create(users["county_admin"])
    assert tasks.import_job_task.call(job.pk) == Status.VALIDATED
    # a second delivery of the same task does not run the job again
    assert tasks.import_job_task.call(job.pk) == Status.VALIDATED


def test_immediate_backend_runs_inline(
    users: dict[str, Any], media: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKS = IMMEDIATE
    monkeypatch.setattr(pipeline, "import_files", lambda **kw: fake_outcome())
    assert _create(users["county_admin"]).status == Status.SUCCEEDED


def test_a_queue_that_cannot_take_the_job_fails_it_for_retry(
    users: dict[str, Any], media: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKS = IMMEDIATE

    class Broken:
        def enqueue(self, *args: Any) -> None:
            raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "import_job_task", Broken())
    job = _create(users["county_admin"])
    assert job.status == Status.FAILED
    assert "队列" in job.failure
    assert services.may_retry(users["county_admin"], job)
