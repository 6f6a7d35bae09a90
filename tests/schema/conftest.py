from __future__ import annotations

import pytest

from harness.db import connect


@pytest.fixture
def conn(migrated_url):
    """A connection whose work is rolled back after the test."""
    connection = connect(migrated_url)
    yield connection
    connection.rollback()
    connection.close()


@pytest.fixture
def cur(conn):
    return conn.cursor()


def insert(cur, table: str, **values) -> int:
    columns = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    cur.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))
    return cur.lastrowid


@pytest.fixture
def world(cur):
    """A minimal consistent data set, built in the test's transaction:
    two stations, an air carrier, a flight with an economy fare of 10 seats, a user, and a
    held reservation of one passenger on that flight."""
    ids = {}
    ids["origin"] = insert(cur, "stations", code="XAA", name="A Airport", city="A", country="DE")
    ids["destination"] = insert(cur, "stations", code="XBB", name="B Airport", city="B", country="FR")
    ids["carrier"] = insert(cur, "carriers", code="XA", name="X Air", mode="air")
    ids["rail_carrier"] = insert(cur, "carriers", code="XR", name="X Rail", mode="rail")
    ids["trip"] = insert(
        cur,
        "trips",
        carrier_id=ids["carrier"],
        mode="air",
        service_number="XA1",
        origin_station_id=ids["origin"],
        destination_station_id=ids["destination"],
        departs_at="2030-01-01 10:00:00",
        arrives_at="2030-01-01 12:00:00",
    )
    insert(cur, "flights", trip_id=ids["trip"], aircraft="A320")
    insert(
        cur,
        "trip_fares",
        trip_id=ids["trip"],
        fare_class_id=1,
        capacity=10,
        seats_held=1,
        price="100.00",
        currency="EUR",
    )
    ids["user"] = insert(cur, "users", email="ada@example.com", full_name="Ada")
    insert(cur, "user_credentials", user_id=ids["user"], password_hash="x")
    ids["reservation"] = insert(
        cur,
        "reservations",
        booking_ref="ABC123",
        user_id=ids["user"],
        status="held",
        total_amount="100.00",
        currency="EUR",
        expires_at="2029-12-01 10:15:00",
        first_departs_at="2030-01-01 10:00:00",
    )
    insert(
        cur,
        "reservation_segments",
        reservation_id=ids["reservation"],
        segment_no=1,
        trip_id=ids["trip"],
        fare_class_id=1,
        unit_price="100.00",
        seats=1,
        held_until="2029-12-01 10:15:00",
    )
    ids["passenger"] = insert(
        cur, "passengers", reservation_id=ids["reservation"], passenger_no=1, full_name="Ada Lovelace"
    )
    return ids


def confirm_with_ticket(cur, ids, seat_no="E1", ticket_number="0000000000001") -> int:
    """Turn the world's hold into a paid reservation with its ticket, consistently."""
    cur.execute(
        "UPDATE trip_fares SET seats_held = seats_held - 1, seats_sold = seats_sold + 1,"
        " seats_issued = seats_issued + 1 WHERE trip_id = %s",
        (ids["trip"],),
    )
    cur.execute("UPDATE reservations SET status = 'confirmed' WHERE reservation_id = %s", (ids["reservation"],))
    cur.execute("UPDATE reservation_segments SET held_until = NULL WHERE reservation_id = %s", (ids["reservation"],))
    insert(
        cur,
        "payments",
        reservation_id=ids["reservation"],
        amount="100.00",
        currency="EUR",
        method="card",
        idempotency_key=f"k-{ticket_number}",
        request_hash="0" * 64,
    )
    return insert(
        cur,
        "tickets",
        ticket_number=ticket_number,
        reservation_id=ids["reservation"],
        passenger_id=ids["passenger"],
        trip_id=ids["trip"],
        seat_no=seat_no,
    )
