"""The usual request's one test: create_reservation, purchase and pay_reservation pass a request
of one segment and one passenger without a birth date (and a well-formed payment) by a single
test written into them, and call check_booking_request / check_payment_request, which name what
is wrong, only when it fails. Each case sits at an edge of that test: what the check procedures
refuse is refused by every procedure, INVALID_ARGUMENT with nothing changed, and what they
accept books, whichever way it went."""

from __future__ import annotations

import pytest

from harness import procedures as sp

from ..helpers import assert_fails_unchanged

SEGMENT = '[{"trip_id": TRIP, "fare_class": "economy"}]'
PASSENGER = '[{"full_name": "Ada"}]'

ACCEPTED = [
    (SEGMENT, PASSENGER, "Ada"),
    (SEGMENT, '[{"full_name": "  Ada  "}]', "Ada"),  # stored trimmed
    (SEGMENT, '[{"full_name": "' + "A" * 200 + '"}]', "A" * 200),
    (SEGMENT, '[{"full_name": "Ada", "birth_date": null}]', "Ada"),
    (SEGMENT, '[{"full_name": "Ada", "birth_date": "1990-12-10"}]', "Ada"),  # the check's way
    ('[{"trip_id": TRIP, "fare_class": "economy", "note": 1}]', PASSENGER, "Ada"),
]

REFUSED = [
    ('[{"trip_id": 1.5, "fare_class": "economy"}]', PASSENGER),
    ('[{"trip_id": "TRIP", "fare_class": "economy"}]', PASSENGER),
    ('[{"trip_id": -1, "fare_class": "economy"}]', PASSENGER),
    ('[{"trip_id": 0, "fare_class": "economy"}]', PASSENGER),
    ('[{"trip_id": 1e400, "fare_class": "economy"}]', PASSENGER),
    ('[{"trip_id": 9223372036854775808, "fare_class": "economy"}]', PASSENGER),
    ('[{"trip_id": true, "fare_class": "economy"}]', PASSENGER),
    ('[{"trip_id": TRIP, "fare_class": 7}]', PASSENGER),
    ('[{"trip_id": TRIP, "fare_class": "coach"}]', PASSENGER),
    ('[{"trip_id": TRIP, "fare_class": "ECONOMY"}]', PASSENGER),  # names are compared as written
    ('[{"trip_id": TRIP}]', PASSENGER),
    ("[5]", PASSENGER),
    ('{"trip_id": TRIP, "fare_class": "economy"}', PASSENGER),
    (SEGMENT, '["Ada"]'),
    (SEGMENT, "null"),
    (SEGMENT, '[{"full_name": "   "}]'),
    (SEGMENT, '[{"full_name": "' + "A" * 201 + '"}]'),
    (SEGMENT, '[{"full_name": " ' + "A" * 200 + '"}]'),  # 201 characters before trimming
    (SEGMENT, '[{"full_name": "Ada", "birth_date": 19901210}]'),
    (SEGMENT, '[{"full_name": "Ada", "birth_date": "1990-02-30"}]'),
    (SEGMENT, "not json"),
    (None, PASSENGER),
]


def book(shop, how: str, user: int, segments: str | None, passengers: str | None) -> int:
    if how == "hold":
        return sp.call_out(shop.conn, "create_reservation", user, segments, passengers)[0]
    return sp.call_out(shop.conn, "purchase", user, segments, passengers, "100.00", "EUR", "card", "key-1", outs=2)[0]


@pytest.mark.parametrize("how", ["hold", "purchase"])
@pytest.mark.parametrize(("segments", "passengers", "name"), ACCEPTED)
def test_what_the_checks_accept_books(shop, how, segments, passengers, name):
    trip, user = shop.trip(), shop.user()
    reservation_id = book(shop, how, user, segments.replace("TRIP", str(trip)), passengers)
    (stored,) = shop.query("SELECT full_name FROM passengers WHERE reservation_id = %s", reservation_id)
    assert stored["full_name"] == name
    assert shop.violations() == []


@pytest.mark.parametrize("how", ["hold", "purchase"])
@pytest.mark.parametrize(("segments", "passengers"), REFUSED)
def test_what_the_checks_refuse_changes_nothing(shop, how, segments, passengers):
    trip, user = shop.trip(), shop.user()
    segments = segments.replace("TRIP", str(trip)) if segments else segments
    assert_fails_unchanged(shop.url, 50001, lambda: book(shop, how, user, segments, passengers))


PAYMENTS = [
    (("100.00", "EUR", "wallet", "k"), None),
    (("-0.01", "EUR", "card", "k"), 50001),
    ((None, "EUR", "card", "k"), 50001),
    (("100.00", "eur", "card", "k"), 50001),
    (("100.00", "EU", "card", "k"), 50001),
    (("100.00", None, "card", "k"), 50001),
    (("100.00", "EUR", "cash", "k"), 50001),
    (("100.00", "EUR", None, "k"), 50001),
    (("100.00", "EUR", "card", "   "), 50001),
    (("100.00", "EUR", "card", None), 50001),
    (("0.00", "EUR", "card", "k"), 50006),  # well formed: the amount is checked against the seats
]


@pytest.mark.parametrize(("payment", "errno"), PAYMENTS)
def test_payments_at_the_edges_of_the_test(shop, payment, errno):
    trip, user = shop.trip(), shop.user()
    held = shop.book(user, trip)
    segments = f'[{{"trip_id": {trip}, "fare_class": "economy"}}]'
    pay = [
        lambda: sp.call_out(shop.conn, "pay_reservation", held, user, *payment),
        lambda: sp.call_out(shop.conn, "purchase", user, segments, PASSENGER, *payment, outs=2),
    ]
    for call in pay:
        if errno is None:
            assert call()[0] is not None
        else:
            assert_fails_unchanged(shop.url, errno, call)
