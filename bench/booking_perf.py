"""Where the server's CPU goes while it books: `perf` on mariadbd during a sysbench booking run.

    .venv/bin/python bench/booking.py --quick --threads 8 --no-write   # makes the bench trips
    .venv/bin/python bench/booking_perf.py [--call hold_pay|purchase] [--seconds 8]

Needs Linux `perf` (Debian: linux-perf) and the local server (or --database-url with --pid, the
server's process id). Runs the workload of bench/sysbench/booking.lua with 8 threads over the
1,000 bench trips of `travel_sysbench`, samples mariadbd's stacks meanwhile (`perf record -g`),
and prints the share of the server's samples spent under each of a few frames: the reporting
fold's event thread, stored-function calls (utc_now), SELECTs and their optimizer, UPDATEs,
INSERTs, commits, SET/DECLARE and IF evaluation. Shares overlap (a SELECT inside an INSERT
counts under both); they say where to look, not a sum. Figures go into docs/benchmarks.md by
hand (section `booking-perf`).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import threading
from pathlib import Path

from booking import DATABASE, SPREAD_TRIPS, run_booking
from booking_profile import bench_world
from common import ROOT, bench_url, connect

FRAMES = {
    "Event_worker_thread::run": "event thread (the reporting fold)",
    "Item_sp::execute_impl": "stored-function calls (utc_now)",
    "handle_select": "SELECT statements",
    "JOIN::optimize": "optimizer (all statements)",
    "mysql_update": "UPDATE statements",
    "mysql_insert": "INSERT statements",
    "sp_head::execute_trigger": "triggers (status history)",
    "ha_commit_trans": "commits",
    "sp_instr_set::exec_core": "SET and DECLARE ... DEFAULT",
    "sp_instr_jump_if_not::exec_core": "IF and WHILE conditions",
}


def shares(data: Path) -> dict[str, float]:
    """Inclusive share (%) of the samples under each frame of FRAMES."""
    out = subprocess.run(["perf", "report", "-i", str(data), "--children", "-g", "none", "--sort", "symbol",
                          "--stdio"], capture_output=True, text=True, check=True).stdout  # fmt: skip
    found = {}
    for line in out.splitlines():
        parts = line.split()  # children%  self%  [.]  symbol  ...
        if len(parts) >= 4 and parts[0].endswith("%") and parts[3] in FRAMES:
            found[parts[3]] = float(parts[0].rstrip("%"))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help=f"server to use (its database is ignored: {DATABASE})")
    parser.add_argument("--pid", type=int, help="the server's process id (default: the local server's)")
    parser.add_argument("--call", choices=["hold_pay", "purchase"], default="hold_pay")
    parser.add_argument("--seconds", type=int, default=8, help="seconds of sampling (the run lasts 4 s more)")
    args = parser.parse_args()
    url = bench_url(args.database_url).with_database(DATABASE)
    pid = args.pid or int((ROOT / ".travel" / "server" / "mysqld.pid").read_text())
    conn = connect(url)
    user, first_trip = bench_world(conn)
    conn.close()
    world = {"user_id": user}
    result = {}
    run = threading.Thread(target=lambda: result.update(
        run_booking(url, world, 8, args.seconds + 4, first_trip, SPREAD_TRIPS, args.call)))  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="travel-perf-") as tmp:
        data = Path(tmp) / "perf.data"
        run.start()
        threading.Event().wait(2)  # past the connections' start
        subprocess.run(["perf", "record", "-F", "499", "-g", "-p", str(pid), "-o", str(data), "--", "sleep",
                        str(args.seconds)], capture_output=True, check=True)  # fmt: skip
        run.join()
        found = shares(data)
    print(f"{args.call}, 8 threads, 1,000 trips: {result.get('tps', 0):.0f} events/s during the run")
    print("| frame | what | share of mariadbd's samples |\n|---|---|---|")
    for frame, what in FRAMES.items():
        print(f"| `{frame}` | {what} | {found.get(frame, 0.0):.1f} % |")


if __name__ == "__main__":
    main()
