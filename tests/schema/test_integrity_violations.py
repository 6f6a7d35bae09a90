"""integrity_violations: empty on consistent data, one row per kind of breakage done by hand."""

from __future__ import annotations

import pytest

from .conftest import confirm_with_ticket, insert


def violations(cur):
    cur.execute("SELECT violation, table_name, object_id, detail FROM integrity_violations ORDER BY 1, 3")
    return cur.fetchall()


def test_empty_on_consistent_data(cur, world):
    assert violations(cur) == []
    folded(cur, world)
    assert violations(cur) == []


def test_a_reservation_the_fold_has_not_visited_may_lag(cur, world):
    """Pending reservations (facts_pending = 1, V0030) are not yet in the reporting tables."""
    confirm_with_ticket(cur, world)
    cur.execute("SELECT facts_pending FROM reservations")
    assert cur.fetchall() == [(1,)]
    assert violations(cur) == []
    cur.execute("UPDATE reservations SET facts_pending = NULL")
    assert {v for v, _, _, _ in violations(cur)} == {
        "booking fact differs from its reservation",
        "money fact differs from its payment or refund",
        "activity missing from user_activity_days",
    }


def held(cur, ids):
    """Nothing extra: the world's hold as it is."""


def confirmed(cur, ids):
    confirm_with_ticket(cur, ids)


def folded(cur, ids):
    """Confirmed, and written into the reporting tables as the fold (V0030) writes them, in the
    test's own transaction (the fold procedure commits; its own tests are in
    tests/procedures/test_fold_reporting_facts.py)."""
    confirm_with_ticket(cur, ids)
    cur.execute(
        "INSERT INTO booking_facts (created_at, reservation_id, user_id, status, currency, total_amount,"
        " first_departs_at, lead_days, mode, origin_station_id, destination_station_id, passengers, paid, refunded)"
        " SELECT created_at, reservation_id, user_id, status, currency, total_amount, first_departs_at, lead_days,"
        " mode, origin_station_id, destination_station_id, passengers, paid, refunded FROM reservation_facts"
    )
    cur.execute(
        "INSERT INTO money_facts (created_at, kind, money_id, segment_no, reservation_id, currency, amount,"
        " segment_share, first_mode, mode, origin_station_id, destination_station_id, method)"
        " SELECT p.created_at, 'payment', p.payment_id, s.segment_no, p.reservation_id, p.currency, p.amount,"
        " p.amount, t.mode, t.mode, t.origin_station_id, t.destination_station_id, p.method FROM payments AS p"
        " INNER JOIN reservation_segments AS s USING (reservation_id) INNER JOIN trips AS t USING (trip_id)"
    )
    cur.execute("INSERT INTO user_activity_days (day, user_id, created_at) SELECT DATE(created_at), user_id,"
                " created_at FROM reservations")  # fmt: skip
    cur.execute("UPDATE reservations SET facts_pending = NULL")


