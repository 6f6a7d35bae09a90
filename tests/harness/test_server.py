"""The local server: start, status, stop, restart on the same data, restart right after a kill -9,
its privacy (root password, 0700 directory, secure-file-priv), and the CLI around it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mysql.connector
import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.db import DatabaseUrl, connect
from harness.server import OWNER_FILE, LocalServer, _pid_alive, stop_orphaned_servers

TRAVEL = str(Path(sys.executable).parent / "travel")  # the console script of this environment


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
    (tmp_path / "schema").mkdir()  # a project: its local server lives in <root>/.travel/server
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
        assert status["password_file"] == str(tmp_path / ".travel/server/root-password")
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


def _travel(*args: str, cwd) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "TRAVEL_DATABASE_URL"}
    env["TRAVEL_SERVER_BUFFER_POOL"] = "64M"
    return subprocess.run([TRAVEL, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_start_right_after_a_kill_9_starts_a_new_server(tmp_path):
    """Issue 14: for a second or two after kill -9 the dying mariadbd still answered kill(pid, 0),
    and `travel server start` said "already running", exited 0 and started nothing."""
    (tmp_path / "schema").mkdir()
    first = _travel("server", "start", cwd=tmp_path)
    assert first.returncode == 0 and first.stdout.startswith("started:"), first.stderr
    local = LocalServer(tmp_path / ".travel" / "server")
    old = local.state()
    try:
        os.kill(old.pid, signal.SIGKILL)
        again = _travel("server", "start", cwd=tmp_path)  # at once: the old one is still exiting
        assert again.returncode == 0 and again.stdout.startswith("started:"), (again.stdout, again.stderr)
        new = local.state()
        assert new.pid != old.pid and not _pid_alive(old.pid)
        conn = connect(local.url("travel"))
        conn.close()
    finally:
        _travel("server", "stop", cwd=tmp_path)


def test_a_zombie_or_a_reused_pid_is_not_a_running_server(tmp_path):
    """A recorded pid counts only while it is a live server of this data directory."""
    zombie = subprocess.Popen(["sleep", "30"])
    os.kill(zombie.pid, signal.SIGKILL)
    time.sleep(0.2)  # not reaped: a zombie
    assert not _pid_alive(zombie.pid)
    zombie.wait()
    local = LocalServer(tmp_path / "server")
    local.base.mkdir()
    stranger = subprocess.Popen(["sleep", "30"])  # a live process that is not this server
    try:
        state = {"port": 1, "pid": stranger.pid, "binary": "x", "datadir": str(local.datadir), "socket": "x"}
        local.state_file.write_text(json.dumps(state))
        assert local.state() is None
    finally:
        stranger.kill()
        stranger.wait()


@pytest.fixture
def shared_dir_server():
    """A server in a directory every local user can traverse, so that only the server's own
    protection (its 0700 directory, root's password) keeps other users out."""
    parent = Path(tempfile.mkdtemp(prefix="travel-private-"))
    parent.chmod(0o755)
    local = LocalServer(parent / "server", fast=True, event_scheduler=False)
    local.start(database="")
    yield local
    local.stop()
    shutil.rmtree(parent, ignore_errors=True)


def _as_nobody(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "nobody", "--", *command], capture_output=True, text=True, timeout=30)


needs_root = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("runuser"), reason="needs root and runuser")


@needs_root
def test_another_os_user_cannot_connect_as_root(shared_dir_server):
    """Issue 17: OS user nobody connected as root (no password, world-open socket)."""
    local = shared_dir_server
    state = local.state()
    client = shutil.which("mariadb") or shutil.which("mysql")
    tcp = _as_nobody(client, "--no-defaults", "-uroot", "-h127.0.0.1", f"-P{state.port}", "-e", "SELECT 1")
    assert tcp.returncode != 0 and "Access denied" in tcp.stderr
    sock = _as_nobody(client, "--no-defaults", "-uroot", f"--socket={state.socket}", "-e", "SELECT 1")
    assert sock.returncode != 0 and "Can't connect" in sock.stderr
    assert _as_nobody("cat", str(local.password_file)).returncode != 0
    assert oct(local.password_file.stat().st_mode & 0o777) == "0o600"
    assert oct(local.base.stat().st_mode & 0o777) == "0o700"
    # Even this OS user needs the password: root without one is refused.
    with pytest.raises(mysql.connector.Error) as refused:
        connect(DatabaseUrl(port=state.port, user="root"), database=False).close()
    assert refused.value.errno == 1045


def test_into_outfile_and_load_data_local_are_refused(shared_dir_server):
    conn = connect(shared_dir_server.url(""), database=False, allow_local_infile=True)
    cur = conn.cursor()
    target = f"/tmp/travel-outfile-{os.getpid()}"
    with pytest.raises(mysql.connector.Error) as refused:
        cur.execute(f"SELECT 'secret' INTO OUTFILE '{target}'")
    assert refused.value.errno == 1290 and not os.path.exists(target)  # --secure-file-priv
    cur.execute("SELECT @@secure_file_priv, @@local_infile")
    files, local_infile = cur.fetchone()
    assert Path(files).resolve() == shared_dir_server.files_dir and local_infile == 0
    conn.close()


def test_a_server_made_before_passwords_gets_one(tmp_path):
    """An existing passwordless data directory (from before this change) is moved to a password."""
    local = LocalServer(tmp_path / "server", fast=True, event_scheduler=False)
    local.start(database="")
    local.stop()
    local.password_file.unlink()
    try:
        state, started = local.start(database="")
        assert started and len(local.root_password()) >= 24
        with pytest.raises(mysql.connector.Error):
            connect(DatabaseUrl(port=state.port, user="root"), database=False).close()
        connect(local.url(""), database=False).close()
    finally:
        local.stop()
