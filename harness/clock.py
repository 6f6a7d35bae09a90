"""The database's trusted clock: `utc_now()` and the `session_clock` setting (CONTRACT.md).

With `session_clock` = `server` (the default) procedures, triggers and events read the server's
own clock, which no session can move. Tests and the demo seed switch it to `session` so that
`SET timestamp` moves time; every place an operator looks (`/health`, `travel validate`,
`travel events status`) warns while it is on.
"""

from __future__ import annotations

import mysql.connector

SESSION_CLOCK_WARNING = (
    "session_clock is 'session': any caller can move the procedures' clock with SET timestamp "
    "(refunds, holds, departures). Fine for tests and demos; on a real server run "
    "UPDATE settings SET setting_value = 'server' WHERE setting_key = 'session_clock'"
)


def session_clock(conn) -> str | None:
    """The `session_clock` setting, or None where the settings table or row does not exist yet."""
    cur = conn.cursor()
    try:
        cur.execute("SELECT setting_value FROM settings WHERE setting_key = 'session_clock'")
        row = cur.fetchone()
    except mysql.connector.Error:
        return None
    finally:
        cur.close()
    return row[0] if row else None


def session_clock_warning(conn) -> str | None:
    """The warning to show while the clock follows the session, else None."""
    return SESSION_CLOCK_WARNING if session_clock(conn) == "session" else None


def use_session_clock(conn, on: bool = True) -> None:
    """Let `SET timestamp` move the procedures' clock (tests, demo seeding), or stop it."""
    cur = conn.cursor()
    cur.execute(
        "UPDATE settings SET setting_value = %s WHERE setting_key = 'session_clock'",
        ("session" if on else "server",),
    )
    cur.close()
    conn.commit()
