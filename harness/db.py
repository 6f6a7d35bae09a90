"""Connections: URL parsing, session settings, and retries of deadlocks and lock wait timeouts."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import mysql.connector

from .errors import RETRYABLE_ERRNOS, translate

# Retries taken by with_retry since the process started, by errno (benchmarks report them).
RETRIES: Counter[int] = Counter()

CHARSET = "utf8mb4"
COLLATION = "utf8mb4_unicode_520_ci"
T = TypeVar("T")


@dataclass(frozen=True)
class DatabaseUrl:
    """The parts of `mysql://user:password@host:port/database[?unix_socket=PATH]`."""

    host: str = "127.0.0.1"
    port: int = 3306
    user: str = "root"
    password: str = ""
    database: str = ""
    unix_socket: str | None = None

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        parts = urlsplit(url)
        if parts.scheme not in ("mysql", "mariadb"):
            raise ValueError(
                f"unsupported database URL scheme {parts.scheme!r} in {url!r}; "
                "use mysql://user:password@host:port/database"
            )
        socket = parse_qs(parts.query).get("unix_socket", [None])[0]
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=parts.path.lstrip("/"),
            unix_socket=socket,
        )

    def with_database(self, database: str) -> DatabaseUrl:
        return replace(self, database=database)

    def __str__(self) -> str:
        """The URL with the password masked, fit for messages and logs."""
        secret = ":***" if self.password else ""
        return f"mysql://{self.user}{secret}@{self.host}:{self.port}/{self.database}"

    def unmasked(self) -> str:
        secret = f":{self.password}" if self.password else ""
        return f"mysql://{self.user}{secret}@{self.host}:{self.port}/{self.database}"


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
    return mysql.connector.connect(**args)


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


def with_retry(
    work: Callable[[], T],
    *,
    attempts: int = 5,
    base_delay: float = 0.01,
    on_retry: Callable[[int, Exception], None] | None = None,
) -> T:
    """Run `work` (one whole transaction), retrying deadlocks and lock wait timeouts.

    Business errors and every other failure pass through at once, translated to the
    contract's exception types. The delay doubles each attempt, with full jitter so that
    colliding sessions do not collide again in lockstep.
    """
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except mysql.connector.Error as err:
            if err.errno not in RETRYABLE_ERRNOS or attempt == attempts:
                raise translate(err) from err
            RETRIES[err.errno] += 1
            if on_retry:
                on_retry(attempt, err)
            time.sleep(random.uniform(0, base_delay * 2**attempt))
    raise AssertionError("unreachable")
