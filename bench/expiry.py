"""Expiry under load (issue: benchmarks, item 4).

    .venv/bin/python bench/expiry.py            # 100,000 lapsed holds
    .venv/bin/python bench/expiry.py --quick    # 20,000

Makes N holds on the bench trips with the session clock an hour back (settings.session_clock
= 'session' in this scratch database, so that SET timestamp moves utc_now(); they lapsed 45
minutes ago; the expiry event is disabled in this scratch database for the run, so only the
measured loop collects them), then runs the sysbench booking workload at 8
threads with a report every second: a quiet stretch first, then `expire_reservations(batch)`
in a loop until nothing is left, then (once the reporting fold has folded the expired holds) a
quiet stretch again. Quiet is measured before and after, as this shared machine's speed moves
within minutes (with one stretch before, the same code measured 1.23x to 2.25x). Compares
booking p99 latency per second with and without the cleanup, times the cleanup, and counts
lock wait timeouts (1205) on both sides. Figures go
into docs/benchmarks.md (section `expiry`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import re
import subprocess
import threading
import time

import booking
from common import bench_url, command_line, connect, describe_machine, median, server_sql, write_section

from harness import procedures as sp
from harness.db import RETRIES

QUIET_SECONDS = 15
THREADS = 8


def make_holds(url, user_id: int, first_trip: int, count: int, worker: int, workers: int) -> int:
    conn = connect(url)
    cur = conn.cursor()
    cur.execute("SET timestamp = UNIX_TIMESTAMP(UTC_TIMESTAMP() - INTERVAL 1 HOUR)")
    cur.close()
    made = 0
    for n in range(worker, count, workers):
        trip = first_trip + n % booking.SPREAD_TRIPS
        sp.create_reservation(conn, user_id, [{"trip_id": trip, "fare_class": "economy"}], [{"full_name": "Lapsed"}])
        made += 1
    conn.close()
    return made


def lapsed(url) -> int:
    conn = connect(url)
    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM reservations WHERE status = 'held' AND expires_at <= UTC_TIMESTAMP()")
    (count,) = cur.fetchone()
    conn.close()
    return int(count)


def sysbench_lines(url, world, seconds: int, lines: list[tuple[float, float, float]], procs: list) -> None:
    """Run the booking workload, collecting (second, p99 ms, errors/s) per report line."""
    command = [
        "sysbench", "--db-driver=mysql", f"--mysql-host={url.host}", f"--mysql-port={url.port}",
        f"--mysql-user={url.user}", f"--mysql-password={url.password}", f"--mysql-db={url.database}",
        str(booking.LUA), f"--threads={THREADS}", f"--time={seconds}", "--report-interval=1", "--percentile=99",
        "--mysql-ignore-errors=1213,1205,50003", f"--first_trip={world['spread']}",
        f"--trips={booking.SPREAD_TRIPS}", f"--user_id={world['user_id']}", "run",
    ]  # fmt: skip
    pattern = re.compile(r"\[ (\d+)s \].*lat \(ms,99%\): ([\d.]+) err/s: ([\d.]+)")
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        procs.append(proc)
        for line in proc.stdout:
            match = pattern.search(line)
            if match:
                lines.append(tuple(float(g) for g in match.groups()))


def wait_for_fold(conn, limit_s: float = 120) -> float:
    """Seconds until the reporting fold has folded every expired hold (its event runs every
    10 s), so that the quiet stretch after the cleanup is quiet of it too."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        cur = conn.cursor()
        cur.execute("SELECT COUNT(*) FROM reservations WHERE status = 'expired' AND facts_pending = 1")
        (pending,) = cur.fetchone()
        cur.close()
        conn.commit()
        if not pending:
            break
        time.sleep(0.5)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="server to use (database travel_sysbench is rebuilt)")
    parser.add_argument("--quick", action="store_true", help="20,000 holds instead of 100,000")
    parser.add_argument("--holds", type=int, help="this many holds (overrides --quick)")
    parser.add_argument("--batch", type=int, default=25, help="expire_reservations batch size (the event's)")
    parser.add_argument("--quiet", type=float, default=QUIET_SECONDS,
                        help="seconds of load without cleanup before it and after it (default %(default)s)")  # fmt: skip
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    holds = args.holds or (20_000 if args.quick else 100_000)

    url = bench_url(args.database_url).with_database(booking.DATABASE)
    world = booking.prepare(url)
    server_sql(url, f"ALTER EVENT `{url.database}`.expire_lapsed_holds DISABLE")  # the loop below is measured
    # Holds made an hour back need the session clock (CONTRACT.md): the server's own clock,
    # the default, ignores SET timestamp. This scratch database only; the load runs unmoved.
    server_sql(
        url, f"UPDATE `{url.database}`.settings SET setting_value = 'session' WHERE setting_key = 'session_clock'"
    )
    started = time.perf_counter()
    workers = 4
    with multiprocessing.Pool(workers) as pool:
        pool.starmap(make_holds, [(url, world["user_id"], world["spread"], holds, w, workers) for w in range(workers)])
    print(f"{lapsed(url):,} lapsed holds made in {time.perf_counter() - started:.0f} s", flush=True)

    lines: list[tuple[float, float, float]] = []
    procs: list[subprocess.Popen] = []
    load = threading.Thread(target=sysbench_lines, args=(url, world, 600, lines, procs))
    load.start()
    time.sleep(args.quiet)
    conn = connect(url)
    timeouts_before = RETRIES[1205]
    cleanup_from = len(lines)
    started = time.perf_counter()
    expired = batches = 0
    while True:
        n = sp.expire_reservations(conn, args.batch)
        expired += n
        batches += 1
        # a short batch may only mean SKIP LOCKED passed over rows for a moment: count to be sure
        if n < args.batch and lapsed(url) == 0:
            break
    cleanup_s = time.perf_counter() - started
    cleanup_to = len(lines)
    harness_timeouts = RETRIES[1205] - timeouts_before
    caught_up_s = wait_for_fold(conn)
    quiet_from = len(lines)
    time.sleep(args.quiet)  # the quiet stretch after, then stop the workload
    conn.close()
    procs[0].terminate()
    load.join()

    # Quiet: the stretches before and after, less each one's first second (sysbench's warm-up,
    # the switch); the load runs on between the cleanup's end and the fold's catching up.
    before = [p99 for _, p99, _ in lines[1:cleanup_from]]
    after = [p99 for _, p99, _ in lines[quiet_from + 1 :]]
    quiet = before + after
    during = [p99 for _, p99, _ in lines[cleanup_from:cleanup_to]] or [0.0]
    errors = sum(err for _, _, err in lines)
    quiet_p99, during_p99 = median(quiet), median(during)
    ratio = during_p99 / quiet_p99 if quiet_p99 else float("inf")
    verdict = "met" if ratio <= 2 and not harness_timeouts else "MISSED"
    print(f"expired {expired:,} in {batches} batches, {cleanup_s:.1f} s; booking p99 {quiet_p99:.1f} ms quiet "
          f"({median(before):.1f} before, {median(after or [0.0]):.1f} after), "
          f"{during_p99:.1f} ms during cleanup ({ratio:.2f}x, worst second {max(during):.1f} ms); "
          f"sysbench errors retried {errors:.0f}, lock wait timeouts in the cleanup {harness_timeouts}: {verdict}")  # fmt: skip
    if args.no_write:
        return
    write_section(
        "expiry",
        f"""## Expiry under load

{describe_machine(connect(url))}.

    {command_line()}

{holds:,} holds that lapsed 45 minutes ago, expired by `expire_reservations({args.batch})` in a loop while
the booking workload (sysbench, {THREADS} threads, spread over 1,000 trips) runs; p99 is sysbench's
per-second 99th percentile, the median over the seconds of each phase; quiet is {args.quiet:g} s before the
cleanup and {args.quiet:g} s after it, once the reporting fold had folded the expired holds ({caught_up_s:.0f} s later).

| lapsed holds | cleanup | batches | booking p99 quiet | booking p99 during cleanup | ratio (≤ 2) | worst second | lock wait timeouts | |
|---|---|---|---|---|---|---|---|---|
| {expired:,} | {cleanup_s:.1f} s | {batches} | {quiet_p99:.1f} ms (before {median(before):.1f}, after {median(after or [0.0]):.1f}) | {during_p99:.1f} ms | {ratio:.2f} | {max(during):.1f} ms | {harness_timeouts} (deadlocks/timeouts retried by sysbench: {errors:.0f}) | {verdict} |

Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.""",
    )


if __name__ == "__main__":
    main()
