"""The schema's own rules, read from information_schema after every migration has run."""

from __future__ import annotations

import pytest

from harness.db import connect

DOMAIN_TABLES = {
    "users", "login_events", "stations", "carriers", "trips", "flights", "trains", "buses", "fare_classes",
    "trip_fares", "reservations", "reservation_segments", "passengers", "tickets", "payments", "refunds",
    "refund_rules", "settings", "reservation_status_history", "schema_history",
}  # fmt: skip


@pytest.fixture(scope="module")
def catalogue(migrated_url):
    conn = connect(migrated_url)
    cur = conn.cursor(dictionary=True)

    def query(sql):
        cur.execute(sql)
        return cur.fetchall()

    yield query
    conn.close()


def test_every_contract_table_exists(catalogue):
    tables = {r["TABLE_NAME"] for r in catalogue(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"
    )}  # fmt: skip
    assert tables >= DOMAIN_TABLES


def test_every_table_is_innodb_utf8mb4_with_a_comment_and_primary_key(catalogue):
    rows = catalogue(
        "SELECT t.TABLE_NAME, t.ENGINE, t.TABLE_COLLATION, t.TABLE_COMMENT,"
        " (SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS AS c WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA"
        "  AND c.TABLE_NAME = t.TABLE_NAME AND c.CONSTRAINT_TYPE = 'PRIMARY KEY') AS pks"
        " FROM information_schema.TABLES AS t WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'"
    )
    bad = [r for r in rows if (r["ENGINE"], r["TABLE_COLLATION"], r["pks"]) != ("InnoDB", "utf8mb4_unicode_520_ci", 1)
           or not r["TABLE_COMMENT"]]  # fmt: skip
    assert bad == []


def test_every_column_has_a_comment(catalogue):
    rows = catalogue(
        "SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME) AS col FROM information_schema.COLUMNS AS c"
        " WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_COMMENT = ''"
        " AND TABLE_NAME IN (SELECT TABLE_NAME FROM information_schema.TABLES"
        "  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE')"
    )
    assert rows == []


def test_every_table_has_created_at(catalogue):
    rows = catalogue(
        "SELECT t.TABLE_NAME FROM information_schema.TABLES AS t WHERE t.TABLE_SCHEMA = DATABASE()"
        " AND t.TABLE_TYPE = 'BASE TABLE' AND t.TABLE_NAME NOT IN ('schema_history', 'schema_history_statements')"
        " AND NOT EXISTS (SELECT 1 FROM information_schema.COLUMNS AS c WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA"
        "  AND c.TABLE_NAME = t.TABLE_NAME AND c.COLUMN_NAME = 'created_at')"
    )
    assert rows == []


def test_every_foreign_key_is_indexed(catalogue):
    fks = catalogue(
        "SELECT TABLE_NAME, CONSTRAINT_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) AS cols"
        " FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE()"
        " AND REFERENCED_TABLE_NAME IS NOT NULL GROUP BY TABLE_NAME, CONSTRAINT_NAME"
    )
    indexes = catalogue(
        "SELECT TABLE_NAME, INDEX_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols"
        " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME, INDEX_NAME"
    )
    assert len(fks) >= 15
    unindexed = [
        (fk["TABLE_NAME"], fk["CONSTRAINT_NAME"])
        for fk in fks
        if not any(
            ix["TABLE_NAME"] == fk["TABLE_NAME"] and (ix["cols"] + ",").startswith(fk["cols"] + ",") for ix in indexes
        )
    ]
    assert unindexed == []


def test_every_constraint_and_index_is_named_by_the_convention(catalogue):
    constraints = catalogue(
        "SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS"
        " WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_TYPE <> 'PRIMARY KEY'"
    )
    prefix = {"FOREIGN KEY": "fk", "UNIQUE": "uq", "CHECK": "ck"}
    misnamed = [
        (c["TABLE_NAME"], c["CONSTRAINT_NAME"])
        for c in constraints
        if not c["CONSTRAINT_NAME"].startswith(f"{prefix[c['CONSTRAINT_TYPE']]}_{c['TABLE_NAME']}_")
    ]
    indexes = catalogue(
        "SELECT DISTINCT TABLE_NAME, INDEX_NAME FROM information_schema.STATISTICS"
        " WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 1"
    )
    misnamed += [
        (i["TABLE_NAME"], i["INDEX_NAME"]) for i in indexes if not i["INDEX_NAME"].startswith(f"idx_{i['TABLE_NAME']}_")
    ]
    assert misnamed == []


def test_no_index_is_a_left_prefix_of_another(catalogue):
    """Such an index serves nothing the longer one does not, and costs every write (V0053)."""
    indexes = catalogue(
        "SELECT TABLE_NAME, INDEX_NAME, MAX(NON_UNIQUE) AS non_unique,"
        " GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols"
        " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME, INDEX_NAME"
    )
    redundant = [
        (short["TABLE_NAME"], short["INDEX_NAME"], long["INDEX_NAME"])
        for short in indexes
        for long in indexes
        if short["non_unique"] and short["TABLE_NAME"] == long["TABLE_NAME"]
        and short["INDEX_NAME"] != long["INDEX_NAME"] and (long["cols"] + ",").startswith(short["cols"] + ",")
    ]  # fmt: skip
    assert redundant == []


def test_no_index_on_a_virtual_column(catalogue):
    """Purging an entry of such an index computes the column, which a crashed Galera node's
    `--wsrep-recover` run cannot do: it hung, and the node never came back (V0052)."""
    indexed_virtual = catalogue(
        "SELECT s.TABLE_NAME, s.INDEX_NAME, s.COLUMN_NAME FROM information_schema.STATISTICS AS s"
        " INNER JOIN information_schema.COLUMNS AS c ON c.TABLE_SCHEMA = s.TABLE_SCHEMA"
        " AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME"
        " WHERE s.TABLE_SCHEMA = DATABASE() AND c.EXTRA LIKE '%VIRTUAL%'"
    )
    assert indexed_virtual == []


def test_query_paths_have_indexes(catalogue):
    rows = catalogue(
        "SELECT CONCAT(TABLE_NAME, ':', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)) AS ix"
        " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME, INDEX_NAME"
    )
    paths = {r["ix"] for r in rows}
    assert "trips:origin_station_id,destination_station_id,departs_at" in paths  # search
    assert "reservations:user_id,created_at" in paths  # a user's reservations
    assert "reservations:status,expires_at" in paths  # holds to expire


def test_reference_rows_from_the_migrations(catalogue):
    assert [r["fare_class"] for r in catalogue("SELECT fare_class FROM fare_classes ORDER BY fare_class_id")] == [
        "economy", "premium", "business", "first",
    ]  # fmt: skip
    rules = catalogue("SELECT mode, min_hours_before, refund_percent FROM refund_rules ORDER BY min_hours_before DESC")
    assert [(r["mode"], r["min_hours_before"], str(r["refund_percent"])) for r in rules] == [
        (None, 72, "100.00"), (None, 24, "50.00"), (None, 0, "0.00"),
    ]  # fmt: skip
    assert catalogue("SELECT setting_value FROM settings WHERE setting_key = 'hold_minutes'") == [
        {"setting_value": "15"}
    ]
