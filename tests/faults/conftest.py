"""A private, throwaway, durable server for the fault tests: they kill it with SIGKILL.

Not the session's shared server (that one runs with `fast=True`, which trades durability for
speed): this one flushes the redo log at every commit, as production does, so "acknowledged"
means on disk. Small buffer pool: the data is tiny and several servers may run at once.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from harness import accounts
from harness import procedures as sp
from harness.db import DatabaseUrl, connect
from harness.migrate import Migrator
from harness.project import Project
from harness.seed import seed_reference
from harness.server import LocalServer, throwaway_server

from ..procedures.conftest import REPO_ROOT

DATABASE = "travel"
DEPARTS = dt.datetime(2031, 9, 1, 9, 0)
PRICE = "100.00"


@dataclass
class FaultServer:
    """The server under test and the accounts the product uses on it."""

    server: LocalServer
    app_password: str
    kills: int = 0
    app_url: DatabaseUrl | None = None  # published after each (re)start, for client threads

    def __post_init__(self):
        self.app_url = self._app_url()

    def root_url(self) -> DatabaseUrl:
        return self.server.url(DATABASE)

    def _app_url(self) -> DatabaseUrl:
        root = self.root_url()
        return DatabaseUrl(host=root.host, port=root.port, user="travel_app", password=self.app_password,
                           database=DATABASE)  # fmt: skip

    def kill(self) -> None:
        """SIGKILL, as a power cut or the OOM killer would: no shutdown, no flush."""
        os.kill(self.server.state().pid, signal.SIGKILL)
        self.kills += 1

    def restart(self) -> float:
        """Start again on the same data directory (crash recovery); returns the seconds it took."""
        started = time.monotonic()
        self.server.start(database=DATABASE)
        self.app_url = self._app_url()
        return time.monotonic() - started


@pytest.fixture(scope="package")
def fault_server() -> Iterator[FaultServer]:
    server = throwaway_server("travel-fault-server-", fast=False, event_scheduler=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRAVEL_SERVER_BUFFER_POOL", "128M")
        # The server's temporary files (and mariadb-install-db's) in its own directory: something
        # on a shared machine removes files from /tmp under running servers.
        (server.base / "tmp").mkdir()
        patch.setenv("TMPDIR", str(server.base / "tmp"))
        server.start(database=DATABASE)
        try:
            url = server.url(DATABASE)
            Migrator(url, Project(REPO_ROOT), echo=lambda _: None).migrate()
            password = secrets.token_urlsafe(12)
            conn = connect(url)
            seed_reference(conn, REPO_ROOT)
            accounts.create_accounts(conn, DATABASE, {"travel_app": password})
            conn.close()
            yield FaultServer(server, password)
        finally:
            if server.state():
                server.stop()
            shutil.rmtree(server.base, ignore_errors=True)


def add_trip(conn, number: str, capacity: int) -> int:
    fare = {"fare_class": "economy", "capacity": capacity, "price": PRICE, "currency": "EUR"}
    return sp.add_trip(conn, "LH", number, "FRA", "CDG", DEPARTS, DEPARTS + dt.timedelta(hours=2), [fare])


def add_user(conn, name: str) -> int:
    email = f"{name.lower().replace(' ', '.')}-{secrets.token_hex(3)}@example.com"
    return sp.register_user(conn, email, "argon2-hash", name)


def rows(conn, sql: str, *args) -> list[tuple]:
    cur = conn.cursor()
    cur.execute(sql, args)
    found = cur.fetchall()
    cur.close()
    conn.commit()
    return found
