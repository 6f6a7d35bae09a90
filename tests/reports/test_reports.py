"""Every saved report against the hand-checked story of conftest.py; the right answers are
worked out by hand in the comments, never copied from a run."""

from __future__ import annotations

from harness.db import connect

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


def test_revenue_by_month(report):
    # EUR gross R1 200 + R2 50 + R5 100 + R6 300 + R8 70; refunds R2 25 + R5 100 + R6 300
    assert report("revenue", **MARCH) == [
        ("2026-03-01", "EUR", "720.00", "425.00", "295.00"),
        ("2026-03-01", "GBP", "80.00", "0.00", "80.00"),
    ]


def test_revenue_by_day_refunds_fall_on_their_own_day(report):
    assert report("revenue", **MARCH, granularity="day") == [
        ("2026-03-01", "EUR", "250.00", "0.00", "250.00"),
        ("2026-03-03", "EUR", "100.00", "0.00", "100.00"),
        ("2026-03-03", "GBP", "80.00", "0.00", "80.00"),
        ("2026-03-05", "EUR", "300.00", "400.00", "-100.00"),  # R6 paid; R5 (trip) and R6 refunded
        ("2026-03-09", "EUR", "70.00", "0.00", "70.00"),
        ("2026-03-11", "EUR", "0.00", "25.00", "-25.00"),  # a refund-only period
    ]


def test_revenue_by_week_starts_on_monday(report):
    assert report("revenue", **MARCH, granularity="week") == [
        ("2026-02-23", "EUR", "250.00", "0.00", "250.00"),  # Sunday 1 March belongs to the week of 23 Feb
        ("2026-03-02", "EUR", "400.00", "400.00", "0.00"),
        ("2026-03-02", "GBP", "80.00", "0.00", "80.00"),
        ("2026-03-09", "EUR", "70.00", "25.00", "45.00"),
    ]


def test_revenue_by_mode_of_the_first_trip(report):
    assert report("revenue", **MARCH, mode="rail") == [("2026-03-01", "EUR", "120.00", "25.00", "95.00")]
    assert report("revenue", **MARCH, mode="bus") == []  # R3 never paid: a lapsed hold is no revenue


def test_revenue_range_is_inclusive_of_date_to(report):
    assert report("revenue", date_from="2026-03-05", date_to="2026-03-05", granularity="day") == [
        ("2026-03-05", "EUR", "300.00", "400.00", "-100.00")
    ]


def test_revenue_by_route(report):
    # R8's 70.00 splits 50.00 rail / 20.00 bus by seat price
    assert report("revenue_by_route", **MARCH) == [
        ("FRA", "CDG", "air", "EUR", "600.00", "400.00", "200.00"),
        ("BERHBF", "MUCHBF", "rail", "EUR", "100.00", "25.00", "75.00"),
        ("BERZOB", "PRGFLORENC", "bus", "EUR", "20.00", "0.00", "20.00"),
        ("LHR", "MAD", "air", "GBP", "80.00", "0.00", "80.00"),
    ]


def test_popular_routes_count_active_tickets_only(report):
    assert report("popular_routes", **MARCH) == [
        ("FRA", "CDG", "air", "2", "1"),  # R1's two tickets; R6 void, T5 cancelled
        ("BERHBF", "MUCHBF", "rail", "1", "1"),
        ("BERZOB", "PRGFLORENC", "bus", "1", "1"),
        ("LHR", "MAD", "air", "1", "1"),
    ]
    assert report("popular_routes", **MARCH, mode="air", limit=1) == [("FRA", "CDG", "air", "2", "1")]
    assert report("popular_routes", date_from="2026-03-16", date_to="2026-03-19") == []


def test_active_users_by_month(report):
    # U1, U2, U3, U4 (login only), U5 (booking only); U2's failed login on 03-01 does not count
    # but its booking that day does. 10 user-days over 31 days.
    assert report("active_users", **MARCH) == [("2026-03-01", "5", "0.32", "6.5")]


def test_active_users_by_month_over_parts_of_months(report):
    # Read through the index by month (V0051), each month only on the range's days: February
    # from the 10th (U5's login, 1 user-day over 19 days), March to the 2nd (U1, U2, U3: U1 and
    # U2 on the 1st, U2 and U3 on the 2nd; 4 user-days over 2 days).
    assert report("active_users", date_from="2026-02-10", date_to="2026-03-02") == [
        ("2026-02-01", "1", "0.05", "5.3"),
        ("2026-03-01", "3", "2.00", "66.7"),
    ]


def test_active_users_by_day(report):
    assert report("active_users", date_from="2026-03-01", date_to="2026-03-03", granularity="day") == [
        ("2026-03-01", "2", "2.00", "100.0"),
        ("2026-03-02", "2", "2.00", "100.0"),
        ("2026-03-03", "2", "2.00", "100.0"),
    ]


