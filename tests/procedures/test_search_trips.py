"""search_trips: columns, filters, ordering, availability including lapsed holds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from harness import procedures as sp

from ..helpers import assert_fails_unchanged
from .conftest import NOW

DAY = (NOW + dt.timedelta(days=20)).date()
COLUMNS = [
    "trip_id", "mode", "carrier_code", "service_number", "origin_code", "destination_code", "departs_at",
    "arrives_at", "fare_class", "price", "currency", "seats_available",
]  # fmt: skip


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute))


@pytest.fixture
def route(shop):
    """Trips on a route of the test's own (shown as MUC -> ZRH below) on DAY and around it."""
    muc, zrh = shop.stations()
    shop.codes = (muc, zrh)
    trips = {
        "air_late": shop.trip(carrier="LH", origin=muc, destination=zrh, departs=at(18), price="90.00"),
        "air_early": shop.trip(
            carrier="LH", origin=muc, destination=zrh, departs=at(7),
            fares=[{"fare_class": "economy", "capacity": 3, "price": "150.00", "currency": "EUR"},
                   {"fare_class": "business", "capacity": 2, "price": "400.00", "currency": "EUR"}],
        ),
        "bus_noon": shop.trip(carrier="FLX", origin=muc, destination=zrh, departs=at(12), price="25.00"),
        "bus_cancelled": shop.trip(carrier="FLX", origin=muc, destination=zrh, departs=at(13), price="20.00"),
        "next_day": shop.trip(carrier="LH", origin=muc, destination=zrh, departs=at(0) + dt.timedelta(days=1)),
        "day_before": shop.trip(carrier="LH", origin=muc, destination=zrh, departs=at(23, 59) - dt.timedelta(days=1)),
        "reverse": shop.trip(carrier="LH", origin=zrh, destination=muc, departs=at(9)),
    }  # fmt: skip
    sp.cancel_trip(shop.conn, trips["bus_cancelled"], "strike")
    return trips


def test_columns_order_and_filters(shop, route):
    rows = sp.search_trips(shop.conn, *shop.codes, DAY, None, 1)
    assert rows and list(rows[0]) == COLUMNS
    assert [(r["trip_id"], r["fare_class"]) for r in rows] == [
        (route["air_early"], "economy"),
        (route["air_early"], "business"),
        (route["bus_noon"], "economy"),
        (route["air_late"], "economy"),
    ]
    first = rows[0]
    assert first["mode"] == "air" and first["carrier_code"] == "LH"
    assert (first["origin_code"], first["destination_code"]) == shop.codes
    assert first["departs_at"] == at(7) and first["arrives_at"] == at(9)
    assert (first["price"], first["currency"], first["seats_available"]) == (Decimal("150.00"), "EUR", 3)
    buses = sp.search_trips(shop.conn, *shop.codes, DAY, "bus", 1)
    assert [r["trip_id"] for r in buses] == [route["bus_noon"]]


def test_passengers_filter_and_lapsed_holds_count_as_free(shop, route):
    user = shop.user()
    shop.book(user, route["air_early"], passengers=2)  # economy: 1 of 3 left
    assert [r["fare_class"] for r in sp.search_trips(shop.conn, *shop.codes, DAY, "air", 2)
            if r["trip_id"] == route["air_early"]] == ["business"]  # fmt: skip
    shop.at(NOW + dt.timedelta(minutes=16))  # the hold lapsed; no expiry has run
    rows = sp.search_trips(shop.conn, *shop.codes, DAY, "air", 3)
    assert [(r["fare_class"], r["seats_available"]) for r in rows if r["trip_id"] == route["air_early"]] == [
        ("economy", 3)
    ]


def test_departed_trips_are_not_offered(shop, route):
    shop.at(at(12, 30))
    rows = sp.search_trips(shop.conn, *shop.codes, DAY, None, 1)
    assert [r["trip_id"] for r in rows] == [route["air_late"]]


@pytest.mark.parametrize(
    ("args", "errno"),
    [
        (("MUC", "ZRH", None, None, 1), 50001),
        (("MUC", "ZRH", DAY, None, 0), 50001),
        (("MUC", "ZRH", DAY, None, 10), 50001),
        (("MUC", "ZRH", DAY, "boat", 1), 50001),
        (("XXX", "ZRH", DAY, None, 1), 50002),
        (("MUC", "XXX", DAY, None, 1), 50002),
    ],
)
def test_search_errors(shop, args, errno):
    assert_fails_unchanged(shop.url, errno, lambda: sp.search_trips(shop.conn, *args))


def test_calls_leave_no_transaction_open(shop, route):
    """A search's reads are committed (no snapshot kept for the next call on a pooled
    connection); a booking's own commit leaves nothing for the harness to end."""
    assert not shop.conn.autocommit
    sp.search_trips(shop.conn, *shop.codes, DAY, None, 1)
    assert not shop.conn.in_transaction
    reservation_id = shop.book(shop.user(), route["air_late"])
    assert reservation_id and not shop.conn.in_transaction
