"""Killing ``fupin import`` in the middle of its write leaves the registry exactly as it
was; importing again afterwards succeeds. Runs against a file-based SQLite database, or a
scratch PostgreSQL database when the suite runs on PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests import factories
from tests.exchange.helpers import TABLES, household_pair, synthetic_csv, write_csv_pair

FUPIN = str(Path(sys.executable).parent / "fupin")
BIG = 20_000


def _digest_of(conn: Any) -> str:
    h = hashlib.sha256()
    cursor = conn.cursor()
    for table in TABLES:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608
        for row in cursor.fetchall():
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


@pytest.fixture
def scratch(tmp_path: Path, db: Any) -> Iterator[tuple[dict[str, str], Any]]:
    """An environment for subprocesses pointing at a fresh, migrated database, and a
    function opening a DB-API connection to it."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FUPIN_DATA_DIR")}
    env["FUPIN_DATA_DIR"] = str(tmp_path / "data")
    env["FUPIN_DEBUG"] = "1"
    name = ""
    if connection.vendor == "postgresql":
        import psycopg

        params = connection.settings_dict
        name = f"fupin_kill_{uuid.uuid4().hex[:10]}"
        admin = dict(host=params["HOST"] or "localhost", port=params["PORT"] or 5432,
                     user=params["USER"], password=params["PASSWORD"] or None)  # fmt: skip
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        auth = admin["user"] + (f":{admin['password']}" if admin["password"] else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{admin['host']}:{admin['port']}/{name}"

        def connect() -> Any:
            return psycopg.connect(dbname=name, **admin)
    else:
        import sqlite3

        def connect() -> Any:
            return sqlite3.connect(tmp_path / "data" / "fupin.sqlite3")

    subprocess.run([FUPIN, "migrate", "-v0"], env=env, check=True, timeout=300)
    areas_csv = tmp_path / "areas.csv"
    with areas_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name"])
        writer.writerows(factories.AREAS)
    subprocess.run([FUPIN, "load_areas", str(areas_csv)], env=env, check=True, timeout=120,
                   capture_output=True)  # fmt: skip
    try:
        yield env, connect
    finally:
        if name:
            import psycopg

            with psycopg.connect(dbname="postgres", autocommit=True, **admin) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_killed_import_leaves_the_registry_as_it_was(tmp_path: Path, scratch: Any) -> None:
    env, connect = scratch
    # Something already in the registry, so that "as before" is not just "empty".
    h, m = household_pair("K1")
    small = write_csv_pair(tmp_path / "small", [h], m)
    subprocess.run([FUPIN, "import", *map(str, small)], env=env, check=True, timeout=120,
                   capture_output=True)  # fmt: skip
    with connect() as conn:
        before = _digest_of(conn)
    big = synthetic_csv(
        tmp_path / "big", BIG, [factories.VILLAGE, factories.OTHER_VILLAGE_SAME_TOWNSHIP]
    )
    process = subprocess.Popen([FUPIN, "import", *map(str, big)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert process.stdout is not None
    seen = []
    killed_in_write = False
    for line in process.stdout:
        seen.append(line.strip())
        phase, _space, counts = line.strip().partition(" ")
        if phase == "write" and int(counts.split("/")[0]) > 0:
            # Rows are being written inside the transaction: kill without warning.
            process.send_signal(signal.SIGKILL)
            killed_in_write = True
            break
    process.wait(timeout=60)
    assert killed_in_write, (seen, process.stderr.read() if process.stderr else "")
    assert process.returncode == -signal.SIGKILL
    time.sleep(0.2)
    with connect() as conn:
        assert _digest_of(conn) == before
    again = subprocess.run([FUPIN, "import", *map(str, big), "--quiet-progress"], env=env,
                           capture_output=True, text=True, timeout=600)  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    with connect() as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT COUNT(*) FROM registry_household")
        assert cursor.fetchone()[0] == BIG + 1
