"""Races between real connections, each ending with the invariants checked.

Every worker thread has its own connection (with the test clock) and starts at a barrier, so
the calls really overlap. Business errors are outcomes; anything else fails the test.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from harness import procedures as sp
from harness.db import RETRIES
from harness.errors import BusinessError

from .conftest import NOW, open_at


def race(url, jobs: list[tuple[dt.datetime, Callable]]) -> list[str]:
    """Run each job (clock, fn(conn)) on its own connection at once; returns 'ok' or the error code."""
    barrier = threading.Barrier(len(jobs), timeout=60)  # one that never arrives fails the rest, not hangs them

    def run(job):
        clock, fn = job
        conn = open_at(url, clock)
        try:
            barrier.wait()
            fn(conn)
            return "ok"
        except BusinessError as err:
            return err.code
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def test_32_buyers_of_2_seats_on_40_seats(shop):
    trip = shop.trip(capacity=40)
    users = [shop.user() for _ in range(32)]
    segments = [{"trip_id": trip, "fare_class": "economy"}]
    people = [{"full_name": "A"}, {"full_name": "B"}]
    jobs = [(NOW, lambda conn, u=u: sp.create_reservation(conn, u, segments, people)) for u in users]
    outcomes = Counter(race(shop.url, jobs))
    assert outcomes == {"ok": 20, "SOLD_OUT": 12}
    assert shop.fare(trip) == (40, 40, 0)
    assert shop.violations() == []


def test_opposite_order_multi_segment_bookings_do_not_deadlock(shop):
    a, b = shop.trip(capacity=100), shop.trip(capacity=100)
    users = [shop.user() for _ in range(32)]
    people = [{"full_name": "A"}]
    jobs = []
    for i, user in enumerate(users):
        order = [a, b] if i % 2 else [b, a]
        segments = [{"trip_id": t, "fare_class": "economy"} for t in order]
        jobs.append((NOW, lambda conn, u=user, s=segments: sp.create_reservation(conn, u, s, people)))
    deadlocks = RETRIES[1213]
    assert Counter(race(shop.url, jobs)) == {"ok": 32}
    assert RETRIES[1213] == deadlocks  # retried ones would pass unseen otherwise
    assert shop.fare(a) == (100, 32, 0) and shop.fare(b) == (100, 32, 0)
    assert shop.violations() == []


def test_opposite_order_multi_segment_purchases_do_not_deadlock(shop):
    """As above for purchase, which writes each segment before it locks that segment's fare."""
    a, b = shop.trip(capacity=100, price="10.00"), shop.trip(capacity=100, price="10.00")
    users = [shop.user() for _ in range(16)]
    jobs = []
    for i, user in enumerate(users):
        order = [a, b] if i % 2 else [b, a]
        segments = [{"trip_id": t, "fare_class": "economy"} for t in order]
        jobs.append((NOW, lambda conn, u=user, s=segments: sp.purchase(
            conn, u, s, [{"full_name": "A"}, {"full_name": "B"}], "40.00", "EUR", "card", f"both-{u}")))  # fmt: skip
    deadlocks = RETRIES[1213]
    assert Counter(race(shop.url, jobs)) == {"ok": 16}
    assert RETRIES[1213] == deadlocks
    assert shop.fare(a) == (100, 0, 32) and shop.fare(b) == (100, 0, 32)
    assert shop.violations() == []


def test_hold_and_pay_on_one_busy_trip_never_deadlock(shop):
    """Sixteen sessions booking and paying the same fare: lock order, not retries, keeps them apart.
    Until V0054 the segments' foreign key to trip_fares S-locked the fare whenever a segment was
    written or its held_until changed, so both had to wait until the fare was X-locked (done
    before, two payers deadlocked on every other booking); now they come first, and this test
    is what says that no lock on the fare came back with them."""
    trip = shop.trip(capacity=1000, price="10.00")
    users = [shop.user() for _ in range(16)]

    def book_and_pay(conn, user):
        for n in range(8):
            reservation_id = sp.create_reservation(
                conn, user, [{"trip_id": trip, "fare_class": "economy"}], [{"full_name": "A"}]
            )
            sp.pay_reservation(conn, reservation_id, user, "10.00", "EUR", "card", f"busy-{user}-{n}")

    deadlocks = RETRIES[1213]
    assert Counter(race(shop.url, [(NOW, lambda conn, u=u: book_and_pay(conn, u)) for u in users])) == {"ok": 16}
    assert RETRIES[1213] == deadlocks
    assert shop.fare(trip) == (1000, 0, 128)
    assert shop.violations() == []


