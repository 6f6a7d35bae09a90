"""Attacks from issue 17, each performed with only what its account is given, on the production
default clock (session_clock = 'server'): none of them changes money, a hold or a seat.

The world here runs on the real clock, so trips are placed relative to the server's now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import mysql.connector
import pytest

from harness import procedures as sp
from harness.db import connect
from harness.seed import seed_reference

from ..conftest import REPO_ROOT, database_accounts
from ..helpers import assert_fails_unchanged

FAKE_PAST = dt.datetime(2020, 1, 1)


@pytest.fixture(scope="module")
def world(server_clock_url) -> Iterator[dict]:
    conn = connect(server_clock_url)
    seed_reference(conn, REPO_ROOT)
    for code in ("TBA", "TBB"):
        sp.add_station(conn, code, f"Station {code}", "Trustville", "DE")
    conn.close()
    with database_accounts(server_clock_url) as urls:
        yield {"root": server_clock_url, **urls}


@pytest.fixture
def open_as(world):
    opened = []

    def opener(account: str):
        conn = connect(world[account], autocommit=True)  # every read sees the latest commits
        opened.append(conn)
        return conn

    yield opener
    for conn in opened:
        conn.close()


def server_now(_conn=None) -> dt.datetime:
    """The real time in UTC: the test server runs on this machine's clock."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def move_clock(conn, when: dt.datetime) -> None:
    """What an attacker with a session does: move the session's NOW() and UTC_TIMESTAMP()."""
    cur = conn.cursor()
    cur.execute("SET time_zone = '+00:00'")
    cur.execute("SET timestamp = %s", (int(when.replace(tzinfo=dt.UTC).timestamp()),))
    cur.close()


_services = iter(range(1, 10_000))


def add_trip(conn, departs_in: dt.timedelta, capacity: int = 10, price: str = "120.00") -> int:
    departs = server_now(conn).replace(microsecond=0) + departs_in
    fares = [{"fare_class": "economy", "capacity": capacity, "price": price, "currency": "EUR"}]
    return sp.add_trip(
        conn, "LH", f"TB{next(_services)}", "TBA", "TBB", departs, departs + dt.timedelta(hours=2), fares
    )


def new_user(conn) -> int:
    return sp.register_user(conn, f"trust-{next(_services)}@example.com", "hash", "Ada Lovelace")


def book(conn, user: int, trip: int) -> int:
    return sp.create_reservation(conn, user, [{"trip_id": trip, "fare_class": "economy"}], [{"full_name": "Ada"}])