def test_reservation_trends_every_day_appears(report):
    assert report("reservation_trends", date_from="2026-03-01", date_to="2026-03-10") == [
        ("2026-03-01", "2", "0.29", None),
        ("2026-03-02", "1", "0.43", None),
        ("2026-03-03", "2", "0.71", None),
        ("2026-03-04", "0", "0.71", None),
        ("2026-03-05", "1", "0.86", None),
        ("2026-03-06", "0", "0.86", None),
        ("2026-03-07", "0", "0.86", None),
        ("2026-03-08", "1", "0.71", "-50.0"),
        ("2026-03-09", "1", "0.71", "0.0"),
        ("2026-03-10", "0", "0.43", "-100.0"),
    ]


def test_load_factor_leaves_out_cancelled_trips(report):
    assert report("load_factor", **MARCH) == [
        ("air", "BA", "LHR", "MAD", "1", "5", "1", "20.0"),
        ("rail", "DB", "BERHBF", "MUCHBF", "1", "5", "1", "20.0"),
        ("bus", "FLX", "BERZOB", "PRGFLORENC", "1", "5", "1", "20.0"),
        ("air", "LH", "FRA", "CDG", "1", "12", "2", "16.7"),
    ]
    assert report("load_factor", **MARCH, mode="rail") == [("rail", "DB", "BERHBF", "MUCHBF", "1", "5", "1", "20.0")]


def test_cancellations(report):
    assert report("cancellations", **MARCH) == [
        ("air", "2-7 days", "EUR", "2", "2", "100.0", "300.00", "300.00", "100.0"),  # R6, R7
        ("air", "8-30 days", "EUR", "2", "1", "50.0", "300.00", "100.00", "33.3"),  # R1, R5
        ("air", "8-30 days", "GBP", "1", "0", "0.0", "80.00", "0.00", "0.0"),  # R4
        ("rail", "2-7 days", "EUR", "1", "0", "0.0", "70.00", "0.00", "0.0"),  # R8
        ("rail", "8-30 days", "EUR", "1", "1", "100.0", "50.00", "25.00", "50.0"),  # R2
    ]


def test_booking_lead_time(report):
    # paid: R8 3 days, R6 5, R5 8, R1 9, R2 11, R4 17
    assert report("booking_lead_time", **MARCH) == [
        ("0", "0", "0.0", "0.0"),
        ("1", "0", "0.0", "0.0"),
        ("2-3", "1", "16.7", "16.7"),
        ("4-7", "1", "16.7", "33.3"),
        ("8-14", "3", "50.0", "83.3"),
        ("15-30", "1", "16.7", "100.0"),
        ("31-60", "0", "0.0", "100.0"),
        ("61+", "0", "0.0", "100.0"),
    ]
    assert [row[:2] for row in report("booking_lead_time", **MARCH, mode="rail") if row[1] != "0"] == [
        ("2-3", "1"),
        ("8-14", "1"),
    ]


def test_payment_methods(report):
    assert report("payment_methods", **MARCH) == [
        ("card", "EUR", "3", "570.00", "50.0", "66.7"),  # R1, R8 kept; R6 cancelled
        ("bank_transfer", "EUR", "1", "100.00", "16.7", "0.0"),
        ("card", "GBP", "1", "80.00", "16.7", "100.0"),
        ("wallet", "EUR", "1", "50.00", "16.7", "0.0"),
    ]


def test_conversion_funnel(report):
    assert report("conversion", **MARCH) == [
        ("created", "8", "100.0"),
        ("paid", "6", "75.0"),
        ("kept (paid, not cancelled)", "3", "37.5"),
        ("cancelled after paying", "3", "37.5"),
        ("cancelled before paying", "1", "12.5"),
        ("expired (hold lapsed)", "1", "12.5"),
        ("still held", "0", "0.0"),
    ]


def test_cohort_retention(report):
    assert report("cohort_retention", date_from="2026-01-01", date_to="2026-03-31") == [
        ("2026-01-01", "1", "0", "0", "0.0"),
        ("2026-01-01", "1", "1", "0", "0.0"),
        ("2026-01-01", "1", "2", "1", "100.0"),  # U1 books in March
        ("2026-02-01", "3", "0", "0", "0.0"),
        ("2026-02-01", "3", "1", "3", "100.0"),  # U2, U3, U5 book in March
        ("2026-03-01", "1", "0", "0", "0.0"),  # U4 never books
    ]


