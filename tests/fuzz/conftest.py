"""A small booking world for the fuzz tests, reached through the accounts the product uses.

Customer procedures are called as `travel_app` (EXECUTE only, what the API connects as),
administration as `travel_admin` where the accounts module has it (else root), housekeeping as
root (it runs from events, never from an application account). Trips depart in 2031, so holds
made on the real clock are live for the whole run. Checksums are read as root.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from harness import accounts
from harness import procedures as sp
from harness.db import DatabaseUrl, connect
from harness.seed import seed_reference

from ..api.conftest import CHEAP_HASHER
from ..procedures.conftest import REPO_ROOT

DEPARTS = dt.datetime(2031, 6, 1, 9, 0)
PASSWORD = "fuzz world password 1"
FARE = {"fare_class": "economy", "capacity": 5000, "price": "100.00", "currency": "EUR"}


@dataclass
class World:
    root_url: DatabaseUrl
    app_url: DatabaseUrl
    admin_url: DatabaseUrl
    user_id: int
    other_user_id: int
    email: str
    trip_id: int
    usd_trip_id: int
    cancelled_trip_id: int
    held_id: int
    paid_id: int
    paid_key: str
    cancelled_id: int
    origin: str = "FRA"
    destination: str = "CDG"

    def connect(self, url: DatabaseUrl, autocommit: bool = True):
        return connect(url, autocommit=autocommit)


def _account_url(root, url: DatabaseUrl, name: str) -> DatabaseUrl:
    password = secrets.token_urlsafe(12)
    accounts.create_accounts(root, url.database, {name: password})
    return DatabaseUrl(host=url.host, port=url.port, user=name, password=password, database=url.database)


def build_world(url: DatabaseUrl) -> World:
    root = connect(url)
    seed_reference(root, REPO_ROOT)
    app_url = _account_url(root, url, "travel_app")
    admin_url = _account_url(root, url, "travel_admin") if "travel_admin" in accounts.ACCOUNTS else url
    email = f"fuzz-{secrets.token_hex(3)}@example.com"
    user = sp.register_user(root, email, CHEAP_HASHER.hash(PASSWORD), "Fuzz Customer")
    other = sp.register_user(root, f"other-{email}", "argon2-hash", "Other Customer")

    def trip(number: str, fare: dict) -> int:
        return sp.add_trip(root, "LH", number, "FRA", "CDG", DEPARTS, DEPARTS + dt.timedelta(hours=2), [fare])

    trip_id, usd_trip = trip("FZ1", FARE), trip("FZ2", {**FARE, "currency": "USD"})
    cancelled_trip = trip("FZ3", FARE)
    sp.cancel_trip(root, cancelled_trip, "fuzz world")
    segments = [{"trip_id": trip_id, "fare_class": "economy"}]
    people = [{"full_name": "Ada Lovelace", "birth_date": "1990-12-10"}]
    held = sp.create_reservation(root, user, segments, people)
    paid = sp.create_reservation(root, user, segments, people)
    sp.pay_reservation(root, paid, user, "100.00", "EUR", "card", "fuzz-paid")
    cancelled = sp.create_reservation(root, user, segments, people)
    sp.cancel_reservation(root, cancelled, user, "fuzz world")
    root.close()
    return World(url, app_url, admin_url, user, other, email, trip_id, usd_trip, cancelled_trip, held, paid,
                 "fuzz-paid", cancelled)  # fmt: skip


@pytest.fixture(scope="module")
def world(migrated_url) -> World:
    return build_world(migrated_url)


@pytest.fixture
def root_conn(world) -> Iterator:
    conn = connect(world.root_url)
    yield conn
    conn.close()


@pytest.fixture
def app_conn(world) -> Iterator:
    conn = connect(world.app_url, autocommit=True)
    yield conn
    conn.close()
