"""pay_reservation: confirmation, tickets and seats, idempotency, and every error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from harness import procedures as sp

from ..helpers import assert_fails_unchanged
from .conftest import NOW


def test_payment_confirms_and_issues_tickets_with_seats(shop):
    user = shop.user()
    a = shop.trip(price="80.00", capacity=5)
    b = shop.trip(departs=NOW + dt.timedelta(days=12), price="20.25", capacity=5,
                  fares=[{"fare_class": "business", "capacity": 5, "price": "20.25", "currency": "EUR"}])  # fmt: skip
    other = shop.book(shop.user(), a, passengers=1)  # someone else bought seat E1 of trip a first
    shop.pay(other, shop.reservation(other)["user_id"])
    reservation_id = sp.create_reservation(
        shop.conn, user, [{"trip_id": a, "fare_class": "economy"}, {"trip_id": b, "fare_class": "business"}],
        [{"full_name": "Ada"}, {"full_name": "Bob"}],
    )  # fmt: skip
    payment_id = sp.pay_reservation(shop.conn, reservation_id, user, Decimal("200.50"), "EUR", "wallet", "pay-1")
    assert shop.query(
        "SELECT reservation_id, amount, currency, method, idempotency_key, status, created_at FROM payments"
        " WHERE payment_id = %s", payment_id,
    ) == [{"reservation_id": reservation_id, "amount": Decimal("200.50"), "currency": "EUR", "method": "wallet",
           "idempotency_key": "pay-1", "status": "captured", "created_at": NOW}]  # fmt: skip
    assert shop.reservation(reservation_id)["status"] == "confirmed"
    tickets = shop.query(
        "SELECT t.ticket_number, p.full_name, t.trip_id, t.seat_no, t.status FROM tickets AS t"
        " JOIN passengers AS p USING (passenger_id) WHERE t.reservation_id = %s ORDER BY t.ticket_number",
        reservation_id,
    )
    ref = f"{reservation_id:010d}"
    assert tickets == [
        {"ticket_number": f"{ref}101", "full_name": "Ada", "trip_id": a, "seat_no": "E2", "status": "active"},
        {"ticket_number": f"{ref}102", "full_name": "Bob", "trip_id": a, "seat_no": "E3", "status": "active"},
        {"ticket_number": f"{ref}201", "full_name": "Ada", "trip_id": b, "seat_no": "B1", "status": "active"},
        {"ticket_number": f"{ref}202", "full_name": "Bob", "trip_id": b, "seat_no": "B2", "status": "active"},
    ]
    assert shop.fare(a) == (5, 0, 3) and shop.fare(b, 3) == (5, 0, 2)
    assert shop.query("SELECT held_until FROM reservation_segments WHERE reservation_id = %s", reservation_id) == [
        {"held_until": None}, {"held_until": None},
    ]  # fmt: skip
    assert [r["new_status"] for r in shop.query(
        "SELECT new_status FROM reservation_status_history WHERE reservation_id = %s"
        " ORDER BY reservation_status_history_id", reservation_id)] == ["held", "confirmed"]  # fmt: skip
    assert shop.violations() == []


def test_one_passenger_gets_the_tickets_the_general_way_would_give(shop):
    """One passenger's tickets are written from its id (INSERT ... VALUES), a party's by INSERT ...
    SELECT: the same numbers and seats, segment by segment in the order the customer listed."""
    user, a, b = shop.user(), shop.trip(), shop.trip()
    other = shop.book(shop.user(), a)  # someone else bought seat E1 of trip a first
    shop.pay(other, shop.reservation(other)["user_id"])
    reservation_id = sp.create_reservation(
        shop.conn, user, [{"trip_id": b, "fare_class": "economy"}, {"trip_id": a, "fare_class": "economy"}],
        [{"full_name": "Ada"}],
    )  # fmt: skip
    shop.pay(reservation_id, user)
    tickets = shop.query(
        "SELECT t.reservation_id, t.ticket_number, p.full_name, t.trip_id, t.seat_no FROM tickets AS t"
        " JOIN passengers AS p USING (passenger_id) WHERE t.reservation_id IN (%s, %s) ORDER BY t.ticket_number",
        other, reservation_id,
    )  # fmt: skip
    mine, theirs = f"{reservation_id:010d}", f"{other:010d}"
    assert tickets == [
        {"reservation_id": other, "ticket_number": f"{theirs}101", "full_name": "Passenger 1", "trip_id": a,
         "seat_no": "E1"},
        {"reservation_id": reservation_id, "ticket_number": f"{mine}101", "full_name": "Ada", "trip_id": b,
         "seat_no": "E1"},
        {"reservation_id": reservation_id, "ticket_number": f"{mine}201", "full_name": "Ada", "trip_id": a,
         "seat_no": "E2"},
    ]  # fmt: skip
    assert shop.violations() == []


def test_same_call_three_times_is_one_payment(shop):
    user = shop.user()
    reservation_id = shop.book(user, shop.trip(price="42.00"), passengers=2)
    ids = {sp.pay_reservation(shop.conn, reservation_id, user, "84.00", "EUR", "card", "same-key") for _ in range(3)}
    assert len(ids) == 1
    assert shop.query("SELECT COUNT(*) AS n FROM payments WHERE reservation_id = %s", reservation_id) == [{"n": 1}]
    assert shop.query("SELECT COUNT(*) AS n FROM tickets WHERE reservation_id = %s", reservation_id) == [{"n": 2}]
    # the same key with another request is refused, changing nothing
    assert_fails_unchanged(shop.url, 50005, lambda: sp.pay_reservation(
        shop.conn, reservation_id, user, "84.01", "EUR", "card", "same-key"))  # fmt: skip
    assert_fails_unchanged(shop.url, 50005, lambda: sp.pay_reservation(
        shop.conn, reservation_id, user, "84.00", "EUR", "wallet", "same-key"))  # fmt: skip


def test_keys_are_scoped_to_their_reservation(shop):
    """Another customer who takes `pay-<id>` first cannot block the owner's payment."""
    owner, intruder = shop.user(), shop.user()
    trip = shop.trip(price="10.00")
    mine, theirs = shop.book(owner, trip), shop.book(intruder, trip)
    key = f"pay-{mine}"
    first = sp.pay_reservation(shop.conn, theirs, intruder, "10.00", "EUR", "card", key)
    second = sp.pay_reservation(shop.conn, mine, owner, "10.00", "EUR", "card", key)
    assert first != second
    assert shop.reservation(mine)["status"] == "confirmed"
    # and a replay on the reservation returns its own payment
    assert sp.pay_reservation(shop.conn, mine, owner, "10.00", "EUR", "card", key) == second


