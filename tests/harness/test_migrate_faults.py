"""Crashes mid-migration (issue 14 item 1), on private servers killed for real: the server
killed during a data statement, during a DDL statement, and between a DDL's commit and its
journal row; the client killed during a DDL statement. Each time `migrate` resumes correctly:
nothing is run twice, nothing is skipped, and no file is left failed. Also: validate leaves no
ERROR in the server log (issue 13 problem 8)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from harness.db import connect
from harness.drift import validate
from harness.migrate import Migrator
from harness.project import Project
from tests.conftest import REPO_ROOT

from .test_migrate import rows, states, write_project

TABLE = "CREATE TABLE t (t_id INT PRIMARY KEY, z INT NULL) ENGINE = InnoDB;\n"
SLOW_DATA = "INSERT INTO t SELECT seq, SLEEP(0.003) FROM seq_1_to_1000;\n"  # about 3 s
SLOW_DDL = "CREATE TABLE slow ENGINE = InnoDB AS SELECT seq AS s, SLEEP(0.003) AS z FROM seq_1_to_1000;\n"
# Outlives the dead client's lease (2 s) by seconds, so the next deployer finds it running.
SLOWER_DDL = SLOW_DDL.replace("0.003", "0.008")


def wait_for_statement(url, text: str, timeout: float = 20) -> int:
    """The id of the connection running a statement containing `text`, once it runs."""
    conn = connect(url, autocommit=True)
    cur = conn.cursor()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            cur.execute(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE %s AND ID <> CONNECTION_ID()",
                (f"%{text}%",),
            )
            found = cur.fetchone()
            if found:
                time.sleep(0.5)  # well inside it
                return found[0]
            time.sleep(0.05)
    finally:
        conn.close()
    raise AssertionError(f"no statement like {text!r} started")


def migrate_in_background(url, project) -> threading.Thread:
    def run():
        with contextlib.suppress(Exception):  # the server dies under it, on purpose
            Migrator(url, project, echo=lambda _: None).migrate()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.fault
@pytest.mark.parametrize(
    ("statement", "marker"), [(SLOW_DATA, "INSERT INTO t SELECT"), (SLOW_DDL, "CREATE TABLE slow")], ids=["data", "ddl"]
)
def test_server_killed_mid_statement_then_migrate_resumes(killable_server, tmp_path, statement, marker):
    project = write_project(tmp_path, {"schema/V0001__t.sql": TABLE, "schema/V0002__slow.sql": statement})
    url = killable_server.url()
    thread = migrate_in_background(url, project)
    wait_for_statement(url, marker)
    killable_server.kill9()
    thread.join(30)
    killable_server.restart()
    printed: list[str] = []
    assert Migrator(url, project, echo=printed.append).migrate() == 1
    assert any("was interrupted and had not taken effect" in line for line in printed), printed
    table = "t" if statement == SLOW_DATA else "slow"
    assert rows(url, f"SELECT COUNT(*) FROM {table}") == [(1000,)]
    migrator = Migrator(url, project, echo=lambda _: None)
    assert set(states(migrator).values()) == {"applied"}
    assert validate(migrator).ok


@pytest.mark.fault
def test_server_killed_between_a_ddl_commit_and_its_journal_row(killable_server, tmp_path):
    text = TABLE + "ALTER TABLE t ADD COLUMN note VARCHAR(10) NULL;\nINSERT INTO t (t_id, note) VALUES (1, 'x');\n"
    project = write_project(tmp_path, {"schema/V0001__t.sql": text})
    url = killable_server.url()
    migrator = Migrator(url, project, echo=lambda _: None)

    def kill_after_alter(f, number):
        if number == 2:
            killable_server.kill9()

    migrator.after_statement = kill_after_alter
    with pytest.raises(Exception):  # noqa: B017 - the connection dies with the server
        migrator.migrate()
    # A heartbeat counts as older than the server only when older than its uptime rounded up to
    # a second (harness/lease.py _uptime): a real restart takes that long, a test must wait.
    time.sleep(1.1)
    killable_server.restart()
    printed: list[str] = []
    assert Migrator(url, project, echo=printed.append).migrate() == 1
    # the dead run's lease went with the server: no wait for its timeout
    assert any(line.endswith("(the server restarted)") for line in printed), printed
    assert "  statement 2 was interrupted after it took effect (column t.note exists); recorded, not re-run" in printed
    assert rows(url, "SELECT t_id, note FROM t") == [(1, "x")]
    assert validate(Migrator(url, project, echo=lambda _: None)).ok


@pytest.mark.fault
def test_client_killed_mid_ddl_the_next_deployer_waits_for_its_statement(killable_server, tmp_path):
    project = write_project(tmp_path, {"schema/V0001__slow.sql": SLOWER_DDL})
    url = killable_server.url()
    env = {**os.environ, "TRAVEL_DATABASE_URL": url.unmasked(), "TRAVEL_PROJECT_DIR": str(tmp_path)}
    client = subprocess.Popen(
        [sys.executable, "-m", "harness", "migrate", "--lease-timeout", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=REPO_ROOT,
    )
    orphan = wait_for_statement(url, "CREATE TABLE slow")
    client.send_signal(signal.SIGKILL)
    client.wait()
    printed: list[str] = []
    assert Migrator(url, project, echo=printed.append).migrate(lock_timeout=30) == 1
    assert printed[0].startswith("waiting for the deployer lease held by root@")
    assert any(line.startswith("took over the deployer lease from root@") for line in printed), printed
    assert any(
        line.startswith(f"  waiting: connection {orphan} of the previous deployer still runs statement 1")
        for line in printed
    ), printed
    assert "  statement 1 was interrupted after it took effect (table slow exists); recorded, not re-run" in printed
    assert rows(url, "SELECT COUNT(*) FROM slow") == [(1000,)]
    assert states(Migrator(url, project, echo=lambda _: None)) == {"schema/V0001__slow.sql": "applied"}


def _errors(server) -> int:
    return server.log.read_text(errors="replace").count("[ERROR]")


def test_validate_writes_no_error_to_the_server_log(scheduler_server):
    """Issue 13 problem 8: the scratch copy of V0008 created its events before their procedures
    existed, and the scheduler logged an ERROR for each, on every validate."""
    url = scheduler_server.url("travel")
    migrator = Migrator(url, Project(REPO_ROOT), echo=lambda _: None)
    migrator.migrate()
    time.sleep(1.5)
    before = _errors(scheduler_server)
    assert validate(migrator).ok
    time.sleep(1.5)  # an event created enabled fires at once
    assert _errors(scheduler_server) == before
