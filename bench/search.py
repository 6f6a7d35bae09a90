"""search_trips latency under concurrency (issue: benchmarks, item 5).

    .venv/bin/python bench/search.py --load    # once: 100,000 trips x 4 fare classes (about a minute)
    .venv/bin/python bench/search.py [--clients 8] [--seconds 20]

Runs on its own synthetic data set in `travel_search`: 100,000 trips that each sell all four
fare classes, and 100,000 reservations on them (`travel seed synthetic --trips 100000
--every-fare-class`). Each client is a process of its own (no shared interpreter lock) with its
own connection, calling search_trips for a random route that has trips and a random departure
date in the data, as fast as it can: once through MariaDB Connector/Python (C; the `bench-c`
extra, skipped with a note when missing) and once through the harness's pure-Python connector,
whose own CPU on this 2-core machine is about as much as the server's. The clock of each
session stands at the start of the generated year (`SET timestamp`), so every trip counts as
bookable. Figures go into
docs/benchmarks.md (section `search`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import random
import time

import mysql.connector
from common import (
    bench_url,
    command_line,
    connect,
    describe_machine,
    fresh_database,
    percentile,
    write_section,
)

from harness import procedures as sp
from harness.synthetic import generate

TARGET_P95_MS = 5.0
CLOCK = dt.datetime(2025, 7, 1)
DATABASE = "travel_search"
TRIPS = RESERVATIONS = 100_000


def trip_count(url) -> int:
    """Trips in the search data set; 0 when its database does not exist yet."""
    try:
        conn = connect(url)
    except mysql.connector.Error as err:
        if err.errno == 1049:  # unknown database
            return 0
        raise
    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM trips")
    (count,) = cur.fetchone()
    conn.close()
    return int(count)


def load(url) -> None:
    conn = fresh_database(url)
    started = time.perf_counter()
    generate(conn, RESERVATIONS, seed=42, trips=TRIPS, every_fare_class=True, progress=print)
    conn.close()
    print(f"loaded {TRIPS:,} trips x 4 fare classes and {RESERVATIONS:,} reservations in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip


def routes_and_days(conn) -> tuple[list[tuple[str, str]], int, dt.date]:
    cur = conn.cursor()
    cur.execute(
        "SELECT DISTINCT o.code, d.code FROM trips AS t"
        " INNER JOIN stations AS o ON t.origin_station_id = o.station_id"
        " INNER JOIN stations AS d ON t.destination_station_id = d.station_id"
    )
    routes = cur.fetchall()
    cur.execute("SELECT COUNT(*), MIN(DATE(departs_at)) FROM trips")
    trips, first_day = cur.fetchone()
    cur.execute("SELECT COUNT(*) FROM trip_fares")
    (fares,) = cur.fetchone()
    cur.close()
    conn.commit()
    print(f"{trips:,} trips, {fares:,} fares, {len(routes)} routes")
    return routes, int(trips), first_day


def harness_search(url):
    """search_trips through the harness (pure-Python connector), as the API calls it."""
    conn = connect(url, autocommit=True)  # no COMMIT round trip after each read-only call
    conn.cursor().execute("SET timestamp = UNIX_TIMESTAMP(%s)", (CLOCK,))
    return lambda origin, destination, day: len(sp.search_trips(conn, origin, destination, day, None, 1))


def c_search(url):
    """search_trips through MariaDB Connector/Python (libmariadb, C): the client's own CPU, on
    the server's two cores, is then a fraction of the pure-Python one's."""
    import mariadb  # the `bench-c` extra; building it needs libmariadb-dev

    conn = mariadb.connect(host=url.host, port=url.port, user=url.user, password=url.password,
                           database=url.database, autocommit=True)  # fmt: skip
    cur = conn.cursor()
    cur.execute("SET timestamp = UNIX_TIMESTAMP(?)", (CLOCK,))

    def search(origin, destination, day) -> int:
        cur.callproc("search_trips", (origin, destination, day, None, 1))
        found = len(cur.fetchall())
        while cur.nextset():
            pass
        return found

    return search


CLIENTS = {
    "c": ("MariaDB Connector/Python (C)", c_search),
    "harness": ("harness, pure-Python connector", harness_search),
}


def client(kind: str, url, routes, first_day, deadline: float, seed: int) -> tuple[list[float], list[int]]:
    search = CLIENTS[kind][1](url)
    latencies: list[float] = []
    found: list[int] = []
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        origin, destination = rng.choice(routes)
        day = first_day + dt.timedelta(days=rng.randrange(365))
        started = time.perf_counter()
        found.append(search(origin, destination, day))
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies, found


def measure(kind: str, url, routes, first_day, clients: int, seconds: int) -> dict:
    deadline = time.monotonic() + seconds  # monotonic clocks are shared by the processes
    with multiprocessing.Pool(clients) as pool:
        results = pool.starmap(client, [(kind, url, routes, first_day, deadline, n) for n in range(clients)])
    latencies = [ms for lat, _ in results for ms in lat]
    found = [n for _, hits in results for n in hits]
    p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
    figures = {"kind": kind, "rate": len(latencies) / seconds, "p50": p50, "p95": p95, "p99": p99}
    figures["verdict"] = "met" if p95 <= TARGET_P95_MS else "MISSED"
    figures["hits"] = sum(1 for n in found if n) / len(found)
    print(f"{CLIENTS[kind][0]}: {len(latencies)} searches ({figures['rate']:.0f}/s), p50 {p50:.2f} ms, "
          f"p95 {p95:.2f} ms, p99 {p99:.2f} ms: {figures['verdict']}; {figures['hits']:.0%} found trips")  # fmt: skip
    return figures


def available_kinds() -> list[str]:
    try:
        import mariadb  # noqa: F401
    except ImportError:
        print("MariaDB Connector/Python is not installed: measuring through the harness only "
              "(apt-get install libmariadb-dev; .venv/bin/pip install -e '.[bench-c]')")  # fmt: skip
        return ["harness"]
    return ["c", "harness"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help=f"the search data set (default: local server, {DATABASE})")
    parser.add_argument("--load", action="store_true", help=f"load the data set first when it has not {TRIPS:,} trips")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=20, help="per client kind")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    url = bench_url(args.database_url)
    if not args.database_url:
        url = url.with_database(DATABASE)
    if trip_count(url) != TRIPS:
        if not args.load:
            raise SystemExit(f"{url.database} has not the {TRIPS:,} search trips: run bench/search.py --load first")
        load(url)
    conn = connect(url)
    routes, trips, first_day = routes_and_days(conn)
    conn.close()
    runs = [measure(kind, url, routes, first_day, args.clients, args.seconds) for kind in available_kinds()]
    if args.no_write:
        return
    lines = [
        f"| {CLIENTS[r['kind']][0]} | {r['rate']:.0f} | {r['p50']:.2f} ms | {r['p95']:.2f} ms | {r['p99']:.2f} ms | "
        f"≤ {TARGET_P95_MS:.0f} ms | {r['verdict']} |"
        for r in runs
    ]
    write_section(
        "search",
        f"""## search_trips latency

{describe_machine(connect(url))}; {trips:,} trips × 4 fare classes (`travel_search`), {args.clients}
client processes for {args.seconds} s per client kind, each call a random route with trips and a
random day of the year ({runs[-1]["hits"]:.0%} found some). Latency is measured in the client,
its own time included: the clients share the server's two cores.

    {command_line()}

| client | searches/s | p50 | p95 | p99 | target p95 | |
|---|---|---|---|---|---|---|
"""
        + "\n".join(lines)
        + f"""

Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.""",
    )


if __name__ == "__main__":
    main()
