"""The hand-checked data set every report test reads (March 2026; times UTC).

Trips   T1 LH FRA-CDG air  2026-03-10 08:00  economy 10 x 100.00 EUR, business 2 x 300.00 EUR
        T2 DB BERHBF-MUCHBF rail 03-12 09:00  economy 5 x 50.00 EUR
        T3 FLX BERZOB-PRGFLORENC bus 03-15 10:00  economy 5 x 20.00 EUR
        T4 BA LHR-MAD air  03-20 07:00  economy 5 x 80.00 GBP
        T5 LH FRA-CDG air  03-11 08:00  economy 10 x 100.00 EUR (cancelled by LH on 03-05 08:00)
Users   U1 signs up 01-15, U2 02-03, U3 02-20, U5 02-10, U4 03-01 (never books)
Logins  U1 ok 03-01; U2 failed 03-01, ok 03-02; U4 ok 03-04; U5 ok 02-10
R1 U1 03-01 10:00 T1 economy x2 200.00, paid by card 10:05                    -> confirmed
R2 U2 03-01 11:00 T2 x1 50.00, wallet 11:02, cancelled 03-11 09:00 (24 h: 50 %) -> refund 25.00
R3 U3 03-02 09:00 T3 x3 60.00, never paid, expired 09:20                        -> expired
R4 U1 03-03 12:00 T4 x1 80.00 GBP, card 12:01                                    -> confirmed
R5 U2 03-03 13:00 T5 x1 100.00, bank transfer 13:01, trip cancelled 03-05 08:00 -> refund 100.00
R6 U5 03-05 14:00 T1 business x1 300.00, card 14:01, cancelled 15:00 (>= 72 h) -> refund 300.00
R7 U3 03-08 16:00 T1 x1 100.00, hold cancelled 16:05                            -> cancelled, unpaid
R8 U1 03-09 08:00 T2 + T3 x1 70.00, card 08:01                                   -> confirmed
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness import procedures as sp
from harness.cli import cli
from harness.db import connect
from harness.reports import load_all, run
from harness.seed import seed_reference

REPO_ROOT = Path(__file__).resolve().parents[2]


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"2026-{text}")


class Story:
    def __init__(self, conn):
        self.conn = conn

    def at(self, when: str) -> Story:
        cur = self.conn.cursor()
        cur.execute("SET time_zone = '+00:00'")
        cur.execute("SET timestamp = %s", (int(t(when).replace(tzinfo=dt.UTC).timestamp()),))
        cur.close()
        return self

    def trip(self, carrier, origin, destination, departs, hours, fares):
        departs_at = t(departs)
        return sp.add_trip(self.conn, carrier, f"{carrier}{departs[:5]}", origin, destination, departs_at,
                           departs_at + dt.timedelta(hours=hours), fares, None)  # fmt: skip

    def book(self, when, user, trips, passengers=1, fare_class="economy"):
        self.at(when)
        segments = [{"trip_id": trip, "fare_class": fare_class} for trip in trips]
        people = [{"full_name": f"Traveller {i}"} for i in range(passengers)]
        return sp.create_reservation(self.conn, user, segments, people)

    def pay(self, when, reservation, user, amount, method, currency="EUR"):
        self.at(when)
        return sp.pay_reservation(self.conn, reservation, user, amount, currency, method, f"story-{reservation}")


def eur(capacity, price, fare_class="economy", currency="EUR"):
    return {"fare_class": fare_class, "capacity": capacity, "price": price, "currency": currency}


def build_story(conn) -> dict[str, int]:
    s = Story(conn)
    s.at("02-01 00:00:00")
    ids = {
        "T1": s.trip("LH", "FRA", "CDG", "03-10 08:00:00", 1.25, [eur(10, "100.00"), eur(2, "300.00", "business")]),
        "T2": s.trip("DB", "BERHBF", "MUCHBF", "03-12 09:00:00", 4, [eur(5, "50.00")]),
        "T3": s.trip("FLX", "BERZOB", "PRGFLORENC", "03-15 10:00:00", 4.5, [eur(5, "20.00")]),
        "T4": s.trip("BA", "LHR", "MAD", "03-20 07:00:00", 2.5, [eur(5, "80.00", currency="GBP")]),
        "T5": s.trip("LH", "FRA", "CDG", "03-11 08:00:00", 1.25, [eur(10, "100.00")]),
    }
    for name, when in (("U1", "01-15 10:00:00"), ("U2", "02-03 10:00:00"), ("U3", "02-20 10:00:00"),
                       ("U5", "02-10 12:00:00"), ("U4", "03-01 09:00:00")):  # fmt: skip
        s.at(when)
        ids[name] = sp.register_user(conn, f"{name.lower()}@example.com", "hash", f"User {name}")
    for user, when, ok in (("U1", "03-01 09:00:00", True), ("U2", "03-01 10:00:00", False),
                           ("U2", "03-02 10:00:00", True), ("U4", "03-04 12:00:00", True),
                           ("U5", "02-10 12:30:00", True)):  # fmt: skip
        s.at(when)
        sp.record_login(conn, ids[user], ok, "192.0.2.1")
    ids["R1"] = s.book("03-01 10:00:00", ids["U1"], [ids["T1"]], passengers=2)
    s.pay("03-01 10:05:00", ids["R1"], ids["U1"], "200.00", "card")
    ids["R2"] = s.book("03-01 11:00:00", ids["U2"], [ids["T2"]])
    s.pay("03-01 11:02:00", ids["R2"], ids["U2"], "50.00", "wallet")
    ids["R3"] = s.book("03-02 09:00:00", ids["U3"], [ids["T3"]], passengers=3)
    s.at("03-02 09:20:00")
    sp.expire_reservations(conn, 100)
    ids["R4"] = s.book("03-03 12:00:00", ids["U1"], [ids["T4"]])
    s.pay("03-03 12:01:00", ids["R4"], ids["U1"], "80.00", "card", currency="GBP")
    ids["R5"] = s.book("03-03 13:00:00", ids["U2"], [ids["T5"]])
    s.pay("03-03 13:01:00", ids["R5"], ids["U2"], "100.00", "bank_transfer")
    s.at("03-05 08:00:00")
    sp.cancel_trip(conn, ids["T5"], "crew shortage")
    ids["R6"] = s.book("03-05 14:00:00", ids["U5"], [ids["T1"]], fare_class="business")
    s.pay("03-05 14:01:00", ids["R6"], ids["U5"], "300.00", "card")
    s.at("03-05 15:00:00")
    sp.cancel_reservation(conn, ids["R6"], ids["U5"], "found a cheaper fare")
    ids["R7"] = s.book("03-08 16:00:00", ids["U3"], [ids["T1"]])
    s.at("03-08 16:05:00")
    sp.cancel_reservation(conn, ids["R7"], ids["U3"], "oops")
    ids["R8"] = s.book("03-09 08:00:00", ids["U1"], [ids["T2"], ids["T3"]])
    s.pay("03-09 08:01:00", ids["R8"], ids["U1"], "70.00", "card")
    s.at("03-11 09:00:00")
    assert sp.cancel_reservation(conn, ids["R2"], ids["U2"], "ill") == Decimal("25.00")
    return ids


@pytest.fixture(scope="module")
def story_url(migrated_url):
    conn = connect(migrated_url)
    seed_reference(conn, REPO_ROOT)
    build_story(conn)
    sp.refresh_reporting_facts(conn)  # the reporting tables are folded, not kept by triggers (V0030)
    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM integrity_violations")
    assert cur.fetchone() == (0,)
    conn.close()
    return migrated_url


@pytest.fixture(scope="module")
def report(story_url):
    reports = load_all(REPO_ROOT)
    conn = connect(story_url)

    def run_report(name: str, **params) -> list[tuple]:
        chosen = reports[name]
        values = chosen.values({k: str(v) for k, v in params.items()})
        _, rows = run(conn, chosen, values)
        return [tuple(str(v) if v is not None else None for v in row) for row in rows]

    yield run_report
    conn.close()


@pytest.fixture
def travel(story_url):
    """`travel --database-url <the story> --project <repo> ARGS...` in-process; the analyst
    password of the caller's environment is left out so every test runs as it says."""
    runner = CliRunner(env={"TRAVEL_ANALYST_PASSWORD": None, "TRAVEL_ANALYST_DATABASE_URL": None})

    def invoke(*args, project=REPO_ROOT, env=None):
        return runner.invoke(cli, ["--database-url", story_url.unmasked(), "--project", str(project), *args], env=env)

    return invoke
