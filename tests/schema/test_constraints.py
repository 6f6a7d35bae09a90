"""Each CHECK, unique and foreign key rule refuses the bad row that breaks it."""

from __future__ import annotations

import mysql.connector
import pytest

from .conftest import confirm_with_ticket, insert

CHECK = {3819, 4025}  # MySQL, MariaDB
DUPLICATE = {1062}
FOREIGN_KEY = {1452}


def trip_row(ids, **overrides):
    row = dict(carrier_id=ids["carrier"], mode="air", service_number="XA2", origin_station_id=ids["origin"],
               destination_station_id=ids["destination"], departs_at="2030-02-01 10:00:00",
               arrives_at="2030-02-01 12:00:00")  # fmt: skip
    return {**row, **overrides}


CASES = {
    # CHECK constraints
    "ck_trip_fares_seats": (CHECK, lambda c, i: c.execute("UPDATE trip_fares SET seats_sold = 10")),
    "ck_trip_fares_capacity": (CHECK, lambda c, i: c.execute("UPDATE trip_fares SET capacity = 0, seats_held = 0")),
    "ck_trip_fares_price": (CHECK, lambda c, i: c.execute("UPDATE trip_fares SET price = -1")),
    "ck_trip_fares_currency": (CHECK, lambda c, i: c.execute("UPDATE trip_fares SET currency = 'eu1'")),
    "ck_trips_arrives_after_departs": (CHECK, lambda c, i: c.execute("UPDATE trips SET arrives_at = departs_at")),
    "ck_trips_origin_not_destination": (
        CHECK, lambda c, i: c.execute("UPDATE trips SET destination_station_id = origin_station_id"),
    ),
    "ck_trips_status": (CHECK, lambda c, i: c.execute("UPDATE trips SET status = 'delayed'")),
    "ck_reservations_status": (CHECK, lambda c, i: c.execute("UPDATE reservations SET status = 'paid'")),
    "ck_reservations_total_amount": (CHECK, lambda c, i: c.execute("UPDATE reservations SET total_amount = -1")),
    "ck_reservations_held_expires": (CHECK, lambda c, i: c.execute("UPDATE reservations SET expires_at = NULL")),
    "ck_reservations_booking_ref": (CHECK, lambda c, i: c.execute("UPDATE reservations SET booking_ref = 'abc12'")),
    "ck_passengers_full_name": (CHECK, lambda c, i: c.execute("UPDATE passengers SET full_name = '  '")),
    "ck_users_email lower-case": (CHECK, lambda c, i: c.execute("UPDATE users SET email = 'Ada@example.com'")),
    "ck_users_email format": (CHECK, lambda c, i: c.execute("UPDATE users SET email = 'not-an-email'")),
    "ck_users_status": (CHECK, lambda c, i: c.execute("UPDATE users SET status = 'gone'")),
    "ck_carriers_mode": (CHECK, lambda c, i: c.execute("UPDATE carriers SET mode = 'boat' WHERE code = 'XR'")),
    "ck_stations_country": (CHECK, lambda c, i: c.execute("UPDATE stations SET country = 'de'")),
    "ck_stations_code": (CHECK, lambda c, i: c.execute("UPDATE stations SET code = 'xaa' WHERE code = 'XAA'")),
    "ck_trip_fares_currency lower-case": (CHECK, lambda c, i: c.execute("UPDATE trip_fares SET currency = 'eur'")),
    "ck_payments_amount": (CHECK, lambda c, i: insert(c, "payments", reservation_id=i["reservation"], amount="-1",
                                                      currency="EUR", method="card", idempotency_key="a",
                                                      request_hash="0" * 64)),
    "ck_payments_method": (CHECK, lambda c, i: insert(c, "payments", reservation_id=i["reservation"], amount="1",
                                                      currency="EUR", method="cash", idempotency_key="a",
                                                      request_hash="0" * 64)),
    "ck_refunds_refund_percent": (CHECK, lambda c, i: insert(c, "refunds", reservation_id=i["reservation"],
                                                             amount="0", currency="EUR", refund_percent="101")),
    "ck_refund_rules_refund_percent": (CHECK, lambda c, i: c.execute("UPDATE refund_rules SET refund_percent = -5")),
    "ck_tickets_status": (CHECK, lambda c, i: (confirm_with_ticket(c, i), c.execute("UPDATE tickets SET status = 'used'"))),
    # unique rules
    "uq_users_email": (DUPLICATE, lambda c, i: insert(c, "users", email="ada@example.com", full_name="Other")),
    "ck_user_credentials_password_hash": (CHECK, lambda c, i: c.execute("UPDATE user_credentials SET password_hash = ''")),
    "ck_trip_fares_on_sale": (CHECK, lambda c, i: c.execute("UPDATE trip_fares SET on_sale = 2")),
    "fk_user_credentials_users": (FOREIGN_KEY, lambda c, i: insert(c, "user_credentials", user_id=999999,
                                                                   password_hash="x")),
    "uq_stations_code": (DUPLICATE, lambda c, i: insert(c, "stations", code="XAA", name="n", city="c", country="DE")),
    "uq_carriers_code": (DUPLICATE, lambda c, i: insert(c, "carriers", code="XA", name="n", mode="bus")),
    "uq_trips_carrier_service_departure": (DUPLICATE, lambda c, i: insert(c, "trips", **trip_row(
        i, service_number="XA1", departs_at="2030-01-01 10:00:00", arrives_at="2030-01-01 11:00:00"))),
    "uq_reservations_booking_ref": (DUPLICATE, lambda c, i: insert(
        c, "reservations", booking_ref="ABC123", user_id=i["user"], total_amount="1", currency="EUR",
        expires_at="2030-01-01", first_departs_at="2030-01-01")),
    "uq_reservation_segments_reservation_trip": (DUPLICATE, lambda c, i: insert(
        c, "reservation_segments", reservation_id=i["reservation"], segment_no=2, trip_id=i["trip"],
        fare_class_id=1, unit_price="1", seats=1)),
    "uq_payments_reservation_idempotency_key": (DUPLICATE, lambda c, i: (confirm_with_ticket(c, i), insert(
        c, "payments", reservation_id=i["reservation"], amount="1", currency="EUR", method="card",
        idempotency_key="k-0000000000001", request_hash="1" * 64))),
    "uq_tickets_trip_active_seat": (DUPLICATE, lambda c, i: (confirm_with_ticket(c, i), insert(
        c, "passengers", reservation_id=i["reservation"], passenger_no=2, full_name="Bob"), insert(
        c, "tickets", ticket_number="0000000000002", reservation_id=i["reservation"], passenger_id=c.lastrowid,
        trip_id=i["trip"], seat_no="E1"))),
    "uq_tickets_passenger_trip_active": (DUPLICATE, lambda c, i: (confirm_with_ticket(c, i), insert(
        c, "tickets", ticket_number="0000000000002", reservation_id=i["reservation"], passenger_id=i["passenger"],
        trip_id=i["trip"], seat_no="E2"))),
    "uq_tickets_ticket_number": (DUPLICATE, lambda c, i: (confirm_with_ticket(c, i), insert(
        c, "passengers", reservation_id=i["reservation"], passenger_no=2, full_name="Bob"), insert(
        c, "tickets", ticket_number="0000000000001", reservation_id=i["reservation"], passenger_id=c.lastrowid,
        trip_id=i["trip"], seat_no="E2"))),
    "uq_refunds_reservation_id": (DUPLICATE, lambda c, i: [insert(
        c, "refunds", reservation_id=i["reservation"], amount="0", currency="EUR", refund_percent="0")
        for _ in range(2)]),
    "uq_refund_rules_mode_hours": (DUPLICATE, lambda c, i: insert(c, "refund_rules", min_hours_before=24,
                                                                  refund_percent="10")),
    # foreign keys, including the composite ones that pin modes
    "fk_trips_origin_stations": (FOREIGN_KEY, lambda c, i: insert(c, "trips", **trip_row(i, origin_station_id=999999))),
    "fk_trips_carriers (trip mode must be the carrier's)": (
        FOREIGN_KEY, lambda c, i: insert(c, "trips", **trip_row(i, mode="rail")),
    ),
    "fk_trains_trips (wrong-mode subtype row)": (
        FOREIGN_KEY, lambda c, i: insert(c, "trains", trip_id=i["trip"], train_type="ICE"),
    ),
    "fk_buses_trips (wrong-mode subtype row)": (
        FOREIGN_KEY, lambda c, i: insert(c, "buses", trip_id=i["trip"], vehicle="Setra"),
    ),
    "fk_tickets_reservation_segments (trip not booked)": (FOREIGN_KEY, lambda c, i: (confirm_with_ticket(c, i), insert(
        c, "trips", **trip_row(i)), insert(c, "tickets", ticket_number="0000000000002",
        reservation_id=i["reservation"], passenger_id=i["passenger"], trip_id=c.lastrowid, seat_no="E1"))),
    "fk_tickets_passengers (passenger of another reservation)": (FOREIGN_KEY, lambda c, i: (
        confirm_with_ticket(c, i), c.execute("UPDATE tickets SET passenger_id = passenger_id + 1000"))),
}  # fmt: skip


@pytest.mark.parametrize("rule", list(CASES))
def test_bad_row_is_refused(cur, world, rule):
    errnos, breaking = CASES[rule]
    with pytest.raises(mysql.connector.Error) as caught:
        breaking(cur, world)
    assert caught.value.errno in errnos, caught.value
    # the message names the rule that broke (why every constraint is named)
    assert rule.split(" ")[0] in str(caught.value)


def test_void_ticket_frees_its_seat(cur, world):
    confirm_with_ticket(cur, world)
    cur.execute("UPDATE tickets SET status = 'void'")
    insert(cur, "passengers", reservation_id=world["reservation"], passenger_no=2, full_name="Bob")
    insert(cur, "tickets", ticket_number="0000000000002", reservation_id=world["reservation"],
           passenger_id=cur.lastrowid, trip_id=world["trip"], seat_no="E1")  # fmt: skip
    cur.execute("SELECT COUNT(*) FROM tickets WHERE seat_no = 'E1'")
    assert cur.fetchone() == (2,)
