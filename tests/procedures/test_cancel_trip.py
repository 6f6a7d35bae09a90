"""cancel_trip: every held or confirmed reservation on it is cancelled, paid ones refunded in full."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from harness import procedures as sp

from ..helpers import assert_fails_unchanged
from .conftest import NOW


def test_cancel_trip_cancels_and_refunds(shop):
    trip, onward = shop.trip(price="50.00", capacity=10), shop.trip(price="30.00", capacity=10)
    held_user, paid_user, done_user = shop.user(), shop.user(), shop.user()
    held = shop.book(held_user, trip, passengers=2)
    paid = shop.book(paid_user, [trip, onward], passengers=2)  # touches another trip too
    shop.pay(paid, paid_user)
    already = shop.book(done_user, trip)
    sp.cancel_reservation(shop.conn, already, done_user)
    elsewhere = shop.book(done_user, onward)

    assert sp.cancel_trip(shop.conn, trip, "aircraft fault") == 2
    assert shop.query("SELECT status, cancel_reason FROM trips WHERE trip_id = %s", trip) == [
        {"status": "cancelled", "cancel_reason": "aircraft fault"}
    ]
    assert {r: shop.reservation(r)["status"] for r in (held, paid, already, elsewhere)} == {
        held: "cancelled", paid: "cancelled", already: "cancelled", elsewhere: "held",
    }  # fmt: skip
    assert shop.query("SELECT amount, refund_percent, reason FROM refunds WHERE reservation_id = %s", paid) == [
        {"amount": Decimal("160.00"), "refund_percent": Decimal("100.00"),
         "reason": "trip cancelled by the carrier: aircraft fault"}
    ]  # fmt: skip
    assert shop.query("SELECT COUNT(*) AS n FROM refunds WHERE reservation_id = %s", held) == [{"n": 0}]
    assert shop.query("SELECT COUNT(*) AS n FROM tickets WHERE reservation_id = %s AND status = 'active'", paid) == [
        {"n": 0}
    ]
    assert shop.fare(trip) == (10, 0, 0)
    assert shop.fare(onward) == (10, 1, 0)  # only `elsewhere` still holds a seat there
    assert shop.violations() == []


def test_cancel_trip_errors(shop):
    trip = shop.trip(departs=NOW + dt.timedelta(days=1))
    assert_fails_unchanged(shop.url, 50002, lambda: sp.cancel_trip(shop.conn, 999999999, "x"))
    assert sp.cancel_trip(shop.conn, trip, None) == 0
    assert_fails_unchanged(shop.url, 50004, lambda: sp.cancel_trip(shop.conn, trip, "again"))
    departed = shop.trip(departs=NOW + dt.timedelta(hours=1))
    shop.at(NOW + dt.timedelta(hours=2))
    assert_fails_unchanged(shop.url, 50008, lambda: sp.cancel_trip(shop.conn, departed, "late"))
