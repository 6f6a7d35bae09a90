"""The day roll-ups of V0050 (booking_days, route_days, payment_method_days): written by the fold
when it clears a reservation, built by the fold a month of days a batch, proved by
integrity_violations; the reports that read them count what the fold has not cleared yet and
what changed since (cancellations, refunds) exactly once."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from harness import procedures as sp
from harness.reports import load_all, run

from .conftest import NOW, REPO_ROOT, open_at
from .test_fold_reporting_facts import fold_one_batch, refresh, running

REPORTS = load_all(REPO_ROOT)


def day_rollups(shop, day: dt.date) -> dict:
    """The three roll-ups' rows of one day (money as strings)."""
    booking = shop.query(
        "SELECT currency, mode, lead_bucket, reservations, paid FROM booking_days WHERE day = %s"
        " ORDER BY currency, mode, lead_bucket",
        day,
    )
    routes = shop.query(
        "SELECT s1.code AS origin, s2.code AS destination, rd.mode, rd.currency, rd.gross FROM route_days AS rd"
        " INNER JOIN stations AS s1 ON rd.origin_station_id = s1.station_id"
        " INNER JOIN stations AS s2 ON rd.destination_station_id = s2.station_id"
        " WHERE rd.day = %s ORDER BY origin, destination, rd.mode, rd.currency",
        day,
    )
    methods = shop.query(
        "SELECT currency, method, payments, amount FROM payment_method_days WHERE day = %s ORDER BY currency, method",
        day,
    )
    return {
        "booking": [(r["currency"], r["mode"], r["lead_bucket"], r["reservations"], str(r["paid"])) for r in booking],
        "routes": [(r["origin"], r["destination"], r["mode"], r["currency"], str(r["gross"])) for r in routes],
        "methods": [(r["currency"], r["method"], r["payments"], str(r["amount"])) for r in methods],
    }


def report(shop, name: str, day: dt.date, **params) -> list[tuple]:
    chosen = REPORTS[name]
    values = chosen.values({"date_from": str(day), "date_to": str(day), **params})
    _, rows = run(shop.conn, chosen, values)
    return [tuple(str(v) if v is not None else None for v in row) for row in rows]


def reports_of_day(shop, day: dt.date, origin: str) -> dict:
    """What the five reports that read the day roll-ups say of one day (the route's own rows)."""
    return {
        "cancellations": report(shop, "cancellations", day),
        "lead_time": [r[:2] for r in report(shop, "booking_lead_time", day) if r[1] != "0"],
        "conversion": [r[:2] for r in report(shop, "conversion", day)],
        "methods": report(shop, "payment_methods", day),
        "routes": [r for r in report(shop, "revenue_by_route", day) if r[0] == origin],
    }