def test_top_customers_per_currency(report):
    rows = report("top_customers", **MARCH)
    assert [(r[1], r[3], *r[4:]) for r in rows] == [
        ("u1@example.com", "EUR", "2", "3", "270.00", "0.00", "270.00"),
        ("u1@example.com", "GBP", "1", "1", "80.00", "0.00", "80.00"),
        ("u2@example.com", "EUR", "2", "2", "150.00", "125.00", "25.00"),
        ("u5@example.com", "EUR", "1", "1", "300.00", "300.00", "0.00"),
    ]
    assert len(report("top_customers", **MARCH, limit=2)) == 2


def test_top_customers_over_days_that_are_not_whole_months(report):
    # 15 Feb - 4 Mar reads booking_facts: R1, R2 (refunded 25), R4 (GBP), R5 (refunded 100)
    rows = report("top_customers", date_from="2026-02-15", date_to="2026-03-04")
    assert [(r[1], r[3], *r[4:]) for r in rows] == [
        ("u1@example.com", "EUR", "1", "2", "200.00", "0.00", "200.00"),
        ("u1@example.com", "GBP", "1", "1", "80.00", "0.00", "80.00"),
        ("u2@example.com", "EUR", "2", "2", "150.00", "125.00", "25.00"),
    ]
    # 5 Mar - 30 Apr: R6 (refunded in full), R8; R7 was never paid
    rows = report("top_customers", date_from="2026-03-05", date_to="2026-04-30")
    assert [(r[1], r[3], *r[4:]) for r in rows] == [
        ("u1@example.com", "EUR", "1", "1", "70.00", "0.00", "70.00"),
        ("u5@example.com", "EUR", "1", "1", "300.00", "300.00", "0.00"),
    ]
    assert report("top_customers", date_from="2026-03-12", date_to="2026-03-31") == []


def test_top_customers_reads_whole_months_from_the_roll_up(story_url, report):
    """March (whole) comes from customer_months: a change there shows; February to March
    (whole months too) the same rows as March alone."""
    assert report("top_customers", date_from="2026-02-01", date_to="2026-03-31") == report("top_customers", **MARCH)
    conn = connect(story_url)
    cur = conn.cursor()
    cur.execute("UPDATE customer_months SET refunded = refunded + 1000 WHERE currency = 'GBP'")
    conn.commit()
    try:
        rows = report("top_customers", **MARCH)
        assert ("u1@example.com", "GBP", "-920.00") in [(r[1], r[3], r[-1]) for r in rows]
    finally:
        cur.execute("UPDATE customer_months SET refunded = refunded - 1000 WHERE currency = 'GBP'")
        conn.commit()
        conn.close()


def test_revenue_reads_payments_from_the_daily_roll_up(story_url, report):
    conn = connect(story_url)
    cur = conn.cursor()
    cur.execute("UPDATE money_days SET gross = gross + 1000 WHERE currency = 'GBP'")
    conn.commit()
    try:
        assert report("revenue", **MARCH)[1] == ("2026-03-01", "GBP", "1080.00", "0.00", "1080.00")
    finally:
        cur.execute("UPDATE money_days SET gross = gross - 1000 WHERE currency = 'GBP'")
        conn.commit()
        conn.close()


def test_reservation_trends_covers_ranges_past_the_recursion_limit(report):
    # 1,096 days: the recursive calendar used to stop silently at 1,000 rows (MariaDB's limit)
    rows = report("reservation_trends", date_from="2026-01-01", date_to="2028-12-31")
    assert len(rows) == 1096
    assert (rows[0][0], rows[-1][0]) == ("2026-01-01", "2028-12-31")
    assert rows[59] == ("2026-03-01", "2", "0.29", None)
    assert sum(int(r[1]) for r in rows) == 8


def test_every_column_holds_the_type_its_header_declares(story_url):
    import datetime as dt
    from decimal import Decimal

    from harness.db import connect
    from harness.reports import load_all, run

    from .conftest import REPO_ROOT

    conn = connect(story_url)
    checks = {
        "INT": lambda v: isinstance(v, int) or (isinstance(v, Decimal) and v == v.to_integral_value()),
        "DECIMAL": lambda v: isinstance(v, Decimal),
        "MONEY": lambda v: isinstance(v, Decimal) and v.as_tuple().exponent == -2,
        "DATE": lambda v: isinstance(v, dt.date) and not isinstance(v, dt.datetime),
        "TEXT": lambda v: isinstance(v, str),
    }
    try:
        for name, chosen in load_all(REPO_ROOT).items():
            params = {"date_from": "2026-01-01", "date_to": "2026-03-31"}
            columns, rows = run(conn, chosen, chosen.values(params))
            assert rows, name
            types = chosen.column_types()
            for row in rows:
                for column, value in zip(columns, row, strict=True):
                    assert value is None or checks[types[column]](value), (name, column, value)
    finally:
        conn.close()
