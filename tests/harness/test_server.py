"""The local server: start, status, stop, restart on the same data, and the CLI around it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.db import connect
from harness.server import OWNER_FILE, LocalServer, _pid_alive, stop_orphaned_servers


@pytest.fixture
def server(tmp_path):
    local = LocalServer(tmp_path / "server", fast=True)
    yield local
    local.stop()


def test_start_status_stop_and_restart_keep_data(server):
    state, started = server.start()
    assert started
    status = server.status()
    assert status["running"] is True
    assert status["port"] == state.port and status["pid"] == state.pid
    assert "MariaDB" in status["version"] or status["version"][0].isdigit()
    assert status["event_scheduler"] == "ON"
    conn = connect(server.url("travel"), autocommit=True)
    cur = conn.cursor()
    cur.execute("SELECT @@character_set_server, @@collation_server, @@bind_address")
    assert cur.fetchone() == ("utf8mb4", "utf8mb4_unicode_520_ci", "127.0.0.1")
    cur.execute("CREATE TABLE kept (kept_id INT PRIMARY KEY)")
    conn.close()
    assert server.start() == (state, False)  # already running: a no-op
    assert server.stop() is True
    assert server.status() == {"running": False, "datadir": str(server.datadir)}
    assert server.stop() is False
    again, started = server.start()
    assert started and again.port == state.port  # the recorded port is reused when free
    conn = connect(server.url("travel"))
    cur = conn.cursor()
    cur.execute("SHOW TABLES")
    assert cur.fetchall() == [("kept",)]
    conn.close()


def test_cli_server_commands_and_default_url(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRAVEL_DATABASE_URL", raising=False)
    runner = CliRunner()
    try:
        result = runner.invoke(cli, ["server", "status"])
        assert result.exit_code == 1 and "False" in result.output
        result = runner.invoke(cli, ["server", "start"])
        assert result.exit_code == 0, result.output
        assert result.output.startswith("started: mysql://root@127.0.0.1:")
        result = runner.invoke(cli, ["server", "status", "--format", "json"])
        (status,) = json.loads(result.output)
        assert status["running"] is True and status["event_scheduler"] == "ON"
        assert status["datadir"] == str(tmp_path / ".travel/server/data")
        result = runner.invoke(cli, ["server", "start"])
        assert "already running" in result.output
    finally:
        result = runner.invoke(cli, ["server", "stop"])
    assert result.output.strip() == "stopped"


def test_servers_of_a_dead_owner_are_stopped_and_removed(tmp_path):
    """A test run killed from outside leaves its server running; the next run stops it."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan, owned = tmp_path / "run-orphan", tmp_path / "run-owned"
    servers = {}
    for base, owner in ((orphan, dead.stdout.strip()), (owned, "1")):  # pid 1 is always alive
        servers[base] = LocalServer(base, fast=True, event_scheduler=False)
        state, _ = servers[base].start(database="")
        (base / OWNER_FILE).write_text(owner)
    orphan_pid = servers[orphan].state().pid
    try:
        assert stop_orphaned_servers(tmp_path, "run-") == [orphan]
        assert not orphan.exists() and not _pid_alive(orphan_pid)
        assert servers[owned].state() is not None
    finally:
        servers[owned].stop()
