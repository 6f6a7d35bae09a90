"""add_station, add_carrier, add_trip: happy paths with exact rows, and every error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from harness import procedures as sp

from ..helpers import assert_fails_unchanged
from .conftest import NOW

ECONOMY = {"fare_class": "economy", "capacity": 150, "price": "120.00", "currency": "EUR"}


def test_add_station_stores_normalised_codes(shop):
    station_id = sp.add_station(shop.conn, " zz1 ", " Zed Central ", "Zedville", "de")
    assert shop.query("SELECT code, name, city, country FROM stations WHERE station_id = %s", station_id) == [
        {"code": "ZZ1", "name": "Zed Central", "city": "Zedville", "country": "DE"}
    ]


@pytest.mark.parametrize(
    ("args", "errno"),
    [
        (("FRA", "Again", "Frankfurt", "DE"), 50005),
        (("X", "Short code", "C", "DE"), 50001),
        (("TOOLONGCODE1", "Long", "C", "DE"), 50001),
        (("ZZ2", "", "C", "DE"), 50001),
        (("ZZ2", "Name", "  ", "DE"), 50001),
        (("ZZ2", "Name", "City", "D1"), 50001),
        ((None, "Name", "City", "DE"), 50001),
    ],
)
def test_add_station_errors(shop, args, errno):
    assert_fails_unchanged(shop.url, errno, lambda: sp.add_station(shop.conn, *args))


def test_add_carrier(shop):
    carrier_id = sp.add_carrier(shop.conn, "zx", "Zed Air", "AIR")
    assert shop.query("SELECT code, name, mode FROM carriers WHERE carrier_id = %s", carrier_id) == [
        {"code": "ZX", "name": "Zed Air", "mode": "air"}
    ]
    assert_fails_unchanged(shop.url, 50005, lambda: sp.add_carrier(shop.conn, "ZX", "Zed Air", "air"))
    assert_fails_unchanged(shop.url, 50001, lambda: sp.add_carrier(shop.conn, "ZY", "Zed Boats", "boat"))
    assert_fails_unchanged(shop.url, 50001, lambda: sp.add_carrier(shop.conn, "ZY", " ", "bus"))


@pytest.mark.parametrize(
    ("carrier", "table", "column", "details", "expected"),
    [
        ("LH", "flights", "aircraft", {"aircraft": "A320"}, "A320"),
        ("DB", "trains", "train_type", {"train_type": "ICE 3"}, "ICE 3"),
        ("FLX", "buses", "vehicle", {"vehicle": "Setra S 516"}, "Setra S 516"),
        ("FLX", "buses", "vehicle", None, None),
    ],
)
def test_add_trip_creates_the_subtype_row_of_its_carriers_mode(shop, carrier, table, column, details, expected):
    departs = NOW + dt.timedelta(days=3)
    trip_id = sp.add_trip(
        shop.conn, carrier, f"X{carrier}{details is None}", "FRA", "CDG", departs, departs + dt.timedelta(hours=5),
        [ECONOMY, {"fare_class": "first", "capacity": 8, "price": 640, "currency": "EUR"}], details,
    )  # fmt: skip
    (trip,) = shop.query("SELECT mode, status, departs_at FROM trips WHERE trip_id = %s", trip_id)
    assert trip == {"mode": {"flights": "air", "trains": "rail", "buses": "bus"}[table], "status": "scheduled",
                    "departs_at": departs}  # fmt: skip
    assert shop.query(f"SELECT {column} AS detail FROM {table} WHERE trip_id = %s", trip_id) == [{"detail": expected}]
    fares = shop.query(
        "SELECT fare_class_id, capacity, seats_held, seats_sold, price, currency FROM trip_fares"
        " WHERE trip_id = %s ORDER BY fare_class_id",
        trip_id,
    )
    assert fares == [
        {"fare_class_id": 1, "capacity": 150, "seats_held": 0, "seats_sold": 0, "price": Decimal("120.00"),
         "currency": "EUR"},
        {"fare_class_id": 4, "capacity": 8, "seats_held": 0, "seats_sold": 0, "price": Decimal("640.00"),
         "currency": "EUR"},
    ]  # fmt: skip
    assert shop.violations() == []


def add_trip_with(shop, **changes):
    departs = NOW + dt.timedelta(days=3)
    args = {
        "carrier_code": "LH", "service_number": "E1", "origin_code": "FRA", "destination_code": "CDG",
        "departs_at": departs, "arrives_at": departs + dt.timedelta(hours=1), "fares": [ECONOMY], "details": None,
    }  # fmt: skip
    args.update(changes)
    return lambda: sp.add_trip(shop.conn, **args)


@pytest.mark.parametrize(
    ("changes", "errno"),
    [
        ({"carrier_code": "NOPE"}, 50002),
        ({"origin_code": "NOPE"}, 50002),
        ({"destination_code": "FRA"}, 50001),
        ({"service_number": " "}, 50001),
        ({"arrives_at": NOW + dt.timedelta(days=3)}, 50001),
        ({"fares": []}, 50001),
        ({"fares": {"fare_class": "economy"}}, 50001),
        ({"fares": [{**ECONOMY, "fare_class": "coach"}]}, 50001),
        ({"fares": [{**ECONOMY, "capacity": 0}]}, 50001),
        ({"fares": [{**ECONOMY, "capacity": "ten"}]}, 50001),
        ({"fares": [{**ECONOMY, "price": "-1.00"}]}, 50001),
        ({"fares": [{**ECONOMY, "price": "1.005"}]}, 50001),
        ({"fares": [{**ECONOMY, "currency": "eur"}]}, 50001),
        ({"fares": [ECONOMY, ECONOMY]}, 50001),
        ({"fares": [ECONOMY, {**ECONOMY, "fare_class": "first", "currency": "USD"}]}, 50001),
        ({"details": ["A320"]}, 50001),
    ],
)
def test_add_trip_errors(shop, changes, errno):
    assert_fails_unchanged(shop.url, errno, add_trip_with(shop, **changes))


def test_add_trip_duplicate_service(shop):
    add_trip_with(shop, service_number="DUP1")()
    assert_fails_unchanged(shop.url, 50005, add_trip_with(shop, service_number="DUP1"))