BREAKAGES = [
    ("held counter differs from live holds", held, "UPDATE trip_fares SET seats_held = 0", "trip_fares"),
    ("sold counter differs from active tickets", confirmed, "UPDATE trip_fares SET seats_sold = 0", "trip_fares"),
    ("seat numbers issued behind sales", confirmed, "UPDATE trip_fares SET seats_issued = 0", "trip_fares"),
    # no foreign key since V0054 (the procedures write a segment only with its fare's update)
    ("segment of a fare the trip does not sell", held, "UPDATE reservation_segments SET fare_class_id = 4",
     "reservation_segments"),
    ("active ticket on a reservation that is not confirmed", confirmed,
     "UPDATE reservations SET status = 'cancelled'", "tickets"),
    ("active ticket on a cancelled trip", confirmed, "UPDATE trips SET status = 'cancelled'", "tickets"),
    ("confirmed reservation whose payments differ from its total", confirmed,
     "INSERT INTO payments (reservation_id, amount, currency, method, idempotency_key, request_hash)"
     " SELECT reservation_id, 5, 'EUR', 'card', 'extra', REPEAT('0', 64) FROM reservations", "reservations"),
    ("confirmed reservation without one ticket per passenger and segment", confirmed,
     "INSERT INTO passengers (reservation_id, passenger_no, full_name, created_at)"
     " SELECT reservation_id, 2, 'Bob', created_at FROM reservations", "reservations"),
    ("payment taken for a reservation never confirmed", held,
     "INSERT INTO payments (reservation_id, amount, currency, method, idempotency_key, request_hash)"
     " SELECT reservation_id, 100, 'EUR', 'card', 'early', REPEAT('0', 64) FROM reservations", "reservations"),
    ("refund exceeds payments", confirmed,
     "INSERT INTO refunds (reservation_id, amount, currency, refund_percent)"
     " SELECT reservation_id, 150, 'EUR', 100 FROM reservations", "reservations"),
    ("payment in another currency than the reservation", held,
     "INSERT INTO payments (reservation_id, amount, currency, method, idempotency_key, request_hash)"
     " SELECT reservation_id, 0, 'USD', 'card', 'usd', REPEAT('0', 64) FROM reservations", "reservations"),
    ("total differs from seat prices", held, "UPDATE reservations SET total_amount = 90", "reservations"),
    ("reservation without segments or passengers", held, "DELETE FROM passengers", "reservations"),
    ("trip without its mode row", held, "DELETE FROM flights", "trips"),
    ("segment seats differ from the passenger count", held, "UPDATE reservation_segments SET seats = 2",
     "reservations"),
    ("segment hold out of step with the reservation", confirmed,
     "UPDATE reservation_segments SET held_until = '2029-12-01'", "reservations"),
    ("segment hold out of step with the reservation", held, "UPDATE reservation_segments SET held_until = NULL",
     "reservations"),
    ("booking fact differs from its reservation", folded, "UPDATE booking_facts SET paid = paid + 1",
     "booking_facts"),
    ("booking fact differs from its reservation", folded, "DELETE FROM booking_facts", "booking_facts"),
    ("booking fact without a reservation", folded,
     "INSERT INTO booking_facts SELECT created_at + INTERVAL 1 SECOND, reservation_id + 1000, user_id, status, currency,"
     " total_amount, first_departs_at, lead_days, mode, origin_station_id, destination_station_id, passengers, paid,"
     " refunded FROM booking_facts", "booking_facts"),
    ("money fact differs from its payment or refund", folded, "UPDATE money_facts SET amount = amount + 1",
     "money_facts"),
    ("money fact differs from its payment or refund", folded, "DELETE FROM money_facts", "money_facts"),
    ("money fact differs from its payment or refund", folded, "UPDATE money_facts SET refunded_later = 1",
     "money_facts"),
    ("money fact without a payment or refund", folded,
     "INSERT INTO money_facts SELECT created_at, kind, money_id + 1000, segment_no, reservation_id, currency, amount,"
     " segment_share, first_mode, mode, origin_station_id, destination_station_id, method, refunded_later"
     " FROM money_facts", "money_facts"),
    ("activity missing from user_activity_days", folded, "DELETE FROM user_activity_days", "user_activity_days"),
]  # fmt: skip


@pytest.mark.parametrize(("violation", "setup", "breakage", "table"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_each_breakage_is_reported(cur, world, violation, setup, breakage, table):
    setup(cur, world)
    cur.execute(breakage)
    found = {(v, t) for v, t, _, _ in violations(cur)}
    assert (violation, table) in found


def test_oversold_fare(cur, world):
    confirm_with_ticket(cur, world)  # 1 sold of 10
    reservation = insert(
        cur,
        "reservations",
        booking_ref="ZZZ999",
        user_id=world["user"],
        total_amount="100.00",
        currency="EUR",
        expires_at="2029-12-01",
        first_departs_at="2030-01-01 10:00:00",
    )
    insert(
        cur,
        "reservation_segments",
        reservation_id=reservation,
        segment_no=1,
        trip_id=world["trip"],
        fare_class_id=1,
        unit_price="100.00",
        seats=1,
        held_until="2029-12-01",
    )
    insert(cur, "passengers", reservation_id=reservation, passenger_no=1, full_name="Eve")
    cur.execute("UPDATE trip_fares SET capacity = 1")  # counters say 0 held + 1 sold: the CHECK passes
    rows = violations(cur)
    assert ("oversold fare", "trip_fares", f"{world['trip']}/1", "held 1 + sold 1 > capacity 1") in rows


def test_subtype_of_the_wrong_mode(cur, world):
    # only possible with foreign key checks off, which is how such rows sneak in (bulk loads)
    cur.execute("SET SESSION foreign_key_checks = 0")
    try:
        insert(cur, "trains", trip_id=world["trip"], train_type="ICE")
        cur.execute("UPDATE carriers SET mode = 'bus' WHERE carrier_id = %s", (world["carrier"],))
    finally:
        cur.execute("SET SESSION foreign_key_checks = 1")
    found = {(v, d) for v, _, _, d in violations(cur)}
    assert ("mode row of another mode", "air trip has rows in flights,trains") in found
    assert ("trip mode differs from its carrier's", "air trip run by bus carrier XA") in found  # fmt: skip
