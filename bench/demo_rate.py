"""Households per second of the demo generator, into a fresh scratch database.

    .venv/bin/python bench/demo_rate.py --households 100000 --db sqlite [--write-readme]

SQLite goes to bench/var-rate/ and PostgreSQL to the database fupin_bench_rate; both are
dropped first, so every run measures a build into an empty database. (The builds that
bench/list_page.py makes for its own databases are recorded the same way.)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_DIR, configure, pg_drop, setup_django


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), required=True)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    if args.db == "sqlite":
        shutil.rmtree(BENCH_DIR / "var-rate", ignore_errors=True)
    else:
        pg_drop("fupin_bench_rate")
    configure(args.db, "rate" if args.db == "sqlite" else "fupin_bench_rate")
    setup_django()
    from django.core.management import call_command

    started = time.monotonic()
    call_command(
        "demo", "--households", str(args.households), "--seed", str(args.seed), "--no-serve"
    )
    seconds = time.monotonic() - started
    print(
        f"{args.db}: {args.households:,} households in {seconds:,.1f} s = "
        f"{args.households / seconds:,.0f} households/s"
    )
    if args.write_readme:
        from list_page import load_results, record_build, write_readme

        record_build(args.db, args.households, seconds)
        write_readme(load_results())
    return 0


if __name__ == "__main__":
    sys.exit(main())
