"""Latency of the household list page and the API's first page on a big demo county.

    .venv/bin/python bench/list_page.py --households 100000 --db sqlite [--requests 200]
    .venv/bin/python bench/list_page.py --households 1000000 --db postgres --write-readme

The database is built once with the demo generator (SQLite under bench/var-sqlite-N/,
PostgreSQL in the database fupin_bench_N) and reused afterwards. Requests go through
Django's test Client in-process, as the county admin, so the figures are Django + the
database without a network or a WSGI server in between. Each case runs a few warm-up
requests, then ``--requests`` timed ones; p50 and p95 are of those.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_DIR, configure, machine, setup_django

GOAL_P95_MS = 150.0
DEEP_PAGES = 50
RESULTS = BENCH_DIR / "results.json"
README = BENCH_DIR / "README.md"
MARK_BEGIN = "<!-- results:begin -->"
MARK_END = "<!-- results:end -->"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, required=True)
    parser.add_argument("--db", choices=("sqlite", "postgres"), required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--only", default="", help="comma-separated case names to run")
    parser.add_argument(
        "--write-readme",
        action="store_true",
        help="record the figures in bench/results.json and bench/README.md",
    )
    args = parser.parse_args()

    name = f"sqlite-{args.households}" if args.db == "sqlite" else f"fupin_bench_{args.households}"
    where = configure(args.db, name)
    setup_django()
    print(f"database: {where}")
    ensure_county(args.households, args.seed, args.db)

    cases = make_cases()
    only = {c for c in args.only.split(",") if c}
    rows = []
    for case_name, (path, headers, check) in cases.items():
        if only and case_name not in only:
            continue
        p50, p95 = measure(path, headers, check, args.requests, args.warmup)
        rows.append(
            {
                "database": "SQLite" if args.db == "sqlite" else "PostgreSQL",
                "households": args.households,
                "page": case_name,
                "path": path,
                "p50": p50,
                "p95": p95,
                "requests": args.requests,
            }
        )
        flag = "" if p95 <= GOAL_P95_MS else f"  > goal {GOAL_P95_MS:.0f} ms"
        print(f"{case_name:<28} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms{flag}   {path}", flush=True)
    if args.write_readme:
        record(rows)
    return 0


def ensure_county(households: int, seed: int, db: str) -> None:
    from django.core.management import call_command
    from django.db import connection

    from fupin.demo import generator

    if generator.county_exists():
        have = generator.county_households()
        if have != households:
            sys.exit(
                f"this bench database holds {have:,} households, not {households:,}; "
                "drop it (see bench/README.md) and run again"
            )
        print(f"reusing the demo county: {have:,} households")
        return
    started = time.monotonic()
    call_command("demo", "--households", str(households), "--seed", str(seed), "--no-serve")
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        # PostgreSQL's autovacuum would analyse the new tables within a minute; do it now
        # so the first measurement sees the plans a running system has.
        cursor.execute("ANALYZE")
    record_build(db, households, seconds)


def record_build(db: str, households: int, seconds: float) -> None:
    data = load_results()
    data.setdefault("builds", {})[f"{db}-{households}"] = {
        "database": "SQLite" if db == "sqlite" else "PostgreSQL",
        "households": households,
        "seconds": round(seconds, 1),
        "rate": round(households / seconds),
        "date": date.today().isoformat(),
        "machine": machine(),
    }
    RESULTS.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


Check = Callable[[Any], None]


def make_cases() -> dict[str, tuple[str, dict[str, str], Check]]:
    """The pages to time, as the county admin sees them."""
    from django.contrib.auth import get_user_model

    from fupin.accounts.scope import scope_for
    from fupin.accounts.services import api_token_create
    from fupin.areas.models import Area
    from fupin.registry import selectors
    from fupin.registry.models import Household, Member

    admin = get_user_model().objects.get(username="county_admin")
    _token, key = api_token_create(actor=None, user=admin, name="bench")
    api = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    scope = scope_for(admin)

    cursor = ""
    for _ in range(DEEP_PAGES):
        page = selectors.household_page(scope=scope, cursor=cursor)
        assert page.next_cursor, "the county is too small for a deep page"
        cursor = page.next_cursor

    # A village in the middle of the county, and a status a few per cent of it have.
    villages = list(
        Area.objects.filter(level=Area.Level.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    village = villages[len(villages) // 2]
    status = "monitored"
    # A head in the middle of the registry: search by the initials of their name and
    # by the last six digits of their ID, as a cadre with a paper list would.
    middle = Household.objects.order_by("id").values_list("id", flat=True)[
        Household.objects.count() // 2
    ]
    head = (
        Member.objects.filter(
            household_id__gte=middle, relation="head", name_initials__regex=r"^[a-z]{3}$"
        )
        .order_by("household_id")
        .first()
    )
    assert head is not None
    initials = head.name_initials
    digits = head.id_number[-6:]

    def ok_html(response: Any) -> None:
        assert response.status_code == 200, response.status_code
        assert b"<table" in response.content or b"<tr" in response.content

    def ok_json(response: Any) -> None:
        assert response.status_code == 200, (response.status_code, response.content[:300])
        assert response.json()["items"], "empty page"

    web = {}
    return {
        "web first page": ("/households/", web, ok_html),
        f"web page {DEEP_PAGES + 1} (keyset)": (f"/households/?cursor={cursor}", web, ok_html),
        "web status+village": (f"/households/?status={status}&area={village}", web, ok_html),
        "web search initials": (f"/households/?q={initials}", web, ok_html),
        "web search ID last 6": (f"/households/?q={digits}", web, ok_html),
        "api first page": ("/api/households?limit=20", api, ok_json),
        f"api page {DEEP_PAGES + 1} (keyset)": (
            f"/api/households?limit=20&cursor={cursor}",
            api,
            ok_json,
        ),
        "api status+village": (
            f"/api/households?limit=20&status={status}&area_code={village}",
            api,
            ok_json,
        ),
        "api search initials": (f"/api/households?limit=20&q={initials}", api, ok_json),
        "api search ID last 6": (f"/api/households?limit=20&q={digits}", api, ok_json),
    }


def measure(
    path: str, headers: dict[str, str], check: Check, requests: int, warmup: int
) -> tuple[float, float]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    if not headers:
        client.force_login(get_user_model().objects.get(username="county_admin"))
    for _ in range(warmup):
        check(client.get(path, **headers))  # type: ignore[arg-type]
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, **headers)  # type: ignore[arg-type]
        times.append((time.perf_counter() - started) * 1000)
        check(response)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    return statistics.median(times), p95


def load_results() -> dict[str, Any]:
    if RESULTS.exists():
        data: dict[str, Any] = json.loads(RESULTS.read_text())
        return data
    return {}


def record(rows: list[dict[str, Any]]) -> None:
    data = load_results()
    table = data.setdefault("latency", {})
    for row in rows:
        row["date"] = date.today().isoformat()
        row["machine"] = machine()
        key = f"{row['database']}|{row['households']}|{row['page']}"
        table[key] = row
    RESULTS.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    write_readme(data)


def _page_order(page: str) -> int:
    for i, prefix in enumerate(
        (
            "web first",
            "web page",
            "web status",
            "web search initials",
            "web search ID",
            "api first",
            "api page",
            "api status",
            "api search initials",
            "api search ID",
        )
    ):
        if page.startswith(prefix):
            return i
    return 99


def write_readme(data: dict[str, Any]) -> None:
    lines = [
        "| database | households | page | p50 ms | p95 ms | requests | date |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    rows = sorted(
        data.get("latency", {}).values(),
        key=lambda r: (r["database"], r["households"], _page_order(r["page"])),
    )
    for r in rows:
        p95 = f"{r['p95']:.1f}" + ("" if r["p95"] <= GOAL_P95_MS else " ✗")
        lines.append(
            f"| {r['database']} | {r['households']:,} | {r['page']} | "
            f"{r['p50']:.1f} | {p95} | {r['requests']} | {r['date']} |"
        )
    lines += [
        "",
        "Demo generation (`fupin demo --no-serve`, into an empty database):",
        "",
        "| database | households | seconds | households/s | date |",
        "|---|---:|---:|---:|---|",
    ]
    for b in sorted(
        data.get("builds", {}).values(), key=lambda b: (b["database"], b["households"])
    ):
        lines.append(
            f"| {b['database']} | {b['households']:,} | {b['seconds']:,.0f} | "
            f"{b['rate']:,} | {b['date']} |"
        )
    machines = sorted(
        {r["machine"] for r in rows} | {b["machine"] for b in data.get("builds", {}).values()}
    )
    lines += ["", f"Machine: {'; '.join(machines)}."]
    text = README.read_text() if README.exists() else f"{MARK_BEGIN}\n{MARK_END}\n"
    head, _, rest = text.partition(MARK_BEGIN)
    _, _, tail = rest.partition(MARK_END)
    README.write_text(f"{head}{MARK_BEGIN}\n" + "\n".join(lines) + f"\n{MARK_END}{tail}")


if __name__ == "__main__":
    sys.exit(main())
