"""The reporting fold (schema/V0030, procedures/fold_reporting_facts.sql): holds and payments write
no reporting row; refresh_reporting_facts folds them, exactly once, also when runs race."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from harness import procedures as sp
from harness.seed import seed_reference
from harness.synthetic import generate

from ..conftest import migrate
from .conftest import NOW, REPO_ROOT, Shop, open_at, set_clock


def refresh(conn, batch: int = 500) -> int:
    cur = conn.cursor()
    cur.execute("CALL refresh_reporting_facts(%s, 100000, @folded)", (batch,))
    cur.execute("SELECT @folded")
    (folded,) = cur.fetchone()
    cur.close()
    conn.commit()
    return int(folded)


def facts(shop, reservation_id: int) -> dict:
    booking = shop.query("SELECT status, paid, refunded FROM booking_facts WHERE reservation_id = %s", reservation_id)
    money = shop.query(
        "SELECT kind, amount, refunded_later FROM money_facts WHERE reservation_id = %s ORDER BY kind, segment_no",
        reservation_id,
    )
    return {
        "booking": [(r["status"], str(r["paid"]), str(r["refunded"])) for r in booking],
        "money": [(r["kind"], str(r["amount"]), r["refunded_later"]) for r in money],
    }


def test_hold_and_pay_fire_no_reporting_trigger(shop):
    cur = shop.conn.cursor()
    cur.execute(
        "SELECT event_object_table, trigger_name FROM information_schema.TRIGGERS WHERE trigger_schema = DATABASE()"
        " AND event_object_table IN ('reservations', 'reservation_segments', 'passengers', 'payments', 'tickets',"
        " 'trip_fares') AND NOT (event_manipulation IN ('UPDATE', 'DELETE') AND event_object_table = 'payments')"
        " AND NOT (event_manipulation = 'DELETE' AND event_object_table = 'reservations')"
    )
    # Only the status history (V0007) is left on the hold and pay path: no reporting table.
    assert sorted(cur.fetchall()) == [
        ("reservations", "record_reservation_creation"),
        ("reservations", "record_reservation_status_change"),
    ]
    user, trip = shop.user(), shop.trip()
    reservation = shop.book(user, trip)
    shop.pay(reservation, user)
    assert facts(shop, reservation) == {"booking": [], "money": []}
    assert shop.reservation(reservation)["facts_pending"] == 1


def test_fold_writes_the_reservation_and_its_money_exactly(shop):
    user, first, second = shop.user(), shop.trip(price="60.00"), shop.trip(price="40.00")
    reservation = shop.book(user, [first, second], passengers=2)
    shop.pay(reservation, user)
    assert refresh(shop.conn) >= 1
    assert facts(shop, reservation) == {
        "booking": [("confirmed", "200.00", "0.00")],
        "money": [("payment", "200.00", 0), ("payment", "200.00", 0)],
    }
    shares = shop.query("SELECT segment_share FROM money_facts WHERE reservation_id = %s ORDER BY segment_no",
                        reservation)  # fmt: skip
    assert [str(r["segment_share"]) for r in shares] == ["120.00", "80.00"]
    day = shop.query("SELECT created_at FROM user_activity_days WHERE user_id = %s", user)
    assert day == [{"created_at": NOW}]
    assert shop.reservation(reservation)["facts_pending"] is None
    (fresh,) = shop.query("SELECT folded_until, pending_reservations FROM reporting_freshness")
    assert fresh["folded_until"] == NOW
    assert shop.violations() == []


def test_a_hold_stays_pending_until_it_ends(shop):
    user, trip = shop.user(), shop.trip()
    reservation = shop.book(user, trip)
    refresh(shop.conn)
    assert facts(shop, reservation)["booking"] == [("held", "0.00", "0.00")]
    assert shop.reservation(reservation)["facts_pending"] == 1
    shop.pay(reservation, user)
    refresh(shop.conn)
    assert facts(shop, reservation)["booking"] == [("confirmed", "100.00", "0.00")]
    assert shop.reservation(reservation)["facts_pending"] is None
    assert shop.violations() == []


def test_an_expiry_waits_for_the_next_pass_and_a_refund_is_written_at_once(shop):
    user, trip = shop.user(), shop.trip(departs=NOW + dt.timedelta(days=10))
    lapsing, paid = shop.book(user, trip), shop.book(user, trip)
    shop.pay(paid, user)
    refresh(shop.conn)
    shop.at(NOW + dt.timedelta(hours=1))
    sp.expire_reservations(shop.conn, 100)
    sp.cancel_reservation(shop.conn, paid, user, "changed plans")
    # The refund's triggers wrote the cancellation; the expiry waits for the fold (still pending).
    assert facts(shop, paid) == {
        "booking": [("cancelled", "100.00", "100.00")],
        "money": [("payment", "100.00", 1), ("refund", "100.00", 0)],
    }
    assert facts(shop, lapsing)["booking"] == [("held", "0.00", "0.00")]
    assert shop.reservation(lapsing)["facts_pending"] == 1
    assert shop.violations() == []
    refresh(shop.conn)
    assert facts(shop, lapsing)["booking"] == [("expired", "0.00", "0.00")]
    assert shop.reservation(lapsing)["facts_pending"] is None
    assert shop.violations() == []
    shop.at(NOW)


def test_a_carrier_cancellation_before_and_after_the_fold(shop):
    user, trip = shop.user(), shop.trip()
    folded, unfolded = shop.book(user, trip), None
    shop.pay(folded, user)
    refresh(shop.conn)
    unfolded = shop.book(user, trip, passengers=2)
    shop.pay(unfolded, user)
    sp.cancel_trip(shop.conn, trip, "strike")
    assert facts(shop, folded)["booking"] == [("cancelled", "100.00", "100.00")]
    assert facts(shop, unfolded)["booking"] == []
    assert shop.violations() == []
    refresh(shop.conn)
    assert facts(shop, unfolded) == {
        "booking": [("cancelled", "200.00", "200.00")],
        "money": [("payment", "200.00", 1), ("refund", "200.00", 0)],
    }
    assert shop.violations() == []


def test_integrity_names_a_folded_fact_that_drifts(shop):
    user, trip = shop.user(), shop.trip()
    reservation = shop.book(user, trip)
    shop.pay(reservation, user)
    refresh(shop.conn)
    cur = shop.conn.cursor()
    cur.execute("UPDATE booking_facts SET paid = paid + 1 WHERE reservation_id = %s", (reservation,))
    shop.conn.commit()
    assert sorted(v["violation"] for v in shop.violations()) == [
        "booking day roll-up differs from booking facts",  # nor does the day roll-up (V0050)
        "booking fact differs from its reservation",
        "customer month roll-up differs from booking facts",  # the roll-up no longer sums the facts
    ]
    cur.execute("UPDATE booking_facts SET paid = paid - 1 WHERE reservation_id = %s", (reservation,))
    shop.conn.commit()
    assert shop.violations() == []


@pytest.mark.parametrize("batch", [1, 7])
def test_racing_folds_and_bookings_fold_each_reservation_once(shop, batch):
    user, trips = shop.user(), [shop.trip(capacity=200) for _ in range(3)]
    before = shop.query("SELECT batches, reservations_folded FROM reporting_folds")[0]
    stop = threading.Event()

    def book(n: int) -> list[int]:
        conn = open_at(shop.url)
        made = []
        for i in range(15):
            reservation = sp.create_reservation(conn, user, [{"trip_id": trips[(n + i) % 3], "fare_class": "economy"}],
                                                [{"full_name": "Racer"}])  # fmt: skip
            if i % 3:
                sp.pay_reservation(conn, reservation, user, "100.00", "EUR", "card", f"race-{reservation}")
            made.append(reservation)
        conn.close()
        return made

    def fold(_: int) -> int:
        conn = open_at(shop.url)
        folded = 0
        while not stop.is_set():
            folded += refresh(conn, batch)
        conn.close()
        return folded

    with ThreadPoolExecutor(max_workers=5) as pool:
        folders = [pool.submit(fold, n) for n in range(2)]
        bookers = [pool.submit(book, n) for n in range(3)]
        try:
            made = [r for b in bookers for r in b.result()]
        finally:
            stop.set()  # a booker that failed must not leave the folders running forever
        [f.result() for f in folders]
    refresh(shop.conn, batch)
    rows = shop.query(
        "SELECT COUNT(*) AS n, COUNT(DISTINCT reservation_id) AS d FROM booking_facts WHERE user_id = %s", user
    )
    assert rows == [{"n": len(made), "d": len(made)}]
    money = shop.query("SELECT COUNT(*) AS n FROM money_facts INNER JOIN reservations USING (reservation_id)"
                       " WHERE user_id = %s", user)  # fmt: skip
    assert money == [{"n": 30}]  # two of every three paid, one segment each
    after = shop.query("SELECT batches FROM reporting_folds")[0]
    assert after["batches"] > before["batches"]
    assert shop.violations() == []


def session_count(conn, counter: str) -> int:
    """A session status counter (Handler_update, Com_insert_select: statements inside procedures count)."""
    cur = conn.cursor()
    cur.execute("SHOW SESSION STATUS LIKE %s", (counter,))
    (_, value) = cur.fetchone()
    cur.close()
    return int(value)


def test_a_batch_updates_each_folded_reservation_once(shop):
    refresh(shop.conn)  # what earlier tests left pending (their holds stay pending, unchanged)
    shop.at(NOW + dt.timedelta(days=5))  # a day no other test pays on: its money_days row is new
    user, trip = shop.user(), shop.trip(capacity=20, departs=NOW + dt.timedelta(days=20))
    made = [shop.book(user, trip) for _ in range(3)]
    for reservation in made:
        shop.pay(reservation, user)
    (before,) = shop.query("SELECT batches FROM reporting_folds")
    updates = session_count(shop.conn, "Handler_update")
    refresh(shop.conn)
    (after,) = shop.query("SELECT batches FROM reporting_folds")
    # One row update per folded reservation (the clear) and one of reporting_folds per batch;
    # the reporting and roll-up rows are all new inserts. Marking first, then clearing, made it
    # 2 per reservation.
    assert session_count(shop.conn, "Handler_update") - updates == len(made) + after["batches"] - before["batches"]
    assert [shop.reservation(r)["facts_pending"] for r in made] == [None, None, None]
    assert shop.violations() == []
    shop.at(NOW)


def test_a_batch_of_expired_holds_writes_no_rollup(shop):
    """The five roll-up statements hold paid reservations only: a batch that clears none (expired
    holds) skips them; the folded expiries still reach booking_facts."""
    shop.query("ALTER EVENT fold_reporting_facts DISABLE")  # the batches are counted one by one
    try:
        refresh(shop.conn)
        user, trip = shop.user(), shop.trip(capacity=20, departs=NOW + dt.timedelta(days=10))
        lapsing = [shop.book(user, trip) for _ in range(2)]
        shop.at(NOW + dt.timedelta(hours=1))
        assert sp.expire_reservations(shop.conn, 100) >= 2
        before = session_count(shop.conn, "Com_insert_select")
        fold_one_batch(shop.conn)
        # booking_facts, money_facts and user_activity_days; no roll-up
        assert session_count(shop.conn, "Com_insert_select") - before == 3
        assert [facts(shop, r)["booking"] for r in lapsing] == [[("expired", "0.00", "0.00")]] * 2
        paid = shop.book(user, trip)
        shop.pay(paid, user)
        before = session_count(shop.conn, "Com_insert_select")
        fold_one_batch(shop.conn)
        # and the five roll-ups: money_days, customer_months, booking_days, route_days, payment_method_days
        assert session_count(shop.conn, "Com_insert_select") - before == 8
        assert shop.violations() == []
    finally:
        shop.query("ALTER EVENT fold_reporting_facts ENABLE")
        shop.at(NOW)


def session_reads(conn) -> int:
    """Index and table rows this session has read so far (the Handler_read_* counters)."""
    cur = conn.cursor()
    cur.execute("SHOW SESSION STATUS LIKE 'Handler_read%'")
    total = sum(int(value) for _, value in cur.fetchall())
    cur.close()
    return total


@pytest.fixture
def small(empty_database) -> Iterator[Shop]:
    """A database of its own, reference data only, on the session clock: its tables stay small."""
    url = migrate(empty_database)
    conn = open_at(url)
    try:
        seed_reference(conn, REPO_ROOT)
        yield Shop(url, conn)
    finally:
        conn.close()


@pytest.fixture
def history(small) -> Shop:
    """A database of its own with 3,000 generated reservations, all folded, on the session clock."""
    generate(small.conn, 3000, seed=5, progress=lambda _: None)  # and folds them
    set_clock(small.conn, NOW)
    return small


def test_a_pass_reads_what_is_pending_not_the_folded_history(history):
    user, trip = history.user(), history.trip()
    history.pay(history.book(user, trip), user)
    before = session_reads(history.conn)
    assert refresh(history.conn) == 1
    # A pass starts at key 0: its first batch read every payment below its last pending
    # reservation, and the optimizer, counting the delete-marked marks the fold left, the whole
    # range of reservations (30,638 rows here) until both went through the pending ones.
    assert session_reads(history.conn) - before < 300
    assert facts(history, history.query("SELECT MAX(reservation_id) AS r FROM reservations")[0]["r"]) == {
        "booking": [("confirmed", "100.00", "0.00")],
        "money": [("payment", "100.00", 0)],
    }
    assert history.violations() == []


def running(conn, connection_id: int) -> str:
    """The statement a connection is running, from the processlist ('' when idle)."""
    cur = conn.cursor()
    cur.execute("SELECT COALESCE(info, '') FROM information_schema.PROCESSLIST WHERE id = %s", (connection_id,))
    (info,) = cur.fetchone()
    cur.close()
    conn.commit()
    return info


def fold_one_batch(conn) -> None:
    cur = conn.cursor()
    cur.execute("CALL fold_reporting_facts(500, @folded, @pass)")
    cur.close()
    conn.commit()


# Rows a second session holds (inserted, not committed), so that the batch waits at a statement:
# the activity day is written just before the batch clears its reservations, money_days just after.
BLOCKERS = {
    "before clearing": (
        "INSERT INTO user_activity_days (day, user_id, created_at) VALUES (%(day)s, %(user)s, %(day)s)",
        "INSERT INTO user_activity_days",
    ),
    "after clearing": (
        "INSERT INTO money_days (day, currency, first_mode, payments, gross)"
        " SELECT %(day)s, 'EUR', mode, 1, 0 FROM trips WHERE trip_id = %(trip)s ON DUPLICATE KEY UPDATE gross = gross",
        "INSERT INTO money_days",
    ),
}


@pytest.mark.parametrize("moment", BLOCKERS)
def test_a_hold_paid_while_its_batch_runs_stays_pending(small, moment):
    """The batch clears exactly the reservations it locked: a hold paid after the batch read it
    (here: while the batch waits on a lock) keeps its mark, though it is no longer held when the
    batch clears; clearing it would leave its stale 'held' fact for good. The payment itself does
    not wait for the batch, which never locks a held reservation. In a database this small (four
    reservations), the locking read joined to the batch's key list read the table whole through
    a join buffer and locked every row, the hold too: the payment waited 50 s for the batch."""
    shop = small
    shop.query("ALTER EVENT fold_reporting_facts DISABLE")  # this test interleaves one batch by hand
    user, trip = shop.user(), shop.trip(capacity=20)
    other = shop.user()  # another customer's: the batch must still write `user`'s activity day
    for _ in range(2):  # folded before the batch: their rows are what a whole read passes over
        shop.pay(shop.book(other, trip), other)
    refresh(shop.conn)
    paid = shop.book(user, trip)
    shop.pay(paid, user)
    hold = shop.book(user, trip)
    blocker, folder, payer = open_at(shop.url), open_at(shop.url), open_at(shop.url)
    try:
        blocking, statement = BLOCKERS[moment]
        blocker.cursor().execute(blocking, {"day": NOW.date(), "user": user, "trip": trip})
        with ThreadPoolExecutor(max_workers=1) as pool:
            folding = pool.submit(fold_one_batch, folder)
            for _ in range(200):
                if running(shop.conn, folder.connection_id).startswith(statement):
                    break
                threading.Event().wait(0.05)
            else:
                blocker.rollback()
                pytest.fail(f"the fold never waited at {statement}")
            sp.pay_reservation(payer, hold, user, "100.00", "EUR", "card", f"late-{hold}")
            blocker.rollback()
            folding.result()
    finally:
        for conn in (blocker, folder, payer):
            conn.close()
        shop.query("ALTER EVENT fold_reporting_facts ENABLE")
    assert shop.reservation(paid)["facts_pending"] is None
    assert shop.reservation(hold)["facts_pending"] == 1  # read as held: its fact is stale, so still pending
    assert facts(shop, hold)["booking"] == [("held", "0.00", "0.00")]
    assert shop.violations() == []
    refresh(shop.conn)
    assert facts(shop, hold)["booking"] == [("confirmed", "100.00", "0.00")]
    assert shop.reservation(hold)["facts_pending"] is None
    assert shop.violations() == []


def rollups(shop, user: int) -> dict:
    months = shop.query(
        "SELECT currency, month, reservations, passengers, paid, refunded FROM customer_months WHERE user_id = %s"
        " ORDER BY currency, month",
        user,
    )
    return {"months": [(r["currency"], str(r["month"]), r["reservations"], r["passengers"], str(r["paid"]),
                        str(r["refunded"])) for r in months]}  # fmt: skip


def money_day(shop, day: dt.date, currency: str = "EUR", mode: str = "air") -> tuple[int, str] | None:
    rows = shop.query(
        "SELECT payments, gross FROM money_days WHERE day = %s AND currency = %s AND first_mode = %s",
        day,
        currency,
        mode,
    )
    return (rows[0]["payments"], str(rows[0]["gross"])) if rows else None


def test_the_fold_adds_cleared_reservations_to_the_rollups_once(shop):
    refresh(shop.conn)
    day = (NOW + dt.timedelta(days=3)).date()  # a day of its own: money_days rows are shared by tests
    shop.at(dt.datetime.combine(day, dt.time(9)))
    user, trip = shop.user(), shop.trip(capacity=20, price="40.00", departs=NOW + dt.timedelta(days=20))
    kept, cancelled, held = shop.book(user, trip, passengers=2), shop.book(user, trip), shop.book(user, trip)
    shop.pay(kept, user)
    shop.pay(cancelled, user)
    refresh(shop.conn)
    refresh(shop.conn)  # a second pass adds nothing twice (the held one is visited again)
    month = day.replace(day=1).isoformat()
    assert rollups(shop, user) == {"months": [("EUR", month, 2, 3, "120.00", "0.00")]}  # the hold is not paid
    before = money_day(shop, day)
    assert before is not None and before[0] >= 2
    assert sp.cancel_reservation(shop.conn, cancelled, user, "plans changed") == Decimal("40.00")
    # The refund adds itself to its customer's month at once (trigger), not to money_days
    # (revenue reads refunds from money_facts).
    assert rollups(shop, user) == {"months": [("EUR", month, 2, 3, "120.00", "40.00")]}
    assert shop.violations() == []
    shop.pay(held, user)
    refresh(shop.conn)
    assert rollups(shop, user) == {"months": [("EUR", month, 3, 4, "160.00", "40.00")]}
    after = money_day(shop, day)
    assert (after[0] - before[0], str(Decimal(after[1]) - Decimal(before[1]))) == (1, "40.00")
    assert shop.violations() == []
    shop.at(NOW)


def test_a_refund_before_the_fold_is_counted_once(shop):
    """A reservation paid and cancelled before the fold clears it: the refund trigger finds it
    pending and adds nothing; the fold adds it with its refund when it clears it."""
    refresh(shop.conn)
    day = (NOW + dt.timedelta(days=4)).date()
    shop.at(dt.datetime.combine(day, dt.time(9)))
    user, trip = shop.user(), shop.trip(capacity=20, price="40.00", departs=NOW + dt.timedelta(days=20))
    reservation = shop.book(user, trip)
    shop.pay(reservation, user)
    assert sp.cancel_reservation(shop.conn, reservation, user, "too soon") == Decimal("40.00")
    assert rollups(shop, user) == {"months": []}
    refresh(shop.conn)
    month = day.replace(day=1).isoformat()
    assert rollups(shop, user) == {"months": [("EUR", month, 1, 1, "40.00", "40.00")]}
    assert shop.violations() == []
    shop.at(NOW)


@pytest.mark.parametrize(
    ("breakage", "violation"),
    [
        ("UPDATE customer_months SET paid = paid + 1 WHERE user_id = {user}",
         "customer month roll-up differs from booking facts"),
        ("UPDATE customer_months SET reservations = reservations + 1 WHERE user_id = {user}",
         "customer month roll-up differs from booking facts"),
        ("UPDATE customer_months SET refunded = refunded + 1 WHERE user_id = {user}",
         "customer month roll-up differs from booking facts"),
        ("DELETE FROM customer_months WHERE user_id = {user}", "customer month roll-up differs from booking facts"),
        ("INSERT INTO customer_months (user_id, currency, month, reservations, passengers, paid)"
         " VALUES ({user}, 'GBP', '2031-01-01', 1, 1, 5.00)", "customer month roll-up differs from booking facts"),
        ("UPDATE money_days SET gross = gross - 1 WHERE day = '{day}'", "money day roll-up differs from money facts"),
        ("DELETE FROM money_days WHERE day = '{day}'", "money day roll-up differs from money facts"),
        ("INSERT INTO money_days (day, currency, first_mode, payments, gross)"
         " VALUES ('2030-01-01', 'EUR', 'bus', 1, 5.00)", "money day roll-up differs from money facts"),
    ],
)  # fmt: skip
def test_integrity_names_a_rollup_that_differs_from_the_facts(shop, breakage, violation):
    user, trip = shop.user(), shop.trip()
    reservation = shop.book(user, trip)
    shop.pay(reservation, user)
    refresh(shop.conn)
    assert shop.violations() == []
    cur = shop.conn.cursor()
    cur.execute("START TRANSACTION")
    cur.execute(breakage.format(user=user, day=NOW.date()))
    try:
        cur.execute("SELECT violation FROM integrity_violations")
        assert {row[0] for row in cur.fetchall()} == {violation}
    finally:
        shop.conn.rollback()
    assert shop.violations() == []


def test_the_fold_builds_the_rollups_from_the_facts_a_range_of_customers_a_batch(shop):
    """V0040 leaves the roll-ups empty and the fold builds them (rollup_users_to 0 sets it off
    again): money_days in the first batch, customer_months 1,000 user ids a batch; until a
    customer is built, nothing of theirs is added, and integrity checks the built part only."""
    refresh(shop.conn)
    far = shop.query("SELECT COALESCE(MAX(user_id), 0) + 2500 AS user_id FROM users")[0]["user_id"]
    shop.query(  # a customer 2,500 ids on: the build needs three more batches to reach them
        "INSERT INTO users (user_id, email, full_name, created_at) VALUES (%s, %s, 'Far Away', %s)",
        far,
        f"far{far}@example.com",
        NOW,
    )
    trip = shop.trip()
    reservation = shop.book(far, trip)
    shop.pay(reservation, far)
    refresh(shop.conn)
    built = shop.query("SELECT * FROM customer_months ORDER BY user_id, currency, month")
    days = shop.query(
        "SELECT day, currency, first_mode, payments, gross FROM money_days ORDER BY day, currency, first_mode"
    )
    cur = shop.conn.cursor()
    cur.execute("DELETE FROM customer_months")
    cur.execute("DELETE FROM money_days")
    cur.execute("UPDATE reporting_folds SET rollup_users_to = 0")
    shop.conn.commit()
    fold_one_batch(shop.conn)
    (progress,) = shop.query("SELECT rollup_users_to FROM reporting_folds")
    assert progress["rollup_users_to"] == 1000
    assert (
        shop.query(
            "SELECT day, currency, first_mode, payments, gross FROM money_days ORDER BY day, currency, first_mode"
        )
        == days
    )
    assert shop.query("SELECT COUNT(*) AS n FROM customer_months WHERE user_id > 1000") == [{"n": 0}]
    assert shop.violations() == []
    late = shop.book(far, trip)  # cleared before its customer is built: the build adds it
    shop.pay(late, far)
    for _ in range(3):
        fold_one_batch(shop.conn)
    (progress,) = shop.query("SELECT rollup_users_to FROM reporting_folds")
    assert progress["rollup_users_to"] is None
    rebuilt = shop.query("SELECT * FROM customer_months ORDER BY user_id, currency, month")
    key = ("user_id", "currency", "month", "reservations", "passengers", "paid", "refunded")
    far_row = [tuple(r[k] for k in key) for r in rebuilt if r["user_id"] == far]
    assert far_row == [(far, "EUR", NOW.date().replace(day=1), 2, 2, Decimal("200.00"), Decimal("0.00"))]
    assert [tuple(r[k] for k in key) for r in rebuilt if r["user_id"] != far] == [
        tuple(r[k] for k in key) for r in built if r["user_id"] != far
    ]
    assert shop.violations() == []