def make_holds(shop, count: int) -> list[tuple[int, int]]:
    trips = [shop.trip(capacity=count // 4 + 1, price="25.00") for _ in range(4)]
    holds = []
    for i in range(count):
        user = shop.user()
        holds.append((shop.book(user, trips[i % 4]), user))
    return holds


def chunks(items: list, n: int) -> list[list]:
    return [items[i::n] for i in range(n)]


def test_pay_racing_expire_ends_in_exactly_one_state(shop):
    holds = make_holds(shop, 200)
    random.Random(7).shuffle(holds)
    pay_outcomes: dict[int, str] = {}

    def payer(batch):
        def work(conn):
            for reservation_id, user in batch:
                try:
                    sp.pay_reservation(conn, reservation_id, user, "25.00", "EUR", "card", f"race-exp-{reservation_id}")
                    pay_outcomes[reservation_id] = "ok"
                except BusinessError as err:
                    pay_outcomes[reservation_id] = err.code

        return work

    def expirer(conn):
        for _ in range(400):
            if sp.expire_reservations(conn, 5) == 0 and len(pay_outcomes) == len(holds):
                return

    # the payments arrive in the last second of the holds; the expiry job runs as they lapse
    pay_clock, expire_clock = NOW + dt.timedelta(minutes=14, seconds=59), NOW + dt.timedelta(minutes=15)
    jobs = [(pay_clock, payer(batch)) for batch in chunks(holds, 8)] + [(expire_clock, expirer)] * 2
    assert Counter(race(shop.url, jobs)) == {"ok": 10}
    assert set(Counter(pay_outcomes.values())) <= {"ok", "TOO_LATE"}
    for reservation_id, _ in holds:
        status = shop.reservation(reservation_id)["status"]
        payments = shop.query("SELECT COUNT(*) AS n FROM payments WHERE reservation_id = %s", reservation_id)[0]["n"]
        tickets = shop.query(
            "SELECT COUNT(*) AS n FROM tickets WHERE reservation_id = %s AND status = 'active'", reservation_id
        )[0]["n"]
        expected = ("confirmed", 1, 1) if pay_outcomes[reservation_id] == "ok" else ("expired", 0, 0)
        assert (status, payments, tickets) == expected, reservation_id
    assert shop.violations() == []


def test_pay_racing_cancel_ends_in_exactly_one_state(shop):
    holds = make_holds(shop, 200)
    random.Random(11).shuffle(holds)
    outcomes: dict[tuple[str, int], str] = {}

    def actor(kind, batch):
        def work(conn):
            for reservation_id, user in batch:
                try:
                    if kind == "pay":
                        sp.pay_reservation(
                            conn, reservation_id, user, "25.00", "EUR", "card", f"race-can-{reservation_id}"
                        )
                    else:
                        sp.cancel_reservation(conn, reservation_id, user, "race")
                    outcomes[(kind, reservation_id)] = "ok"
                except BusinessError as err:
                    outcomes[(kind, reservation_id)] = err.code

        return work

    clock = NOW + dt.timedelta(minutes=1)
    jobs = [(clock, actor("pay", b)) for b in chunks(holds, 6)]
    jobs += [(clock, actor("cancel", list(reversed(b)))) for b in chunks(holds, 6)]
    assert Counter(race(shop.url, jobs)) == {"ok": 12}
    for reservation_id, _ in holds:
        paid = outcomes[("pay", reservation_id)]
        assert outcomes[("cancel", reservation_id)] == "ok"  # a held or a confirmed reservation can be cancelled
        assert paid in ("ok", "INVALID_STATE")
        assert shop.reservation(reservation_id)["status"] == "cancelled"
        money = shop.query(
            "SELECT (SELECT COALESCE(SUM(amount), 0) FROM payments WHERE reservation_id = %s) AS paid,"
            " (SELECT COALESCE(SUM(amount), 0) FROM refunds WHERE reservation_id = %s) AS refunded,"
            " (SELECT COUNT(*) FROM tickets WHERE reservation_id = %s AND status = 'active') AS active",
            reservation_id, reservation_id, reservation_id,
        )[0]  # fmt: skip
        expected = ("25.00", "25.00") if paid == "ok" else ("0.00", "0.00")  # 10 days out: a full refund
        assert (str(money["paid"]), str(money["refunded"]), money["active"]) == (*expected, 0), reservation_id
    assert shop.violations() == []
