"""purchase: hold and pay in one call and one commit, with create_reservation's and
pay_reservation's guarantees (errors, idempotency key, on_sale, trusted clock, hardening)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness import procedures as sp
from harness.db import RETRIES
from harness.errors import BusinessError

from .conftest import NOW, money, open_at

ONE = [{"full_name": "Ada Lovelace"}]


def segments(*trips: int, fare_class: str = "economy") -> list[dict]:
    return [{"trip_id": t, "fare_class": fare_class} for t in trips]


def buy(shop, user, trips, amount="100.00", key="key-1", passengers=ONE, currency="EUR", method="card"):
    return sp.purchase(shop.conn, user, segments(*trips), passengers, amount, currency, method, key)


def code_of(fn) -> str:
    with pytest.raises(BusinessError) as caught:
        fn()
    return caught.value.code


def test_purchase_confirms_with_tickets_and_payment_in_one_call(shop):
    user, first, second = shop.user(), shop.trip(price="60.00"), shop.trip(price="40.00")
    people = [{"full_name": "Ada"}, {"full_name": "Bob", "birth_date": "1990-12-10"}]
    reservation, payment = buy(shop, user, [second, first], amount="200.00", passengers=people)
    row = shop.reservation(reservation)
    assert (row["status"], row["total_amount"], row["currency"]) == ("confirmed", money("200.00"), "EUR")
    tickets = shop.query("SELECT trip_id, seat_no, ticket_number FROM tickets WHERE reservation_id = %s"
                         " AND status = 'active' ORDER BY trip_id, seat_no", reservation)  # fmt: skip
    assert [(t["trip_id"], t["seat_no"]) for t in tickets] == [(first, "E1"), (first, "E2"), (second, "E1"),
                                                              (second, "E2")]  # fmt: skip
    assert shop.fare(first) == (10, 0, 2) and shop.fare(second) == (10, 0, 2)
    (paid,) = shop.query("SELECT payment_id, amount, method FROM payments WHERE reservation_id = %s", reservation)
    assert (paid["payment_id"], paid["amount"], paid["method"]) == (payment, money("200.00"), "card")
    segs = shop.query("SELECT held_until FROM reservation_segments WHERE reservation_id = %s", reservation)
    assert segs == [{"held_until": None}, {"held_until": None}]
    assert shop.violations() == []


def test_one_passenger_gets_the_tickets_the_general_way_would_give(shop):
    """The one-passenger purchase writes its tickets from the passenger it inserted itself; the
    numbers and seats are those of the INSERT ... SELECT the other purchases use."""
    user, first, second = shop.user(), shop.trip(), shop.trip()
    ahead, _ = buy(shop, shop.user(), [first], key="ahead")  # first's seat E1 is taken
    reservation, _ = buy(shop, user, [second, first], amount="200.00")
    ref = f"{reservation:010d}"
    tickets = shop.query(
        "SELECT t.ticket_number, p.passenger_no, p.full_name, t.trip_id, t.seat_no FROM tickets AS t"
        " INNER JOIN passengers AS p USING (passenger_id) WHERE t.reservation_id = %s ORDER BY t.ticket_number",
        reservation,
    )
    assert tickets == [
        {"ticket_number": f"{ref}101", "passenger_no": 1, "full_name": "Ada Lovelace", "trip_id": second,
         "seat_no": "E1"},  # segment 1: the first listed
        {"ticket_number": f"{ref}201", "passenger_no": 1, "full_name": "Ada Lovelace", "trip_id": first,
         "seat_no": "E2"},
    ]  # fmt: skip
    assert ahead != reservation and shop.violations() == []


def test_the_same_key_returns_the_same_purchase_and_another_request_is_duplicate(shop):
    user, trip = shop.user(), shop.trip()
    first = buy(shop, user, [trip], key="Key-A")
    assert buy(shop, user, [trip], key="Key-A") == first
    assert shop.fare(trip) == (10, 0, 1)
    assert code_of(lambda: buy(shop, user, [trip], key="Key-A", method="wallet")) == "DUPLICATE"
    # byte for byte: case and a trailing space make another key
    assert buy(shop, user, [trip], key="key-a")[0] != first[0]
    assert buy(shop, user, [trip], key="Key-A ")[0] != first[0]
    # the payment's key answers through pay_reservation too
    assert sp.pay_reservation(shop.conn, first[0], user, "100.00", "EUR", "card", "Key-A") == first[1]
    # another customer's identical key is their own
    other = shop.user()
    assert buy(shop, other, [trip], key="Key-A")[0] != first[0]
    assert shop.violations() == []


def test_twin_calls_with_one_key_make_one_purchase(shop):
    user, trip = shop.user(), shop.trip(capacity=50)
    barrier = threading.Barrier(4, timeout=60)  # one that never arrives fails the rest, not hangs them

    def twin(_):
        conn = open_at(shop.url)
        barrier.wait()
        try:
            return sp.purchase(conn, user, segments(trip), ONE, "100.00", "EUR", "card", "twin")
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(twin, range(4)))
    assert len(set(results)) == 1
    assert shop.fare(trip) == (50, 0, 1)
    assert shop.violations() == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amount": "99.99"}, "AMOUNT_MISMATCH"),
        ({"currency": "USD"}, "AMOUNT_MISMATCH"),
        ({"amount": "-1.00"}, "INVALID_ARGUMENT"),
        ({"method": "cash"}, "INVALID_ARGUMENT"),
        ({"key": "  "}, "INVALID_ARGUMENT"),
        ({"passengers": []}, "INVALID_ARGUMENT"),
    ],
)
def test_a_refused_purchase_changes_nothing(shop, change, code):
    user, trip = shop.user(), shop.trip()
    assert code_of(lambda: buy(shop, user, [trip], **change)) == code
    assert shop.fare(trip) == (10, 0, 0)
    assert shop.query("SELECT COUNT(*) AS n FROM reservations WHERE user_id = %s", user) == [{"n": 0}]


def test_sold_out_cancelled_departed_and_unknown(shop):
    user = shop.user()
    full = shop.trip(capacity=1)
    buy(shop, user, [full], key="first")
    assert code_of(lambda: buy(shop, user, [full], key="second")) == "SOLD_OUT"
    cancelled = shop.trip()
    sp.cancel_trip(shop.conn, cancelled, "strike")
    assert code_of(lambda: buy(shop, user, [cancelled])) == "INVALID_STATE"
    gone = shop.trip(departs=NOW - dt.timedelta(hours=1))
    assert code_of(lambda: buy(shop, user, [gone])) == "TOO_LATE"
    assert code_of(lambda: buy(shop, user, [10**15])) == "NOT_FOUND"
    assert code_of(lambda: buy(shop, 10**15, [full])) == "NOT_FOUND"
    assert shop.violations() == []


def test_lapsed_holds_are_reclaimed_for_a_purchase(shop):
    user, trip = shop.user(), shop.trip(capacity=1)
    shop.book(user, trip)
    assert code_of(lambda: buy(shop, user, [trip], key="early")) == "SOLD_OUT"
    shop.at(NOW + dt.timedelta(minutes=16))
    reservation, _ = buy(shop, user, [trip], key="late")
    assert shop.reservation(reservation)["status"] == "confirmed"
    assert shop.fare(trip) == (1, 0, 1)
    assert shop.violations() == []
    shop.at(NOW)


def test_the_callers_session_changes_nothing(shop):
    """SET timestamp (server clock), insert_id and the check switches do not reach in."""
    user, trip = shop.user(), shop.trip()
    cur = shop.conn.cursor()
    cur.execute("SET foreign_key_checks = 0, unique_checks = 0, insert_id = 999999999")
    cur.close()
    reservation, payment = buy(shop, user, [trip])
    cur = shop.conn.cursor()
    cur.execute("SELECT @@session.foreign_key_checks, @@session.unique_checks")
    assert cur.fetchone() == (1, 1)
    cur.close()
    assert reservation < 999999999 and payment < 999999999
    assert shop.reservation(reservation)["created_at"] == NOW  # the session clock of the tests


def test_sellout_race_of_purchases_and_holds(shop):
    user, trip = shop.user(), shop.trip(capacity=20)
    results: list[str] = []
    lock = threading.Lock()

    def worker(n: int):
        conn = open_at(shop.url)
        for i in range(8):
            try:
                if (n + i) % 2:
                    sp.purchase(conn, user, segments(trip), ONE, "100.00", "EUR", "card", f"s-{n}-{i}")
                else:
                    reservation = sp.create_reservation(conn, user, segments(trip), ONE)
                    sp.pay_reservation(conn, reservation, user, "100.00", "EUR", "card", f"p-{n}-{i}")
                outcome = "ok"
            except BusinessError as err:
                outcome = err.code
            with lock:
                results.append(outcome)
        conn.close()

    deadlocks = RETRIES[1213]
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(worker, range(6)))
    assert RETRIES[1213] == deadlocks  # none retried in silence either
    assert results.count("ok") == 20
    assert set(results) <= {"ok", "SOLD_OUT"}
    assert shop.fare(trip) == (20, 0, 20)
    assert shop.violations() == []


@pytest.mark.parametrize("several", [False, True], ids=["one segment", "after a bookable segment"])
@pytest.mark.parametrize(
    ("problem", "code"),
    [("no user", "NOT_FOUND"), ("disabled user", "FORBIDDEN"), ("no trip", "NOT_FOUND"),
     ("cancelled", "INVALID_STATE"), ("departed", "TOO_LATE"), ("class not sold", "NOT_FOUND"),
     ("sold out", "SOLD_OUT")],
)  # fmt: skip
def test_one_and_several_segments_name_the_same_errors(shop, problem, code, several):
    """One segment takes the short way (one read, one guarded update; read_bookable_segment
    and take_seats only when they find nothing); several use those for every segment."""
    fine = shop.trip(price="60.00")
    bad = shop.trip(price="40.00", capacity=1, departs=NOW + dt.timedelta(hours=1))
    user, bad, fare_class = shop.unbookable(problem, shop.user(), bad)
    if problem == "sold out":
        buy(shop, shop.user(), [bad], amount="40.00", key="the-last-seat")
    trips = [fine, bad] if several else [bad]
    request = [{"trip_id": t, "fare_class": "economy" if t == fine else fare_class} for t in trips]
    amount = "100.00" if several else "40.00"
    try:
        before = shop.query("SELECT COUNT(*) AS n FROM reservations")
        with pytest.raises(BusinessError) as caught:
            sp.purchase(shop.conn, user, request, ONE, amount, "EUR", "card", "key-1")
        assert caught.value.code == code
        assert shop.query("SELECT COUNT(*) AS n FROM reservations") == before
        assert shop.fare(fine) == (10, 0, 0)
    finally:
        shop.at(NOW)


def test_a_disabled_customer_is_refused_even_with_a_known_key(shop):
    user, trip = shop.user(), shop.trip()
    buy(shop, user, [trip], key="Key-A")
    shop.query("UPDATE users SET status = 'disabled' WHERE user_id = %s", user)
    assert code_of(lambda: buy(shop, user, [trip], key="Key-A")) == "FORBIDDEN"
