"""The deployer lease: one `travel migrate` at a time, on one server or across a Galera cluster.

`GET_LOCK` is node-local on Galera (two deployers on two nodes both got it). A lease is a row
(`schema_lease`) taken and kept by guarded UPDATEs: `WHERE` the row is free or its heartbeat is
older than the lease timeout. Two nodes taking it at once both write the same row, so Galera
certification lets one commit and aborts the other (1213); on one server the row lock does the
same. The holder beats every `timeout / 6` seconds from a thread of its own; a holder that dies
stops beating and another deployer takes over once the heartbeat is `timeout` seconds old.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import mysql.connector

from .db import DatabaseUrl, connect
from .errors import MigrationError

LEASE_DDL = """CREATE TABLE IF NOT EXISTS schema_lease (
    lease_name VARCHAR(64) NOT NULL COMMENT 'One row per lease; deploy is the deployer lease',
    holder VARCHAR(300) NULL COMMENT 'Who holds it: account, client host and pid; NULL when free',
    token CHAR(32) NULL COMMENT 'Random id of the holding run; guarded UPDATEs match on it',
    server VARCHAR(200) NULL COMMENT 'Node the holder is connected to (@@hostname:@@port)',
    acquired_at DATETIME(6) NULL COMMENT 'When the holder took it (UTC, server clock)',
    heartbeat_at DATETIME(6) NULL COMMENT 'Last heartbeat (UTC); older than the timeout = free',
    timeout_s INT NOT NULL DEFAULT 30 COMMENT 'Seconds without a heartbeat after which it is free',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'When the row was written first',
    CONSTRAINT pk_schema_lease PRIMARY KEY (lease_name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_520_ci
  COMMENT = 'Deployer lease of travel migrate (certified on Galera, unlike GET_LOCK)'"""

# Certification failure (Galera) or a lost row-lock race: the other deployer won this round.
LOST_RACE = {1213, 1205}


@dataclass
class Holder:
    holder: str
    server: str
    acquired_at: object
    age_s: float  # seconds since its last heartbeat
    timeout_s: int

    def __str__(self) -> str:
        return (
            f"{self.holder} on {self.server} since {self.acquired_at:%Y-%m-%d %H:%M:%S} UTC "
            f"(last heartbeat {self.age_s:.1f}s ago; free after {self.timeout_s}s without one)"
        )


def _read_your_writes(cur) -> None:
    """On a Galera node, read the lease row as the cluster last committed it (the winner of a race
    may have committed on another node a moment ago)."""
    cur.execute("SHOW VARIABLES LIKE 'wsrep_on'")
    row = cur.fetchone()
    if row and str(row[1]).upper() == "ON":
        cur.execute("SET SESSION wsrep_sync_wait = 1")


def _uptime(cur) -> int:
    """Whole seconds since this server started, rounded up (SHOW STATUS works on MariaDB and MySQL
    alike). `Uptime` is truncated, so the server started up to a second before now - Uptime: a
    heartbeat older than the rounded-up figure was certainly written before the start. With the
    truncated one, a deployer that took the lease in the server's first second looked like a
    holder from before a restart and was taken over while it ran (a CI run of
    tests/harness/test_migrate_faults.py)."""
    cur.execute("SHOW GLOBAL STATUS LIKE 'Uptime'")
    row = cur.fetchone()
    return int(row[1]) + 1 if row else 2**31


def whoami() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Lease:
    """Take with `acquire`, keep with the heartbeat thread, give back with `release`."""

    def __init__(self, url: DatabaseUrl, name: str = "deploy", timeout_s: int = 30, echo: Callable = print):
        self.url = url
        self.name = name
        self.timeout_s = max(1, int(timeout_s))
        self.echo = echo
        self.token = uuid.uuid4().hex
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.taken_over: Holder | None = None  # the expired holder this run took over from

    def acquire(self, wait_s: float) -> None:
        conn = connect(self.url, autocommit=False)
        try:
            cur = conn.cursor()
            cur.execute(LEASE_DDL)
            _read_your_writes(cur)
            deadline = time.monotonic() + wait_s
            told = False
            while True:
                previous = self._current(conn)
                if self._try_take(conn, cur):
                    if previous is not None and previous.holder:
                        self.taken_over = previous
                        why = (
                            "its heartbeat stopped" if previous.age_s >= previous.timeout_s else "the server restarted"
                        )
                        self.echo(f"took over the deployer lease from {previous} ({why})")
                    break
                holder = self._current(conn)
                if time.monotonic() >= deadline:
                    raise MigrationError(
                        f"another deployer holds the lease: {holder or 'taking it right now'}; "
                        "wait for it to finish or raise --lock-timeout"
                    )
                if holder is None:  # lost a race before anyone held it (Galera, first deploy): again
                    time.sleep(0.05)
                    continue
                if not told:
                    self.echo(f"waiting for the deployer lease held by {holder}")
                    told = True
                time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
        finally:
            conn.close()
        self._thread = threading.Thread(target=self._beat, name="travel-lease-heartbeat", daemon=True)
        self._thread.start()

    def _try_take(self, conn, cur) -> bool:
        """Free, expired, or held through this very server before it restarted: the holder's
        connections died with it, so it cannot run another statement (on Galera another node's
        holder is unaffected: the row names the node it holds through)."""
        try:
            cur.execute("INSERT IGNORE INTO schema_lease (lease_name) VALUES (%s)", (self.name,))
            conn.commit()
            cur.execute(
                "UPDATE schema_lease SET holder = CONCAT(CURRENT_USER(), ' pid ', %s), token = %s,"
                " server = CONCAT(@@hostname, ':', @@port), acquired_at = UTC_TIMESTAMP(6),"
                " heartbeat_at = UTC_TIMESTAMP(6), timeout_s = %s"
                " WHERE lease_name = %s AND (token IS NULL"
                " OR heartbeat_at < UTC_TIMESTAMP(6) - INTERVAL timeout_s SECOND"
                " OR (server = CONCAT(@@hostname, ':', @@port) AND heartbeat_at < UTC_TIMESTAMP(6) - INTERVAL %s SECOND))",
                (whoami(), self.token, self.timeout_s, self.name, _uptime(cur)),
            )
            taken = cur.rowcount == 1
            conn.commit()
            return taken
        except mysql.connector.Error as err:
            conn.rollback()
            if err.errno in LOST_RACE:
                return False
            raise

    def _current(self, conn) -> Holder | None:
        cur = conn.cursor()
        cur.execute(
            "SELECT holder, server, acquired_at,"
            " TIMESTAMPDIFF(MICROSECOND, heartbeat_at, UTC_TIMESTAMP(6)) / 1e6, timeout_s"
            " FROM schema_lease WHERE lease_name = %s",
            (self.name,),
        )
        row = cur.fetchone()
        conn.commit()
        if row is None or row[0] is None:
            return None
        return Holder(row[0], row[1], row[2], float(row[3]), int(row[4]))

    def _beat(self) -> None:
        interval = max(0.2, self.timeout_s / 6)
        conn = None
        while not self._stop.wait(interval):
            try:
                if conn is None:
                    conn = connect(self.url, autocommit=True)
                cur = conn.cursor()
                cur.execute(
                    "UPDATE schema_lease SET heartbeat_at = UTC_TIMESTAMP(6) WHERE lease_name = %s AND token = %s",
                    (self.name, self.token),
                )
                if cur.rowcount == 0:
                    self.lost.set()  # someone took over: this run must stop at the next statement
                    return
            except mysql.connector.Error:
                conn = None  # the next beat reconnects; the lease lapses only after timeout_s
        if conn is not None:
            conn.close()

    def check(self) -> None:
        if self.lost.is_set():
            raise MigrationError(
                "this deployer lost its lease (no heartbeat for longer than the lease timeout, and another "
                "deployer took over); stopped before the next statement"
            )

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        try:
            conn = connect(self.url, autocommit=True)
            conn.cursor().execute(
                "UPDATE schema_lease SET holder = NULL, token = NULL, heartbeat_at = NULL"
                " WHERE lease_name = %s AND token = %s",
                (self.name, self.token),
            )
            conn.close()
        except mysql.connector.Error:
            pass  # the lease lapses on its own after timeout_s


def holder(url: DatabaseUrl, name: str = "deploy") -> Holder | None:
    """The current holder, or None (also when no deployer has run yet)."""
    conn = connect(url)
    try:
        return Lease(url, name)._current(conn)
    except mysql.connector.Error as err:
        if err.errno == 1146:
            return None
        raise
    finally:
        conn.close()
