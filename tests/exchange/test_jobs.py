"""Import jobs: creation, storage, the state machine, progress, retry, visibility."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fupin.audit.models import AuditEvent
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from fupin.exchange import pipeline, selectors, services
from fupin.exchange.layout import HOUSEHOLD_SHEET, MEMBER_SHEET
from fupin.exchange.models import ImportJob
from fupin.registry.models import Household
from tests import factories

Status = ImportJob.Status


# --- shared helpers (the other exchange test modules import these) ---------------------


def household_rows(
    number: str = "IMP-0001", *, area_code: str = factories.VILLAGE, head_name: str = "赵大山"
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One valid household in the exchange layout, with its head and a spouse."""
    head = factories.id_number(sex="male")
    spouse = factories.id_number(sex="female")
    household = {
        "户编号": number,
        "区划代码": area_code,
        "户主姓名": head_name,
        "户主证件号码": head,
        "识别标准": "国家",
        "贫困户属性": "一般贫困户",
        "主要致贫原因": "因病",
        "户状态": "未脱贫",
        "识别年度": 2016,
    }
    members = [
        {"户编号": number, "姓名": head_name, "性别": "男", "证件号码": head, "与户主关系": "户主",
         "是否参加基本医疗保险": "是"},
        {"户编号": number, "姓名": "钱小花", "性别": "女", "证件号码": spouse, "与户主关系": "配偶",
         "是否参加基本医疗保险": "是"},
    ]  # fmt: skip
    return household, members


def write_xlsx(path: Path, households: list[dict[str, Any]], members: list[dict[str, Any]]) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    for name, rows in ((HOUSEHOLD_SHEET, households), (MEMBER_SHEET, members)):
        sheet = workbook.add_worksheet(name)
        headers: list[str] = []
        for row in rows:
            headers.extend(h for h in row if h not in headers)
        for c, header in enumerate(headers):
            sheet.write_string(0, c, header)
        for r, row in enumerate(rows, start=1):
            for c, header in enumerate(headers):
                value = row.get(header, "")
                if isinstance(value, int):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    workbook.close()
    return path


def xlsx_upload(
    tmp_path: Path, *households: tuple[dict[str, Any], list[dict[str, Any]]]
) -> SimpleUploadedFile:
    pairs = households or (household_rows(),)
    path = write_xlsx(
        tmp_path / "registry.xlsx", [h for h, _ in pairs], [m for _, ms in pairs for m in ms]
    )
    return SimpleUploadedFile("户籍数据.xlsx", path.read_bytes())


def fake_outcome(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "refused": None,
        "errors": [],
        "ignored_headers": {},
        "dry_run": False,
    }
    values.update(overrides)
    return pipeline.ImportOutcome(**values)


# --- fixtures of this module --------------------------------------------------------


@pytest.fixture
def media(jobs_inline: Path) -> Path:
    return jobs_inline


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """The engine replaced by a recorder returning a clean outcome (counts 1 / 2)."""
    calls: list[dict[str, Any]] = []

    def import_files(**kwargs: Any) -> Any:
        calls.append({**kwargs, "contents": {p.name: p.read_bytes() for p in kwargs["paths"]}})
        progress = kwargs["progress"]
        progress("read", 10, 10)
        progress("validate", 10, 10)
        progress("write", 10, 10)
        return fake_outcome(dry_run=kwargs["dry_run"], households_created=1, members_created=2)

    monkeypatch.setattr(pipeline, "import_files", import_files)
    yield calls


def upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("data.xlsx", b"PK\x03\x04 not really a workbook")


def create(actor: Any, files: list[Any] | None = None, **kwargs: Any) -> ImportJob:
    options: dict[str, Any] = {
        "dry_run": False,
        "create_areas": False,
        "reason": "",
        "channel": "web",
    }
    options.update(kwargs)
    return services.import_job_create(actor=actor, files=files or [upload()], **options)


# --- creation and storage -------------------------------------------------------------


