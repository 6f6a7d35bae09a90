"""`travel accounts`: the three database accounts and what each may do.

- travel_app: EXECUTE on the database's routines only; it cannot read or write any table
  directly (the procedures run as their definer).
- travel_analyst: SELECT on every table and view, except users.password_hash.
- travel_migrator: everything on the database, and on the scratch databases of the drift check.
"""

from __future__ import annotations

import re

from .errors import TravelError

ACCOUNTS = ("travel_app", "travel_analyst", "travel_migrator")
SECRET_COLUMNS = {"users": {"password_hash"}}


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
        for grant in _grants(cur, account, db):
            cur.execute(f"GRANT {grant} TO %s@%s", (account, host))
        done.append(account)
    conn.commit()
    return done


def _grants(cur, account: str, db: str) -> list[str]:
    if account == "travel_app":
        return [f"EXECUTE ON `{db}`.*"]
    if account == "travel_migrator":
        drift_pattern = db[:40].replace("_", "\\_") + "\\_drift\\_%"
        return [f"ALL PRIVILEGES ON `{db}`.*", f"ALL PRIVILEGES ON `{drift_pattern}`.*"]
    return _analyst_grants(cur, db)


def _analyst_grants(cur, db: str) -> list[str]:
    cur.execute(
        "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s"
        " ORDER BY TABLE_NAME, ORDINAL_POSITION",
        (db,),
    )
    columns: dict[str, list[str]] = {}
    for table, column in cur.fetchall():
        columns.setdefault(table, []).append(column)
    grants = []
    for table, names in columns.items():
        hidden = SECRET_COLUMNS.get(table, set())
        if hidden:
            visible = ", ".join(f"`{c}`" for c in names if c not in hidden)
            grants.append(f"SELECT ({visible}) ON `{db}`.`{table}`")
        else:
            grants.append(f"SELECT ON `{db}`.`{table}`")
    return grants
