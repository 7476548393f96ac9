"""Benchmark of ``fupin load_areas`` on a national area tree of the real shape and size.

    .venv/bin/python bench/areas.py --db sqlite
    .venv/bin/python bench/areas.py --db postgres
    .venv/bin/python bench/areas.py --db both --scale 0.1     # a tenth of the nation

The tree is synthetic but shaped like the 2023 统计用区划代码: 34 provinces, about 333
prefectures (东莞 441900, 中山 442000 and 儋州 460400 among them, with their townships
straight under the prefecture), 2,844 counties, 38,600 townships and 620,000 villages
(one in five a registered poor village, with the poor_since/exited_in columns), Chinese
names. It is written once to bench/var-areas/ and loaded into a fresh database (SQLite
under bench/var-areas-sqlite/, PostgreSQL database fupin_bench_areas) by the real command,
each load its own ``fupin`` process; seconds are wall time, memory that process's peak RSS
(from ``os.wait4``). Then the same file is loaded again with 1% of the villages renamed and
1,000 new villages (the yearly update), and once more with one wrong row per 10,000 (every
one reported, nothing written). Goals (issue 13): ≤ 30 s and ≤ 1 GB at 665k rows.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import BENCH_DIR, PG_SERVER, machine, pg_drop

FUPIN = str(Path(sys.executable).parent / "fupin")
PG_NAME = "fupin_bench_areas"
PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45,
             46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82]  # fmt: skip
# The prefecture-level cities without counties, with some of their real townships.
COUNTYLESS = {
    "4419": ("东莞市", ["东城街道", "南城街道", "万江街道", "莞城街道", "石碣镇", "石龙镇"]),
    "4420": ("中山市", ["石岐街道", "东区街道", "火炬开发区街道", "西区街道", "南区街道"]),
    "4604": ("儋州市", ["那大镇", "和庆镇", "南丰镇", "大成镇", "雅星镇", "兰洋镇"]),
}
SHAPE = {"prefecture": 333, "county": 2844, "township": 38600, "village": 620000}
SYLLABLES = (
    "东南西北中安平宁和兴华阳山河湖江海泉林石桥新城清水永丰福康乐长庆明光龙凤白云青松柏梅"
    "竹兰金银玉花溪岭峰坪湾塘沟坝源田家庄营屯堡寨集铺店口岗坡洼台沙滩州洲浦港"
)


def _spread(total: int, parts: int, rng: random.Random) -> list[int]:
    """``parts`` positive counts summing to ``total``, uneven like the real tree."""
    weights = [rng.uniform(0.4, 1.6) for _ in range(parts)]
    scale = total / sum(weights)
    counts = [max(1, round(w * scale)) for w in weights]
    counts[-1] = max(1, counts[-1] + total - sum(counts))
    return counts


def _name(rng: random.Random, suffix: str, length: int = 2) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(length)) + suffix


def _villages(
    rng: random.Random, township: str, count: int
) -> Iterator[tuple[str, str, str, str, str]]:
    for v in range(count):
        # 社区 (001…) first, then 村 (200…), as in the real codes
        community = v < count // 5
        number = v + 1 if community else 200 + v - count // 5
        code = f"{township[:9]}{number:03d}"
        if community:
            yield code, _name(rng, "社区居委会"), "", "", ""
            continue
        poor = rng.random() < 0.25
        exited = str(rng.randint(2016, 2020)) if poor and rng.random() < 0.97 else ""
        yield code, _name(rng, "村委会"), "", ("2014" if poor else ""), exited


def _townships(rng: random.Random, parent: str, count: int) -> Iterator[tuple[int, str, str]]:
    for t in range(count):
        kind = rng.random()
        if kind < 0.25:
            number, suffix = t + 1, "街道"
        elif kind < 0.75:
            number, suffix = 100 + t, "镇"
        else:
            number, suffix = 200 + t, "乡"
        yield number, f"{parent}{number:03d}000", _name(rng, suffix)


def national_rows(scale: float, seed: int = 2023) -> Iterator[tuple[str, str, str, str, str]]:
    """(code, name, level, poor_since, exited_in) of a synthetic national tree."""
    rng = random.Random(seed)
    n = {k: max(1, round(v * scale)) for k, v in SHAPE.items()}
    prefectures = _spread(
        max(n["prefecture"] - len(COUNTYLESS), len(PROVINCES)), len(PROVINCES), rng
    )
    counties = iter(_spread(n["county"], sum(prefectures), rng))
    townships = iter(_spread(n["township"], n["county"], rng))
    villages_per_township = n["village"] / n["township"]
    for province, count in zip(PROVINCES, prefectures, strict=True):
        yield f"{province}0000000000", _name(rng, "省"), "省", "", ""
        taken = {code[2:4] for code in COUNTYLESS if code.startswith(str(province))}
        numbers = [f"{i:02d}" for i in range(1, 100) if f"{i:02d}" not in taken][:count]
        numbers += sorted(taken)
        for number in sorted(numbers):
            prefecture = f"{province}{number}"
            if prefecture in COUNTYLESS:
                pref_name, towns = COUNTYLESS[prefecture]
                yield f"{prefecture}00000000", pref_name, "", "", ""
                for t, town in enumerate(towns):
                    code = f"{prefecture}00{(t + 1 if town.endswith('街道') else 100 + t):03d}000"
                    yield code, town, "", "", ""
                    yield from _villages(rng, code, round(villages_per_township))
                continue
            yield f"{prefecture}00000000", _name(rng, "市"), "", "", ""
            for c in range(next(counties, 1)):
                county = f"{prefecture}{c + 1:02d}"
                yield f"{county}000000", _name(rng, "县" if c % 3 else "区"), "", "", ""
                for _number, code, town in _townships(rng, county, next(townships, 1)):
                    yield code, town, "", "", ""
                    count = max(1, round(rng.uniform(0.5, 1.5) * villages_per_township))
                    yield from _villages(rng, code, count)


def write_file(path: Path, rows: Iterator[tuple[str, str, str, str, str]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["code", "name", "level", "poor_since", "exited_in"])
        for row in rows:
            out.writerow(row)
            written += 1
    return written


def _update(source: Path, dest: Path) -> tuple[int, int]:
    """The yearly update: 1% of the villages renamed, 1,000 new villages. Returns the
    numbers renamed and added."""
    rng = random.Random(7)
    renamed = added = 0
    with (
        source.open(encoding="utf-8", newline="") as inp,
        dest.open("w", encoding="utf-8", newline="") as out,
    ):
        reader, writer = csv.reader(inp), csv.writer(out)
        writer.writerow(next(reader))
        for row in reader:
            code = row[0]
            if code[9:] != "000" and rng.random() < 0.01:
                row[1] = "新" + row[1]
                renamed += 1
            writer.writerow(row)
            if code.endswith("000") and code[9:] == "000" and code[6:] != "000000" and added < 1000:
                writer.writerow([code[:9] + "499", "新设村委会", "", "", ""])
                added += 1
    return renamed, added


def _wrong(source: Path, dest: Path) -> int:
    """A village after every 10,000 rows with its code spoilt or its township missing."""
    wrong = 0
    with (
        source.open(encoding="utf-8", newline="") as inp,
        dest.open("w", encoding="utf-8", newline="") as out,
    ):
        reader, writer = csv.reader(inp), csv.writer(out)
        writer.writerow(next(reader))
        for i, row in enumerate(reader):
            due = (i + 1) // 10_000 > wrong
            if due and row[0][9:] != "000":  # the next village after every 10,000 rows
                spoilt = row[0][:9] + "x" + row[0][10:]  # a malformed code
                missing = row[0][:6] + "999" + row[0][9:]  # a village of no township
                row[0] = spoilt if wrong % 2 else missing
                wrong += 1
            writer.writerow(row)
    return wrong


def _env(db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FUPIN_DATA_DIR")}
    env.update(FUPIN_DEBUG="0", FUPIN_SECRET_KEY="bench-areas", FUPIN_LOG_LEVEL="WARNING")
    if db == "sqlite":
        env["FUPIN_DATA_DIR"] = str(BENCH_DIR / "var-areas-sqlite")
    else:
        env["DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
        env["FUPIN_DATA_DIR"] = str(BENCH_DIR / "var-pg")
    return env


def _fresh(db: str) -> dict[str, str]:
    if db == "sqlite":
        shutil.rmtree(BENCH_DIR / "var-areas-sqlite", ignore_errors=True)
    else:
        import psycopg

        pg_drop(PG_NAME)
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{PG_NAME}"')
    env = _env(db)
    subprocess.run([FUPIN, "migrate", "-v0"], env=env, check=True)
    return env


def _measure(
    path: Path, env: dict[str, str], fail_ok: bool = False
) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds and peak RSS in MB of the load_areas process, and its
    last output line."""
    log = path.with_suffix(".log")
    started = time.monotonic()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [FUPIN, "load_areas", str(path)], env=env, stdout=output, stderr=subprocess.STDOUT
        )
        _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    text = log.read_text(errors="replace")
    failed = os.waitstatus_to_exitcode(status) != 0
    if failed != fail_ok:
        sys.exit(f"fupin load_areas {path} {'failed' if failed else 'passed'}:\n{text[-3000:]}")
    lines = [line for line in text.splitlines() if line.strip()]
    summary = lines[-1] if not fail_ok else f"{sum('第' in line for line in lines)} rows reported"
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the national size")
    args = parser.parse_args()
    folder = BENCH_DIR / "var-areas"
    folder.mkdir(parents=True, exist_ok=True)
    national = folder / f"national-{args.scale:g}.csv"
    if not national.exists():
        started = time.monotonic()
        rows = write_file(national, national_rows(args.scale))
        print(f"wrote {rows:,} rows to {national} in {time.monotonic() - started:.1f} s")
    rows = sum(1 for _ in national.open(encoding="utf-8")) - 1
    update, wrong = folder / f"update-{args.scale:g}.csv", folder / f"wrong-{args.scale:g}.csv"
    renamed, added = _update(national, update)
    spoilt = _wrong(national, wrong)
    print(f"machine: {machine()}; file: {rows:,} rows, {national.stat().st_size / 2**20:.0f} MB")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print("| database | rows | step | seconds | CPU s | peak RSS MB | result |")
    print("|---|---:|---|---:|---:|---:|---|")
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        env = _fresh(db)
        name = "SQLite" if db == "sqlite" else "PostgreSQL"
        steps = [
            ("load into an empty tree", national, False),
            (f"re-load: {renamed:,} renamed, {added:,} new", update, False),
            (f"file with {spoilt} wrong rows", wrong, True),
            ("re-load, nothing changed", update, False),
        ]
        for label, path, fails in steps:
            seconds, cpu, peak, summary = _measure(path, env, fail_ok=fails)
            print(
                f"| {name} | {rows:,} | {label} | {seconds:.1f} | {cpu:.1f} | {peak:,.0f} "
                f"| {summary} |",
                flush=True,
            )
        if db == "postgres":
            pg_drop(PG_NAME)


if __name__ == "__main__":
    main()
