"""Who holds the lock a migration statement waits for, named for the operator."""

from __future__ import annotations

import mysql.connector

from . import ddl


def lock_blockers(conn, target: ddl.Target | None, waited: float = 0) -> str:
    """Who holds the locks a statement waited for: the metadata-lock table where the server has
    one (MariaDB's METADATA_LOCK_INFO plugin, MySQL's performance_schema), else every other
    session whose transaction is older than the wait (an idle one holds its metadata locks until
    it ends; younger ones are the bookings queued behind the statement, not the cause)."""
    cur = conn.cursor()
    sessions: list[int] = []
    table = target.table or target.name if target else None
    for query in (
        "SELECT THREAD_ID FROM information_schema.METADATA_LOCK_INFO"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s AND THREAD_ID <> CONNECTION_ID()",
        "SELECT t.PROCESSLIST_ID FROM performance_schema.metadata_locks AS m"
        " JOIN performance_schema.threads AS t ON t.THREAD_ID = m.OWNER_THREAD_ID"
        " WHERE m.OBJECT_SCHEMA = DATABASE() AND m.OBJECT_NAME = %s AND m.LOCK_STATUS = 'GRANTED'"
        " AND t.PROCESSLIST_ID <> CONNECTION_ID()",
    ):
        try:
            cur.execute(query, (table,))
            sessions = [row[0] for row in cur.fetchall()]
            if sessions:
                break
        except mysql.connector.Error:
            continue
    try:
        where = (
            f"p.ID IN ({', '.join(str(int(s)) for s in sessions)})"
            if sessions
            else f"t.trx_started <= NOW() - INTERVAL {int(waited)} SECOND"
        )
        cur.execute(
            "SELECT p.ID, p.USER, p.HOST, p.COMMAND, TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), LEFT(p.INFO, 60)"
            " FROM information_schema.PROCESSLIST AS p"
            " LEFT JOIN information_schema.INNODB_TRX AS t ON t.trx_mysql_thread_id = p.ID"
            f" WHERE p.ID <> CONNECTION_ID() AND {where} ORDER BY t.trx_started LIMIT 5"
        )
        found = cur.fetchall()
    except mysql.connector.Error as err:
        return f"(cannot read the process list: {err.msg}; grant PROCESS to see who)"
    finally:
        conn.commit()
    if not found:
        return "no session visible to this account (grant PROCESS to see other accounts' sessions)"
    return "; ".join(
        f"connection {cid} ({user}@{host}, {command.lower()}"
        + (f", in a transaction for {age}s" if age is not None else "")
        + (f", running: {' '.join(str(info).split())}" if info else "")
        + f"; KILL {cid} ends it)"
        for cid, user, host, command, age, info in found
    )
