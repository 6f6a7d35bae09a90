"""What the reporting fold costs per reservation, timed on its own (issue 16, item 2).

    .venv/bin/python bench/booking.py --quick --threads 8 --no-write   # makes the bench trips
    .venv/bin/python bench/fold_cost.py [--call purchase|hold_pay] [--seconds 10]

On the bench database `travel_sysbench`: folds what is pending, switches the fold's event off,
books for --seconds with 8 threads (bench/sysbench/booking.lua), then times one
`refresh_reporting_facts(500, 100000)` call over everything those bookings left pending, and
switches the event back on. The fold runs beside the bookings in production (every 10 s), so
its time per reservation is a share of every booking's server CPU.
"""

from __future__ import annotations

import argparse
import time

from booking import DATABASE, SPREAD_TRIPS, run_booking
from booking_profile import bench_world
from common import bench_url, connect


def run(url, sql: str):
    conn = connect(url)
    cur = conn.cursor()
    cur.execute(sql)
    rows = cur.fetchall() if cur.with_rows else None
    conn.commit()
    conn.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help=f"server to use (its database is ignored: {DATABASE})")
    parser.add_argument("--call", choices=["hold_pay", "purchase"], default="purchase")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    url = bench_url(args.database_url).with_database(DATABASE)
    conn = connect(url)
    user, first_trip = bench_world(conn)
    conn.close()
    run(url, "CALL refresh_reporting_facts(500, 100000, @folded)")
    run(url, "ALTER EVENT fold_reporting_facts DISABLE")
    try:
        booked = run_booking(url, {"user_id": user}, 8, args.seconds, first_trip, SPREAD_TRIPS, args.call)
        ((pending,),) = run(url, "SELECT COUNT(*) FROM reservations WHERE facts_pending = 1")
        started = time.perf_counter()
        run(url, "CALL refresh_reporting_facts(500, 100000, @folded)")
        spent = time.perf_counter() - started
    finally:
        run(url, "ALTER EVENT fold_reporting_facts ENABLE")
    print(f"{args.call} with the fold off: {booked['tps']:.0f} events/s for {args.seconds} s; folding the "
          f"{pending:,} reservations they left took {spent:.2f} s, {spent / max(pending, 1) * 1e6:.0f} µs each "
          "(one session)")  # fmt: skip


if __name__ == "__main__":
    main()
