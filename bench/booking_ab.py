"""Time per booking event of today's procedures against a git revision's, event by event.

    .venv/bin/python bench/booking_ab.py --baseline 69436a2 [--events 2000] [--runs 3]
        [--kinds hold_pay purchase] [--apply FILE ...]

bench/booking_cpu.py measures one side's 1,000 events, then the other's: on this shared 2-core
machine one such measurement moves by about ±10 %, too much to see a change of 20 µs. Here the
sides take turns event by event inside one CALL, so whatever slows the machine slows them
alike, and runs agree within 1-2 %. A loop procedure (schema `travel_ab`) calls each side's
procedures through prepared statements (`CALL travel_sysbench.create_reservation(...)` then
`pay_reservation`, or `purchase`), reads SYSDATE(6) before and after each event and adds the
time to that side. The sides: the revision's procedures (`travel_sysbench_base`, as
bench/booking.py --baseline makes it), today's (`travel_sysbench`) and, for each --apply FILE, a
database of today's with FILE run in it (a what-if, `travel_ab_whatif_N`).

What it measures is one session's time per event on an idle server: the procedures, their
triggers and the commit, with innodb_flush_log_at_trx_commit set to 0 for the run (restored
after) so that waiting for the disk does not hide the work. Not measured: throughput under
concurrency and lock waits (bench/booking.py), and the reporting fold, whose event is off in
these databases (bench/booking_cpu.py counts it). Needs the local server (or --database-url).
The table goes into docs/benchmarks.md (section `booking-ab`) unless --no-write.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
from pathlib import Path

from booking import DATABASE, SPREAD_TRIPS, prepare
from booking_baseline import BASE_DATABASE, export_revision, has_purchase
from common import apply_sql_file, bench_url, command_line, connect, describe_machine, server_sql, write_section

AB_SCHEMA = "travel_ab"
# p_sides: [{"db": "travel_sysbench", "kind": "hold_pay", "user": 1, "trip": 1}, ...]. Each round
# starts with the next side, so none is always first after the loop's own statements.
LOOP = """
CREATE PROCEDURE ab_loop(IN p_sides JSON, IN p_events INT)
BEGIN
    DECLARE v_done INT DEFAULT 0;
    DECLARE v_turn INT;
    DECLARE v_count INT DEFAULT JSON_LENGTH(p_sides);
    DECLARE v_side JSON;
    DECLARE v_started DECIMAL(20, 6);
    DROP TEMPORARY TABLE IF EXISTS ab_time;
    CREATE TEMPORARY TABLE ab_time (side INT PRIMARY KEY, us DECIMAL(20, 3) NOT NULL);
    WHILE v_done < p_events DO
        SET v_turn = 0;
        WHILE v_turn < v_count DO
            SET v_side = JSON_EXTRACT(p_sides, CONCAT('$[', (v_done + v_turn) MOD v_count, ']'));
            SET @ab_user = JSON_EXTRACT(v_side, '$.user');
            SET @ab_segments = CONCAT(
                '[{"trip_id": ', JSON_EXTRACT(v_side, '$.trip') + v_done MOD {trips}, ', "fare_class": "economy"}]'
            );
            SET @ab_passengers = '[{"full_name": "Bench Traveller"}]';
            SET @ab_first = CONCAT('CALL ', JSON_UNQUOTE(JSON_EXTRACT(v_side, '$.db')), IF(
                JSON_UNQUOTE(JSON_EXTRACT(v_side, '$.kind')) = 'purchase',
                '.purchase(@ab_user, @ab_segments, @ab_passengers, 10.00, ''EUR'', ''card'', UUID(), @ab_r, @ab_p)',
                '.create_reservation(@ab_user, @ab_segments, @ab_passengers, @ab_r)'
            ));
            SET @ab_second = CONCAT('CALL ', JSON_UNQUOTE(JSON_EXTRACT(v_side, '$.db')),
                '.pay_reservation(@ab_r, @ab_user, 10.00, ''EUR'', ''card'', CONCAT(''ab-'', @ab_r), @ab_p)');
            PREPARE ab_first FROM @ab_first;
            PREPARE ab_second FROM @ab_second;
            SET v_started = UNIX_TIMESTAMP(SYSDATE(6));
            EXECUTE ab_first;
            IF JSON_UNQUOTE(JSON_EXTRACT(v_side, '$.kind')) = 'hold_pay' THEN
                EXECUTE ab_second;
            END IF;
            INSERT INTO ab_time (side, us)
            VALUES ((v_done + v_turn) MOD v_count, (UNIX_TIMESTAMP(SYSDATE(6)) - v_started) * 1000000)
            ON DUPLICATE KEY UPDATE us = us + VALUES(us);
            DEALLOCATE PREPARE ab_first;
            DEALLOCATE PREPARE ab_second;
            SET v_turn = v_turn + 1;
        END WHILE;
        SET v_done = v_done + 1;
    END WHILE;
    SELECT side, us / p_events AS us_per_event FROM ab_time ORDER BY side;