def test_the_fold_adds_cleared_reservations_to_the_day_rollups_once(shop):
    refresh(shop.conn)
    day = (NOW + dt.timedelta(days=6)).date()  # a day of its own: the roll-ups' rows are shared by day
    shop.at(dt.datetime.combine(day, dt.time(9)))
    origin, destination = shop.stations()
    user = shop.user()
    trip = shop.trip(origin=origin, destination=destination, capacity=20, price="40.00",
                     departs=NOW + dt.timedelta(days=26))  # fmt: skip
    kept, cancelled, held = shop.book(user, trip, passengers=2), shop.book(user, trip), shop.book(user, trip)
    shop.pay(kept, user)
    shop.pay(cancelled, user, method="wallet")
    refresh(shop.conn)
    refresh(shop.conn)  # a second pass adds nothing twice (the held one is visited again)
    # 20 days ahead: lead bucket INTERVAL(20, 1, 2, 4, 8, 15, 31, 61) = 5 (15-30 days)
    assert day_rollups(shop, day) == {
        "booking": [("EUR", "air", 5, 2, "120.00")],
        "routes": [(origin, destination, "air", "EUR", "120.00")],
        "methods": [("EUR", "card", 1, "80.00"), ("EUR", "wallet", 1, "40.00")],
    }
    assert shop.violations() == []
    assert sp.cancel_reservation(shop.conn, cancelled, user, "plans changed") == Decimal("40.00")
    # The cancellation changes no roll-up row: the reports read it from booking_facts and
    # money_facts (their status and refunded_later indexes).
    assert day_rollups(shop, day)["booking"] == [("EUR", "air", 5, 2, "120.00")]
    assert shop.violations() == []
    assert reports_of_day(shop, day, origin) == {
        "cancellations": [("air", "8-30 days", "EUR", "3", "1", "33.3", "120.00", "40.00", "33.3")],
        "lead_time": [("15-30", "2")],
        "conversion": [("created", "3"), ("paid", "2"), ("kept (paid, not cancelled)", "1"),
                       ("cancelled after paying", "1"), ("cancelled before paying", "0"),
                       ("expired (hold lapsed)", "0"), ("still held", "1")],
        "methods": [("card", "EUR", "1", "80.00", "50.0", "100.0"), ("wallet", "EUR", "1", "40.00", "50.0", "0.0")],
        "routes": [(origin, destination, "air", "EUR", "120.00", "40.00", "80.00")],
    }  # fmt: skip
    shop.pay(held, user)
    refresh(shop.conn)
    assert day_rollups(shop, day) == {
        "booking": [("EUR", "air", 5, 3, "160.00")],
        "routes": [(origin, destination, "air", "EUR", "160.00")],
        "methods": [("EUR", "card", 2, "120.00"), ("EUR", "wallet", 1, "40.00")],
    }
    assert shop.violations() == []
    shop.at(NOW)


def test_a_payment_the_fold_wrote_but_left_pending_is_reported_once(shop):
    """A hold paid after a batch listed the reservations it clears, but before it wrote their
    facts: the batch writes the paid fact and payment but leaves the reservation pending (it is
    not among the keys it locked). The roll-ups leave it out until a later batch clears it; the
    reports read it from the facts meanwhile, and say the same before and after."""
    shop.query("ALTER EVENT fold_reporting_facts DISABLE")  # this test interleaves one batch by hand
    refresh(shop.conn)
    day = (NOW + dt.timedelta(days=7)).date()
    at = dt.datetime.combine(day, dt.time(9))
    shop.at(at)
    origin, destination = shop.stations()
    user = shop.user()
    trip = shop.trip(origin=origin, destination=destination, capacity=20, price="40.00",
                     departs=NOW + dt.timedelta(days=10))  # fmt: skip
    paid = shop.book(user, trip)
    shop.pay(paid, user)
    hold = shop.book(user, trip, passengers=2)
    blocker, folder, payer = open_at(shop.url, at), open_at(shop.url, at), open_at(shop.url, at)
    try:
        # The batch's locking read of the paid reservation waits for this lock, after its plain
        # read listed the hold as held.
        locking = blocker.cursor()
        locking.execute("SELECT reservation_id FROM reservations WHERE reservation_id = %s FOR UPDATE", (paid,))
        locking.fetchall()
        with ThreadPoolExecutor(max_workers=1) as pool:
            folding = pool.submit(fold_one_batch, folder)
            for _ in range(200):
                if "FOR UPDATE" in running(shop.conn, folder.connection_id):
                    break
                threading.Event().wait(0.05)
            else:
                blocker.rollback()
                pytest.fail("the fold never waited on the paid reservation")
            sp.pay_reservation(payer, hold, user, "80.00", "EUR", "wallet", f"late-{hold}")
            blocker.rollback()
            folding.result()
    finally:
        for conn in (blocker, folder, payer):
            conn.close()
        shop.query("ALTER EVENT fold_reporting_facts ENABLE")
    assert shop.reservation(hold)["facts_pending"] == 1
    (fact,) = shop.query("SELECT status, paid FROM booking_facts WHERE reservation_id = %s", hold)
    assert (fact["status"], str(fact["paid"])) == ("confirmed", "80.00")  # written, not cleared
    assert day_rollups(shop, day) == {
        "booking": [("EUR", "air", 2, 1, "40.00")],  # 3 days ahead: bucket 2 (2-3 days)
        "routes": [(origin, destination, "air", "EUR", "40.00")],
        "methods": [("EUR", "card", 1, "40.00")],
    }
    assert shop.violations() == []
    expected = {
        "cancellations": [("air", "2-7 days", "EUR", "2", "0", "0.0", "120.00", "0.00", "0.0")],
        "lead_time": [("2-3", "2")],
        "conversion": [("created", "2"), ("paid", "2"), ("kept (paid, not cancelled)", "2"),
                       ("cancelled after paying", "0"), ("cancelled before paying", "0"),
                       ("expired (hold lapsed)", "0"), ("still held", "0")],
        "methods": [("card", "EUR", "1", "40.00", "50.0", "100.0"), ("wallet", "EUR", "1", "80.00", "50.0", "100.0")],
        "routes": [(origin, destination, "air", "EUR", "120.00", "0.00", "120.00")],
    }  # fmt: skip
    assert reports_of_day(shop, day, origin) == expected
    refresh(shop.conn)
    assert shop.reservation(hold)["facts_pending"] is None
    assert day_rollups(shop, day)["booking"] == [("EUR", "air", 2, 2, "120.00")]
    assert reports_of_day(shop, day, origin) == expected
    assert shop.violations() == []
    shop.at(NOW)


