"""The migration engine against a real server: apply, re-run, target, dry run, resume, repair,
validate (checksums, missing files, drift) and the deployer lock."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from harness.db import connect
from harness.drift import validate
from harness.errors import MigrationError
from harness.migrate import Migrator
from harness.project import Project

V1 = "CREATE TABLE a (a_id INT PRIMARY KEY) ENGINE = InnoDB;\nINSERT INTO a VALUES (1);\n"
V2 = "CREATE TABLE b (b_id INT PRIMARY KEY) ENGINE = InnoDB;\n"
V3 = "CREATE TABLE c (c_id INT PRIMARY KEY) ENGINE = InnoDB;\n"
PROC = "DROP PROCEDURE IF EXISTS count_a;\nDELIMITER $$\nCREATE PROCEDURE count_a() SQL SECURITY INVOKER\nBEGIN\n  SELECT COUNT(*) FROM a;\nEND$$\nDELIMITER ;\n"
VIEW_BASE = "CREATE OR REPLACE VIEW a_ids AS SELECT a_id FROM a;\n"
VIEW_ON_VIEW = "-- requires: a_ids\nCREATE OR REPLACE VIEW a_ids_doubled AS SELECT a_id * 2 AS doubled FROM a_ids;\n"


def write_project(root: Path, files: dict[str, str]) -> Project:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for folder in ("schema", "procedures", "views"):
        (root / folder).mkdir(exist_ok=True)
    return Project(root)


def rows(url, sql, args=()):
    conn = connect(url)
    cur = conn.cursor()
    cur.execute(sql, args)
    result = cur.fetchall()
    conn.close()
    return result


def states(migrator: Migrator) -> dict[str, str]:
    return {row.script: row.state for row in migrator.info()}


@pytest.fixture
def project(tmp_path):
    return write_project(
        tmp_path,
        {
            "schema/V0001__create_a.sql": V1,
            "schema/V0002__create_b.sql": V2,
            "schema/V0003__create_c.sql": V3,
            "procedures/count_a.sql": PROC,
            "views/a_ids_doubled.sql": VIEW_ON_VIEW,
            "views/a_ids.sql": VIEW_BASE,
        },
    )


@pytest.fixture
def migrator(empty_database, project):
    return Migrator(empty_database, project, echo=lambda _: None)


def test_applies_everything_then_rerun_is_a_no_op(migrator, empty_database):
    assert migrator.migrate() == 6
    assert set(states(migrator).values()) == {"applied"}
    # the view on a view came after its dependency, although it sorts first by name
    scripts = [r[0] for r in rows(empty_database, "SELECT script FROM schema_history ORDER BY installed_rank")]
    assert scripts.index("views/a_ids.sql") < scripts.index("views/a_ids_doubled.sql")
    assert migrator.migrate() == 0
    assert rows(empty_database, "SELECT COUNT(*) FROM schema_history") == [(6,)]
    assert rows(empty_database, "SELECT doubled FROM a_ids_doubled") == [(2,)]


def test_history_records_the_contract_columns(migrator, empty_database):
    migrator.migrate()
    (row,) = rows(
        empty_database,
        "SELECT installed_rank, version, description, type, script, LENGTH(checksum), installed_by,"
        " installed_on IS NOT NULL, execution_ms >= 0, success FROM schema_history WHERE version = '0001'",
    )
    assert row[1:6] == ("0001", "create a", "SQL", "schema/V0001__create_a.sql", 64)
    assert row[6].startswith("root@") and row[7:] == (1, 1, 1)


def test_target_stops_at_the_version_and_skips_repeatables(migrator):
    assert migrator.migrate(target="0002") == 2
    assert states(migrator) == {
        "schema/V0001__create_a.sql": "applied",
        "schema/V0002__create_b.sql": "applied",
        "schema/V0003__create_c.sql": "pending",
        "procedures/count_a.sql": "pending",
        "views/a_ids.sql": "pending",
        "views/a_ids_doubled.sql": "pending",
    }
    with pytest.raises(MigrationError, match="no schema/V0009"):
        migrator.migrate(target="0009")


def test_dry_run_prints_the_sql_and_changes_nothing(migrator, empty_database):
    printed: list[str] = []
    migrator.echo = printed.append
    assert migrator.migrate(dry_run=True) == 6
    text = "\n".join(printed)
    assert "CREATE TABLE a (a_id INT PRIMARY KEY) ENGINE = InnoDB$$" in text
    assert "CREATE PROCEDURE count_a() SQL SECURITY INVOKER" in text
    assert "SET SESSION time_zone = '+00:00';" in text
    assert rows(empty_database, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()") == [
        (0,)
    ]


def test_failed_migration_resumes_after_the_fix(empty_database, tmp_path):
    broken = (
        "CREATE TABLE x (x_id INT PRIMARY KEY);\nCREATE TABLE y (y_id INT PRIMARY KEY);\nINSERT INTO nope VALUES (1);\n"
    )
    project = write_project(tmp_path, {"schema/V0001__xy.sql": broken})
    migrator = Migrator(empty_database, project, echo=lambda _: None)
    with pytest.raises(MigrationError, match=r"(?s)statement 3 \(line 3\) failed.*resumes at this statement"):
        migrator.migrate()
    (info,) = migrator.info()
    assert (info.state, info.statements) == ("failed", "2/3")
    # the fix: statements 1-2 unchanged (re-running them would fail: the tables exist)
    fixed = broken.replace("INSERT INTO nope", "INSERT INTO x")
    (tmp_path / "schema/V0001__xy.sql").write_text(fixed)
    assert migrator.migrate() == 1
    (info,) = migrator.info()
    assert (info.state, info.statements) == ("applied", "3/3")
    assert rows(empty_database, "SELECT x_id FROM x") == [(1,)]
    assert rows(empty_database, "SELECT statement_no FROM schema_history_statements ORDER BY 1") == [(1,), (2,), (3,)]
    assert validate(migrator).ok


def test_changed_applied_statement_refuses_until_repair(empty_database, tmp_path):
    broken = "CREATE TABLE x (x_id INT PRIMARY KEY);\nINSERT INTO nope VALUES (1);\n"
    project = write_project(tmp_path, {"schema/V0001__x.sql": broken})
    migrator = Migrator(empty_database, project, echo=lambda _: None)
    with pytest.raises(MigrationError):
        migrator.migrate()
    changed = "CREATE TABLE x (x_id BIGINT PRIMARY KEY);\nINSERT INTO x VALUES (1);\n"
    (tmp_path / "schema/V0001__x.sql").write_text(changed)
    with pytest.raises(MigrationError, match=r"statement 1 was applied in a failed run.*travel repair"):
        migrator.migrate()
    problems = validate(migrator).problems
    assert any(p.startswith("failed: schema/V0001__x.sql") for p in problems)
    # the DBA undoes the partial work by hand, then repairs: the file runs from the top
    conn = connect(empty_database, autocommit=True)
    conn.cursor().execute("DROP TABLE x")
    conn.close()
    assert migrator.repair() == [
        "schema/V0001__x.sql: failed run forgotten (1 of 2 statements had been applied); "
        "the next migrate runs it from the start"
    ]
    assert migrator.migrate() == 1
    assert rows(
        empty_database,
        "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'x'",
    ) == [("bigint",)]
    assert validate(migrator).ok


def test_validate_catches_changed_and_missing_files(migrator, project):
    migrator.migrate()
    assert validate(migrator).ok
    v2 = project.root / "schema/V0002__create_b.sql"
    v2.write_text(V2.replace("b_id", "bb_id"))
    (project.root / "schema/V0003__create_c.sql").unlink()
    result = validate(migrator, check_drift=False)
    assert result.problems == [
        "changed: schema/V0002__create_b.sql differs from the version applied (checksum); if only comments"
        " changed, `travel repair` accepts it",
        "missing: schema/V0003__create_c.sql was applied but the file is gone",
    ]
    with pytest.raises(MigrationError, match="immutable"):
        migrator.migrate()


def test_whitespace_and_crlf_do_not_change_a_checksum(migrator, project):
    migrator.migrate()
    v1 = project.root / "schema/V0001__create_a.sql"
    v1.write_bytes(V1.replace("\n", "   \r\n").encode() + b"\r\n\r\n")
    assert validate(migrator, check_drift=False).ok


def test_changed_repeatable_is_reapplied(migrator, project, empty_database):
    migrator.migrate()
    (project.root / "procedures/count_a.sql").write_text(PROC.replace("COUNT(*)", "COUNT(*) + 100"))
    assert validate(migrator, check_drift=False).problems == [
        "changed: procedures/count_a.sql was edited since it was applied; run `travel migrate`"
    ]
    assert migrator.migrate() == 1
    conn = connect(empty_database)
    cur = conn.cursor()
    cur.execute("CALL count_a()")
    assert cur.fetchall() == [(101,)]
    conn.close()
    assert validate(migrator).ok


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            "ALTER TABLE b ADD COLUMN note VARCHAR(10)",
            "drift: column b.note exists in the live schema but in no migration",
        ),
        ("ALTER TABLE a MODIFY a_id BIGINT", "drift: column a.a_id differs"),
        (
            "CREATE INDEX idx_extra ON b (b_id)",
            "drift: index b.idx_extra exists in the live schema but in no migration",
        ),
        ("DROP PROCEDURE count_a", "drift: routine PROCEDURE count_a is missing from the live schema"),
        ("CREATE OR REPLACE VIEW a_ids AS SELECT a_id FROM a WHERE a_id > 0", "drift: view a_ids differs"),
    ],
)
def test_drift_after_a_manual_change_is_caught(migrator, empty_database, change, expected):
    migrator.migrate()
    conn = connect(empty_database, autocommit=True)
    conn.cursor().execute(change)
    conn.close()
    result = validate(migrator)
    assert not result.ok
    assert any(p.startswith(expected) for p in result.problems), result.problems
    # the scratch database is gone
    assert rows(
        empty_database,
        "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE %s",
        (f"{empty_database.database[:40]}_drift_%",),
    ) == [(0,)]


def test_second_deployer_waits_then_fails_naming_the_holder(migrator, empty_database):
    holding = threading.Event()
    release = threading.Event()

    def hold():
        with migrator.lock(timeout=5):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(10)
        second = Migrator(empty_database, migrator.project, echo=lambda _: None)
        with pytest.raises(
            MigrationError, match=r"holds the lease: root@\S+ pid [^ ]+ on \S+ since 20\d\d-.*last heartbeat"
        ):
            second.migrate(lock_timeout=1)
    finally:
        release.set()
        thread.join()
    assert migrator.migrate(lock_timeout=1) == 6


def test_two_concurrent_migrate_processes(empty_database, tmp_path):
    """Two real `travel migrate` processes: one applies (slowly), the other waits for the lock
    and then finds nothing to do; with no patience, a third fails naming the holder."""
    slow = "CREATE TABLE s (s_id INT PRIMARY KEY);\nDO SLEEP(2);\n"
    write_project(tmp_path, {"schema/V0001__slow.sql": slow})
    env = {**os.environ, "TRAVEL_DATABASE_URL": empty_database.unmasked(), "TRAVEL_PROJECT_DIR": str(tmp_path)}

    def travel(*args):
        return subprocess.Popen(
            [sys.executable, "-m", "harness", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    first = travel("migrate")
    conn = connect(empty_database, autocommit=True)
    cur = conn.cursor()
    for _ in range(100):  # until the first holds the lease
        cur.execute(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_lease'"
        )
        if cur.fetchone()[0]:
            cur.execute("SELECT token IS NOT NULL FROM schema_lease")
            if (cur.fetchone() or [0])[0]:
                break
        threading.Event().wait(0.05)
    conn.close()
    patient = travel("migrate", "--lock-timeout", "30")
    impatient = travel("migrate", "--lock-timeout", "0")
    outputs = {
        name: (p.wait(60), *p.communicate())
        for name, p in (("first", first), ("patient", patient), ("impatient", impatient))
    }
    assert outputs["first"][0] == 0, outputs["first"]
    assert "applied 1 migration" in outputs["first"][2]
    assert outputs["patient"][0] == 0, outputs["patient"]
    assert "up to date" in outputs["patient"][2]
    assert outputs["impatient"][0] == 1
    assert "another deployer holds the lease" in outputs["impatient"][2]
    assert rows(empty_database, "SELECT COUNT(*) FROM schema_history") == [(1,)]


def test_a_database_in_another_collation_is_refused_before_anything_runs(server_url, project):
    url = server_url.with_database("t_other_collation")
    admin = connect(server_url, database=False, autocommit=True)
    admin.cursor().execute(f"DROP DATABASE IF EXISTS `{url.database}`")
    admin.cursor().execute(f"CREATE DATABASE `{url.database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        with pytest.raises(MigrationError, match="ALTER DATABASE `t_other_collation` CHARACTER SET utf8mb4"):
            Migrator(url, project, echo=lambda _: None).migrate()
        tables = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s"
        assert rows(url, tables, (url.database,)) == [(0,)]
    finally:
        admin.cursor().execute(f"DROP DATABASE `{url.database}`")
        admin.close()
