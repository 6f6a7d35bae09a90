"""Lock safety of a live release (issue 13): an open transaction on `reservations` holds a
metadata lock; `migrate` adds a column and an index to it while bookings run. The ALTER waits at
most --lock-wait seconds a try, names the blocking session, retries, and no booking waits longer
than that bound + 1 s."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time

import pytest

from harness import procedures as sp
from harness.db import connect
from harness.errors import MigrationError
from harness.migrate import Migrator
from harness.project import Project
from tests.conftest import REPO_ROOT

RELEASE = (
    "ALTER TABLE reservations ADD COLUMN channel VARCHAR(20) NULL COMMENT 'Where the booking came from';\n"
    "CREATE INDEX idx_reservations_channel ON reservations (channel);\n"
)
LOCK_WAIT = 1


def release_project(tmp_path) -> Project:
    for folder in ("schema", "procedures", "views"):
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder)
    (tmp_path / "schema" / "V9000__reservation_channel.sql").write_text(RELEASE)
    return Project(tmp_path)


def a_trip(conn) -> tuple[int, int]:
    sp.add_station(conn, "LKA", "Lock A", "A", "DE")
    sp.add_station(conn, "LKB", "Lock B", "B", "DE")
    sp.add_carrier(conn, "LK", "Lock Air", "air")
    departs = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) + dt.timedelta(days=30)
    fares = [{"fare_class": "economy", "capacity": 5000, "price": "10.00", "currency": "EUR"}]
    trip = sp.add_trip(conn, "LK", "LK1", "LKA", "LKB", departs, departs + dt.timedelta(hours=1), fares)
    user = sp.register_user(conn, "lock@example.com", "hash", "Lock Tester")
    return trip, user


class Bookings(threading.Thread):
    """Books one seat after another and keeps every call's latency."""

    def __init__(self, url, trip: int, user: int):
        super().__init__(daemon=True)
        self.url, self.trip, self.user = url, trip, user
        self.latencies: list[float] = []
        self.errors: list[Exception] = []
        self.stop = threading.Event()

    def run(self) -> None:
        conn = connect(self.url)
        segments = [{"trip_id": self.trip, "fare_class": "economy"}]
        passengers = [{"full_name": "Ada Lovelace", "birth_date": "1990-12-10"}]
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                sp.create_reservation(conn, self.user, segments, passengers)
            except Exception as err:  # noqa: BLE001 - counted and asserted on below
                self.errors.append(err)
            self.latencies.append(time.monotonic() - started)
            time.sleep(0.02)
        conn.close()


def test_release_under_an_open_transaction_never_queues_bookings_past_the_bound(migrated_url, tmp_path):
    admin = connect(migrated_url)
    trip, user = a_trip(admin)
    bookings = Bookings(migrated_url, trip, user)
    bookings.start()
    blocker = connect(migrated_url)
    cur = blocker.cursor()
    cur.execute("SELECT CONNECTION_ID()")
    (blocker_id,) = cur.fetchone()
    cur.execute("START TRANSACTION")
    cur.execute("SELECT COUNT(*) FROM reservations")  # an analyst's open read: a metadata lock until it ends
    cur.fetchall()
    ending = threading.Timer(3.5, blocker.commit)
    ending.start()
    printed: list[str] = []
    migrator = Migrator(migrated_url, release_project(tmp_path), echo=printed.append, lock_wait=LOCK_WAIT)
    time.sleep(0.3)
    started = time.monotonic()
    try:
        assert migrator.migrate(lock_timeout=10) == 1
    finally:
        took = time.monotonic() - started
        time.sleep(0.3)
        bookings.stop.set()
        bookings.join()
        ending.join()
        blocker.close()
    waits = [line for line in printed if "gave up a lock after 1s" in line]
    assert waits, printed
    assert f"blocked by: connection {blocker_id} (root@" in waits[0]
    assert "in a transaction for" in waits[0] and f"KILL {blocker_id} ends it" in waits[0]
    assert took >= 3.0  # it did wait for the reader (3.5 s after it began), in bounded tries
    assert not bookings.errors, bookings.errors[:3]
    assert len(bookings.latencies) > 20
    assert max(bookings.latencies) <= LOCK_WAIT + 1, sorted(bookings.latencies)[-5:]
    cur = admin.cursor()
    cur.execute(
        "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()"
        " AND INDEX_NAME = 'idx_reservations_channel'"
    )
    assert cur.fetchone() == (1,)
    admin.close()


def test_without_retries_the_file_fails_and_resumes_after_the_reader_ends(migrated_url, tmp_path):
    blocker = connect(migrated_url)
    cur = blocker.cursor()
    cur.execute("START TRANSACTION")
    cur.execute("SELECT COUNT(*) FROM reservations")
    cur.fetchall()
    project = release_project(tmp_path)
    (tmp_path / "schema" / "V9001__reservation_source.sql").write_text(RELEASE.replace("channel", "source"))
    migrator = Migrator(migrated_url, project, echo=lambda _: None, lock_wait=1, lock_retries=0)
    try:
        with pytest.raises(MigrationError, match=r"statement 1 \(line 1\) failed: Lock wait timeout exceeded"):
            migrator.migrate(lock_timeout=5)
    finally:
        blocker.commit()
        blocker.close()
    assert migrator.migrate(lock_timeout=5) >= 1