@pytest.mark.parametrize(
    ("breakage", "violation"),
    [
        ("UPDATE booking_days SET paid = paid + 1 WHERE day = '{day}'", "booking day roll-up differs from booking facts"),
        ("UPDATE booking_days SET reservations = reservations + 1 WHERE day = '{day}'",
         "booking day roll-up differs from booking facts"),
        ("DELETE FROM booking_days WHERE day = '{day}'", "booking day roll-up differs from booking facts"),
        ("INSERT INTO booking_days (day, currency, mode, lead_bucket, reservations, paid)"
         " VALUES ('2030-01-01', 'EUR', 'bus', 3, 1, 5.00)", "booking day roll-up differs from booking facts"),
        ("UPDATE route_days SET gross = gross - 1 WHERE day = '{day}'", "route day roll-up differs from money facts"),
        ("DELETE FROM route_days WHERE day = '{day}'", "route day roll-up differs from money facts"),
        ("INSERT INTO route_days (day, currency, origin_station_id, destination_station_id, mode, gross)"
         " SELECT '2030-01-01', 'EUR', MIN(station_id), MAX(station_id), 'bus', 0.00 FROM stations",
         "route day roll-up differs from money facts"),  # a row left over, even at 0.00
        ("UPDATE payment_method_days SET payments = payments + 1 WHERE day = '{day}'",
         "payment method day roll-up differs from money facts"),
        ("UPDATE payment_method_days SET amount = amount + 1 WHERE day = '{day}'",
         "payment method day roll-up differs from money facts"),
        ("DELETE FROM payment_method_days WHERE day = '{day}'", "payment method day roll-up differs from money facts"),
    ],
)  # fmt: skip
def test_integrity_names_a_day_rollup_that_differs_from_the_facts(shop, breakage, violation):
    user, trip = shop.user(), shop.trip()
    reservation = shop.book(user, trip)
    shop.pay(reservation, user)
    refresh(shop.conn)
    assert shop.violations() == []
    cur = shop.conn.cursor()
    cur.execute("START TRANSACTION")
    cur.execute(breakage.format(day=NOW.date()))
    try:
        cur.execute("SELECT violation FROM integrity_violations")
        assert {row[0] for row in cur.fetchall()} == {violation}
    finally:
        shop.conn.rollback()
    assert shop.violations() == []


