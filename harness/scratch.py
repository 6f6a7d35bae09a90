"""Scratch databases beside the live one, for validate, lint, baseline and revert checks.

Named `<database[:40]>_drift_<kind><host>_<pid>`: the `_drift_` part is what travel_migrator
may create and drop (harness/accounts.py); host and pid let the next run on this machine drop
the ones a killed run left behind (their events would otherwise run, and log, forever).
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from .db import COLLATION, DatabaseUrl, connect
from .server import _pid_alive

HOST_TAG = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:4]


def scratch_name(database: str, kind: str) -> str:
    return f"{database[:40]}_drift_{kind}{HOST_TAG}_{os.getpid()}"


def orphans(cur, database: str) -> list[str]:
    """Scratch databases of `database` made on this machine by a process that is gone (also the
    `<db>_drift_<pid>` names of older versions, whose host is unknown: pid gone here)."""
    prefix = re.escape(database[:40])
    current = re.compile(rf"^{prefix}_drift_[a-z]([0-9a-f]{{4}})_(\d+)$")
    legacy = re.compile(rf"^{prefix}_drift_(\d+)$")
    cur.execute(
        "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE %s",
        (database[:40].replace("_", "\\_") + "\\_drift\\_%",),
    )
    found = []
    for (name,) in cur.fetchall():
        mine = current.match(name)
        old = legacy.match(name)
        pid = int(mine.group(2)) if mine and mine.group(1) == HOST_TAG else int(old.group(1)) if old else 0
        if pid and not _pid_alive(pid):
            found.append(name)
    return found


def reap(url: DatabaseUrl) -> list[str]:
    conn = connect(url, database=False, autocommit=True)
    try:
        cur = conn.cursor()
        names = orphans(cur, url.database)
        for name in names:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        return names
    finally:
        conn.close()


@contextmanager
def scratch_database(url: DatabaseUrl, kind: str) -> Iterator[DatabaseUrl]:
    """A new empty database on the same server, dropped afterwards (and by the next run, if
    this process is killed first)."""
    reap(url)
    name = scratch_name(url.database, kind)
    conn = connect(url, database=False, autocommit=True)
    try:
        cur = conn.cursor()
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE {COLLATION}")
        try:
            yield url.with_database(name)
        finally:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        conn.close()


# Events built in a scratch database must not run there: a scratch copy of V0008 has its
# events before their procedures (an ERROR in the server log every minute), and a scratch left
# by a killed run would keep running them. They are created DISABLED; `intended_status`
# remembers what the file asked for, so comparisons still see it.
_EVENT_HEAD = re.compile(r"^(\s*(?:CREATE|ALTER)\s+(?:DEFINER\s*=\s*\S+\s+)?EVENT\b)(.*?)(\bDO\b)", re.I | re.S)


def disabled_event(sql: str) -> tuple[str, str | None, str | None]:
    """(statement with the event disabled, event name, status the file asked for); name and
    status are None for any other statement, or an ALTER EVENT that does not set a status."""
    m = _EVENT_HEAD.match(sql)
    if not m:
        return sql, None, None
    head = m.group(2)
    name = re.match(r"\s*(?:IF\s+NOT\s+EXISTS\s+)?`?(\w+)`?", head, re.I).group(1)
    status = re.search(r"\b(DISABLE\s+ON\s+SLAVE|DISABLE|ENABLE)\b", head, re.I)
    creating = m.group(1).strip().upper().startswith("CREATE")
    if status:
        wanted = "DISABLED" if status.group(1).upper().startswith("DISABLE") else "ENABLED"
        head = head[: status.start()] + "DISABLE" + head[status.end() :]
    elif creating:
        wanted = "ENABLED"
        comment = re.search(r"\bCOMMENT\b", head, re.I)
        cut = comment.start() if comment else len(head)
        head = head[:cut] + " DISABLE " + head[cut:]
    else:
        return sql, None, None
    return m.group(1) + head + m.group(3) + sql[m.end() :], name, wanted