def test_session_clock_is_off_by_default(world, open_as):
    conn = open_as("root")
    cur = conn.cursor()
    cur.execute("SELECT setting_value FROM settings WHERE setting_key = 'session_clock'")
    assert cur.fetchall() == [("server",)]
    move_clock(conn, FAKE_PAST)
    cur.execute("SELECT utc_now(), UTC_TIMESTAMP()")
    trusted, moved = cur.fetchone()
    assert moved == FAKE_PAST
    assert abs(trusted - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(minutes=1)
    cur.execute("SET time_zone = '+09:00'")  # a session time zone does not move it either
    cur.execute("SELECT utc_now()")
    assert abs(cur.fetchone()[0] - trusted) < dt.timedelta(minutes=1)
    conn.close()


@pytest.mark.parametrize("zone", ["SYSTEM", "+00:00", "+09:00", "-05:30"])
def test_the_clock_reads_utc_in_any_session_time_zone_and_leaves_the_zone_alone(world, open_as, zone):
    # SYSDATE() follows the session's zone: utc_now() reads it in UTC and gives the zone back.
    conn = open_as("root")  # the app may not call utc_now() itself (accounts)
    cur = conn.cursor()
    cur.execute("SET time_zone = %s", (zone,))
    cur.execute("SELECT utc_now(), @@session.time_zone")
    trusted, zone_after = cur.fetchone()
    assert abs(trusted - server_now()) < dt.timedelta(minutes=1)
    assert zone_after == zone


def test_moving_the_clock_back_does_not_buy_a_full_refund(world, open_as):
    root = open_as("root")
    user = new_user(root)
    reservation = book(root, user, add_trip(root, dt.timedelta(hours=18)))
    sp.pay_reservation(root, reservation, user, "120.00", "EUR", "card", "k1")
    app = open_as("app")
    move_clock(app, server_now(root) - dt.timedelta(days=10))
    refund = sp.cancel_reservation(app, reservation, user, "attack")
    assert str(refund) == "0.00"  # 18 h before departure: no refund, whatever the session says
    cur = root.cursor()
    cur.execute("SELECT created_at FROM refunds WHERE reservation_id = %s", (reservation,))
    assert abs(cur.fetchone()[0] - server_now(root)) < dt.timedelta(minutes=1)  # no fake date either


def test_moving_the_clock_back_does_not_pay_a_lapsed_hold(world, open_as):
    root = open_as("root")
    cur = root.cursor()
    cur.execute("UPDATE settings SET setting_value = '0' WHERE setting_key = 'hold_minutes'")
    root.commit()
    try:
        user = new_user(root)
        reservation = book(root, user, add_trip(root, dt.timedelta(days=5)))  # lapses at once
    finally:
        cur.execute("UPDATE settings SET setting_value = '15' WHERE setting_key = 'hold_minutes'")
        root.commit()
    app = open_as("app")
    move_clock(app, server_now(root) - dt.timedelta(hours=1))
    assert_fails_unchanged(world["root"], 50008, lambda: sp.pay_reservation(
        app, reservation, user, "120.00", "EUR", "card", "k1"))  # fmt: skip


def test_moving_the_clock_back_does_not_book_a_departed_trip(world, open_as):
    root = open_as("root")
    user = new_user(root)
    departed = add_trip(root, -dt.timedelta(hours=3))
    app = open_as("app")
    move_clock(app, server_now(root) - dt.timedelta(days=1))
    assert_fails_unchanged(world["root"], 50008, lambda: book(app, user, departed))


def test_moving_the_clock_forward_does_not_make_a_long_hold_or_expire_live_holds(world, open_as):
    root = open_as("root")
    user = new_user(root)
    trip = add_trip(root, dt.timedelta(days=5))
    live = book(root, user, trip)
    app = open_as("app")
    move_clock(app, server_now(root) + dt.timedelta(days=2, hours=16))
    attacker_hold = book(app, user, trip)
    cur = root.cursor(dictionary=True)
    cur.execute("SELECT created_at, expires_at FROM reservations WHERE reservation_id = %s", (attacker_hold,))
    row = cur.fetchone()
    assert row["expires_at"] - row["created_at"] == dt.timedelta(minutes=15)
    assert abs(row["created_at"] - server_now(root)) < dt.timedelta(minutes=1)
    cur.execute("SELECT MAX(changed_at) AS at FROM reservation_status_history WHERE reservation_id = %s",
                (attacker_hold,))  # fmt: skip
    assert abs(cur.fetchone()["at"] - server_now(root)) < dt.timedelta(minutes=1)  # the trigger's clock too
    # housekeeping with a moved clock (as the definer would run it) expires no live hold
    move_clock(root, server_now(root) + dt.timedelta(days=1))
    sp.call_out(root, "expire_reservations", 1000)
    cur.execute("SELECT status FROM reservations WHERE reservation_id IN (%s, %s)", (live, attacker_hold))
    assert [row["status"] for row in cur.fetchall()] == ["held", "held"]


def test_insert_id_cannot_exhaust_the_reservation_keys(world, open_as):
    root = open_as("root")
    user = new_user(root)
    trip = add_trip(root, dt.timedelta(days=5))
    app = open_as("app")
    app.cursor().execute("SET insert_id = 18446744073709551614")
    first = book(app, user, trip)
    second = book(open_as("app"), user, trip)  # another customer books afterwards
    assert first < 10**9 and first < second < 10**9  # keys chosen by auto-increment, not the session


def test_switched_off_checks_in_the_session_change_nothing(world, open_as):
    app = open_as("app")
    cur = app.cursor()
    cur.execute("SET foreign_key_checks = 0, unique_checks = 0")
    assert_fails_unchanged(world["root"], 50002, lambda: sp.record_login(app, 987654321, True, "10.0.0.1"))
    email = f"twice-{next(_services)}@example.com"
    sp.register_user(app, email, "hash", "Ada")
    assert_fails_unchanged(world["root"], 50005, lambda: sp.register_user(app, email, "hash", "Ada"))


def routines(url) -> dict[str, str]:
    conn = connect(url)
    cur = conn.cursor()
    cur.execute("SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()")
    found = dict(cur.fetchall())
    conn.close()
    return found


def may_execute(url, name: str, kind: str) -> bool:
    """Whether the account may run the routine: a call with NULL arguments is refused by the
    privilege check (1370) before any argument is looked at."""
    conn = connect(url)
    cur = conn.cursor()
    cur.execute(
        "SELECT COUNT(*) FROM information_schema.PARAMETERS"
        " WHERE SPECIFIC_SCHEMA = DATABASE() AND SPECIFIC_NAME = %s AND ORDINAL_POSITION > 0",
        (name,),
    )
    (arity,) = cur.fetchone()
    args = ", ".join(["NULL"] * arity)
    sql = f"SELECT `{name}`({args})" if kind == "FUNCTION" else f"CALL `{name}`({args})"
    try:
        cur.execute(sql)
        while cur.with_rows and cur.fetchall() is not None and cur.nextset():
            pass
    except mysql.connector.Error as err:
        if err.errno in (1370, 1044, 1142):
            return False
    finally:
        conn.close()
    return True


def test_each_account_can_call_exactly_its_routines(world, open_as):
    from harness.accounts import ADMIN_ROUTINES, CUSTOMER_ROUTINES

    found = routines(world["root"])
    expected = {"app": set(CUSTOMER_ROUTINES), "admin": set(ADMIN_ROUTINES), "analyst": set()}
    assert {"cancel_trip", "add_trip", "purge_expired_reservations", "expire_reservations"} <= set(found)
    for account, allowed in expected.items():
        callable_now = {name for name, kind in found.items() if may_execute(world[account], name, kind)}
        assert callable_now == allowed, account


def test_app_cannot_cancel_trips_add_trips_or_purge(world, open_as):
    app = open_as("app")
    for call in (
        lambda: sp.call_out(app, "cancel_trip", 1, "attack"),
        lambda: sp.add_trip(app, "LH", "X1", "TBA", "TBB", dt.datetime(2040, 1, 1), dt.datetime(2040, 1, 2),
                            [{"fare_class": "economy", "capacity": 1, "price": "0.00", "currency": "EUR"}]),
        lambda: sp.call_out(app, "purge_expired_reservations", 0),
    ):  # fmt: skip
        with pytest.raises((mysql.connector.Error, Exception)) as caught:
            call()
        assert getattr(caught.value, "errno", None) == 1370, caught.value


def test_admin_runs_carrier_operations_but_no_customer_or_housekeeping_routine(world, open_as):
    admin = open_as("admin")
    trip = add_trip(admin, dt.timedelta(days=9))
    assert sp.call_out(admin, "cancel_trip", trip, "storm")[0] == 0
    with pytest.raises(Exception) as caught:
        sp.call_out(admin, "expire_reservations", 10)
    assert getattr(caught.value, "errno", None) == 1370


def test_fares_of_a_cancelled_trip_are_off_sale(world, open_as):
    root = open_as("root")
    trip = add_trip(root, dt.timedelta(days=9))
    sp.call_out(root, "cancel_trip", trip, "storm")
    cur = root.cursor()
    cur.execute("SELECT on_sale FROM trip_fares WHERE trip_id = %s", (trip,))
    assert cur.fetchall() == [(0,)]


def test_events_status_warns_only_while_the_session_clock_is_on(world, open_as):
    from click.testing import CliRunner

    from harness.cli import cli
    from harness.clock import use_session_clock

    args = ["--database-url", world["root"].unmasked(), "--project", str(REPO_ROOT), "events", "status"]
    quiet = CliRunner().invoke(cli, args)
    assert quiet.exit_code == 0, quiet.output
    assert "session_clock" not in quiet.output
    conn = open_as("root")
    use_session_clock(conn)
    try:
        loud = CliRunner().invoke(cli, args)
    finally:
        use_session_clock(conn, on=False)
    assert "warning: session_clock is 'session'" in loud.output


def test_schema_status_tells_the_app_which_clock_runs(world, open_as):
    app = open_as("app")
    _, _, clock = sp.schema_status(app)
    assert clock == "server"
