"""create_reservation: exact rows of a hold, all-or-nothing, reclaiming lapsed holds, errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from harness import procedures as sp

from ..helpers import assert_fails_unchanged
from .conftest import NOW


def test_hold_rows(shop):
    user = shop.user()
    first = shop.trip(price="100.00", capacity=10)
    second = shop.trip(departs=NOW + dt.timedelta(days=11), price="55.50", capacity=10)
    reservation_id = sp.create_reservation(
        shop.conn, user,
        [{"trip_id": second, "fare_class": "economy"}, {"trip_id": first, "fare_class": "economy"}],
        [{"full_name": " Ada Lovelace ", "birth_date": "1815-12-10"}, {"full_name": "Charles Babbage"}],
    )  # fmt: skip
    row = shop.reservation(reservation_id)
    assert len(row["booking_ref"]) == 6 and row["booking_ref"].isalnum() and row["booking_ref"].isupper()
    assert {k: row[k] for k in ("user_id", "status", "total_amount", "currency", "expires_at", "first_departs_at",
                                "created_at")} == {
        "user_id": user, "status": "held", "total_amount": Decimal("311.00"), "currency": "EUR",
        "expires_at": NOW + dt.timedelta(minutes=15), "first_departs_at": NOW + dt.timedelta(days=10),
        "created_at": NOW,
    }  # fmt: skip
    assert shop.query(
        "SELECT segment_no, trip_id, fare_class_id, unit_price, seats, held_until FROM reservation_segments"
        " WHERE reservation_id = %s ORDER BY segment_no", reservation_id,
    ) == [
        {"segment_no": 1, "trip_id": second, "fare_class_id": 1, "unit_price": Decimal("55.50"), "seats": 2,
         "held_until": NOW + dt.timedelta(minutes=15)},
        {"segment_no": 2, "trip_id": first, "fare_class_id": 1, "unit_price": Decimal("100.00"), "seats": 2,
         "held_until": NOW + dt.timedelta(minutes=15)},
    ]  # fmt: skip
    assert shop.query(
        "SELECT passenger_no, full_name, birth_date FROM passengers WHERE reservation_id = %s ORDER BY 1",
        reservation_id,
    ) == [
        {"passenger_no": 1, "full_name": "Ada Lovelace", "birth_date": dt.date(1815, 12, 10)},
        {"passenger_no": 2, "full_name": "Charles Babbage", "birth_date": None},
    ]
    assert shop.fare(first) == (10, 2, 0) and shop.fare(second) == (10, 2, 0)
    assert shop.query(
        "SELECT old_status, new_status, changed_at FROM reservation_status_history WHERE reservation_id = %s",
        reservation_id,
    ) == [{"old_status": None, "new_status": "held", "changed_at": NOW}]
    assert shop.violations() == []


def test_hold_minutes_setting(shop):
    shop.query("UPDATE settings SET setting_value = '30' WHERE setting_key = 'hold_minutes'")
    try:
        reservation_id = shop.book(shop.user(), shop.trip())
    finally:
        shop.query("UPDATE settings SET setting_value = '15' WHERE setting_key = 'hold_minutes'")
    assert shop.reservation(reservation_id)["expires_at"] == NOW + dt.timedelta(minutes=30)


def test_all_or_nothing_when_one_segment_is_sold_out(shop):
    user = shop.user()
    roomy, full = shop.trip(capacity=10), shop.trip(capacity=1)
    assert_fails_unchanged(shop.url, 50003, lambda: shop.book(user, [roomy, full], passengers=2))
    assert shop.fare(roomy) == (10, 0, 0) and shop.fare(full) == (1, 0, 0)


def test_lapsed_holds_are_reclaimed_by_a_booking(shop):
    trip = shop.trip(capacity=3)
    lapsed = shop.book(shop.user(), trip, passengers=3)
    latecomer = shop.user()
    assert_fails_unchanged(shop.url, 50003, lambda: shop.book(latecomer, trip))
    shop.at(NOW + dt.timedelta(minutes=15))  # expires_at reached: the seats are free at once
    fresh = shop.book(shop.user(), trip, passengers=2)
    assert shop.reservation(lapsed)["status"] == "expired"
    assert shop.reservation(fresh)["status"] == "held"
    assert shop.fare(trip) == (3, 2, 0)
    assert shop.query("SELECT held_until FROM reservation_segments WHERE reservation_id = %s", lapsed) == [
        {"held_until": None}
    ]
    assert shop.violations() == []


def test_reclaim_releases_every_segment_of_the_lapsed_hold(shop):
    a, b = shop.trip(capacity=2), shop.trip(capacity=2)
    lapsed = shop.book(shop.user(), [a, b], passengers=2)
    shop.at(NOW + dt.timedelta(minutes=20))
    shop.book(shop.user(), b, passengers=1)
    assert shop.reservation(lapsed)["status"] == "expired"
    assert shop.fare(a) == (2, 0, 0) and shop.fare(b) == (2, 1, 0)
    assert shop.violations() == []


SEG = [{"trip_id": 0, "fare_class": "economy"}]
PAX = [{"full_name": "Ada"}]


@pytest.mark.parametrize(
    ("segments", "passengers", "errno"),
    [
        ("not json", PAX, 50001),
        ({"trip_id": 1}, PAX, 50001),
        ([], PAX, 50001),
        (SEG * 5, PAX, 50001),
        (SEG, [], 50001),
        (SEG, PAX * 10, 50001),
        ([{"trip_id": "one", "fare_class": "economy"}], PAX, 50001),
        ([{"trip_id": 0, "fare_class": "coach"}], PAX, 50001),
        ([{"trip_id": 0}], PAX, 50001),
        (SEG * 2, PAX, 50001),
        (SEG, [{"full_name": ""}], 50001),
        (SEG, [{"full_name": 7}], 50001),
        (SEG, [{"name": "Ada"}], 50001),
        (SEG, [{"full_name": "Ada", "birth_date": "1990-02-30"}], 50001),
        (SEG, [{"full_name": "Ada", "birth_date": "10/12/1990"}], 50001),
        (SEG, [{"full_name": "Ada", "birth_date": "2099-01-01"}], 50001),
        (SEG, [{"full_name": "Ada", "birth_date": 19901210}], 50001),
        (
            SEG,
            [
                {"full_name": "Ada", "birth_date": None},
                {"full_name": "Bob", "birth_date": "1990-12-10"},
                {"full_name": "Cy", "birth_date": "1990-02-30"},
            ],
            50001,
        ),
        ([{"trip_id": 999999999, "fare_class": "economy"}], PAX, 50002),
        ([{"trip_id": 0, "fare_class": "first"}], PAX, 50002),
    ],
)
def test_bad_requests_change_nothing(shop, segments, passengers, errno):
    trip = shop.trip()
    user = shop.user()
    if isinstance(segments, list):
        segments = [{**s, "trip_id": trip} if s.get("trip_id") == 0 else s for s in segments]
    raw = segments if isinstance(segments, str) else None

    def call():
        if raw is not None:
            return sp.call_out(shop.conn, "create_reservation", user, raw, '[{"full_name": "Ada"}]')
        return sp.create_reservation(shop.conn, user, segments, passengers)

    assert_fails_unchanged(shop.url, errno, call)


def test_user_and_trip_state_errors(shop):
    trip = shop.trip()
    assert_fails_unchanged(shop.url, 50002, lambda: shop.book(999999999, trip))
    disabled = shop.user()
    shop.query("UPDATE users SET status = 'disabled' WHERE user_id = %s", disabled)
    assert_fails_unchanged(shop.url, 50007, lambda: shop.book(disabled, trip))
    user = shop.user()
    cancelled = shop.trip()
    sp.cancel_trip(shop.conn, cancelled, "weather")
    assert_fails_unchanged(shop.url, 50004, lambda: shop.book(user, cancelled))
    departed = shop.trip(departs=NOW + dt.timedelta(hours=1))
    shop.at(NOW + dt.timedelta(hours=1))
    assert_fails_unchanged(shop.url, 50008, lambda: shop.book(user, departed))
    shop.at(NOW)
    euro, dollar = shop.trip(), shop.trip(currency="USD")
    assert_fails_unchanged(shop.url, 50001, lambda: shop.book(user, [euro, dollar]))


@pytest.mark.parametrize("several", [False, True], ids=["one segment", "after a bookable segment"])
@pytest.mark.parametrize(
    ("problem", "errno"),
    [("no user", 50002), ("disabled user", 50007), ("no trip", 50002), ("cancelled", 50004),
     ("departed", 50008), ("class not sold", 50002)],
)  # fmt: skip
def test_one_and_several_segments_name_the_same_errors(shop, problem, errno, several):
    """One segment takes the short way (one read, refuse only when it finds nothing); several
    read each segment with read_bookable_segment. Both name the same error, and change nothing."""
    fine = shop.trip()
    user, bad, fare_class = shop.unbookable(problem, shop.user(), shop.trip(departs=NOW + dt.timedelta(hours=1)))
    segments = [{"trip_id": bad, "fare_class": fare_class}]
    if several:
        segments.insert(0, {"trip_id": fine, "fare_class": "economy"})  # smaller trip id: read first
    try:
        assert_fails_unchanged(shop.url, errno, lambda: sp.create_reservation(shop.conn, user, segments, PAX))
    finally:
        shop.at(NOW)
