"""cancel_reservation: held and confirmed, every refund tier with exact money, and errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from harness import procedures as sp

from ..helpers import assert_fails_unchanged
from .conftest import NOW

DEPARTS = NOW + dt.timedelta(days=10)


def test_cancel_a_hold_releases_seats_and_refunds_nothing(shop):
    user = shop.user()
    trip = shop.trip(capacity=4)
    reservation_id = shop.book(user, trip, passengers=3)
    assert sp.cancel_reservation(shop.conn, reservation_id, user, "plans changed") == Decimal("0.00")
    assert shop.reservation(reservation_id)["status"] == "cancelled"
    assert shop.fare(trip) == (4, 0, 0)
    assert shop.query("SELECT COUNT(*) AS n FROM refunds WHERE reservation_id = %s", reservation_id) == [{"n": 0}]
    assert shop.violations() == []


@pytest.mark.parametrize(
    ("hours_before", "price", "percent", "refund"),
    [
        (240, "100.01", "100.00", "200.02"),
        (72, "100.01", "100.00", "200.02"),  # exactly 72 h still gets 100 %
        (71.99, "100.01", "50.00", "100.01"),
        (24, "33.33", "50.00", "33.33"),
        (30, "0.03", "50.00", "0.03"),
        (48, "10.01", "50.00", "10.01"),
        (25, "0.01", "50.00", "0.01"),  # 0.02 * 50 % = 0.01
        (23.99, "100.01", "0.00", "0.00"),
        (0.01, "100.01", "0.00", "0.00"),
    ],
)
def test_refund_tiers(shop, hours_before, price, percent, refund):
    user = shop.user()
    trip = shop.trip(departs=DEPARTS, price=price)
    reservation_id = shop.book(user, trip, passengers=2)
    shop.pay(reservation_id, user)
    shop.at(DEPARTS - dt.timedelta(seconds=round(hours_before * 3600)))
    assert sp.cancel_reservation(shop.conn, reservation_id, user, "ill") == Decimal(refund)
    assert shop.query(
        "SELECT amount, currency, refund_percent, reason FROM refunds WHERE reservation_id = %s", reservation_id
    ) == [{"amount": Decimal(refund), "currency": "EUR", "refund_percent": Decimal(percent), "reason": "ill"}]
    assert shop.query("SELECT DISTINCT status FROM tickets WHERE reservation_id = %s", reservation_id) == [
        {"status": "void"}
    ]
    assert shop.fare(trip) == (10, 0, 0)
    assert shop.violations() == []


def test_half_up_rounding_to_the_cent(shop):
    user = shop.user()
    trip = shop.trip(departs=DEPARTS, price="0.05")  # paid 0.05, 50 % = 0.025 -> 0.03
    reservation_id = shop.book(user, trip)
    shop.pay(reservation_id, user)
    shop.at(DEPARTS - dt.timedelta(hours=30))
    assert sp.cancel_reservation(shop.conn, reservation_id, user, None) == Decimal("0.03")


def test_mode_specific_rules_win_over_the_general_ones(shop):
    shop.query(
        "INSERT INTO refund_rules (mode, min_hours_before, refund_percent) VALUES ('bus', 0, 80), ('bus', 48, 90)"
    )
    try:
        user = shop.user()
        trip = shop.trip(carrier="FLX", departs=DEPARTS, price="10.00")
        reservation_id = shop.book(user, trip)
        shop.pay(reservation_id, user)
        shop.at(DEPARTS - dt.timedelta(hours=100))  # general rules would give 100 %
        assert sp.cancel_reservation(shop.conn, reservation_id, user, None) == Decimal("9.00")
    finally:
        shop.query("DELETE FROM refund_rules WHERE mode = 'bus'")


def test_cancel_errors(shop):
    user, stranger = shop.user(), shop.user()
    trip = shop.trip(departs=DEPARTS)
    reservation_id = shop.book(user, trip)
    assert_fails_unchanged(shop.url, 50002, lambda: sp.cancel_reservation(shop.conn, reservation_id, stranger))
    assert_fails_unchanged(shop.url, 50002, lambda: sp.cancel_reservation(shop.conn, 999999999, user))
    shop.at(NOW + dt.timedelta(minutes=15))
    assert_fails_unchanged(shop.url, 50008, lambda: sp.cancel_reservation(shop.conn, reservation_id, user))
    shop.at(NOW)
    sp.cancel_reservation(shop.conn, reservation_id, user)
    assert_fails_unchanged(shop.url, 50004, lambda: sp.cancel_reservation(shop.conn, reservation_id, user))
    paid = shop.book(user, trip)
    shop.pay(paid, user)
    shop.at(DEPARTS)
    assert_fails_unchanged(shop.url, 50008, lambda: sp.cancel_reservation(shop.conn, paid, user))
    shop.at(NOW)
    expired = shop.book(user, shop.trip(departs=DEPARTS + dt.timedelta(days=1)))
    shop.at(NOW + dt.timedelta(hours=1))
    sp.expire_reservations(shop.conn, 10)
    assert_fails_unchanged(shop.url, 50004, lambda: sp.cancel_reservation(shop.conn, expired, user))
