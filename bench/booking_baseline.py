"""Booking throughput against another revision's procedures, in one run (issue 16 item 1).

    .venv/bin/python bench/booking.py --baseline 69436a2 [--rounds 3] [--seconds 20] [--threads 8]

`git archive REV` gives the schema, procedures, views and seeds of REV (the working tree is never
touched); they are migrated into `travel_sysbench_base` beside today's `travel_sysbench` on the
same server, each with the same bench trips. Each round runs, one after the other: baseline
spread (1,000 trips), new spread and, when today's procedures have `purchase`, purchase spread;
the same on one hot trip; `oltp_write_only` (odd rounds take each group in reverse). Noise on a
shared machine then hits the sides alike; the medians over rounds and each round's ratio are
what to compare.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from booking import DATABASE, SPREAD_TRIPS, prepare, run_booking, run_oltp
from common import ROOT, apply_sql_file, bench_url, command_line, connect, describe_machine, median, write_section

BASE_DATABASE = "travel_sysbench_base"


def export_revision(rev: str, into: Path) -> str:
    """REV's schema/, procedures/, views/ and seeds/ under `into`; returns REV's short hash."""
    short = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", rev], check=True,
                           capture_output=True, text=True).stdout.strip()  # fmt: skip
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", short,
                              "schema", "procedures", "views", "seeds"], check=True, capture_output=True).stdout  # fmt: skip
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return short


def has_purchase(url) -> bool:
    conn = connect(url)
    cur = conn.cursor()
    cur.execute(
        "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME = 'purchase'"
    )
    (found,) = cur.fetchone()
    conn.close()
    return bool(found)


def runs_of_a_round(base_url, new_url, base, new, threads: int, seconds: int, purchase: bool, n: int = 0):
    """(label, thunk) in the order round `n` runs them: the spread kinds side by side, then the hot
    ones, then `oltp_write_only`. Odd rounds take each group in reverse (baseline, new, purchase,
    then purchase, new, baseline), so that a machine slowing down or speeding up through a round
    favours no side over the rounds: the purchase runs are compared with the baseline's hold+pay,
    which used to run four runs (about 40 s) before them in every round."""

    def booking(url, world, where, call="hold_pay"):
        first, trips = (world["spread"], SPREAD_TRIPS) if where == "spread" else (world["hot"], 1)
        return lambda: run_booking(url, world, threads, seconds, first, trips, call)

    runs = []
    for where in ("spread", "hot"):
        group = [(f"baseline {where}", booking(base_url, base, where)), (f"new {where}", booking(new_url, new, where))]
        if purchase:
            group.append((f"purchase {where}", booking(new_url, new, where, "purchase")))
        runs += group[::-1] if n % 2 else group
    runs.append(("oltp_write_only", lambda: run_oltp(new_url, threads, seconds)))
    return runs


def spread_of(values: list[float]) -> str:
    return f"{min(values):.0f}–{max(values):.0f}" if len(values) > 1 else f"{values[0]:.0f}"


def summary_rows(results: dict[str, list[dict]], rounds: int) -> list[str]:
    """Table rows: each run kind's median and spread, and its ratio to the baseline."""
    rows = []
    for label, runs in results.items():
        tps = [r["tps"] for r in runs]
        p95 = [r["p95_ms"] for r in runs]
        p99 = [r["p99_ms"] for r in runs]
        versus = {"new spread": "baseline spread", "new hot": "baseline hot", "purchase spread": "baseline spread",
                  "purchase hot": "baseline hot"}.get(label)  # fmt: skip
        ratio = each_round = ""
        if versus:
            per_round = [r["tps"] / b["tps"] for r, b in zip(runs, results[versus], strict=True)]
            ratio = f"{median(tps) / median([b['tps'] for b in results[versus]]):.2f}×"
            each_round = f"{median(per_round):.2f}× ({min(per_round):.2f}–{max(per_round):.2f})"
        latency = "" if label == "oltp_write_only" else f"{median(p95):.1f} / {median(p99):.1f} ({spread_of(p99)})"
        retried = sum(r["retried"] for r in runs)
        rows.append(
            f"| {label} | {median(tps):.0f} | {spread_of(tps)} | {ratio} | {each_round} | {latency} | {retried:.0f} |"
        )
    return rows


def compare(args, seconds: int) -> None:
    threads = args.threads[0] if args.threads and args.threads != [1, 8, 32] else 8
    server = bench_url(args.database_url)
    new_url, base_url = server.with_database(DATABASE), server.with_database(BASE_DATABASE)
    with tempfile.TemporaryDirectory(prefix="travel-baseline-") as tmp:
        short = export_revision(args.baseline, Path(tmp))
        base = prepare(base_url, Path(tmp), oltp=False)
    new = prepare(new_url)
    if args.apply:
        apply_sql_file(new_url, args.apply)
        args.no_write = True  # a what-if is not today's procedures
    purchase = has_purchase(new_url)
    results: dict[str, list[dict]] = {}
    for n in range(args.rounds):
        for label, run in runs_of_a_round(base_url, new_url, base, new, threads, seconds, purchase, n):
            result = run()
            results.setdefault(label, []).append(result)
            print(f"round {n + 1} {label:16} {result['tps']:8.1f}/s p95 {result['p95_ms']:6.1f} p99 "
                  f"{result['p99_ms']:6.1f} ms retried {result['retried']:.0f}", flush=True)  # fmt: skip
    rows = summary_rows(results, args.rounds)
    header = (
        "| run | median events/s (tps) | spread | ratio of medians | each round's ratio: median (range) "
        "| p95 / p99 ms, medians (p99 range) | deadlocks retried |\n|---|---|---|---|---|---|---|"
    )
    print(header + "\n" + "\n".join(rows))
    if args.no_write:
        return
    write_section(
        f"booking-vs-{short}",
        f"""## Booking: today's procedures against {short}'s, interleaved

{describe_machine(connect(new_url))}; {threads} threads, {seconds} s per run, {args.rounds} rounds.
The machine's 2 cores are shared with other work, and its speed moves within a minute, so each
round runs every kind once, side by side (baseline spread, new spread, purchase spread, then the
same on the hot trip, then `oltp_write_only`; odd rounds take each group in reverse), and both
the ratio of the rounds' medians and the median of each round's own ratio (runs seconds apart)
are given. A hold+pay event is
`create_reservation` + `pay_reservation` (two CALLs, two commits); a purchase event is one
`purchase` CALL (one commit); both book one seat on a random one of 1,000 trips (spread) or on one
trip (hot). Purchase ratios are against the baseline's hold+pay.

    {command_line()}

"""
        + header
        + "\n"
        + "\n".join(rows)
        + f"\n\nMeasured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
    )
