"""Where one booking's time goes: the profile behind the booking figures (issue: benchmarks, item 1).

    .venv/bin/python bench/booking_profile.py [--events 300]

Single-threaded, on the bench trips of bench/booking.py (run that first: it creates them in
`travel_sysbench`): books and pays one seat per event through the harness, timing each CALL
from Python, and reads the session's status counters around the run: rows read by key and by
scan, rows written, temporary tables and handler commits per event. With performance_schema on
(`--performance-schema=ON`, off on the local server), its statement events break the calls
down statement by statement:

    mariadbd --no-defaults ... --performance-schema=ON   # plus, for the history it reads:
        --performance-schema-consumer-events-statements-history-long=ON
        --performance-schema-events-statements-history-long-size=100000
    .venv/bin/python bench/booking.py --database-url mysql://root@127.0.0.1:PORT/x --quick --threads 1
    .venv/bin/python bench/booking_profile.py --database-url mysql://root@127.0.0.1:PORT/x --events 100

Figures go into docs/benchmarks.md (section `booking-profile`, or `booking-statements` when
performance_schema is on; `purchase-...` with --call purchase).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from booking import DATABASE, SPREAD_TRIPS
from booking_baseline import BASE_DATABASE
from common import bench_url, command_line, connect, describe_machine, write_section

from harness import procedures as sp

COUNTERS = {
    "Handler_read_key": "index lookups",
    "Handler_read_next": "index range rows",
    "Handler_read_rnd_next": "rows read by scan",
    "Handler_write": "rows written (incl. temporary tables)",
    "Handler_update": "rows updated",
    "Handler_commit": "handler commits",
    "Created_tmp_tables": "temporary tables",
    "Questions": "statements sent by the client",
}


def status(conn) -> dict[str, int]:
    cur = conn.cursor()
    cur.execute("SHOW SESSION STATUS")
    values = {name: int(value) for name, value in cur.fetchall() if name in COUNTERS}
    cur.close()
    return values


def statement_profile(conn, events: int) -> list[str]:
    """Table rows of the statements inside the routines and triggers, by time per event, when
    performance_schema records them (events_statements_history_long, sized for the run)."""
    cur = conn.cursor()
    this_session = (
        "thread_id = (SELECT thread_id FROM performance_schema.threads WHERE processlist_id = CONNECTION_ID())"
    )
    cur.execute(  # the whole calls, as the client sent them
        "SELECT '(client)', 0, SUBSTRING_INDEX(sql_text, '(', 1), COUNT(*) / %s, SUM(timer_wait) / 1e6 / %s"
        " FROM performance_schema.events_statements_history_long"
        f" WHERE nesting_event_level = 0 AND sql_text LIKE 'CALL %%' AND {this_session} GROUP BY 3 ORDER BY 3",
        (events, events),
    )
    calls = cur.fetchall()
    cur.execute(
        "SELECT COALESCE(object_name, '-'), nesting_event_level, LEFT(REPLACE(sql_text, '\\n', ' '), 70),"
        " COUNT(*) / %s, SUM(timer_wait) / 1e6 / %s"
        " FROM performance_schema.events_statements_history_long"
        f" WHERE nesting_event_level > 0 AND {this_session} GROUP BY 1, 2, 3 ORDER BY 5 DESC LIMIT 25",
        (events, events),
    )
    rows = [
        f"| {obj} | {level} | `{' '.join(str(text or '(control statements)').split())[:60]}` | {count:.1f} | {us:.0f} |"
        for obj, level, text, count, us in calls + cur.fetchall()
    ]
    cur.close()
    return rows


def start_statement_trace(conn) -> bool:
    """Empty performance_schema's statement history when it records one; False when it is off."""
    cur = conn.cursor()
    cur.execute("SELECT @@performance_schema")
    (on,) = cur.fetchone()
    if on:
        cur.execute("TRUNCATE performance_schema.events_statements_history_long")
    cur.close()
    return bool(on)


