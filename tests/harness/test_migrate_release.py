"""Issue 13's problems as tests: validate with pending/failed files (1), session settings on
resume (3), routine drift fixed by migrate (6), out-of-order versions (7), orphaned scratch
databases (8), comment-only edits (10); the deployer lease; interrupted statements decided from
the live schema (issue 14 item 1)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from harness.db import connect
from harness.drift import validate
from harness.errors import MigrationError
from harness.lease import Lease
from harness.migrate import Migrator
from harness.scratch import reap

from .test_migrate import PROC, V1, V2, V3, VIEW_BASE, rows, states, write_project


def quiet(url, project, **options) -> Migrator:
    return Migrator(url, project, echo=lambda _: None, **options)


def execute(url, *statements):
    conn = connect(url, autocommit=True)
    cur = conn.cursor()
    for statement in statements:
        cur.execute(statement)
    conn.close()


@pytest.fixture
def base(tmp_path):
    return write_project(
        tmp_path,
        {
            "schema/V0001__create_a.sql": V1,
            "schema/V0002__create_b.sql": V2,
            "procedures/count_a.sql": PROC,
            "views/a_ids.sql": VIEW_BASE,
        },
    )


# -- problem 1: no false drift while a version is pending or failed ----------------------------
def test_validate_with_a_pending_version_reports_no_drift(empty_database, base):
    quiet(empty_database, base).migrate()
    (base.root / "schema/V0003__create_c.sql").write_text(V3)
    result = validate(quiet(empty_database, base))
    assert result.ok, result.problems
    assert "pending: schema/V0003__create_c.sql is not applied yet" in result.warnings


def test_validate_with_a_failed_version_reports_only_the_failure(empty_database, base):
    quiet(empty_database, base).migrate()
    (base.root / "schema/V0003__create_c.sql").write_text(V3 + "INSERT INTO nope VALUES (1);\n")
    with pytest.raises(MigrationError):
        quiet(empty_database, base).migrate()
    problems = validate(quiet(empty_database, base)).problems
    assert problems == [
        "failed: schema/V0003__create_c.sql stopped after 1/2 statements; fix it and run `travel migrate`"
        " (or `travel repair`)"
    ]


# -- problem 3: a resumed file gets its SET statements again --------------------------------------
def test_resume_replays_the_session_settings_of_applied_statements(empty_database, tmp_path):
    broken = (
        "SET SESSION lock_wait_timeout = 7;\nCREATE TABLE w AS SELECT @@SESSION.lock_wait_timeout AS w FROM nope;\n"
    )
    project = write_project(tmp_path, {"schema/V0001__w.sql": broken})
    with pytest.raises(MigrationError, match="statement 2"):
        quiet(empty_database, project).migrate()
    (tmp_path / "schema/V0001__w.sql").write_text(broken.replace(" FROM nope", ""))
    printed: list[str] = []
    Migrator(empty_database, project, echo=printed.append).migrate()
    assert rows(empty_database, "SELECT w FROM w") == [(7,)]
    assert "  replayed 1 session setting(s) of the statements already applied" in printed


# -- problem 6: the documented fix for routine drift works -------------------------------------
def test_migrate_restores_a_dropped_routine_and_reapply_a_changed_one(empty_database, base):
    migrator = quiet(empty_database, base)
    migrator.migrate()
    execute(empty_database, "DROP PROCEDURE count_a")
    assert migrator.migrate() == 1  # not "up to date"
    execute(
        empty_database,
        "DROP PROCEDURE count_a",
        "CREATE PROCEDURE count_a() SQL SECURITY INVOKER BEGIN SELECT 42; END",
    )
    problems = validate(migrator).problems
    assert any("routine PROCEDURE count_a differs; `travel migrate --reapply` restores it" in p for p in problems)
    assert migrator.migrate(reapply=True) == 2
    assert validate(migrator).ok


# -- problem 7: out-of-order versions are refused -----------------------------------------------
def test_a_version_below_the_newest_applied_is_refused_unless_asked(empty_database, tmp_path):
    project = write_project(tmp_path, {"schema/V0001__create_a.sql": V1, "schema/V0003__create_c.sql": V3})
    migrator = quiet(empty_database, project)
    migrator.migrate()
    (tmp_path / "schema/V0002__create_b.sql").write_text(V2)
    with pytest.raises(MigrationError, match=r"out of order: schema/V0002__create_b.sql pending, but schema/V0003"):
        migrator.migrate()
    assert states(migrator)["schema/V0002__create_b.sql"] == "pending"
    assert migrator.migrate(out_of_order=True) == 1


# -- problem 8: scratch databases a killed run left are dropped --------------------------------
def test_validate_drops_scratch_databases_of_dead_processes(empty_database, base):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    legacy = f"{empty_database.database[:40]}_drift_{dead.pid}"
    execute(
        empty_database,
        f"CREATE DATABASE `{legacy}`",
        f"CREATE EVENT `{legacy}`.tick ON SCHEDULE EVERY 1 MINUTE DO SELECT 1",
    )
    quiet(empty_database, base).migrate()
    assert validate(quiet(empty_database, base)).ok
    assert rows(
        empty_database, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (legacy,)
    ) == [(0,)]
    assert reap(empty_database) == []


# -- problem 10: a comment-only edit is accepted by repair ----------------------------------------
def test_repair_accepts_a_comment_only_edit_and_refuses_a_real_one(empty_database, base):
    migrator = quiet(empty_database, base)
    migrator.migrate()
    v1 = base.root / "schema/V0001__create_a.sql"
    v1.write_text("-- a header comment added after the release\n" + V1)
    assert not validate(migrator, check_drift=False).ok
    assert migrator.repair() == [
        "schema/V0001__create_a.sql: checksum realigned (only comments or blank lines changed)"
    ]
    assert validate(migrator).ok
    v1.write_text(V1.replace("VALUES (1)", "VALUES (2)"))
    (line,) = migrator.repair()
    assert line.startswith("schema/V0001__create_a.sql: NOT realigned: its statements changed")
    assert not validate(migrator, check_drift=False).ok


# -- the deployer lease ------------------------------------------------------------------------
def test_second_deployer_waits_reports_the_holder_and_the_data_migration_runs_once(empty_database, tmp_path):
    slow = "CREATE TABLE s (s_id INT PRIMARY KEY);\nDO SLEEP(1.5);\nINSERT INTO s VALUES (1);\n"
    project = write_project(tmp_path, {"schema/V0001__slow.sql": slow})
    outputs: dict[str, list[str]] = {"first": [], "second": []}
    first = threading.Thread(target=lambda: Migrator(empty_database, project, echo=outputs["first"].append).migrate())
    first.start()
    for _ in range(100):
        time.sleep(0.05)
        if outputs["first"]:
            break
    Migrator(empty_database, project, echo=outputs["second"].append).migrate(lock_timeout=30)
    first.join()
    assert outputs["second"][0].startswith("waiting for the deployer lease held by root@")
    assert "up to date" in outputs["second"][-1]
    assert rows(empty_database, "SELECT COUNT(*) FROM s") == [(1,)]


def test_a_lease_without_heartbeat_is_taken_over_after_its_timeout(empty_database, base):
    dead = Lease(empty_database, timeout_s=1, echo=lambda _: None)
    dead.acquire(5)
    dead._stop.set()  # the holder dies: no more heartbeats, no release
    dead._thread.join()
    printed: list[str] = []
    started = time.monotonic()
    Migrator(empty_database, base, echo=printed.append).migrate(lock_timeout=10)
    assert time.monotonic() - started >= 0.5
    assert any(line.startswith("took over the deployer lease from root@") for line in printed), printed
    assert rows(empty_database, "SELECT holder FROM schema_lease") == [(None,)]


def test_a_failed_run_never_hides_a_later_success(empty_database, base):
    migrator = quiet(empty_database, base)
    migrator.migrate()
    # the loser of a race on a cluster records a failed run after the winner's success
    execute(
        empty_database,
        "INSERT INTO schema_history (version, description, type, script, checksum, installed_by, success)"
        " SELECT version, description, type, script, checksum, 'loser', 0 FROM schema_history"
        " WHERE script = 'schema/V0001__create_a.sql'",
    )
    assert states(migrator)["schema/V0001__create_a.sql"] == "applied"
    assert migrator.migrate() == 0


# -- issue 14 item 1: an interrupted statement is never re-run blind ------------------------------
class Died(Exception):
    pass


def _die_after(number: int):
    def hook(f, n):
        if n == number:
            raise Died  # the client dies after the DDL committed, before its journal row

    return hook


def test_ddl_that_took_effect_before_the_journal_row_is_recorded_not_rerun(empty_database, tmp_path):
    text = V1 + "ALTER TABLE a ADD COLUMN note VARCHAR(10);\nINSERT INTO a VALUES (2, 'x');\n"
    project = write_project(tmp_path, {"schema/V0001__a.sql": text})
    migrator = quiet(empty_database, project)
    migrator.after_statement = _die_after(3)
    with pytest.raises(Died):
        migrator.migrate()
    printed: list[str] = []
    Migrator(empty_database, project, echo=printed.append).migrate()
    assert "  statement 3 was interrupted after it took effect (column a.note exists); recorded, not re-run" in printed
    assert rows(empty_database, "SELECT a_id, note FROM a ORDER BY a_id") == [(1, None), (2, "x")]
    assert states(migrator) == {"schema/V0001__a.sql": "applied"}


def test_an_interrupted_statement_the_engine_cannot_check_stops_and_names_it(empty_database, tmp_path):
    text = V1 + "ALTER TABLE a MODIFY a_id BIGINT;\n"
    project = write_project(tmp_path, {"schema/V0001__a.sql": text})
    migrator = quiet(empty_database, project)
    migrator.after_statement = _die_after(3)
    with pytest.raises(Died):
        migrator.migrate()
    migrator.after_statement = None
    with pytest.raises(MigrationError, match=r"(?s)statement 3 \(line 3\) was interrupted.*MODIFY.*--interrupted"):
        migrator.migrate()
    assert migrator.repair(interrupted="applied") == [
        "schema/V0001__a.sql: statement 3 recorded as applied; migrate resumes after it"
    ]
    assert migrator.migrate() == 1
    assert validate(migrator).ok