def all_day_rollups(shop) -> dict:
    return {
        "booking": shop.query("SELECT day, currency, mode, lead_bucket, reservations, paid FROM booking_days"
                              " ORDER BY day, currency, mode, lead_bucket"),
        "routes": shop.query("SELECT day, currency, origin_station_id, destination_station_id, mode, gross"
                             " FROM route_days ORDER BY day, currency, origin_station_id, destination_station_id, mode"),
        "methods": shop.query("SELECT day, currency, method, payments, amount FROM payment_method_days"
                              " ORDER BY day, currency, method"),
    }  # fmt: skip


def test_the_fold_builds_the_day_rollups_a_month_of_days_a_batch(shop):
    """V0050 leaves the day roll-ups empty and the fold builds them (rollup_days_to back at
    '1000-01-01' sets it off again): 31 days a batch from the first day with a fact, skipping
    empty stretches; a reservation cleared meanwhile on a day not built yet is added by the
    build, one on a day built by the fold; integrity checks the days built."""
    refresh(shop.conn)
    far = NOW + dt.timedelta(days=200)  # a fact far from the others: its days are built last
    shop.at(far)
    user, trip = shop.user(), shop.trip(departs=far + dt.timedelta(days=3))
    shop.pay(shop.book(user, trip), user)
    shop.at(NOW)
    refresh(shop.conn)
    built = all_day_rollups(shop)
    cur = shop.conn.cursor()
    cur.execute("DELETE FROM booking_days")
    cur.execute("DELETE FROM route_days")
    cur.execute("DELETE FROM payment_method_days")
    cur.execute("UPDATE reporting_folds SET rollup_days_to = '1000-01-01'")
    shop.conn.commit()
    (first,) = shop.query("SELECT DATE(MIN(created_at)) AS day FROM money_facts")
    fold_one_batch(shop.conn)
    (progress,) = shop.query("SELECT rollup_days_to FROM reporting_folds")
    assert progress["rollup_days_to"] == first["day"] + dt.timedelta(days=31)
    assert shop.query("SELECT rollups_built FROM reporting_freshness") == [{"rollups_built": 0}]
    assert shop.query("SELECT COUNT(*) AS n FROM booking_days WHERE day >= %s", progress["rollup_days_to"]) == [
        {"n": 0}
    ]
    assert shop.violations() == []
    # Cleared while the build runs: one on a built day (the fold adds it), one on a day the
    # build has still to reach (the build adds it).
    early = shop.book(user, trip)
    shop.pay(early, user)
    shop.at(far)
    late = shop.book(user, trip)
    shop.pay(late, user)
    shop.at(NOW)
    for _ in range(20):
        fold_one_batch(shop.conn)
        (progress,) = shop.query("SELECT rollup_days_to FROM reporting_folds")
        if progress["rollup_days_to"] is None:
            break
    assert progress["rollup_days_to"] is None
    assert shop.query("SELECT rollups_built FROM reporting_freshness") == [{"rollups_built": 1}]
    rebuilt = all_day_rollups(shop)

    def count(rows, day, bucket=None):
        return sum(r["reservations"] for r in rows if r["day"] == day and bucket in (None, r["lead_bucket"]))

    # early was booked today for a trip 203 days ahead (bucket 7, 61+ days), late on the far day
    assert count(rebuilt["booking"], NOW.date(), 7) == count(built["booking"], NOW.date(), 7) + 1
    assert count(rebuilt["booking"], far.date()) == count(built["booking"], far.date()) + 1 == 2
    unchanged = [r for r in rebuilt["booking"] if not (r["day"] == NOW.date() and r["lead_bucket"] == 7)
                 and r["day"] != far.date()]  # fmt: skip
    assert unchanged == [r for r in built["booking"] if not (r["day"] == NOW.date() and r["lead_bucket"] == 7)
                         and r["day"] != far.date()]  # fmt: skip
    assert shop.violations() == []
