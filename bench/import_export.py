"""Benchmark of the registry exchange: import of CSV and xlsx files into an empty registry
(areas present), and export of the same, on SQLite or PostgreSQL.

    .venv/bin/python bench/import_export.py --db sqlite --households 100000
    .venv/bin/python bench/import_export.py --db postgres --households 1000000 --formats csv

The files are generated directly (tests/exchange/helpers.py: a valid registry built with
frame expressions, about three members per household), cached under bench/var-exchange/.
Each step runs as its own ``fupin`` process; its wall time and peak RSS (from wait4's
rusage of that very process) are reported.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import BENCH_DIR, PG_SERVER, machine, pg_drop

FUPIN = str(Path(sys.executable).parent / "fupin")
GOALS = {"csv": 60.0, "xlsx": 120.0}
MEMORY_GOAL_MB = 3 * 1024


def _env(db: str, name: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FUPIN_DATA_DIR")}
    env.update(FUPIN_DEBUG="0", FUPIN_SECRET_KEY="bench-exchange", FUPIN_LOG_LEVEL="WARNING",
               FUPIN_IMPORT_MAX_BYTES=str(8 * 1024**3))  # fmt: skip
    if db == "sqlite":
        env["FUPIN_DATA_DIR"] = str(BENCH_DIR / f"var-{name}")
    else:
        env["DATABASE_URL"] = f"{PG_SERVER}/{name}"
        env["FUPIN_DATA_DIR"] = str(BENCH_DIR / "var-pg")
    return env


def _fresh(db: str, name: str) -> dict[str, str]:
    if db == "sqlite":
        shutil.rmtree(BENCH_DIR / f"var-{name}", ignore_errors=True)
    else:
        import psycopg

        pg_drop(name)
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    env = _env(db, name)
    subprocess.run([FUPIN, "migrate", "-v0"], env=env, check=True)
    from tests import factories

    areas = BENCH_DIR / "var-exchange" / "areas.csv"
    areas.parent.mkdir(parents=True, exist_ok=True)
    with areas.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name"])
        writer.writerows(factories.AREAS)
    subprocess.run([FUPIN, "load_areas", str(areas)], env=env, check=True, capture_output=True)
    return env


def _measure(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB of that process, and its last output line."""
    started = time.monotonic()
    process = subprocess.Popen(
        [FUPIN, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"fupin {' '.join(args)} failed:\n{output[-3000:]}")
    last = [line for line in output.splitlines() if line.strip()][-1:] or [""]
    return seconds, usage.ru_maxrss / 1024, last[0]


def _files(households: int, fmt: str) -> list[Path]:
    from tests import factories
    from tests.exchange.helpers import synthetic_csv, synthetic_xlsx

    villages = [
        factories.VILLAGE,
        factories.OTHER_VILLAGE_SAME_TOWNSHIP,
        factories.OTHER_TOWNSHIP_VILLAGE,
    ]
    directory = BENCH_DIR / "var-exchange" / str(households)
    if fmt == "csv":
        paths = [directory / "households.csv", directory / "members.csv"]
        if not all(p.exists() for p in paths):
            synthetic_csv(directory, households, villages)
        return paths
    path = directory / "registry.xlsx"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        synthetic_xlsx(path, households, villages)
    return [path]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument(
        "--reimport",
        action="store_true",
        help="also time importing the same file again (nothing changes)",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    os.environ.setdefault("FUPIN_DATA_DIR", str(BENCH_DIR / "var-exchange" / "scratch"))
    import django

    django.setup()
    label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[args.db]
    rows = []
    for fmt in args.formats.split(","):
        started = time.monotonic()
        paths = _files(args.households, fmt)
        size = sum(p.stat().st_size for p in paths) / 1024**2
        print(
            f"# files {fmt}: {size:.0f} MB ({time.monotonic() - started:.0f} s to make)", flush=True
        )
        name = f"exchange-{args.db}-{args.households}-{fmt}"
        env = _fresh(args.db, name)
        seconds, rss, last = _measure(["import", *map(str, paths), "--quiet-progress"], env)
        goal = GOALS[fmt]
        mark = "" if seconds <= goal and rss <= MEMORY_GOAL_MB else " ✗"
        rows.append(
            f"| {label} | {args.households:,} | import {fmt} | {seconds:.1f}{mark} | {rss:,.0f} | {goal:.0f} s |"
        )
        print(rows[-1], "#", last, flush=True)
        if args.reimport:
            seconds, rss, last = _measure(["import", *map(str, paths), "--quiet-progress"], env)
            rows.append(
                f"| {label} | {args.households:,} | re-import {fmt} (unchanged) | {seconds:.1f} | {rss:,.0f} | – |"
            )
            print(rows[-1], "#", last, flush=True)
        if not args.no_export:
            out = BENCH_DIR / "var-exchange" / f"out-{name}"
            shutil.rmtree(out, ignore_errors=True)
            seconds, rss, last = _measure(["export", str(out), "--format", fmt], env)
            rows.append(
                f"| {label} | {args.households:,} | export {fmt} | {seconds:.1f} | {rss:,.0f} | – |"
            )
            print(rows[-1], "#", last, flush=True)
        if args.db == "postgres":
            pg_drop(name)
        else:
            shutil.rmtree(BENCH_DIR / f"var-{name}", ignore_errors=True)
    print(f"\nMachine: {machine()}")
    print("| database | households | step | seconds | peak RSS MB | goal |")
    print("|---|---:|---|---:|---:|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
