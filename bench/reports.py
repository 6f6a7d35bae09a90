"""Time every saved report on the synthetic data set: median of 5 runs (after one warm-up).

    .venv/bin/python bench/reports.py                # local server, database travel_bench
    .venv/bin/python bench/reports.py --load         # first load 1,000,000 synthetic reservations

Reports run with the parameters of their `-- example:` header line (2026-01-01 .. 2026-06-30,
the half of the generated year from January to June), as an analyst runs them; their defaults
are relative (`-30d` .. `today`) and would miss the generated data. `--whole-year` widens every
date range to the generated year (2025-07-01 .. 2026-06-30), the heaviest window the data
allows. Figures go into docs/benchmarks.md (sections `reports` and `reports-whole-year`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from common import ROOT, bench_url, command_line, connect, describe_machine, median, write_section

from harness.migrate import Migrator
from harness.project import Project
from harness.reports import load_all, run
from harness.seed import seed_reference
from harness.synthetic import generate

TARGET_SECONDS = 1.0
WHOLE_YEAR = {"date_from": "2025-07-01", "date_to": "2026-06-30"}


def reservation_count(conn) -> int:
    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM reservations")
    (count,) = cur.fetchone()
    cur.close()
    conn.commit()
    return int(count)


def time_report(conn, report, repeat: int, window: dict[str, str]) -> tuple[float, int]:
    values = report.values({k: v for k, v in window.items() if any(p.name == k for p in report.params)})
    run(conn, report, values)  # warm-up: the first run reads pages from disk
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        _, rows = run(conn, report, values)
        timings.append(time.perf_counter() - started)
    return median(timings), len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a migrated database (default: local server, travel_bench)")
    parser.add_argument("--load", action="store_true", help="load the synthetic data set first if it is missing")
    parser.add_argument("--reservations", type=int, default=1_000_000, help="size of the data set to load")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per report (median reported)")
    parser.add_argument("--whole-year", action="store_true", help="date ranges over all the generated data")
    parser.add_argument("--only", nargs="*", help="time only these reports")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()

    url = bench_url(args.database_url)
    conn = connect(url)
    if args.load:
        Migrator(url, Project(ROOT), echo=print).migrate()  # a fresh database has no tables yet
    if args.load and reservation_count(conn) == 0:
        seed_reference(conn, ROOT)
        started = time.perf_counter()
        generate(conn, args.reservations, seed=42, progress=print)
        print(f"loaded {args.reservations:,} reservations in {time.perf_counter() - started:.0f} s")
    count = reservation_count(conn)
    if count == 0:
        raise SystemExit(f"{url.database} has no reservations: run with --load, or `travel seed synthetic`")

    lines = []
    for name, report in load_all(ROOT).items():
        if args.only and name not in args.only:
            continue
        seconds, rows = time_report(conn, report, args.repeat, WHOLE_YEAR if args.whole_year else report.example)
        verdict = "met" if seconds <= TARGET_SECONDS else "MISSED"
        print(f"{name:20} {seconds * 1000:8.0f} ms  {rows:5} rows  {verdict}", flush=True)
        lines.append(f"| {name} | {seconds * 1000:.0f} ms | {rows} | ≤ {TARGET_SECONDS * 1000:.0f} ms | {verdict} |")
    conn.close()
    if args.no_write or args.only:
        return
    window_text = (
        f"every date range over the whole generated year ({WHOLE_YEAR['date_from']} .. {WHOLE_YEAR['date_to']})"
        if args.whole_year
        else "each report with its example parameters (2026-01-01 .. 2026-06-30: January to June of the data)"
    )
    write_section(
        "reports-whole-year" if args.whole_year else "reports",
        f"""## Saved reports on {count:,} reservations: {"the whole year" if args.whole_year else "example parameters"}

{describe_machine(connect(url))}; median of {args.repeat} runs after one warm-up, {window_text}.

    {command_line()}

| report | median | rows | target | |
|---|---|---|---|---|
"""
        + "\n".join(lines)
        + f"\n\nMeasured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
    )


if __name__ == "__main__":
    main()
