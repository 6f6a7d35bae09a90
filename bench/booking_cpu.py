"""Server CPU per booking, measured inside the server: no client, no network, no sysbench.

    .venv/bin/python bench/booking_cpu.py --baseline 69436a2 [--events 1000] [--rounds 5]

Throughput on this shared 2-core machine moves by 10-30 % from one 10 s run to the next, too
much to see a change of a few percent. This counts what the server spends instead: a loop
procedure (`bench_book_loop`, made in the bench databases only) calls create_reservation and
then pay_reservation (or purchase) `--events` times in one CALL, and the mariadbd process's
CPU time (/proc, user + system, all its threads, InnoDB's background work included) is read
before and after. Where the reporting tables are kept by a fold (V0030) rather than by
triggers, its event is switched off in the bench database and the loop is followed, inside the
measurement, by refresh_reporting_facts until the fold has caught up: the fold's work counts
against the procedures that cause it, and never lands in the other side's measurement. Today's procedures (`travel_sysbench`) and
the baseline revision's (`travel_sysbench_base`, as bench/booking.py --baseline makes them)
take turns, `--rounds` times; medians and ranges are printed, in microseconds per event.
Needs the local server (or --database-url with --pid, the server's process id).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from booking import DATABASE, SPREAD_TRIPS, prepare
from booking_baseline import BASE_DATABASE, export_revision
from common import ROOT, apply_sql_file, bench_url, connect

LOOP = (
    """
CREATE PROCEDURE bench_book_loop(IN p_user_id BIGINT, IN p_first_trip BIGINT, IN p_events INT, IN p_kind VARCHAR(10))
BEGIN
    DECLARE v_done INT DEFAULT 0;
    DECLARE v_segments JSON;
    WHILE v_done < p_events DO
        SET v_segments = CONCAT('[{"trip_id": ', p_first_trip + v_done MOD {trips}, ', "fare_class": "economy"}]');
        IF p_kind = 'purchase' THEN
            CALL purchase(p_user_id, v_segments, '[{{"full_name": "Bench Traveller"}}]', 10.00, 'EUR', 'card',
                CONCAT('cpu-', UUID()), @bench_r, @bench_p);
        ELSE
            CALL create_reservation(p_user_id, v_segments, '[{{"full_name": "Bench Traveller"}}]', @bench_r);
            IF p_kind = 'hold_pay' THEN
                CALL pay_reservation(@bench_r, p_user_id, 10.00, 'EUR', 'card', CONCAT('cpu-', @bench_r), @bench_p);
            END IF;
        END IF;
        SET v_done = v_done + 1;
    END WHILE;
END
""".replace("{trips}", str(SPREAD_TRIPS))
    .replace("{{", "{")
    .replace("}}", "}")
)


def server_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def install_loop(url) -> bool:
    """Makes the loop; switches the fold's event off. True when the database has a fold."""
    conn = connect(url)
    cur = conn.cursor()
    cur.execute("DROP PROCEDURE IF EXISTS bench_book_loop")
    cur.execute(LOOP)
    cur.execute(
        "SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()"
        " AND EVENT_NAME = 'fold_reporting_facts'"
    )
    (fold,) = cur.fetchone()
    if fold:
        cur.execute("ALTER EVENT fold_reporting_facts DISABLE")
    conn.close()
    return bool(fold)


def cpu_per_event(url, world: dict[str, int], pid: int, events: int, kind: str, fold: bool) -> float:
    """Microseconds of the server's CPU per event over one CALL of the loop (and the fold)."""
    conn = connect(url)
    cur = conn.cursor()
    before = server_cpu_seconds(pid)
    cur.execute("CALL bench_book_loop(%s, %s, %s, %s)", (world["user_id"], world["spread"], events, kind))
    if fold:
        cur.execute("CALL refresh_reporting_facts(500, 1000000, @bench_folded)")
    used = server_cpu_seconds(pid) - before
    conn.close()
    return used / events * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="server to use (its database is ignored)")
    parser.add_argument("--pid", type=int, help="the server's process id (default: the local server's)")
    parser.add_argument("--baseline", metavar="REV", required=True, help="git revision to compare with")
    parser.add_argument("--events", type=int, default=1000, help="events per measurement (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="turns of each side (default 5)")
    parser.add_argument("--kinds", nargs="*", default=["hold", "hold_pay", "purchase"],
                        help="hold, hold_pay, purchase (the baseline is measured for the first two)")  # fmt: skip
    parser.add_argument("--apply", type=Path, metavar="FILE",
                        help="run this SQL file in today's bench database first (a what-if)")  # fmt: skip
    args = parser.parse_args()
    server = bench_url(args.database_url)
    pid = args.pid or int((ROOT / ".travel" / "server" / "mysqld.pid").read_text())
    new_url, base_url = server.with_database(DATABASE), server.with_database(BASE_DATABASE)
    with tempfile.TemporaryDirectory(prefix="travel-cpu-") as tmp:
        short = export_revision(args.baseline, Path(tmp))
        base = prepare(base_url, Path(tmp), oltp=False)
    new = prepare(new_url, oltp=False)
    if args.apply:
        apply_sql_file(new_url, args.apply)
    folds = {url: install_loop(url) for url in (base_url, new_url)}
    today = f"today + {args.apply.name}" if args.apply else "today"
    sides = [(f"{short} (baseline)", base_url, base), (today, new_url, new)]
    results: dict[tuple[str, str], list[float]] = {}
    for n in range(args.rounds):
        for kind in args.kinds:
            for label, url, world in sides:
                if kind == "purchase" and url is base_url:
                    continue  # the baseline has no purchase
                us = cpu_per_event(url, world, pid, args.events, kind, folds[url])
                results.setdefault((kind, label), []).append(us)
                print(f"round {n + 1} {kind:9} {label:20} {us:7.0f} us/event", flush=True)
    print("| event | procedures | server CPU per event, median (range) | baseline ÷ this |\n|---|---|---|---|")
    for (kind, label), values in results.items():
        base_values = results.get((kind, sides[0][0])) or results[("hold_pay", sides[0][0])]
        ratio = statistics.median(base_values) / statistics.median(values)
        print(f"| {kind} | {label} | {statistics.median(values):.0f} µs ({min(values):.0f}–{max(values):.0f}) "
              f"| {ratio:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
