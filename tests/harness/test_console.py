"""Operator comforts (issue 15): the project found from any subdirectory and no stray server
outside one, `--version`, `travel sql`, a busy port in one line, progress and elapsed time."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.console import Heartbeat, LogProgress, port_problem, progress_bar
from harness.db import connect
from harness.project import enclosing_root, find_root, local_server_dir

REPO_ROOT = Path(__file__).resolve().parents[2]


def travel_process(*args: str, cwd=REPO_ROOT, env=None, **kwargs) -> subprocess.CompletedProcess:
    """The real command in a process of its own (what an operator's shell runs)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRAVEL_")}
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd, env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=120, **kwargs)  # fmt: skip


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == "travel 0.1.0"


def test_the_project_is_found_from_any_subdirectory(tmp_path, monkeypatch):
    project = tmp_path / "project"
    deep = project / "queries" / "drafts"
    (project / "schema").mkdir(parents=True)
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert enclosing_root() == project.resolve()
    assert find_root() == project.resolve()
    assert local_server_dir() == project.resolve() / ".travel" / "server"


def test_reports_run_from_a_subdirectory_of_the_project(monkeypatch):
    monkeypatch.chdir(REPO_ROOT / "queries")
    result = CliRunner().invoke(cli, ["report", "revenue", "--help"])
    assert result.exit_code == 0 and "Gross takings" in result.output


@pytest.mark.parametrize("args", [["info"], ["server", "start"], ["report", "conversion"]])
def test_no_server_is_started_outside_a_project(tmp_path, args):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert enclosing_root(outside) is None
    result = travel_process(*args, cwd=outside)
    assert result.returncode == 1
    assert "is not inside a travel-db project (no schema/ here or above)" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert not (outside / ".travel").exists()


def test_project_option_must_be_a_project(tmp_path):
    result = travel_process("--project", str(tmp_path), "reports")
    assert result.returncode == 1 and f"--project {tmp_path}: no schema/ directory there" in result.stderr


@pytest.fixture
def odd_account(migrated_url):
    """An account whose password needs URL-encoding (and quoting in an option file)."""
    password = 'p@ss:w/rd#1 "x"'
    conn = connect(migrated_url, database=False, autocommit=True)
    cur = conn.cursor()
    cur.execute("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", ("travel_sql_test", "%", password))
    cur.execute(f"GRANT SELECT ON `{migrated_url.database}`.* TO 'travel_sql_test'@'%'")
    yield migrated_url, password
    cur.execute("DROP USER IF EXISTS 'travel_sql_test'@'%'")
    conn.close()


def test_sql_opens_the_client_with_an_url_encoded_password(odd_account):
    url, password = odd_account
    encoded = f"mysql://travel_sql_test:{quote(password, safe='')}@{url.host}:{url.port}/{url.database}"
    result = travel_process("--database-url", encoded, "sql", "-N", "-e", "SELECT CURRENT_USER(), DATABASE()")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["travel_sql_test@%", url.database]
    failed = travel_process("--database-url", encoded, "sql", "-e", "SELECT nope")
    assert failed.returncode == 1 and "Unknown column 'nope'" in failed.stderr  # the client's own status


def test_serve_on_a_busy_port_is_one_line_and_exit_2(migrated_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert "already in use" in port_problem("127.0.0.1", port)
        result = travel_process("--database-url", migrated_url.unmasked(), "serve", "--port", str(port), "--debug")
    assert result.returncode == 2
    assert (
        result.stderr
        == f"Error: port {port} on 127.0.0.1 is already in use (another `travel serve`?); choose another with --port\n"
    )


def test_log_progress_prints_a_line_every_interval_and_the_elapsed_time():
    out = io.StringIO()
    with LogProgress(3, "reservations", out, interval=0) as bar:
        for _ in range(3):
            bar.update(1)
    lines = out.getvalue().splitlines()
    assert lines[0] == "reservations: 0/3 (0%), started"
    assert lines[1].startswith("reservations: 1/3 (33%), ") and lines[1].endswith(" s elapsed")
    assert lines[-1].startswith("reservations: 3/3 (100%), done in ")


def test_heartbeat_speaks_up_while_a_step_is_silent():
    lines: list[str] = []
    with Heartbeat(lines.append, interval=0.2) as echo:
        echo("applying schema/V0001__slow.sql (versioned)")
        time.sleep(1.5)  # a long ALTER, seen from the log; the beat thread checks every 0.2 s
    assert lines[0] == "applying schema/V0001__slow.sql (versioned)"
    assert any(line.startswith("... still working on: applying schema/V0001__slow.sql") for line in lines[1:])


def test_seed_synthetic_in_a_log_prints_progress_and_elapsed(migrated_url):
    runner = CliRunner(env={"TRAVEL_PROGRESS_EVERY": "0"})
    result = runner.invoke(cli, ["--database-url", migrated_url.unmasked(), "--project", str(REPO_ROOT),
                                 "seed", "synthetic", "--reservations", "300", "--seed", "5"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "reservations: 0/300 (0%), started" in result.stderr
    assert "reservations: 150/300 (50%)" in result.stderr
    assert "reservations: 300/300 (100%), done in " in result.stderr


def test_migrate_says_how_long_it_took(empty_database):
    result = CliRunner().invoke(
        cli, ["--database-url", empty_database.unmasked(), "--project", str(REPO_ROOT), "migrate"]
    )
    assert result.exit_code == 0, result.output
    last = result.stderr.strip().splitlines()[-1]
    assert (
        last.startswith(f"{empty_database.database}: applied ") and " migration(s) in " in last and last.endswith(" s")
    )


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_terminal_a_bar_then_the_elapsed_time():
    screen = FakeTerminal()
    with progress_bar(40, "reservations", screen) as bar:
        for _ in range(40):
            bar.update(1)
    text = screen.getvalue()
    assert "reservations" in text and "40/40" in text  # click's bar, drawn in place
    assert text.rstrip().splitlines()[-1].startswith("reservations: 40 in ")


def test_sql_opens_the_client_on_the_projects_private_server(tmp_path):
    project = tmp_path / "project"
    (project / "schema").mkdir(parents=True)
    (project / "queries").mkdir()
    env = {"TRAVEL_SERVER_BUFFER_POOL": "64M"}
    try:
        result = travel_process("sql", "-N", "-e", "SELECT 6 * 7, @@port <> 3306", cwd=project / "queries", env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["42", "1"]  # on the project's own server, not the machine's
        assert "started the local server" in result.stderr and (project / ".travel" / "server").is_dir()
    finally:
        travel_process("server", "stop", cwd=project, env=env)
