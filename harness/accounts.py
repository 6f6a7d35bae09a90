"""`travel accounts`: the database accounts of CONTRACT.md and exactly what each may do.

- travel_app (the API): EXECUTE on the customer procedures, and schema_status for its health
  check; no table, no other routine. The procedures run as their definer.
- travel_admin (carrier operations): EXECUTE on the administration procedures.
- travel_analyst: SELECT on every table and view except user_credentials (password hashes):
  no grant on that table at all, so no query, join or CHECKSUM TABLE can reach a hash.
- travel_migrator: everything on the database and on the drift check's scratch databases, the
  right to read routine bodies (so `travel validate` works as it), and PROCESS (to name the
  sessions a migration waits on).
Housekeeping (expire_reservations, purge_expired_reservations) runs from events as their
definer; no account may call it, nor the internal routines (raise_error, release_seats, ...).
"""

from __future__ import annotations

import re

from .db import is_mariadb
from .errors import TravelError

CUSTOMER_ROUTINES = (
    "register_user",
    "get_login",
    "record_login",
    "search_trips",
    "create_reservation",
    "pay_reservation",
    "purchase",
    "cancel_reservation",
    "get_reservation",
    "list_reservations",
    "schema_status",
)
ADMIN_ROUTINES = ("add_station", "add_carrier", "add_trip", "cancel_trip")
EXECUTE_GRANTS = {"travel_app": CUSTOMER_ROUTINES, "travel_admin": ADMIN_ROUTINES}
ACCOUNTS = ("travel_app", "travel_admin", "travel_analyst", "travel_migrator")
# Tables no analyst query may touch in any way.
SECRET_TABLES = frozenset({"user_credentials"})


def _identifier(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise TravelError(f"refusing unusual database name {name!r} in GRANT statements")
    return name


def create_accounts(conn, database: str, passwords: dict[str, str], host: str = "%") -> list[str]:
    """Create or update the accounts whose password is given; returns their names."""
    db = _identifier(database)
    cur = conn.cursor()
    done = []
    for account, password in passwords.items():
        if account not in ACCOUNTS:
            raise TravelError(f"unknown account {account!r}; expected one of {', '.join(ACCOUNTS)}")
        cur.execute("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", (account, host, password))
        cur.execute("ALTER USER %s@%s IDENTIFIED BY %s", (account, host, password))
        cur.execute("REVOKE ALL PRIVILEGES, GRANT OPTION FROM %s@%s", (account, host))
        for grant in grants(conn, account, db):
            cur.execute(f"GRANT {grant} TO %s@%s", (account, host))
        done.append(account)
    conn.commit()
    return done


def grants(conn, account: str, db: str) -> list[str]:
    """The GRANT clauses (privileges ON object) that make `account` able to do its job only."""
    if account in EXECUTE_GRANTS:
        return [f"EXECUTE ON PROCEDURE `{db}`.`{name}`" for name in EXECUTE_GRANTS[account]]
    if account == "travel_migrator":
        drift_pattern = db[:40].replace("_", "\\_") + "\\_drift\\_%"
        # Routine bodies: MariaDB shows them to readers of mysql.proc, MySQL 8 to SHOW_ROUTINE.
        bodies = "SELECT ON `mysql`.`proc`" if is_mariadb(conn) else "SHOW_ROUTINE ON *.*"
        # PROCESS: `migrate` names the sessions whose metadata locks its DDL waits on.
        return [f"ALL PRIVILEGES ON `{db}`.*", f"ALL PRIVILEGES ON `{drift_pattern}`.*", bodies, "PROCESS ON *.*"]
    return _analyst_grants(conn, db)


def _analyst_grants(conn, db: str) -> list[str]:
    cur = conn.cursor()
    cur.execute(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME",
        (db,),
    )
    tables = [name for (name,) in cur.fetchall() if name not in SECRET_TABLES]
    cur.close()
    return [f"SELECT ON `{db}`.`{table}`" for table in tables]
