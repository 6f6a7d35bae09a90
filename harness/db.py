"""Connections: URL parsing, session settings, and retries of deadlocks, lock wait timeouts and
Galera certification failures."""

from __future__ import annotations

import logging
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import mysql.connector

from .errors import RETRYABLE_ERRNOS, translate

# Retries taken by with_retry since the process started, by errno (benchmarks report them).
RETRIES: Counter[int] = Counter()
log = logging.getLogger("travel.db")

CHARSET = "utf8mb4"
COLLATION = "utf8mb4_unicode_520_ci"
T = TypeVar("T")


@dataclass(frozen=True)
class DatabaseUrl:
    """The parts of `mysql://user:password@host:port/database[?unix_socket=PATH][&wsrep_sync_wait=N]`.

    `wsrep_sync_wait` (Galera) makes every session of the URL wait, before a read, until its node
    has applied what the cluster committed before it: a read then sees a write made through
    another node (read-your-writes). `travel cluster` prints its node URLs with it set to 1."""

    host: str = "127.0.0.1"
    port: int = 3306
    user: str = "root"
    password: str = ""
    database: str = ""
    unix_socket: str | None = None
    sync_wait: int | None = None

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        parts = urlsplit(url)
        if parts.scheme not in ("mysql", "mariadb"):
            raise ValueError(
                f"unsupported database URL scheme {parts.scheme!r} in {url!r}; "
                "use mysql://user:password@host:port/database"
            )
        query = parse_qs(parts.query)
        socket = query.get("unix_socket", [None])[0]
        sync_wait = query.get("wsrep_sync_wait", [None])[0]
        if sync_wait is not None and not (sync_wait.isdigit() and 0 <= int(sync_wait) <= 15):
            raise ValueError(f"wsrep_sync_wait={sync_wait!r} in {url!r}: use 0-15 (1 = reads wait)")
        if parts.port == 0:  # would silently mean 3306 to the driver: another server than meant
            raise ValueError("port 0 in the database URL: give the server's port (1-65535), or none for 3306")
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=parts.path.lstrip("/"),
            unix_socket=socket,
            sync_wait=int(sync_wait) if sync_wait is not None else None,
        )

    def with_database(self, database: str) -> DatabaseUrl:
        return replace(self, database=database)

    def __str__(self) -> str:
        """The URL with the password masked, fit for messages and logs."""
        secret = ":***" if self.password else ""
        return f"mysql://{self.user}{secret}@{self.host}:{self.port}/{self.database}{self._query()}"

    def unmasked(self) -> str:
        secret = f":{self.password}" if self.password else ""
        return f"mysql://{self.user}{secret}@{self.host}:{self.port}/{self.database}{self._query()}"

    def _query(self) -> str:
        options = {"unix_socket": self.unix_socket, "wsrep_sync_wait": self.sync_wait}
        given = {key: value for key, value in options.items() if value is not None}
        return f"?{urlencode(given)}" if given else ""


def connect(url: DatabaseUrl, *, database: bool = True, autocommit: bool = False, **extra: Any):
    """Open a connection with the project's charset and collation."""
    args: dict[str, Any] = {
        "user": url.user,
        "password": url.password,
        "charset": CHARSET,
        "collation": COLLATION,
        "autocommit": autocommit,
        "use_pure": True,
        **extra,
    }
    if url.unix_socket:
        args["unix_socket"] = url.unix_socket
    else:
        args["host"], args["port"] = url.host, url.port
    if database and url.database:
        args["database"] = url.database
    if url.sync_wait is not None and "init_command" not in args:
        args["init_command"] = f"SET SESSION wsrep_sync_wait = {int(url.sync_wait)}"
    return mysql.connector.connect(**args)


def on_cluster(conn) -> bool:
    """True when the connection's server is a Galera node (wsrep on, provider loaded). One
    status read; MySQL and a MariaDB without Galera answer no rows or 0."""
    cur = conn.cursor()
    try:
        cur.execute("SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'")
        row = cur.fetchone()
    finally:
        cur.close()
    return bool(row) and int(row[1] or 0) > 0


def read_your_writes(url: DatabaseUrl) -> DatabaseUrl:
    """`url` with `wsrep_sync_wait = 1` when it points at a Galera node and does not say
    otherwise: reads on it then see what any node committed before them (a reservation made
    through node 1 is found on node 2 at once). Unchanged for one server, or if unreachable."""
    if url.sync_wait is not None:
        return url
    try:
        conn = connect(url, database=False, autocommit=True, connection_timeout=5)
    except mysql.connector.Error:
        return url
    try:
        return replace(url, sync_wait=1) if on_cluster(conn) else url
    except mysql.connector.Error:
        return url
    finally:
        conn.close()


