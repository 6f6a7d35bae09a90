"""A booking world built through the procedures, on a clock the tests control.

Every connection made here sets its session clock (`SET timestamp`) to `NOW` (or a moved
time), so holds, expiry and refund tiers are exact and nothing sleeps. Each test makes its own
trips and users, so tests sharing the module's database never see each other's counters.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from harness import procedures as sp
from harness.db import connect
from harness.seed import seed_reference

NOW = dt.datetime(2031, 3, 1, 12, 0, 0)
REPO_ROOT = Path(__file__).resolve().parents[2]
_serial = itertools.count(1)


def set_clock(conn, when: dt.datetime | None) -> None:
    cur = conn.cursor()
    cur.execute("SET time_zone = '+00:00'")
    if when is None:
        cur.execute("SET timestamp = DEFAULT")
    else:
        epoch = int(when.replace(tzinfo=dt.UTC).timestamp())
        cur.execute("SET timestamp = %s", (epoch,))
    cur.close()


def open_at(url, when: dt.datetime | None = NOW):
    conn = connect(url)
    set_clock(conn, when)
    return conn


class Shop:
    """Factories for trips and users, and quick reads of the state tests assert on."""

    def __init__(self, url, conn):
        self.url = url
        self.conn = conn

    def at(self, when: dt.datetime) -> None:
        set_clock(self.conn, when)

    def stations(self) -> tuple[str, str]:
        """Two new stations, so a test's searches see only its own trips."""
        n = next(_serial)
        codes = (f"SA{n}", f"SB{n}")
        for code in codes:
            sp.add_station(self.conn, code, f"Station {code}", "Testville", "DE")
        return codes

    def user(self, name: str = "Ada Lovelace") -> int:
        n = next(_serial)
        return sp.register_user(self.conn, f"user{n}@example.com", "argon2-hash", name, "+44 20 7946 0000")

    def trip(
        self,
        *,
        carrier: str = "LH",
        origin: str = "FRA",
        destination: str = "CDG",
        departs: dt.datetime = NOW + dt.timedelta(days=10),
        hours: int = 2,
        fares: list[dict] | None = None,
        capacity: int = 10,
        price: str = "100.00",
        currency: str = "EUR",
    ) -> int:
        fares = fares or [{"fare_class": "economy", "capacity": capacity, "price": price, "currency": currency}]
        return sp.add_trip(
            self.conn,
            carrier,
            f"T{next(_serial)}",
            origin,
            destination,
            departs,
            departs + dt.timedelta(hours=hours),
            fares,
            None,
        )

    def book(self, user_id: int, trips: list[int] | int, passengers: int = 1, fare_class: str = "economy") -> int:
        trip_ids = [trips] if isinstance(trips, int) else trips
        segments = [{"trip_id": t, "fare_class": fare_class} for t in trip_ids]
        people = [{"full_name": f"Passenger {i + 1}"} for i in range(passengers)]
        return sp.create_reservation(self.conn, user_id, segments, people)

    def pay(self, reservation_id: int, user_id: int, key: str | None = None, method: str = "card") -> int:
        row = self.reservation(reservation_id)
        return sp.pay_reservation(
            self.conn, reservation_id, user_id, row["total_amount"], row["currency"], method, key or f"k{next(_serial)}"
        )

    def query(self, sql: str, *args) -> list[dict]:
        cur = self.conn.cursor(dictionary=True)
        cur.execute(sql, args)
        rows = cur.fetchall()
        cur.close()
        self.conn.commit()
        return rows

    def reservation(self, reservation_id: int) -> dict:
        (row,) = self.query("SELECT * FROM reservations WHERE reservation_id = %s", reservation_id)
        return row

    def fare(self, trip_id: int, fare_class_id: int = 1) -> tuple[int, int, int]:
        (row,) = self.query(
            "SELECT capacity, seats_held, seats_sold FROM trip_fares WHERE trip_id = %s AND fare_class_id = %s",
            trip_id,
            fare_class_id,
        )
        return row["capacity"], row["seats_held"], row["seats_sold"]

    def violations(self) -> list[dict]:
        return self.query("SELECT * FROM integrity_violations")

    def unbookable(self, problem: str, user_id: int, trip_id: int) -> tuple[int, int, str]:
        """The customer, trip and fare class of a segment that `problem` makes unbookable, for
        a trip departing an hour after NOW (the clock is moved for "departed"; put it back)."""
        fare_class = "economy"
        if problem == "no user":
            user_id = 10**15
        elif problem == "disabled user":
            self.query("UPDATE users SET status = 'disabled' WHERE user_id = %s", user_id)
        elif problem == "no trip":
            trip_id = 10**15
        elif problem == "cancelled":
            sp.cancel_trip(self.conn, trip_id, "weather")
        elif problem == "departed":
            self.at(NOW + dt.timedelta(hours=1))
        elif problem == "class not sold":
            fare_class = "first"
        return user_id, trip_id, fare_class


@pytest.fixture(scope="module")
def booking_url(migrated_url):
    conn = connect(migrated_url)
    seed_reference(conn, REPO_ROOT)
    conn.close()
    return migrated_url


@pytest.fixture
def shop(booking_url) -> Iterator[Shop]:
    conn = open_at(booking_url)
    yield Shop(booking_url, conn)
    conn.close()


def money(value: str) -> Decimal:
    return Decimal(value)