@pytest.mark.parametrize("twin", ["KEY-1", "key-1 ", "kéy-1", "key-1\t"])
def test_keys_differing_in_case_or_trailing_space_are_different_keys(shop, twin):
    """The key's collation once made `KEY-1` and `key-1 ` the same key as `key-1`."""
    user = shop.user()
    reservation_id = shop.book(user, shop.trip(price="10.00"))
    sp.pay_reservation(shop.conn, reservation_id, user, "10.00", "EUR", "card", "key-1")
    # a different key on a paid reservation is a new payment attempt: INVALID_STATE, not a replay
    assert_fails_unchanged(shop.url, 50004, lambda: sp.pay_reservation(
        shop.conn, reservation_id, user, "10.00", "EUR", "card", twin))  # fmt: skip


def test_a_replay_after_expiry_still_returns_the_payment(shop):
    user = shop.user()
    reservation_id = shop.book(user, shop.trip(price="10.00"))
    payment = sp.pay_reservation(shop.conn, reservation_id, user, "10.00", "EUR", "card", "replay-late")
    shop.at(NOW + dt.timedelta(hours=2))
    assert sp.pay_reservation(shop.conn, reservation_id, user, "10.00", "EUR", "card", "replay-late") == payment


@pytest.mark.parametrize(
    ("amount", "currency", "method", "key", "errno"),
    [
        ("-1.00", "EUR", "card", "k", 50001),
        ("10.00", "eur", "card", "k", 50001),
        ("10.00", "EUR", "cash", "k", 50001),
        ("10.00", "EUR", "card", " ", 50001),
        ("10.00", "EUR", "card", "k" * 65, 50001),
        ("10.01", "EUR", "card", "k", 50006),
        ("9.99", "EUR", "card", "k", 50006),
        ("10.00", "USD", "card", "k", 50006),
    ],
)
def test_bad_payments_change_nothing(shop, amount, currency, method, key, errno):
    user = shop.user()
    reservation_id = shop.book(user, shop.trip(price="10.00"))
    assert_fails_unchanged(shop.url, errno, lambda: sp.pay_reservation(
        shop.conn, reservation_id, user, amount, currency, method, key))  # fmt: skip


def test_state_errors(shop):
    user, stranger = shop.user(), shop.user()
    trip = shop.trip(price="10.00")
    reservation_id = shop.book(user, trip)

    def pay(who=user, key="state"):
        return lambda: sp.pay_reservation(shop.conn, reservation_id, who, "10.00", "EUR", "card", key)

    assert_fails_unchanged(shop.url, 50002, pay(stranger))
    assert_fails_unchanged(shop.url, 50002, lambda: sp.pay_reservation(
        shop.conn, 999999999, user, "10.00", "EUR", "card", "nope"))  # fmt: skip
    shop.at(NOW + dt.timedelta(minutes=15))
    assert_fails_unchanged(shop.url, 50008, pay())  # lapsed, though nothing expired it yet
    shop.at(NOW)
    pay(key="first")()
    assert_fails_unchanged(shop.url, 50004, pay(key="second"))  # already paid, another key
    cancelled = shop.book(user, trip)
    sp.cancel_reservation(shop.conn, cancelled, user, "changed my mind")
    assert_fails_unchanged(shop.url, 50004, lambda: sp.pay_reservation(
        shop.conn, cancelled, user, "10.00", "EUR", "card", "on-cancelled"))  # fmt: skip
    expired = shop.book(user, trip)
    shop.at(NOW + dt.timedelta(minutes=30))
    sp.expire_reservations(shop.conn, 100)
    assert_fails_unchanged(shop.url, 50008, lambda: sp.pay_reservation(
        shop.conn, expired, user, "10.00", "EUR", "card", "on-expired"))  # fmt: skip
