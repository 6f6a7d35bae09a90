"""What the reporting fold costs per reservation, timed on its own (issue 16, item 2).

    .venv/bin/python bench/booking.py --quick --threads 8 --no-write   # makes the bench trips
    .venv/bin/python bench/fold_cost.py [--call purchase|hold_pay] [--seconds 10]
    .venv/bin/python bench/fold_cost.py --expired 20000    # after bench/expiry.py


On the bench database `travel_sysbench`: folds what is pending, switches the fold's event off,
books for --seconds with 8 threads (bench/sysbench/booking.lua), then times one
`refresh_reporting_facts(500, 100000)` call over everything those bookings left pending, and
switches the event back on. The fold runs beside the bookings in production (every 10 s), so
its time per reservation is a share of every booking's server CPU.

--expired N times the fold of expired holds instead (what expiry under load adds to the
server): the first N expired reservations that bench/expiry.py left are marked pending again
(their facts say 'expired' already, as a hold's would say 'held': the fold rewrites them) and
folded by the same call. --apply FILE runs a SQL file in the bench database first, e.g. an
earlier fold_reporting_facts to compare (its CREATE preceded by a DROP PROCEDURE IF EXISTS).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from booking import DATABASE, SPREAD_TRIPS, run_booking
from booking_profile import bench_world
from common import apply_sql_file, bench_url, connect


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
    parser.add_argument("--expired", type=int, metavar="N", help="fold N expired holds again instead of booking")
    parser.add_argument("--apply", type=Path, metavar="FILE", help="run this SQL file in the bench database first")
    args = parser.parse_args()
    url = bench_url(args.database_url).with_database(DATABASE)
    if args.apply:
        apply_sql_file(url, args.apply)
    if args.expired:
        time_expired_fold(url, args.expired)
        return
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


def time_expired_fold(url, count: int) -> None:
    run(url, "CALL refresh_reporting_facts(500, 100000, @folded)")
    ((marked,),) = run(
        url, f"SELECT COUNT(*) FROM (SELECT 1 FROM reservations WHERE status = 'expired' LIMIT {count}) AS e"
    )
    if marked < count:
        raise SystemExit(f"{DATABASE} holds {marked:,} expired reservations, not {count:,}: run bench/expiry.py first")
    run(url, "ALTER EVENT fold_reporting_facts DISABLE")
    try:
        run(url, "UPDATE reservations SET facts_pending = 1, updated_at = updated_at WHERE status = 'expired'"
                 f" ORDER BY reservation_id LIMIT {count}")  # fmt: skip
        started = time.perf_counter()
        run(url, "CALL refresh_reporting_facts(500, 100000, @folded)")
        spent = time.perf_counter() - started
    finally:
        run(url, "ALTER EVENT fold_reporting_facts ENABLE")
    print(f"folding {count:,} expired holds took {spent:.2f} s, {spent / count * 1e6:.0f} µs each (one session)")


if __name__ == "__main__":
    main()