def test_create_stores_files_under_job_directory_and_runs(
    users: dict[str, Any], media: Path, engine: list[dict[str, Any]]
) -> None:
    job = create(users["village_secretary"], reason="年度调整")
    assert job.status == Status.SUCCEEDED
    assert job.file_names == ["data.xlsx"]
    assert job.file_paths == [f"imports/{job.pk}/upload.xlsx"]
    stored = media / "imports" / str(job.pk) / "upload.xlsx"
    assert engine[0]["paths"] == [stored]
    assert not stored.exists()  # personal data is not kept once the job has run
    assert job.area_prefix == factories.VILLAGE
    assert job.households_created == 1 and job.members_created == 2
    call = engine[0]
    assert call["actor"] == users["village_secretary"]
    assert call["paths"] == [stored]
    assert call["reason"] == "年度调整" and call["channel"] == "web"
    actions = list(
        AuditEvent.objects.filter(object_type="import_job", object_ids=[job.pk]).values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == sorted(
        ["import_job.create", "import_job.running", "import_job.succeeded"]
    )


def test_filenames_never_become_paths(
    users: dict[str, Any], media: Path, engine: list[dict[str, Any]]
) -> None:
    evil = SimpleUploadedFile("../../../etc/passwd.xlsx", b"PK")
    job = create(users["county_admin"], [evil])
    assert job.file_names == ["passwd.xlsx"]
    assert job.file_paths == [f"imports/{job.pk}/upload.xlsx"]
    assert not (media.parent / "etc").exists()


def test_csv_pair_stored_under_fixed_names(
    users: dict[str, Any], media: Path, engine: list[dict[str, Any]]
) -> None:
    files = [
        SimpleUploadedFile("成员.csv", b"a\n"),
        SimpleUploadedFile("户.csv", b"b\n"),
    ]
    job = create(users["county_admin"], files)
    assert sorted(Path(p).name for p in job.file_paths) == ["households.csv", "members.csv"]
    assert engine[0]["contents"] == {"members.csv": b"a\n", "households.csv": b"b\n"}


@pytest.mark.parametrize(
    "names",
    [
        ["data.xls"],
        ["data.exe"],
        ["a.csv"],
        ["households.csv", "other.csv"],
        ["a.xlsx", "b.xlsx"],
        ["households.csv", "members.csv", "x.csv"],
    ],
)
def test_wrong_file_sets_are_refused(users: dict[str, Any], media: Path, names: list[str]) -> None:
    files = [SimpleUploadedFile(n, b"x") for n in names]
    with pytest.raises(InvalidInput) as info:
        create(users["county_admin"], files)
    assert "files" in info.value.fields
    assert not ImportJob.objects.exists()


def test_no_files_refused(users: dict[str, Any], media: Path) -> None:
    with pytest.raises(InvalidInput):
        services.import_job_create(
            actor=users["county_admin"], files=[], dry_run=False, create_areas=False
        )


def test_oversize_refused_and_nothing_kept(
    users: dict[str, Any], media: Path, settings: Any
) -> None:
    settings.FUPIN_IMPORT_MAX_BYTES = 10
    with pytest.raises(InvalidInput) as info:
        create(users["county_admin"], [SimpleUploadedFile("a.xlsx", b"x" * 11)])
    assert "MB" in str(info.value.message)
    assert not ImportJob.objects.exists()


def test_oversize_caught_while_streaming_when_size_lies(
    users: dict[str, Any], media: Path, settings: Any
) -> None:
    settings.FUPIN_IMPORT_MAX_BYTES = 10
    liar = SimpleUploadedFile("a.xlsx", b"x" * 50)
    liar.size = 1
    with pytest.raises(InvalidInput):
        create(users["county_admin"], [liar])
    assert not ImportJob.objects.exists()
    assert not any((media / "imports").glob("*/upload.xlsx"))


@pytest.mark.parametrize("key", ["cadre", "auditor", "outsider"])
def test_read_only_roles_and_outsiders_may_not_import(
    users: dict[str, Any], media: Path, key: str
) -> None:
    with pytest.raises(AccessDenied):
        create(users[key])
    assert not ImportJob.objects.exists()


# --- running ----------------------------------------------------------------------------


def test_dry_run_is_validated(
    users: dict[str, Any], media: Path, engine: list[dict[str, Any]]
) -> None:
    job = create(users["county_admin"], dry_run=True)
    assert engine[0]["dry_run"] is True
    assert job.status == Status.VALIDATED


def test_errors_reject_and_write_a_report(
    users: dict[str, Any], media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors = [
        pipeline.CellError(
            sheet="成员", row=i + 2, header="证件号码", value="1", reason="校验位错误"
        )
        for i in range(250)
    ]
    monkeypatch.setattr(
        pipeline,
        "import_files",
        lambda **kw: fake_outcome(errors=errors, ignored_headers={"户": ["备注"]}),
    )
    reports: list[Path] = []

    def report(outcome: Any, raw_paths: Any, dest: Path) -> Path:
        dest.write_bytes(b"PK report")
        reports.append(dest)
        return dest

    monkeypatch.setattr(pipeline, "error_report_xlsx", report)
    job = create(users["county_admin"])
    assert job.status == Status.REJECTED
    assert job.error_count == 250
    assert len(job.errors) == services.ERRORS_KEPT
    assert job.errors[0] == {
        "sheet": "成员", "row": 2, "header": "证件号码", "value": "1", "reason": "校验位错误",
    }  # fmt: skip
    assert job.ignored_headers == {"户": ["备注"]}
    assert job.error_report == f"imports/{job.pk}/errors.xlsx"
    assert reports == [media / job.error_report]


def test_refusal_is_rejected_with_message(
    users: dict[str, Any], media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        pipeline, "import_files", lambda **kw: fake_outcome(refused="文件不是有效的 xlsx 工作簿")
    )
    job = create(users["county_admin"])
    assert job.status == Status.REJECTED
    assert job.refused == "文件不是有效的 xlsx 工作簿"
    assert job.error_report == ""


def test_engine_crash_fails_with_chinese_message_then_retry_succeeds(
    users: dict[str, Any], media: Path, monkeypatch: pytest.MonkeyPatch,
    engine: list[dict[str, Any]], caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    working = pipeline.import_files

    def boom(**kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline, "import_files", boom)
    job = create(users["village_secretary"])
    assert job.status == Status.FAILED
    assert "没有写入任何数据" in job.failure
    assert "disk on fire" not in job.failure and "Traceback" not in job.failure
    assert "disk on fire" in caplog.text  # logged for the administrator
    assert services.may_retry(users["village_secretary"], job)

    monkeypatch.setattr(pipeline, "import_files", working)
    job = services.import_job_retry(actor=users["village_secretary"], job_id=job.pk)
    assert job.status == Status.SUCCEEDED
    assert job.failure == ""
    assert job.attempts == 2
    assert AuditEvent.objects.filter(action="import_job.retry", object_ids=[job.pk]).exists()


def test_failed_job_keeps_its_uploads_to_run_again(
    users: dict[str, Any], media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = _failed_job(users["county_admin"], monkeypatch)
    assert [p.read_bytes() for p in job.absolute_paths()] == [b"PK\x03\x04 not really a workbook"]
    monkeypatch.setattr(pipeline, "import_files", lambda **kw: fake_outcome(errors=[]))
    job = services.import_job_retry(actor=users["county_admin"], job_id=job.pk)
    assert job.status == Status.SUCCEEDED
    assert not any(p.exists() for p in job.absolute_paths())


def test_run_is_not_repeated_for_finished_job(
    users: dict[str, Any], media: Path, engine: list[dict[str, Any]]
) -> None:
    job = create(users["county_admin"])
    services.import_job_run(job_id=job.pk)
    assert len(engine) == 1


def test_retry_refused_for_finished_job(
    users: dict[str, Any], media: Path, engine: list[dict[str, Any]]
) -> None:
    job = create(users["county_admin"])
    with pytest.raises(Conflict):
        services.import_job_retry(actor=users["county_admin"], job_id=job.pk)


def _failed_job(user: Any, monkeypatch: pytest.MonkeyPatch) -> ImportJob:
    def boom(**kwargs: Any) -> Any:
        raise RuntimeError("x")

    monkeypatch.setattr(pipeline, "import_files", boom)
    return create(user)


def test_retry_by_county_admin_over_the_area(
    users: dict[str, Any], media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = _failed_job(users["village_secretary"], monkeypatch)
    monkeypatch.setattr(pipeline, "import_files", lambda **kw: fake_outcome())
    assert services.may_retry(users["county_admin"], job)
    job = services.import_job_retry(actor=users["county_admin"], job_id=job.pk)
    assert job.status == Status.SUCCEEDED


@pytest.mark.parametrize("key", ["township_officer", "auditor"])
def test_retry_refused_to_others_who_see_the_job(
    users: dict[str, Any], media: Path, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    job = _failed_job(users["village_secretary"], monkeypatch)
    if key == "auditor":  # sees it, may not rerun it
        selectors.import_job_get(actor=users[key], job_id=job.pk)
        with pytest.raises(AccessDenied):
            services.import_job_retry(actor=users[key], job_id=job.pk)
    else:  # does not oversee jobs: not even found
        with pytest.raises(NotFound):
            services.import_job_retry(actor=users[key], job_id=job.pk)


@pytest.mark.parametrize("key", ["other_secretary", "outsider"])
def test_retry_of_another_areas_job_is_not_found(
    users: dict[str, Any], media: Path, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    job = _failed_job(users["village_secretary"], monkeypatch)
    with pytest.raises(NotFound):
        services.import_job_retry(actor=users[key], job_id=job.pk)


# --- a worker killed mid-run ------------------------------------------------------------


def _stuck_job(user: Any, *, minutes_ago: int) -> ImportJob:
    """A job left running by a worker that was killed."""
    started = timezone.now() - timedelta(minutes=minutes_ago)
    job = ImportJob.objects.create(
        created_by=user, area_prefix="422822", status=Status.RUNNING, started_at=started,
        file_paths=[],
    )  # fmt: skip
    services.progress_write(job, phase="write", done=5, total=10)
    stamp = started.timestamp()
    os.utime(services.progress_path(job), (stamp, stamp))
    return job


def test_running_job_whose_progress_stopped_may_be_rerun(
    users: dict[str, Any], media: Path, engine: list[dict[str, Any]]
) -> None:
    stale_minutes = int(services.STALE_AFTER.total_seconds() // 60) + 1
    job = _stuck_job(users["county_admin"], minutes_ago=stale_minutes)
    assert services.job_is_stale(job)
    assert services.may_retry(users["county_admin"], job)
    job = services.import_job_retry(actor=users["county_admin"], job_id=job.pk)
    assert job.status == Status.SUCCEEDED


def test_running_job_with_moving_progress_may_not_be_rerun(
    users: dict[str, Any], media: Path, engine: list[dict[str, Any]]
) -> None:
    job = _stuck_job(users["county_admin"], minutes_ago=120)
    services.progress_write(job, phase="write", done=6, total=10)  # it moved just now
    assert not services.job_is_stale(job)
    with pytest.raises(Conflict):
        services.import_job_retry(actor=users["county_admin"], job_id=job.pk)
    assert not engine


# --- progress ---------------------------------------------------------------------------


def test_progress_is_readable_mid_run(
    users: dict[str, Any], media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []

    def import_files(**kwargs: Any) -> Any:
        progress: Callable[[str, int, int], None] = kwargs["progress"]
        job = ImportJob.objects.get()
        assert job.status == Status.RUNNING
        progress("validate", 30, 120)
        seen.append(selectors.import_job_progress(job))
        time.sleep(services.PROGRESS_INTERVAL + 0.05)
        progress("validate", 60, 120)
        seen.append(selectors.import_job_progress(job))
        raw = json.loads(services.progress_path(job).read_text(encoding="utf-8"))
        seen.append(raw)
        return fake_outcome()

    monkeypatch.setattr(pipeline, "import_files", import_files)
    job = create(users["county_admin"])
    assert seen[0] == {"phase": "validate", "done": 30, "total": 120, "percent": 25}
    assert seen[1]["done"] == 60 and seen[1]["percent"] == 50
    assert seen[2]["phase"] == "validate" and seen[2]["total"] == 120
    # no temporary files left behind by the atomic replace
    assert not list(job.directory.glob(".progress-*"))
    assert selectors.import_job_progress(job)["percent"] == 100


def test_progress_of_pending_job_is_zero(users: dict[str, Any], media: Path) -> None:
    job = ImportJob.objects.create(created_by=users["county_admin"], area_prefix="422822")
    assert selectors.import_job_progress(job) == {"phase": "", "done": 0, "total": 0, "percent": 0}


# --- visibility -------------------------------------------------------------------------


def test_visibility(users: dict[str, Any], media: Path, engine: list[dict[str, Any]]) -> None:
    mine = create(users["village_secretary"])
    other = create(users["other_secretary"])
    admin = create(users["county_admin"])

    def visible(key: str) -> set[int]:
        return {j.pk for j in selectors.import_job_list(actor=users[key])}

    assert visible("village_secretary") == {mine.pk}
    assert visible("other_secretary") == {other.pk}
    assert visible("county_admin") == {mine.pk, other.pk, admin.pk}
    assert visible("auditor") == {mine.pk, other.pk, admin.pk}
    assert visible("township_officer") == set()
    assert visible("cadre") == set()
    assert visible("outsider") == set()
    with pytest.raises(NotFound):
        selectors.import_job_get(actor=users["village_secretary"], job_id=other.pk)


def test_real_engine_lands_a_household(users: dict[str, Any], media: Path, tmp_path: Path) -> None:
    job = create(users["village_secretary"], [xlsx_upload(tmp_path, household_rows("IMP-7"))])
    assert job.status == Status.SUCCEEDED, (job.refused, job.errors, job.failure)
    household = Household.objects.get(number="IMP-7")
    assert household.members.count() == 2
    assert job.households_created == 1
