"""Assertions shared by the tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mysql.connector
import pytest

from harness.db import connect
from harness.errors import TravelError

# Ten rows (d = 0..9) for cross joins that make test rows in plain SQL, on any server.
DIGITS = (
    "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4"
    " UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"
)


def table_checksums(url) -> dict[str, Any]:
    """CHECKSUM TABLE of every base table: equal before and after means nothing changed."""
    conn = connect(url, autocommit=True)
    cur = conn.cursor()
    cur.execute(
        "SELECT TABLE_NAME FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"
    )
    tables = [row[0] for row in cur.fetchall()]
    sums = {}
    for table in tables:
        cur.execute(f"CHECKSUM TABLE `{table}`")
        sums[table] = cur.fetchone()[1]
    conn.close()
    return sums


def assert_fails_unchanged(url, errno: int, action: Callable[[], Any]) -> Exception:
    """`action` fails with errno `errno` (a driver error or the contract exception made from
    it) and leaves every table as it was."""
    before = table_checksums(url)
    with pytest.raises((mysql.connector.Error, TravelError)) as caught:
        action()
    assert caught.value.errno == errno, f"expected errno {errno}, got {caught.value.errno}: {caught.value}"
    assert table_checksums(url) == before, "a failed call changed data"
    return caught.value