def is_mariadb(conn) -> bool:
    cur = conn.cursor()
    cur.execute("SELECT VERSION()")
    (version,) = cur.fetchone()
    cur.close()
    return "mariadb" in str(version).lower()


@contextmanager
def cursor(conn, dictionary: bool = False) -> Iterator[Any]:
    cur = conn.cursor(dictionary=dictionary)
    try:
        yield cur
    finally:
        cur.close()


def drain(cur) -> None:
    """Consume every result set a statement produced, so the connection is free again."""
    while True:
        if cur.with_rows:
            cur.fetchall()
        if not cur.nextset():
            break


# How long a call may keep retrying, in seconds, unless the caller says otherwise. Time, not a
# count: on one hot row across three Galera nodes five quick attempts were too few (a node lost
# them all), while on one server a retry nearly always succeeds at once.
RETRY_BUDGET = float(os.environ.get("TRAVEL_RETRY_BUDGET", "20"))
RETRY_BASE_DELAY = 0.005  # first backoff ceiling, seconds; doubles every attempt...
RETRY_MAX_DELAY = 0.5  # ...up to this cap, so a starved session keeps trying often enough


# A Galera node that brute-force aborts a transaction while a stored function opens a table
# has been seen to report 1146 (no such table) instead of 1213: 1 call in 120 of
# tests/cluster/test_races.py, inside utc_now()'s read of `settings`. Retried only on a cluster;
# on one server 1146 means a table really is missing.
GALERA_ABORT_ERRNOS = frozenset({1146})


def retryable(err: mysql.connector.Error, cluster: bool = False) -> bool:
    """Deadlock (1213, also how Galera reports a certification failure or a brute-force abort)
    and lock wait timeout (1205): the whole transaction was rolled back and may simply run again."""
    return err.errno in RETRYABLE_ERRNOS or (cluster and err.errno in GALERA_ABORT_ERRNOS)


def connection_on_cluster(conn) -> bool:
    """on_cluster, asked once per connection (the answer is kept on the connection object)."""
    known = getattr(conn, "_travel_on_cluster", None)
    if known is None:
        known = on_cluster(conn)
        conn._travel_on_cluster = known
    return known


def backoff(attempt: int, base: float = RETRY_BASE_DELAY, cap: float = RETRY_MAX_DELAY) -> float:
    """Capped exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempt)].
    The jitter spreads sessions that collided so they do not collide again in lockstep; the cap
    keeps a session that lost many rounds from sleeping itself out of the race."""
    return random.uniform(0, min(cap, base * 2**attempt))


def with_retry(
    work: Callable[[], T],
    *,
    budget: float | None = None,
    base_delay: float = RETRY_BASE_DELAY,
    max_delay: float = RETRY_MAX_DELAY,
    attempts: int | None = None,
    on_retry: Callable[[int, Exception], None] | None = None,
    cluster: bool = False,
) -> T:
    """Run `work` (one whole transaction), retrying deadlocks, lock wait timeouts and Galera
    certification failures until it succeeds or `budget` seconds (default RETRY_BUDGET) are
    spent; `attempts` optionally caps the count as well. `cluster` (the work runs on a Galera
    node) also retries the errors GALERA_ABORT_ERRNOS names.

    Business errors and every other failure pass through at once, translated to the contract's
    exception types. Every retry is counted in RETRIES (by errno) and logged (logger
    `travel.db`, level INFO); the last failure reaches the caller when the budget runs out.
    """
    deadline = time.monotonic() + (RETRY_BUDGET if budget is None else budget)
    attempt = 0
    while True:
        attempt += 1
        try:
            return work()
        except mysql.connector.Error as err:
            delay = backoff(attempt, base_delay, max_delay)
            out_of_budget = time.monotonic() + delay > deadline or (attempts is not None and attempt >= attempts)
            if not retryable(err, cluster) or out_of_budget:
                raise translate(err) from err
            RETRIES[err.errno] += 1
            log.info("retry %d after error %s (%s); backing off %.3fs", attempt, err.errno, err.msg, delay)
            if on_retry:
                on_retry(attempt, err)
            time.sleep(delay)
