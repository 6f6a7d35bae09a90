"""`travel seed`: reference data from seeds/ (idempotent upserts)."""

from __future__ import annotations

from pathlib import Path

from .db import cursor, drain
from .splitter import split


def run_sql_file(conn, path: Path) -> int:
    """Run every statement of a seed file in one transaction; returns the statement count."""
    statements = split(path.read_text(encoding="utf-8"))
    with cursor(conn) as cur:
        for statement in statements:
            cur.execute(statement.sql)
            drain(cur)
    conn.commit()
    return len(statements)


def seed_reference(conn, root: Path) -> dict[str, int]:
    """Load seeds/reference.sql; returns row counts of the reference tables afterwards."""
    run_sql_file(conn, root / "seeds" / "reference.sql")
    counts = {}
    with cursor(conn) as cur:
        for table in ("fare_classes", "refund_rules", "stations", "carriers"):
            cur.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
    conn.commit()
    return counts