def bench_world(conn) -> tuple[int, int]:
    """The bench user and the first of the spread trips made by bench/booking.py."""
    cur = conn.cursor()
    cur.execute("SELECT user_id FROM users WHERE email = 'bench@travel-db.example'")
    user = cur.fetchone()
    cur.execute("SELECT MIN(trip_id) FROM trip_fares WHERE capacity = 100000")
    first = cur.fetchone()
    cur.close()
    conn.commit()
    if not user or not first or first[0] is None:
        raise SystemExit(f"no bench trips in {DATABASE}: run bench/booking.py first")
    return user[0], first[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="server to use (its database is ignored: see --database)")
    parser.add_argument("--database", default=DATABASE,
                        help=f"database holding the bench trips (default {DATABASE}; {BASE_DATABASE} after a --baseline run)")  # fmt: skip
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--call", choices=["hold_pay", "purchase"], default="hold_pay",
                        help="hold_pay: create_reservation + pay_reservation (default); purchase: one purchase call")  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()

    url = bench_url(args.database_url).with_database(args.database)
    conn = connect(url)
    user, first_trip = bench_world(conn)
    rng = random.Random(1)
    spent = {"purchase": 0.0} if args.call == "purchase" else {"create_reservation": 0.0, "pay_reservation": 0.0}
    traced = start_statement_trace(conn)
    before = status(conn)
    passengers = [{"full_name": "Bench Traveller"}]
    for n in range(args.events):
        segments = [{"trip_id": first_trip + rng.randrange(SPREAD_TRIPS), "fare_class": "economy"}]
        key = f"profile-{time.time_ns()}-{n}"
        started = time.perf_counter()
        if args.call == "purchase":
            sp.purchase(conn, user, segments, passengers, "10.00", "EUR", "card", key)
            spent["purchase"] += time.perf_counter() - started
            continue
        reservation_id = sp.create_reservation(conn, user, segments, passengers)
        paid = time.perf_counter()
        sp.pay_reservation(conn, reservation_id, user, "10.00", "EUR", "card", key)
        spent["create_reservation"] += paid - started
        spent["pay_reservation"] += time.perf_counter() - paid
    after = status(conn)
    per_event = {name: (after[name] - before[name]) / args.events for name in COUNTERS}
    per_event["Questions"] -= 1  # the SHOW STATUS that read the counters
    statements = statement_profile(conn, args.events) if traced else []

    rows = [f"| `{name}` | {label} | {per_event[name]:.1f} |" for name, label in COUNTERS.items()]
    calls = ", ".join(f"`{name}` {seconds / args.events * 1000:.2f} ms" for name, seconds in spent.items())
    print(f"per event: {calls}")
    print("\n".join(rows + statements))
    if args.no_write:
        return
    machine, when = describe_machine(conn), f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC."
    # purchase profiles get sections of their own beside the hold+pay ones
    name, what = ("purchase", "A purchase") if args.call == "purchase" else ("booking", "A booking")
    if statements:  # a server started with performance_schema on: its own section
        write_section(
            f"{name}-statements",
            f"""## {what}'s statements, one by one (performance_schema)

{machine}, performance_schema on; {args.events} events, one client. Time per event of each
statement inside the procedures (level 1) and their triggers (level 2), durable commits included;
level 0 is each whole call as the server timed it.

    {command_line()}

| routine | level | statement | per event | µs per event |
|---|---|---|---|---|
"""
            + "\n".join(statements)
            + f"\n\n{when}",
        )
        return
    write_section(
        f"{name}-profile",
        f"""## Where {what.lower()}'s time goes (single-threaded profile)

{machine}; {args.events} events, one client, through the harness.

    {command_line()}

Mean time per call, measured from Python (round trip included): {calls}.

| session counter | what | per event |
|---|---|---|
"""
        + "\n".join(rows)
        + f"\n\n{when}",
    )
    conn.close()


if __name__ == "__main__":
    main()
