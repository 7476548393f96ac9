from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from fupin.core.logging import PiiRedactingFilter, redact
from fupin.core.pii import mask_id_number, mask_phone
from fupin.registry.validation import FieldError, build_id_number, check_id_number


def test_masks() -> None:
    assert mask_id_number("422822199001011234") == "422822********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("") == ""


def test_log_redaction_of_ids_and_phones() -> None:
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "id %s phone %s",
        ("42282219900101123X", "13812345678"),
        None,
    )
    assert PiiRedactingFilter().filter(record)
    assert record.getMessage() == "id [已隐去] phone [已隐去]"
    assert redact("户编号 H000123") == "户编号 H000123"


def test_built_ids_validate_and_carry_sex() -> None:
    man = build_id_number("422822", date(1975, 3, 9), 13)
    woman = build_id_number("422822", date(1975, 3, 9), 14)
    assert check_id_number(man).sex == "male"
    assert check_id_number(woman).sex == "female"
    assert check_id_number(man + "11").birth_date == date(1975, 3, 9)  # disability cert
    with pytest.raises(FieldError):
        check_id_number(man[:-1] + ("X" if man[-1] != "X" else "0"))
    with pytest.raises(FieldError):
        check_id_number("4228221975030")


def _fupin(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fupin", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://root@localhost/x", "unsupported database"),
        ("postgres://localhost", "no database name"),
        ("nonsense", "not a valid database address"),
    ],
)
def test_wrong_database_url_fails_at_start_with_a_clear_message(url: str, says: str) -> None:
    result = _fupin("check", DATABASE_URL=url)
    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    code = (
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-m", "fupin", "shell", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "FUPIN_DATA_DIR": str(tmp_path)},
        check=False,
    )
    assert result.stdout.strip().splitlines()[-1] == "wal", result.stderr
    assert (tmp_path / "fupin.sqlite3").exists()


def test_models_and_migrations_agree(db: None) -> None:
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
