"""Cross-node races of the operations that must not interleave (issue 12, item 2).

Row locks are node-local on Galera: a lock taken on node 1 does not stop a writer on node 2,
and only transactions that write a common row conflict (in certification, at commit). So each
pair below is raced across two nodes, TRIES times, each try on fresh rows: the two calls start
at a barrier on their own connections. After every try the rows it touched are checked, and
after each pair integrity_violations must be empty on every node. Business errors are outcomes;
a raw server error reaching the caller (a 1213 the retries did not absorb) fails the test.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness import procedures as sp
from harness.errors import BusinessError
from tests.procedures.conftest import NOW, Shop, open_at

from .conftest import violations_on_every_node

pytestmark = pytest.mark.cluster

TRIES = 120
SEGMENT = "economy"


def race(jobs: list[tuple]) -> list[str]:
    """Run each (url, clock, fn(conn)) on its own connection at once; 'ok' or the error code."""
    barrier = threading.Barrier(len(jobs), timeout=60)  # one that never arrives fails the rest, not hangs them

    def run(job) -> str:
        url, clock, fn = job
        conn = open_at(url, clock)
        try:
            barrier.wait()
            fn(conn)
            return "ok"
        except BusinessError as err:
            return err.code
        except Exception as err:  # noqa: BLE001 - reported: no raw error may reach a caller
            return f"raw {getattr(err, 'errno', type(err).__name__)}: {getattr(err, 'msg', err)}"
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


class Pair:
    """Per-try setup on node 1 and the state checks, through node 1 (which waits for node 2's
    writes: the URLs ask for wsrep_sync_wait)."""

    def __init__(self, shops: list[Shop]):
        self.shop = shops[0]
        self.urls = [s.url for s in shops]

    def trip(self) -> int:
        return self.shop.trip(capacity=5, price="40.00")

    def hold(self, trip: int) -> tuple[int, int]:
        user = self.shop.user()
        return self.shop.book(user, trip), user

    def one(self, sql: str, *args) -> int:
        (row,) = self.shop.query(sql, *args)
        return int(next(iter(row.values())) or 0)

    def cancelled_trip_still_sold(self, trip: int) -> int:
        """Active tickets or live reservations on `trip` once it is cancelled (must be 0)."""
        if self.one("SELECT COUNT(*) FROM trips WHERE trip_id = %s AND status = 'cancelled'", trip) == 0:
            return 0
        return self.one("SELECT COUNT(*) FROM tickets WHERE trip_id = %s AND status = 'active'", trip) + self.one(
            "SELECT COUNT(*) FROM reservations AS r INNER JOIN reservation_segments AS s USING (reservation_id)"
            " WHERE s.trip_id = %s AND r.status IN ('held', 'confirmed')",
            trip,
        )

    def money_wrong(self, reservation_id: int) -> int:
        """A reservation whose payment, refund and tickets disagree with its status (must be 0)."""
        status = self.shop.reservation(reservation_id)["status"]
        payments = self.one("SELECT COUNT(*) FROM payments WHERE reservation_id = %s", reservation_id)
        refunds = self.one("SELECT COUNT(*) FROM refunds WHERE reservation_id = %s", reservation_id)
        active = self.one(
            "SELECT COUNT(*) FROM tickets WHERE reservation_id = %s AND status = 'active'", reservation_id
        )
        if status == "confirmed":
            return int(not (payments == 1 and refunds == 0 and active == 1))
        if status in ("expired", "held"):
            return int(not (payments == 0 and active == 0))
        return int(not (active == 0 and payments == refunds))  # cancelled: a payment is refunded

    def run(self, tries: int, make: Callable[[], tuple[list[tuple], Callable[[], int]]]) -> tuple[Counter, list]:
        """Race `tries` times; returns the outcomes and, per broken try, its outcome and rows."""
        outcomes: Counter = Counter()
        broken = []
        for _ in range(tries):
            jobs, check = make()
            outcome = tuple(race(jobs))
            outcomes[outcome] += 1
            if check():
                broken.append((outcome, self.rows_of_last_try()))
        return outcomes, broken

    def rows_of_last_try(self) -> list[dict]:
        """The newest reservations and trip, for the failure message (a repro's evidence)."""
        return self.shop.query(
            "SELECT r.reservation_id, r.status, s.trip_id, t.status AS trip_status, s.held_until,"
            " (SELECT COUNT(*) FROM payments AS p WHERE p.reservation_id = r.reservation_id) AS payments,"
            " (SELECT COUNT(*) FROM refunds AS f WHERE f.reservation_id = r.reservation_id) AS refunds,"
            " (SELECT COUNT(*) FROM tickets AS k WHERE k.reservation_id = r.reservation_id AND k.status = 'active')"
            " AS active_tickets"
            " FROM reservations AS r INNER JOIN reservation_segments AS s USING (reservation_id)"
            " INNER JOIN trips AS t USING (trip_id) ORDER BY r.reservation_id DESC LIMIT 2"
        )


def assert_clean(outcomes: Counter, broken: list, urls) -> None:
    raw = {k: n for k, n in outcomes.items() if any(code.startswith("raw") for code in k)}
    assert raw == {}, f"raw server errors reached callers: {raw}"
    assert broken == [], f"{len(broken)} of {TRIES} tries broke the invariant: {broken}; outcomes {dict(outcomes)}"
    assert violations_on_every_node(urls) == [[]] * len(urls)


def test_book_on_one_node_vs_cancel_trip_on_another(shops):
    pair = Pair(shops)

    def make():
        trip, user = pair.trip(), pair.shop.user()

        def book_and_pay(conn):
            reservation_id = sp.create_reservation(conn, user, [{"trip_id": trip, "fare_class": SEGMENT}],
                                                   [{"full_name": "A"}])  # fmt: skip
            sp.pay_reservation(conn, reservation_id, user, "40.00", "EUR", "card", f"bc-{reservation_id}")

        jobs = [(pair.urls[0], NOW, book_and_pay), (pair.urls[1], NOW, lambda c: sp.cancel_trip(c, trip, "race"))]
        return jobs, lambda: pair.cancelled_trip_still_sold(trip)

    outcomes, broken = pair.run(TRIES, make)
    assert_clean(outcomes, broken, pair.urls)


def test_pay_on_one_node_vs_cancel_trip_on_another(shops):
    pair = Pair(shops)

    def make():
        trip = pair.trip()
        reservation_id, user = pair.hold(trip)
        pay = lambda c: sp.pay_reservation(c, reservation_id, user, "40.00", "EUR", "card", f"pc-{reservation_id}")  # noqa: E731
        jobs = [(pair.urls[0], NOW, pay), (pair.urls[1], NOW, lambda c: sp.cancel_trip(c, trip, "race"))]
        return jobs, lambda: pair.cancelled_trip_still_sold(trip) + pair.money_wrong(reservation_id)

    outcomes, broken = pair.run(TRIES, make)
    assert_clean(outcomes, broken, pair.urls)


def test_pay_on_one_node_vs_expire_on_another(shops):
    pair = Pair(shops)
    pay_clock, expire_clock = NOW + dt.timedelta(minutes=14, seconds=59), NOW + dt.timedelta(minutes=15)

    def make():
        reservation_id, user = pair.hold(pair.trip())
        pay = lambda c: sp.pay_reservation(c, reservation_id, user, "40.00", "EUR", "card", f"pe-{reservation_id}")  # noqa: E731
        jobs = [(pair.urls[0], pay_clock, pay), (pair.urls[1], expire_clock, lambda c: sp.expire_reservations(c, 100))]
        return jobs, lambda: pair.money_wrong(reservation_id)

    outcomes, broken = pair.run(TRIES, make)
    assert_clean(outcomes, broken, pair.urls)


def test_cancel_reservation_on_one_node_vs_pay_on_another(shops):
    pair = Pair(shops)

    def make():
        reservation_id, user = pair.hold(pair.trip())
        pay = lambda c: sp.pay_reservation(c, reservation_id, user, "40.00", "EUR", "card", f"cp-{reservation_id}")  # noqa: E731
        jobs = [(pair.urls[0], NOW, lambda c: sp.cancel_reservation(c, reservation_id, user, "race")),
                (pair.urls[1], NOW, pay)]  # fmt: skip
        return jobs, lambda: pair.money_wrong(reservation_id)

    outcomes, broken = pair.run(TRIES, make)
    assert_clean(outcomes, broken, pair.urls)
