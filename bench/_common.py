"""Shared set-up of the benchmark scripts: one database per (engine, size), outside
the developer's own ``var/``; Django configured from the environment like ``fupin``."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
PG_SERVER = os.environ.get("FUPIN_BENCH_PG", "postgres://postgres@localhost:5432")


def configure(db: str, name: str) -> str:
    """Point the settings at the bench database ``name``; returns a description.

    Must run before Django is set up. Benchmarks run like production: debug off.
    """
    os.environ["FUPIN_DEBUG"] = "0"
    os.environ.setdefault("FUPIN_SECRET_KEY", "bench-" + secrets.token_urlsafe(32))
    os.environ.setdefault("FUPIN_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    if db not in ("sqlite", "postgres"):
        sys.exit(f"unknown --db {db}; use sqlite or postgres")
    data_dir = BENCH_DIR / (f"var-{name}" if db == "sqlite" else "var-pg")
    # whitenoise warns at every start when STATIC_ROOT is missing
    (data_dir / "static").mkdir(parents=True, exist_ok=True)
    os.environ["FUPIN_DATA_DIR"] = str(data_dir)
    if db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        return str(data_dir / "fupin.sqlite3")
    _pg_create(name)
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{name}"
    return os.environ["DATABASE_URL"]


def _pg_create(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def pg_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def machine() -> str:
    cores = os.cpu_count() or 0
    try:
        kb = int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
        memory = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, StopIteration, ValueError):
        memory = "? GB"
    return f"{cores} cores, {memory}"
