"""kill -9 a client process in the middle of pay_reservation: the reservation ends fully paid
(payment, confirmed, every ticket issued, seats sold) or untouched (held, no payment, no ticket,
seats still held), never in between, and the payment key then behaves as the contract says.

To land the kill inside the procedure for certain, the test holds the second trip's fare row:
the payment has locked the reservation, written the payment and the first trip's tickets, and
waits there. Then the client dies. Either the server finishes the call on its own (the lock is
released) or the server aborts it (KILL of its connection, as an operator or wait_timeout would).
A third test kills payer processes at seeded random moments without any lock.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from harness import procedures as sp
from harness.db import connect

from .conftest import PRICE, REPO_ROOT, FaultServer, add_trip, add_user, rows

pytestmark = pytest.mark.fault

PASSENGERS = 3
PER_PAYER = 40  # more payments than a payer can make before its kill, even on a fast disk


def two_trip_reservations(target: FaultServer, count: int) -> tuple[int, list[int], list[int]]:
    root = connect(target.root_url())
    trips = sorted(add_trip(root, f"CK{n}-{time.monotonic_ns() % 10**6}", 1000) for n in range(2))
    user_id = add_user(root, "Killed Client")
    segments = [{"trip_id": t, "fare_class": "economy"} for t in trips]
    people = [{"full_name": f"Passenger {i}"} for i in range(PASSENGERS)]
    reservations = [sp.create_reservation(root, user_id, segments, people) for _ in range(count)]
    root.close()
    return user_id, trips, reservations


def payer(target: FaultServer, prefix: str, user_id: int, reservations: list[int]) -> subprocess.Popen:
    amount = Decimal(PRICE) * PASSENGERS * 2
    command = [sys.executable, "-m", "tests.faults.payer", prefix, str(amount), str(user_id), *map(str, reservations)]
    env = {**os.environ, "TRAVEL_DATABASE_URL": target.app_url.unmasked()}
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, text=True)


def state(root, reservation_id: int) -> tuple:
    """(status, payments, active tickets) of one reservation."""
    ((status,),) = rows(root, "SELECT status FROM reservations WHERE reservation_id = %s", reservation_id)
    ((payments,),) = rows(root, "SELECT COUNT(*) FROM payments WHERE reservation_id = %s", reservation_id)
    ((tickets,),) = rows(
        root, "SELECT COUNT(*) FROM tickets WHERE reservation_id = %s AND status = 'active'", reservation_id
    )
    return status, payments, tickets


GONE = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %s"
PAID_IN_FULL = ("confirmed", 1, PASSENGERS * 2)
UNTOUCHED = ("held", 0, 0)


def fares(root, trips: list[int]) -> list[tuple]:
    return rows(
        root, f"SELECT trip_id, seats_held, seats_sold FROM trip_fares WHERE trip_id IN ({trips[0]}, {trips[1]})"
    )


def wait_until(condition, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


def kill_client_waiting_inside_payment(target: FaultServer, server_aborts: bool) -> tuple:
    user_id, trips, (reservation_id,) = two_trip_reservations(target, 1)
    root, blocker = connect(target.root_url()), connect(target.root_url())
    before = fares(root, trips)
    rows_locked = blocker.cursor()
    rows_locked.execute("SELECT * FROM trip_fares WHERE trip_id = %s FOR UPDATE", (trips[1],))
    rows_locked.fetchall()  # held until blocker.rollback()
    client = payer(target, "ck", user_id, [reservation_id])
    connection_id = int(client.stdout.readline().split()[1])
    # PROCESSLIST, not INNODB_TRX: InnoDB refreshes that one at most every 0.1 s of quiet, so a
    # tight poll keeps reading the same stale snapshot.
    statement = "SELECT COALESCE(INFO, '') FROM information_schema.PROCESSLIST WHERE ID = %s"
    wait_until(
        lambda: rows(root, statement, connection_id)[0][0].startswith("UPDATE trip_fares"),
        "the payment waits on the second fare",
    )
    client.send_signal(signal.SIGKILL)
    client.wait()
    if server_aborts:
        root.cursor().execute(f"KILL CONNECTION {connection_id}")
    blocker.rollback()
    wait_until(lambda: rows(root, GONE, connection_id) == [(0,)], "the killed client's session ended")
    outcome = state(root, reservation_id), before, fares(root, trips)
    assert rows(root, "SELECT * FROM integrity_violations") == []
    root.close()
    blocker.close()
    return (reservation_id, user_id, *outcome)


def pay_again(target: FaultServer, reservation_id: int, user_id: int, key: str) -> int:
    app = connect(target.app_url)
    amount = Decimal(PRICE) * PASSENGERS * 2
    payment_id = sp.pay_reservation(app, reservation_id, user_id, amount, "EUR", "card", key)
    app.close()
    return payment_id


def test_a_client_killed_mid_payment_the_server_finishes_leaves_it_paid_in_full(fault_server):
    reservation_id, user_id, outcome, before, after = kill_client_waiting_inside_payment(fault_server, False)
    assert outcome == PAID_IN_FULL
    assert [(t, h - PASSENGERS, s + PASSENGERS) for t, h, s in before] == after  # held seats became sold
    root = connect(fault_server.root_url())
    ((payment_id,),) = rows(root, "SELECT payment_id FROM payments WHERE reservation_id = %s", reservation_id)
    root.close()
    assert pay_again(fault_server, reservation_id, user_id, f"ck-{reservation_id}") == payment_id  # the resend


def test_a_client_killed_mid_payment_the_server_aborts_leaves_it_untouched(fault_server):
    reservation_id, user_id, outcome, before, after = kill_client_waiting_inside_payment(fault_server, True)
    assert outcome == UNTOUCHED
    assert before == after
    assert pay_again(fault_server, reservation_id, user_id, f"ck-{reservation_id}") > 0  # the resend pays
    root = connect(fault_server.root_url())
    assert state(root, reservation_id) == PAID_IN_FULL
    root.close()


def test_payers_killed_at_random_moments_leave_each_reservation_paid_in_full_or_untouched(fault_server):
    rng = random.Random(14)  # the same moments on every run
    user_id, _, reservations = two_trip_reservations(fault_server, 3 * PER_PAYER)
    root = connect(fault_server.root_url())
    outcomes = []
    for batch in range(3):
        mine = reservations[batch * PER_PAYER : (batch + 1) * PER_PAYER]
        client = payer(fault_server, f"rnd{batch}", user_id, mine)
        connection_id = int(client.stdout.readline().split()[1])
        time.sleep(rng.uniform(0.01, 0.1))
        client.send_signal(signal.SIGKILL)
        client.wait()
        wait_until(lambda c=connection_id: rows(root, GONE, c) == [(0,)], "the killed payer's session ended")
        outcomes += [state(root, r) for r in mine]
    print(f"after 3 kills: {outcomes.count(PAID_IN_FULL)} paid in full, {outcomes.count(UNTOUCHED)} untouched")
    assert set(outcomes) <= {PAID_IN_FULL, UNTOUCHED}, [o for o in outcomes if o not in (PAID_IN_FULL, UNTOUCHED)]
    assert outcomes.count(UNTOUCHED) > 0  # every kill landed before the end of its list
    assert rows(root, "SELECT * FROM integrity_violations") == []
    root.close()
