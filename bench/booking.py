"""Booking throughput against the server's own ceiling (issue: benchmarks, items 1 and 3).

    .venv/bin/python bench/booking.py            # 20 s per run: 1, 8 and 32 threads
    .venv/bin/python bench/booking.py --quick    # 5 s per run
    .venv/bin/python bench/booking.py --baseline 69436a2 [--rounds 3] [--seconds 20]

In one run on one server (the local server unless --database-url): sysbench's own
`oltp_write_only` and the booking workload of bench/sysbench/booking.lua (hold one seat with
create_reservation, pay it with pay_reservation) spread over 1,000 trips and on one hot trip
(capacity 1,000,000), at each thread count; then a sellout (capacity 500, 32 threads) that must
end with exactly 500 seats sold and integrity_violations empty. A booking event is two durable
transactions and an oltp_write_only transaction one, so about 0.5x is the commit-bound ceiling.
Figures go into docs/benchmarks.md (section `booking`).

With --baseline REV (bench/booking_baseline.py) the schema and procedures of git revision REV go
into a second database on the same server, and rounds interleave REV's and today's procedures
with `oltp_write_only`, so that the noise of a shared machine hits both sides alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import subprocess
from pathlib import Path

from common import bench_url, command_line, connect, describe_machine, fresh_database, recreate_database, write_section

from harness import procedures as sp

LUA = Path(__file__).resolve().parent / "sysbench" / "booking.lua"
DATABASE = "travel_sysbench"
SPREAD_TRIPS = 1000
TARGET_SPREAD, TARGET_HOT = 0.65, 0.45  # booking events/s over oltp_write_only tps, at 8 threads


def add_trips(conn, count: int, capacity: int, departs: dt.datetime) -> int:
    """`count` economy trips at 10.00 EUR with consecutive ids; returns the first id."""
    ids = []
    for n in range(count):
        when = departs + dt.timedelta(minutes=n)
        fares = [{"fare_class": "economy", "capacity": capacity, "price": "10.00", "currency": "EUR"}]
        ids.append(sp.add_trip(conn, "LH", f"B{when:%y%m%d%H%M}", "FRA", "CDG", when, when + dt.timedelta(hours=1),
                               fares, None))  # fmt: skip
    if ids != list(range(ids[0], ids[0] + count)):
        raise SystemExit("bench trips did not get consecutive ids (auto_increment_increment > 1?)")
    return ids[0]


def prepare(url, project_root=None, oltp: bool = True) -> dict[str, int]:
    conn = fresh_database(url, project_root)
    user_id = sp.register_user(conn, "bench@travel-db.example", "bench-hash", "Bench Traveller", None)
    base = dt.datetime(2031, 1, 1, 6, 0)
    world = {
        "user_id": user_id,
        "spread": add_trips(conn, SPREAD_TRIPS, 100_000, base),
        "hot": add_trips(conn, 1, 1_000_000, base + dt.timedelta(days=30)),
        "sellout": add_trips(conn, 1, 500, base + dt.timedelta(days=31)),
    }
    conn.close()
    if not oltp:
        return world
    recreate_database(url.with_database("sbtest"))
    sysbench(url.with_database("sbtest"), ["oltp_write_only", "--tables=4", "--table-size=100000", "prepare"])
    return world


def sysbench(url, args: list[str]) -> str:
    command = [
        "sysbench", "--db-driver=mysql", f"--mysql-host={url.host}", f"--mysql-port={url.port}",
        f"--mysql-user={url.user}", f"--mysql-password={url.password}", f"--mysql-db={url.database}", *args,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"sysbench failed ({' '.join(command)}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return result.stdout


def parse(output: str) -> dict[str, float]:
    def number(pattern: str) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else 0.0

    return {
        "tps": number(r"transactions:\s+\d+\s+\(([\d.]+) per sec"),
        "p95_ms": histogram_percentile(output, 95),
        "p99_ms": histogram_percentile(output, 99),
        "retried": number(r"ignored errors:\s+(\d+)"),
    }


def histogram_percentile(output: str, pct: float) -> float:
    """The pct-th percentile latency (ms) from sysbench's --histogram, which gives both p95
    and p99 from one run (--percentile gives one); 0.0 when the run printed no histogram
    (the oltp_write_only runs, whose latency is not reported)."""
    buckets = [(float(v), int(n)) for v, n in re.findall(r"^\s*([\d.]+) \|\**\s+(\d+)$", output, re.M)]
    total = sum(n for _, n in buckets)
    seen = 0
    for value, count in buckets:
        seen += count
        if seen >= total * pct / 100:
            return value
    return 0.0


def run_booking(url, world: dict[str, int], threads: int, seconds: int, first: int, trips: int,
                call: str = "hold_pay") -> dict[str, float]:  # fmt: skip
    # 50005 too: 69436a2's procedures draw booking references from RAND(), whose sessions walk the
    # same few sequences, and give up after ten taken ones (DUPLICATE) once a bench database holds
    # a few hundred thousand; retried like a deadlock, it costs that side the wasted call.
    out = sysbench(url, [
        str(LUA), f"--threads={threads}", f"--time={seconds}", "--mysql-ignore-errors=1213,1205,50003,50005",
        "--histogram",
        f"--first_trip={first}", f"--trips={trips}", f"--user_id={world['user_id']}", f"--call={call}", "run",
    ])  # fmt: skip
    return parse(out)


def run_oltp(url, threads: int, seconds: int) -> dict[str, float]:
    out = sysbench(url.with_database("sbtest"), [
        "oltp_write_only", "--tables=4", "--table-size=100000", f"--threads={threads}", f"--time={seconds}", "run",
    ])  # fmt: skip
    return parse(out)


def sellout(url, world: dict[str, int], seconds: int) -> tuple[int, int]:
    run_booking(url, world, 32, seconds, world["sellout"], 1)
    conn = connect(url)
    cur = conn.cursor()
    cur.execute("SELECT seats_sold FROM trip_fares WHERE trip_id = %s", (world["sellout"],))
    (sold,) = cur.fetchone()
    cur.execute("SELECT COUNT(*) FROM integrity_violations")
    (violations,) = cur.fetchone()
    conn.close()
    return int(sold), int(violations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="server to use (its database is ignored: travel_sysbench, sbtest)")
    parser.add_argument("--quick", action="store_true", help="5 s per run instead of 20 s")
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 8, 32])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--baseline", metavar="REV", help="interleave rounds against git revision REV's procedures")
    parser.add_argument("--rounds", type=int, default=3, help="with --baseline: interleaved rounds (default 3)")
    parser.add_argument("--apply", type=Path, metavar="FILE",
                        help="with --baseline: run this SQL file in today's bench database first (a what-if, e.g. "
                             "bench/whatif/lean_booking.sql); implies --no-write")  # fmt: skip
    parser.add_argument("--seconds", type=int, help="seconds per run (default 20, --quick 5)")
    args = parser.parse_args()
    seconds = args.seconds or (5 if args.quick else 20)
    if args.baseline:
        from booking_baseline import compare

        return compare(args, seconds)

    url = bench_url(args.database_url).with_database(DATABASE)
    world = prepare(url)
    rows = []
    for threads in args.threads:
        oltp = run_oltp(url, threads, seconds)
        spread = run_booking(url, world, threads, seconds, world["spread"], SPREAD_TRIPS)
        hot = run_booking(url, world, threads, seconds, world["hot"], 1)
        rows.append((threads, oltp, spread, hot))
        print(f"{threads:3} threads: oltp_write_only {oltp['tps']:8.1f} tps | booking over {SPREAD_TRIPS} trips "
              f"{spread['tps']:7.1f}/s ({spread['tps'] / oltp['tps']:.2f}x) | hot trip {hot['tps']:7.1f}/s "
              f"({hot['tps'] / oltp['tps']:.2f}x), p95/p99 {hot['p95_ms']}/{hot['p99_ms']} ms, retried {hot['retried']:.0f}",
              flush=True)  # fmt: skip
    for threads, oltp, spread, hot in rows:
        if threads == 8:
            met = spread["tps"] / oltp["tps"] >= TARGET_SPREAD and hot["tps"] / oltp["tps"] >= TARGET_HOT
            print(f"8 threads vs targets {TARGET_SPREAD}x / {TARGET_HOT}x: {'met' if met else 'MISSED'}")
    sold, violations = sellout(url, world, max(5, seconds // 2))
    verdict = "met" if sold == 500 and violations == 0 else "MISSED"
    print(f"sellout: {sold} of 500 seats sold, {violations} integrity violations: {verdict}")
    if args.no_write:
        return
    lines = []
    for threads, oltp, spread, hot in rows:
        s_ratio, h_ratio = spread["tps"] / oltp["tps"], hot["tps"] / oltp["tps"]
        verdict = ""
        if threads == 8:
            met = s_ratio >= TARGET_SPREAD and h_ratio >= TARGET_HOT
            verdict = f"≥ {TARGET_SPREAD} / ≥ {TARGET_HOT}: {'met' if met else 'MISSED'}"
        lines.append(
            f"| {threads} | {oltp['tps']:.0f} | {spread['tps']:.0f} | {s_ratio:.2f} | {spread['p95_ms']:.1f} | "
            f"{hot['tps']:.0f} | {h_ratio:.2f} | {hot['p95_ms']:.1f} / {hot['p99_ms']:.1f} | {hot['retried']:.0f} | "
            f"{verdict} |"
        )
    write_section(
        "booking",
        f"""## Booking vs the server's ceiling (sysbench)

{describe_machine(connect(url))}; {seconds} s per run, one run each, all on the same server.

    {command_line()}

A booking event = `create_reservation` (hold 1 seat) + `pay_reservation`: two durable transactions,
one CALL each, against one `oltp_write_only` transaction (4 tables × 100,000 rows). Latencies are
per event, from sysbench's histogram; deadlocks and lock wait timeouts are retried by sysbench
and counted.

| threads | oltp_write_only tps | booking/s, 1,000 trips | ratio | p95 ms | booking/s, 1 hot trip | ratio | p95 / p99 ms | deadlocks retried | target at 8 threads |
|---|---|---|---|---|---|---|---|---|---|
"""
        + "\n".join(lines)
        + f"""

Sellout (1 trip, capacity 500, 32 threads): **{sold} seats sold** (must be 500), integrity violations:
**{violations}** (must be 0). Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.""",
    )


if __name__ == "__main__":
    main()
