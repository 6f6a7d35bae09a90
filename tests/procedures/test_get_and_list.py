"""get_reservation and list_reservations: result sets and ownership."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from harness import procedures as sp

from ..helpers import assert_fails_unchanged
from .conftest import NOW


def test_get_reservation_result_sets(shop):
    user = shop.user()
    trip = shop.trip(carrier="DB", origin="BERHBF", destination="MUCHBF", price="39.90")
    reservation_id = sp.create_reservation(
        shop.conn, user, [{"trip_id": trip, "fare_class": "economy"}],
        [{"full_name": "Ada", "birth_date": "1990-12-10"}, {"full_name": "Bob"}],
    )  # fmt: skip
    held = sp.get_reservation(shop.conn, reservation_id, user)
    assert held.reservation == {
        "reservation_id": reservation_id, "booking_ref": shop.reservation(reservation_id)["booking_ref"],
        "user_id": user, "status": "held", "total_amount": Decimal("79.80"), "currency": "EUR", "created_at": NOW,
        "expires_at": NOW + dt.timedelta(minutes=15), "first_departs_at": NOW + dt.timedelta(days=10),
    }  # fmt: skip
    (segment,) = held.segments
    assert {k: segment[k] for k in ("segment_no", "trip_id", "mode", "carrier_code", "origin_code",
                                    "destination_code", "trip_status", "fare_class", "unit_price", "seats")} == {
        "segment_no": 1, "trip_id": trip, "mode": "rail", "carrier_code": "DB", "origin_code": "BERHBF",
        "destination_code": "MUCHBF", "trip_status": "scheduled", "fare_class": "economy",
        "unit_price": Decimal("39.90"), "seats": 2,
    }  # fmt: skip
    assert [(p["passenger_no"], p["full_name"], p["birth_date"], p["ticket_number"]) for p in held.passengers] == [
        (1, "Ada", dt.date(1990, 12, 10), None), (2, "Bob", None, None),
    ]  # fmt: skip
    assert held.money == []

    shop.pay(reservation_id, user, key="get-1")
    shop.at(NOW + dt.timedelta(hours=1))
    sp.cancel_reservation(shop.conn, reservation_id, user, "no")
    done = sp.get_reservation(shop.conn, reservation_id, user)
    assert done.reservation["status"] == "cancelled"
    assert [(p["seat_no"], p["ticket_status"]) for p in done.passengers] == [("E1", "void"), ("E2", "void")]
    assert [(m["kind"], m["amount"], m["method"], m["created_at"]) for m in done.money] == [
        ("payment", Decimal("79.80"), "card", NOW),
        ("refund", Decimal("79.80"), None, NOW + dt.timedelta(hours=1)),
    ]


def test_get_reservation_of_another_user_is_not_found(shop):
    owner, stranger = shop.user(), shop.user()
    reservation_id = shop.book(owner, shop.trip())
    assert_fails_unchanged(shop.url, 50002, lambda: sp.get_reservation(shop.conn, reservation_id, stranger))
    assert_fails_unchanged(shop.url, 50002, lambda: sp.get_reservation(shop.conn, 999999999, owner))


def test_list_reservations_newest_first_with_status_filter(shop):
    user = shop.user()
    trip = shop.trip(capacity=10)
    first = shop.book(user, trip)
    shop.at(NOW + dt.timedelta(minutes=1))
    second = shop.book(user, trip, passengers=3)
    shop.pay(second, user)
    shop.book(shop.user(), trip)  # someone else's
    rows = sp.list_reservations(shop.conn, user)
    assert [(r["reservation_id"], r["status"], r["segments"], r["passengers"]) for r in rows] == [
        (second, "confirmed", 1, 3), (first, "held", 1, 1),
    ]  # fmt: skip
    assert [r["reservation_id"] for r in sp.list_reservations(shop.conn, user, "held")] == [first]
    assert sp.list_reservations(shop.conn, user, "expired") == []


@pytest.mark.parametrize(("user_id", "status", "errno"), [(999999999, None, 50002), (None, None, 50002)])
def test_list_errors(shop, user_id, status, errno):
    assert_fails_unchanged(shop.url, errno, lambda: sp.list_reservations(shop.conn, user_id, status))


def test_list_unknown_status(shop):
    user = shop.user()
    assert_fails_unchanged(shop.url, 50001, lambda: sp.list_reservations(shop.conn, user, "paid"))
