"""The database, uploads, evidence, exports and progress files are the owner's alone
(0600 files, 0700 directories), made through the real code paths with a permissive umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.exchange.conftest import IMMEDIATE


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The common 022: without fupin's own care, files would be readable by everyone."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _fupin(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FUPIN_DATA_DIR")}
    return subprocess.run(
        [sys.executable, "-m", "fupin", *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=300,
        check=False,
        preexec_fn=lambda: os.umask(0o022),
    )


def test_the_console_command_makes_a_private_data_dir_and_database(tmp_path: Path) -> None:
    data = tmp_path / "var" / "county"
    result = _fupin("migrate", "--no-input", env={"FUPIN_DATA_DIR": str(data)})
    assert result.returncode == 0, result.stderr
    assert mode(data) == 0o700 and mode(data.parent) == 0o700
    database = data / "fupin.sqlite3"
    assert mode(database) == 0o600
    for name in ("secret_key", "fupin.sqlite3-wal", "fupin.sqlite3-shm"):
        if (data / name).exists():
            assert mode(data / name) == 0o600, name
    # and the process itself creates everything private
    probe = _fupin(
        "shell", "-c", "import os; print(oct(os.umask(0)))", env={"FUPIN_DATA_DIR": str(data)}
    )
    assert probe.stdout.strip().splitlines()[-1] == "0o77", probe.stderr


def test_an_old_world_readable_database_is_made_private_on_connecting(tmp_path: Path) -> None:
    data = tmp_path / "old"
    data.mkdir(mode=0o755)
    (data / "fupin.sqlite3").touch(mode=0o644)
    os.chmod(data / "fupin.sqlite3", 0o644)
    result = _fupin("check", "--database", "default", env={"FUPIN_DATA_DIR": str(data)})
    assert result.returncode == 0, result.stderr
    _fupin("showmigrations", env={"FUPIN_DATA_DIR": str(data)})  # connects
    assert mode(data / "fupin.sqlite3") == 0o600 and mode(data) == 0o700


def test_the_wsgi_entry_sets_a_private_umask(tmp_path: Path) -> None:
    code = "import os, fupin.wsgi; print(oct(os.umask(0)))"
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**clean, "FUPIN_DATA_DIR": str(tmp_path / "w")},
        timeout=120,
        check=False,
    )
    assert result.stdout.strip() == "0o77", result.stderr


@pytest.mark.django_db
def test_uploads_and_progress_are_private(
    open_umask: None, settings: Any, tmp_path: Path, users: dict[str, Any], monkeypatch: Any
) -> None:
    from fupin.exchange import pipeline, services

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = IMMEDIATE
    seen: dict[str, int] = {}

    def import_files(**kwargs: Any) -> Any:
        for path in kwargs["paths"]:
            seen[path.name] = mode(path)
            seen["job dir"] = mode(path.parent)
        kwargs["progress"]("read", 1, 1)
        seen["progress"] = mode(path.parent / services.PROGRESS_FILE)
        raise RuntimeError("stop here")  # a failed job keeps its upload

    monkeypatch.setattr(pipeline, "import_files", import_files)
    job = services.import_job_create(
        actor=users["village_secretary"],
        files=[SimpleUploadedFile("data.xlsx", b"PK\x03\x04 ...")],
        dry_run=False,
        create_areas=False,
        reason="",
        channel="web",
    )
    assert seen == {"upload.xlsx": 0o600, "job dir": 0o700, "progress": 0o600}
    assert mode(Path(settings.MEDIA_ROOT)) == 0o700
    assert mode(Path(settings.MEDIA_ROOT) / "imports") == 0o700
    assert job.directory.exists() and mode(job.directory) == 0o700


def test_evidence_files_are_private(open_umask: None, settings: Any, tmp_path: Path) -> None:
    from fupin.procedures import evidence

    settings.MEDIA_ROOT = tmp_path / "media"
    checked = evidence.check(SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n"))
    relative = evidence.store(7, checked)
    path = Path(settings.MEDIA_ROOT) / relative
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700 and mode(Path(settings.MEDIA_ROOT)) == 0o700


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_are_private(
    open_umask: None, tmp_path: Path, users: dict[str, Any], household: Any, fmt: str
) -> None:
    from fupin.accounts.scope import scope_for
    from fupin.exchange.export import export_files

    user = users["village_secretary"]
    paths = export_files(
        actor=user,
        scope=scope_for(user),
        filters=None,
        fmt=fmt,
        dest_dir=tmp_path / "out",  # type: ignore[arg-type]
    )
    assert paths and all(mode(p) == 0o600 for p in paths)
    assert mode(tmp_path / "out") == 0o700


def test_policy_progress_is_private(open_umask: None, settings: Any, tmp_path: Path) -> None:
    from fupin.policy import services

    settings.DATA_DIR = tmp_path / "data"
    services.progress_write(1, phase="read", done=0, total=1)
    assert mode(services.progress_path(1)) == 0o600
    assert mode(services.progress_path(1).parent) == 0o700