END
""".replace("{trips}", str(SPREAD_TRIPS))


def install_loop(server) -> None:
    server_sql(server, f"DROP DATABASE IF EXISTS {AB_SCHEMA}", f"CREATE DATABASE {AB_SCHEMA}")
    conn = connect(server.with_database(AB_SCHEMA))
    conn.cursor().execute(LOOP)
    conn.close()


def events_off(url) -> None:
    """No event of the bench database runs while the sides are timed (the fold, expiry)."""
    conn = connect(url)
    cur = conn.cursor()
    cur.execute("SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()")
    for (name,) in cur.fetchall():
        cur.execute(f"ALTER EVENT `{name}` DISABLE")
    conn.close()


def prepare_sides(server, baseline: str, whatifs: list[Path]) -> list[dict]:
    """The databases to compare, each made and given its bench world; the baseline first."""
    with tempfile.TemporaryDirectory(prefix="travel-ab-") as tmp:
        short = export_revision(baseline, Path(tmp))
        sides = [
            {
                "label": f"{short} (baseline)",
                "db": BASE_DATABASE,
                **prepare(server.with_database(BASE_DATABASE), Path(tmp), oltp=False),
            }
        ]
    sides.append({"label": "today", "db": DATABASE, **prepare(server.with_database(DATABASE), oltp=False)})
    for n, path in enumerate(whatifs, start=1):
        db = f"travel_ab_whatif_{n}"
        world = prepare(server.with_database(db), oltp=False)
        apply_sql_file(server.with_database(db), path)
        sides.append({"label": f"today + {path.name}", "db": db, **world})
    for side in sides:
        events_off(server.with_database(side["db"]))
    return sides


def timed_run(server, entries: list[dict], events: int) -> list[float]:
    """One CALL of the loop: microseconds per event of each entry, in the order given."""
    conn = connect(server.with_database(AB_SCHEMA))
    cur = conn.cursor()
    cur.execute("CALL ab_loop(%s, %s)", (json.dumps(entries), events))
    times = [float(us) for _, us in cur.fetchall()]
    while cur.nextset():
        pass
    conn.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="server to use (its database is ignored)")
    parser.add_argument("--baseline", metavar="REV", required=True, help="git revision to compare with")
    parser.add_argument("--events", type=int, default=2000, help="events of each side per run (default 2000)")
    parser.add_argument("--runs", type=int, default=3, help="runs, each one CALL of the loop (default 3)")
    parser.add_argument("--kinds", nargs="*", default=["hold_pay", "purchase"],
                        help="hold_pay, purchase (the baseline's purchase when it has one)")  # fmt: skip
    parser.add_argument("--apply", type=Path, action="append", default=[], metavar="FILE",
                        help="a what-if: a database of today's with this SQL file run in it (repeatable)")  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    server = bench_url(args.database_url)
    sides = prepare_sides(server, args.baseline, args.apply)
    install_loop(server)
    entries, labels = [], []
    for kind in args.kinds:
        for side in sides:
            if kind == "purchase" and not has_purchase(server.with_database(side["db"])):
                continue
            entries.append({"db": side["db"], "kind": kind, "user": side["user_id"], "trip": side["spread"]})
            labels.append((kind, side["label"]))
    flush = flush_setting(server)
    server_sql(server, "SET GLOBAL innodb_flush_log_at_trx_commit = 0")
    try:
        results = [timed_run(server, entries, args.events) for _ in range(args.runs)]
    finally:
        server_sql(server, f"SET GLOBAL innodb_flush_log_at_trx_commit = {flush}")
    for n, times in enumerate(results, start=1):
        print(
            f"run {n}: "
            + ", ".join(f"{kind} {label} {us:.0f} us" for (kind, label), us in zip(labels, times, strict=True))
        )
    table = results_table(labels, results)
    print(table)
    if not args.no_write:
        write_section("booking-ab", SECTION.format(machine=describe_machine(connect(server.with_database(DATABASE))),
                                                   events=args.events, runs=args.runs, command=command_line(),
                                                   table=table, when=f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"))  # fmt: skip


SECTION = """## Time per booking event, sides taking turns event by event

{machine}.
A loop procedure calls each side's procedures in turn, event by event, {events} events a side
per run, {runs} runs: one session, the server otherwise idle, the log not flushed at commit
(innodb_flush_log_at_trx_commit = 0 for the run), the reporting fold not counted. Runs made
minutes apart agree within 1–2 %; the machine's state moves the times, and the ratios by up to
0.1× within a quarter of an hour, so compare sides within one run. The last
column is the baseline's hold+pay time over each row's, not a throughput ratio: under load the
clients, the fold and lock waits take their share and each commit's flush counts, so a purchase
(one commit against two) gains more in throughput and a lean hold+pay less.

    {command}

{table}

Measured {when} UTC.
"""


def flush_setting(server) -> int:
    conn = connect(server.with_database(AB_SCHEMA))
    cur = conn.cursor()
    cur.execute("SELECT @@GLOBAL.innodb_flush_log_at_trx_commit")
    (value,) = cur.fetchone()
    conn.close()
    return int(value)


def results_table(labels: list[tuple[str, str]], results: list[list[float]]) -> str:
    """Medians per entry, and the baseline's hold+pay time over each (one session, not throughput)."""
    medians = [statistics.median(run[i] for run in results) for i in range(len(labels))]
    base = medians[0] if labels[0][0] == "hold_pay" else None
    rows = ["| event | procedures | time per event, median (range) | baseline hold+pay ÷ this |", "|---|---|---|---|"]
    for i, (kind, label) in enumerate(labels):
        values = [run[i] for run in results]
        ratio = f"{base / medians[i]:.2f}×" if base else ""
        rows.append(f"| {kind} | {label} | {medians[i]:,.0f} µs ({min(values):,.0f}–{max(values):,.0f}) | {ratio} |")
    return "\n".join(rows)


if __name__ == "__main__":
    main()
