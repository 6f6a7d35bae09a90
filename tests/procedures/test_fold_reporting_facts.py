"""The reporting fold (schema/V0030, procedures/fold_reporting_facts.sql): holds and payments write
no reporting row; refresh_reporting_facts folds them, exactly once, also when runs race."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness import procedures as sp

from .conftest import NOW, open_at


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
    assert [v["violation"] for v in shop.violations()] == ["booking fact differs from its reservation"]
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
        made = [r for b in bookers for r in b.result()]
        stop.set()
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


def session_updates(conn) -> int:
    cur = conn.cursor()
    cur.execute("SHOW SESSION STATUS LIKE 'Handler_update'")
    (_, value) = cur.fetchone()
    cur.close()
    return int(value)


def test_a_batch_updates_each_folded_reservation_once(shop):
    refresh(shop.conn)  # what earlier tests left pending (their holds stay pending, unchanged)
    user, trip = shop.user(), shop.trip(capacity=20)
    made = [shop.book(user, trip) for _ in range(3)]
    for reservation in made:
        shop.pay(reservation, user)
    (before,) = shop.query("SELECT batches FROM reporting_folds")
    updates = session_updates(shop.conn)
    refresh(shop.conn)
    (after,) = shop.query("SELECT batches FROM reporting_folds")
    # One row update per folded reservation (the clear) and one of reporting_folds per batch;
    # the reporting rows are all new inserts. Marking first, then clearing, made it 2 per reservation.
    assert session_updates(shop.conn) - updates == len(made) + after["batches"] - before["batches"]
    assert [shop.reservation(r)["facts_pending"] for r in made] == [None, None, None]
    assert shop.violations() == []


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


def test_a_hold_paid_while_its_batch_runs_stays_pending(shop):
    """The batch clears exactly the reservations it locked: a hold paid after the batch read it
    (here: while the batch waits on its last statement's lock) keeps its mark, though it is no
    longer held when the batch clears; clearing it would leave its stale 'held' fact for good.
    The payment itself does not wait for the batch (which never locks a held reservation)."""
    shop.query("ALTER EVENT fold_reporting_facts DISABLE")  # this test interleaves one batch by hand
    refresh(shop.conn)
    user, trip = shop.user(), shop.trip(capacity=20)
    paid = shop.book(user, trip)
    shop.pay(paid, user)
    hold = shop.book(user, trip)
    blocker, folder, payer = open_at(shop.url), open_at(shop.url), open_at(shop.url)
    try:
        # The user's activity row for the day, inserted and not committed: the batch's last write
        # before clearing (user_activity_days) waits for it, after booking_facts read the hold.
        blocker.cursor().execute(
            "INSERT INTO user_activity_days (day, user_id, created_at) VALUES (%s, %s, %s)", (NOW.date(), user, NOW)
        )
        with ThreadPoolExecutor(max_workers=1) as pool:
            folding = pool.submit(fold_one_batch, folder)
            for _ in range(200):
                if running(shop.conn, folder.connection_id).startswith("INSERT INTO user_activity_days"):
                    break
                threading.Event().wait(0.05)
            else:
                blocker.rollback()
                pytest.fail("the fold never waited on the activity row")
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
