"""kill -9 the server during a booking load, restart it on the same data directory, and check
that everything acknowledged survived exactly once.

Several client threads (as travel_app, through the harness like the API) book and pay in a
loop and log each acknowledgement: a reservation id once create_reservation returned, a payment
id with its idempotency key once pay_reservation returned. A payment whose answer was lost in
the crash is resent with the same key once the server is back, as a client should. After the
kills: every acknowledged reservation and payment is there, none twice, each payment's tickets
are issued, every key replays to its payment id without a new payment, integrity_violations
is empty.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal

import mysql.connector
import pytest

from harness import procedures as sp
from harness.db import connect
from harness.errors import BusinessError

from .conftest import PRICE, FaultServer, add_trip, add_user, rows

pytestmark = pytest.mark.fault

THREADS = 4
KILLS = 8
ACKS_BETWEEN_KILLS = 200  # each kill lands on a load that is running, not on a start-up


@dataclass
class Ack:
    reservation_id: int
    user_id: int
    passengers: int
    key: str | None = None
    payment_id: int | None = None


@dataclass
class Log:
    """The clients' own record of what the server acknowledged."""

    reservations: list[Ack] = field(default_factory=list)
    in_doubt: int = 0  # calls whose answer the crash took (resent if a payment)
    business_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> int:
        with self.lock:
            return len(self.reservations) + sum(1 for a in self.reservations if a.payment_id)


class Client(threading.Thread):
    def __init__(self, number: int, target: FaultServer, log: Log, trips: list[int], user_id: int, stop):
        super().__init__(name=f"booking-client-{number}", daemon=True)
        self.number, self.target, self.log, self.trips, self.user_id, self.stop = (
            number,
            target,
            log,
            trips,
            user_id,
            stop,
        )
        self.conn = None

    def run(self) -> None:
        for n in range(1, 1_000_000):
            if self.stop.is_set():
                break
            passengers = 1 + n % 3
            ack = self._call(lambda p=passengers, n=n: self._book(n, p))
            if ack is not None:
                ack.key = f"client{self.number}-{n}"
                ack.payment_id = self._call(lambda a=ack: self._pay(a))
        if self.conn:
            self.conn.close()

    def _book(self, n: int, passengers: int) -> Ack:
        segments = [{"trip_id": self.trips[n % len(self.trips)], "fare_class": "economy"}]
        people = [{"full_name": f"Client {self.number} passenger {i}"} for i in range(passengers)]
        reservation_id = sp.create_reservation(self.conn, self.user_id, segments, people)
        ack = Ack(reservation_id, self.user_id, passengers)
        with self.log.lock:
            self.log.reservations.append(ack)
        return ack

    def _pay(self, ack: Ack) -> int:
        amount = Decimal(PRICE) * ack.passengers
        return sp.pay_reservation(self.conn, ack.reservation_id, ack.user_id, amount, "EUR", "card", ack.key)

    def _call(self, work):
        """Run one call; on a lost server, count it in doubt, reconnect once it is back and send
        it again (a payment with the same key: that is what the key is for)."""
        while not self.stop.is_set():
            try:
                if self.conn is None:
                    self.conn = connect(self.target.app_url, connection_timeout=2)
                return work()
            except BusinessError as err:
                with self.log.lock:
                    self.log.business_errors.append(f"{type(err).__name__}: {err}")
                return None
            except (mysql.connector.Error, OSError):  # the server is gone or restarting
                with self.log.lock:
                    self.log.in_doubt += self.conn is not None
                self.conn = None
                time.sleep(0.05)
        return None


def wait_for_acks(log: Log, more: int, timeout: float = 30.0) -> None:
    goal, deadline = log.count() + more, time.monotonic() + timeout
    while log.count() < goal:
        assert time.monotonic() < deadline, f"the load stalled at {log.count()} acknowledgements"
        time.sleep(0.02)


def test_nothing_acknowledged_is_lost_or_doubled_by_server_kills(fault_server: FaultServer):
    target = fault_server
    root = connect(target.root_url())
    trips = [add_trip(root, f"KILL{n}", 100_000) for n in range(2)]
    user_id = add_user(root, "Fault Client")
    root.close()
    log, stop = Log(), threading.Event()
    clients = [Client(n, target, log, trips, user_id, stop) for n in range(THREADS)]
    for client in clients:
        client.start()
    recoveries, kills_before = [], target.kills
    try:
        for _ in range(KILLS):
            wait_for_acks(log, ACKS_BETWEEN_KILLS)
            target.kill()
            recoveries.append(target.restart())
        wait_for_acks(log, ACKS_BETWEEN_KILLS)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=30)
    paid = [a for a in log.reservations if a.payment_id]
    kills = target.kills - kills_before
    print(f"{kills} kills, recovery {[f'{s:.1f}s' for s in recoveries]}; acknowledged "
          f"{len(log.reservations)} reservations and {len(paid)} payments; {log.in_doubt} calls in doubt")  # fmt: skip
    assert not log.business_errors, log.business_errors[:5]
    assert kills == KILLS and len(paid) >= ACKS_BETWEEN_KILLS
    check_survivors(target, log)


def check_survivors(target: FaultServer, log: Log) -> None:
    root = connect(target.root_url())
    acked = {a.reservation_id: a for a in log.reservations}
    assert len(acked) == len(log.reservations), "one reservation id acknowledged twice"
    found = dict(
        rows(root, "SELECT reservation_id, status FROM reservations WHERE user_id = %s", log.reservations[0].user_id)
    )
    lost = sorted(set(acked) - set(found))
    assert not lost, f"{len(lost)} acknowledged reservations lost: {lost[:10]}"
    payments = rows(root, "SELECT payment_id, reservation_id, idempotency_key FROM payments")
    by_reservation: dict[int, list] = {}
    for payment_id, reservation_id, key in payments:
        by_reservation.setdefault(reservation_id, []).append((payment_id, key))
    doubled = {r: p for r, p in by_reservation.items() if len(p) > 1}
    assert not doubled, f"reservations paid twice: {list(doubled.items())[:5]}"
    tickets = dict(
        rows(root, "SELECT reservation_id, COUNT(*) FROM tickets WHERE status = 'active' GROUP BY reservation_id")
    )
    for ack in (a for a in log.reservations if a.payment_id):
        assert by_reservation.get(ack.reservation_id) == [(ack.payment_id, ack.key)], f"payment lost: {ack}"
        assert found[ack.reservation_id] == "confirmed", ack
        assert tickets.get(ack.reservation_id) == ack.passengers, f"tickets of {ack}: {tickets.get(ack.reservation_id)}"
    assert rows(root, "SELECT * FROM integrity_violations") == []
    replay_every_key(target, log, len(payments))
    root.close()


def replay_every_key(target: FaultServer, log: Log, payments_before: int) -> None:
    """Resending each acknowledged payment with its key returns its id and pays nothing new."""
    app = connect(target.app_url)
    for ack in (a for a in log.reservations if a.payment_id):
        amount = Decimal(PRICE) * ack.passengers
        again = sp.pay_reservation(app, ack.reservation_id, ack.user_id, amount, "EUR", "card", ack.key)
        assert again == ack.payment_id, f"key {ack.key} replayed to {again}, acknowledged {ack.payment_id}"
    app.close()
    root = connect(target.root_url())
    assert rows(root, "SELECT COUNT(*) FROM payments") == [(payments_before,)], "a replay made a new payment"
    root.close()
