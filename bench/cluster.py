"""Booking throughput and conflicts: one server vs three Galera nodes (issue 12, item 9).

    .venv/bin/python bench/cluster.py            # 15 s per run
    .venv/bin/python bench/cluster.py --quick    # 5 s per run

In one run, on throwaway servers of its own (a private server, then a 3-node cluster on
loopback, both with the default durability settings, stopped at the end): THREADS client
threads book and pay (create_reservation + pay_reservation, each retried by the harness's
policy) for a fixed time, spread over 200 trips and on one hot trip, in three topologies:

- 1 node: one server, no Galera;
- 3 writing nodes: the threads spread over the three nodes (every node takes writes);
- 3 nodes, one writer: every thread on node 1, the others only apply its writes.

It reports booking events/s (a hold and its payment), the retries the harness took (deadlocks,
lock wait timeouts and certification failures) per 100 events, and failures that reached the
caller (must be 0). Figures go into docs/benchmarks.md (section `cluster`).

Caveat: every node runs on this one machine (2 cores shared by all nodes and the client
threads), so "3 nodes" measures the cost of certification and replication, not extra capacity:
on separate machines each node would have its own cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import threading
import time
from dataclasses import dataclass

from common import ROOT, command_line, describe_machine, write_section

from harness import procedures as sp
from harness.cluster import throwaway_cluster
from harness.db import COLLATION, RETRIES, DatabaseUrl, connect, read_your_writes
from harness.migrate import Migrator
from harness.project import Project
from harness.seed import seed_reference
from harness.server import throwaway_server

THREADS = 8
SPREAD_TRIPS = 200
DATABASE = "travel_bench_cluster"
DEPARTS = dt.datetime(2031, 1, 1, 6, 0)


@dataclass
class Result:
    topology: str
    workload: str
    events_per_s: float
    retries_per_100: float
    failures: int


def prepare(url: DatabaseUrl) -> DatabaseUrl:
    """A migrated database with the reference data and one user per client thread."""
    conn = connect(url.with_database(""), database=False, autocommit=True)
    conn.cursor().execute(f"DROP DATABASE IF EXISTS `{DATABASE}`")
    conn.cursor().execute(f"CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4 COLLATE {COLLATION}")
    conn.close()
    url = url.with_database(DATABASE)
    Migrator(url, Project(ROOT), echo=lambda _: None).migrate()
    conn = connect(url)
    seed_reference(conn, ROOT)
    conn.close()
    return url


def add_trips(url: DatabaseUrl, count: int, label: str) -> list[int]:
    conn = connect(url)
    trips = []
    for n in range(count):
        when = DEPARTS + dt.timedelta(minutes=n)
        fares = [{"fare_class": "economy", "capacity": 1_000_000, "price": "10.00", "currency": "EUR"}]
        trips.append(sp.add_trip(conn, "LH", f"{label}{n}", "FRA", "CDG", when, when + dt.timedelta(hours=1), fares))
    conn.close()
    return trips


def users(url: DatabaseUrl, label: str) -> list[int]:
    conn = connect(url)
    ids = [sp.register_user(conn, f"{label}-{n}@bench.example", "bench-hash", "Bench", None) for n in range(THREADS)]
    conn.close()
    return ids


def run(topology: str, workload: str, urls: list[DatabaseUrl], seconds: float) -> Result:
    """THREADS threads (thread n on urls[n % len(urls)]) book and pay for `seconds`."""
    label = f"{topology[:1]}{workload[:1]}{int(time.time() * 1000) % 100000}"
    trips = add_trips(urls[0], SPREAD_TRIPS if workload == "spread" else 1, label)
    people = users(urls[0], label)
    time.sleep(0.5)  # let the other nodes apply the new trips and users
    done, failures = [0] * THREADS, [0] * THREADS
    barrier, stop = threading.Barrier(THREADS + 1), threading.Event()

    def client(n: int) -> None:
        conn, rng = connect(urls[n % len(urls)]), random.Random(n)
        barrier.wait()
        while not stop.is_set():
            try:
                segments = [{"trip_id": rng.choice(trips), "fare_class": "economy"}]
                reservation_id = sp.create_reservation(conn, people[n], segments, [{"full_name": "A"}])
                sp.pay_reservation(conn, reservation_id, people[n], "10.00", "EUR", "card", f"b{reservation_id}")
                done[n] += 1
            except Exception:  # noqa: BLE001 - a business error or one the retries gave up on: counted, must stay 0
                failures[n] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    retries_before = RETRIES[1213] + RETRIES[1205]
    barrier.wait()
    started = time.monotonic()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    retries = RETRIES[1213] + RETRIES[1205] - retries_before
    events = sum(done)
    result = Result(topology, workload, events / elapsed, 100 * retries / max(1, events), sum(failures))
    print(f"{topology:28} {workload:6} {result.events_per_s:8.1f} events/s  {result.retries_per_100:6.1f} "
          f"retries/100  {result.failures} failures", flush=True)  # fmt: skip
    return result


def measure(seconds: float) -> tuple[list[Result], str]:
    results: list[Result] = []
    single = throwaway_server("travel-bench-single-", event_scheduler=False)
    try:
        single.start(database="")
        url = prepare(single.url(""))
        conn = connect(url)
        machine = describe_machine(conn)
        conn.close()
        for workload in ("spread", "hot"):
            results.append(run("1 node", workload, [url], seconds))
    finally:
        single.stop()
        shutil.rmtree(single.base, ignore_errors=True)
    cluster = throwaway_cluster("travel-bench-cluster-", 3, event_scheduler=False)
    try:
        cluster.start(database="")
        first = prepare(cluster.nodes[0].url(""))
        urls = [read_your_writes(node.url(first.database)) for node in cluster.nodes]
        for workload in ("spread", "hot"):
            results.append(run("3 writing nodes", workload, urls, seconds))
            results.append(run("3 nodes, one writer (node 1)", workload, urls[:1], seconds))
    finally:
        cluster.stop()
        shutil.rmtree(cluster.base, ignore_errors=True)
    return results, machine


def report(results: list[Result], machine: str, seconds: float) -> str:
    rows = "\n".join(
        f"| {r.topology} | {r.workload} | {r.events_per_s:.1f} | {r.retries_per_100:.1f} | {r.failures} |"
        for r in results
    )
    return f"""## Galera cluster: 1 node vs 3 writing nodes vs 3 nodes with one writer

`{command_line()}` ({seconds:.0f} s per run, {THREADS} client threads; {machine}).
Booking event = create_reservation + pay_reservation; retries = deadlocks, lock wait timeouts
and certification failures the harness retried (harness/db.py with_retry), per 100 events;
failures = errors that reached the caller. Spread: {SPREAD_TRIPS} trips; hot: one trip.

| topology | workload | booking events/s | retries per 100 events | failures |
|---|---|---|---|---|
{rows}

Caveat: all three nodes, the single server and the client threads share this machine's
{os.cpu_count()} cores (and whatever else runs on it: on the shared development machine two runs
differed by up to 2x), so the cluster rows show what certification and synchronous replication
cost, not the capacity three machines would add. Read the retries and failures as the result;
the rates only within one run. On one hot trip every writer updates the same fare row: across
nodes those writes conflict in certification (retries, all absorbed), while through one writer
they queue on the row lock as on one server (no retries).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 s per run instead of 15 s")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    seconds = 5.0 if args.quick else 15.0
    results, machine = measure(seconds)
    text = report(results, machine, seconds)
    print(text)
    if not args.no_doc:
        write_section("cluster", text)


if __name__ == "__main__":
    main()
