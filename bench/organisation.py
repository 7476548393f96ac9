"""Latency of the organisation pages and the first-secretary solver on a demo county.

    .venv/bin/python bench/organisation.py --households 20000 --db sqlite [--requests 20]
    .venv/bin/python bench/organisation.py --households 20000 --db postgres

Uses the same databases as bench/list_page.py (built once with the demo generator and
reused). Pages are requested in-process as the county admin, whose scope is the whole
county; the solver is timed through ``round_solve`` on the demo's matching round
(scoring every candidate × village pair, then the exact assignment), ``--requests``
times. Figures are printed; nothing is written unless ``--write-readme`` is given, which
adds them to bench/results.json under "organisation".
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import configure, machine, setup_django
from list_page import RESULTS, ensure_county, load_results, measure


def _ok(response: Any) -> None:
    assert response.status_code == 200, response.status_code


def cases() -> dict[str, str]:
    from fupin.command.models import Leader
    from fupin.matching.models import MatchRound
    from fupin.party.models import PartyMember

    leader = Leader.objects.filter(level="county").order_by("pk").first()
    member = PartyMember.objects.filter(cadre__isnull=False).order_by("pk").first()
    rnd = MatchRound.objects.order_by("-pk").first()
    out = {
        "HQ chart": "/command/",
        "contact points + violations": "/command/contacts/",
        "party organisations": "/party/",
        "vanguard, one township": "/party/vanguard/",
        "vanguard, whole county": "/party/vanguard/?area=all",
        "leadership overview": "/leadership/",
        "building check": "/leadership/building/",
        "untrained this year": "/leadership/trainings/untrained/",
    }
    if leader:
        out["leader page"] = f"/command/leaders/{leader.pk}/"
    if member:
        out["member file"] = f"/party/members/{member.pk}/"
    if rnd:
        out["matching round"] = f"/matching/rounds/{rnd.pk}/"
    return out


def solve_times(requests: int) -> tuple[float, float, int, int] | None:
    from fupin.matching import services
    from fupin.matching.models import MatchRound

    rnd = MatchRound.objects.order_by("-pk").first()
    if rnd is None:
        return None
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        services.round_solve(actor=None, round_id=rnd.pk)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    return statistics.median(times), p95, len(rnd.villages), rnd.candidates.count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, required=True)
    parser.add_argument("--db", choices=("sqlite", "postgres"), required=True)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()

    name = f"sqlite-{args.households}" if args.db == "sqlite" else f"fupin_bench_{args.households}"
    print(f"database: {configure(args.db, name)}")
    setup_django()
    ensure_county(args.households, args.seed, args.db)
    database = "SQLite" if args.db == "sqlite" else "PostgreSQL"
    rows = []
    for label, path in cases().items():
        p50, p95 = measure(path, {}, _ok, args.requests, 2)
        rows.append({"case": label, "path": path, "p50": p50, "p95": p95})
        print(f"{label:<30} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   {path}", flush=True)
    solved = solve_times(max(3, args.requests // 4))
    if solved:
        p50, p95, villages, candidates = solved
        label = f"solve ({villages} villages × {candidates} candidates)"
        rows.append({"case": label, "path": "round_solve", "p50": p50, "p95": p95})
        print(f"{label:<30} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms", flush=True)
    if args.write_readme:
        data = load_results()
        data.setdefault("organisation", {})[f"{database}-{args.households}"] = {
            "date": date.today().isoformat(),
            "machine": machine(),
            "requests": args.requests,
            "rows": rows,
        }
        RESULTS.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
