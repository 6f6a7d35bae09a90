"""A private MariaDB/MySQL server in a directory of its own, on a free port of 127.0.0.1.

Used by the CLI as the default database (`.travel/server/`) and by the tests as a throwaway
server. It never reads the machine's option files (`--no-defaults`) and never touches another
server: everything lives under its directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import mysql.connector

from .db import CHARSET, COLLATION, DatabaseUrl, connect
from .errors import ServerError

SEARCH_PATH = ["/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin", "/usr/libexec"]
DEFAULT_DATABASE = "travel"


@dataclass
class ServerState:
    port: int
    pid: int
    binary: str
    datadir: str
    socket: str


def find_binary(names: tuple[str, ...] = ("mariadbd", "mysqld")) -> str | None:
    path = os.pathsep.join([os.environ.get("PATH", ""), *SEARCH_PATH])
    for name in names:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LocalServer:
    """A server whose data, socket, log and state file all live under `base`.

    `fast=True` trades durability for speed (no binlog, flush once a second): tests only.
    `event_scheduler=False` keeps the housekeeping events from running on their own (tests,
    which move the clock with SET timestamp, start them on purpose).
    """

    def __init__(self, base: Path, *, fast: bool = False, event_scheduler: bool = True):
        self.base = Path(base).resolve()
        self.fast = fast
        self.event_scheduler = event_scheduler
        self.datadir = self.base / "data"
        self.socket = self.base / "mysqld.sock"
        self.log = self.base / "server.log"
        self.state_file = self.base / "server.json"

    # -- state -------------------------------------------------------------------------
    def state(self) -> ServerState | None:
        """The recorded state when the recorded process still runs, else None."""
        if not self.state_file.exists():
            return None
        state = ServerState(**json.loads(self.state_file.read_text()))
        return state if _pid_alive(state.pid) else None

    def url(self, database: str = DEFAULT_DATABASE) -> DatabaseUrl:
        state = self.state()
        if state is None:
            raise ServerError(f"the local server in {self.base} is not running; run `travel server start`")
        return DatabaseUrl(host="127.0.0.1", port=state.port, user="root", database=database)

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, database: str = DEFAULT_DATABASE, timeout: float = 60.0) -> tuple[ServerState, bool]:
        """Start the server unless it runs; returns its state and whether it was started now."""
        running = self.state()
        if running:
            return running, False
        binary = find_binary()
        if binary is None:
            raise ServerError(
                "no mariadbd or mysqld found on PATH; install one, e.g. "
                "`sudo apt-get install -y mariadb-server`, or pass --database-url"
            )
        self.base.mkdir(parents=True, exist_ok=True)
        if not (self.datadir / "mysql").exists():
            self._initialise(binary)
        port = self._choose_port()
        proc = self._launch(binary, port)
        state = ServerState(port, proc.pid, binary, str(self.datadir), str(self.socket))
        self._wait_ready(proc, port, timeout)
        self.state_file.write_text(json.dumps(asdict(state), indent=2))
        self._create_database(database)
        return state, True

    def stop(self, timeout: float = 60.0) -> bool:
        """Shut the server down cleanly; returns False when it was not running."""
        state = self.state()
        if state is None:
            return False
        try:
            conn = connect(self.url(""), database=False)
            conn.cursor().execute("SHUTDOWN")
            conn.close()
        except mysql.connector.Error:
            os.kill(state.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _pid_alive(state.pid) and time.monotonic() < deadline:
            _reap(state.pid)
            time.sleep(0.05)
        if _pid_alive(state.pid):
            raise ServerError(f"server pid {state.pid} did not stop within {timeout:.0f}s; see {self.log}")
        state.pid = 0  # stopped; the port stays recorded so a restart can reuse it
        self.state_file.write_text(json.dumps(asdict(state), indent=2))
        return True

    def status(self) -> dict[str, object]:
        state = self.state()
        if state is None:
            return {"running": False, "datadir": str(self.datadir)}
        conn = connect(self.url(""), database=False)
        cur = conn.cursor()
        cur.execute("SELECT VERSION(), @@event_scheduler")
        version, scheduler = cur.fetchone()
        conn.close()
        return {
            "running": True,
            "version": version,
            "port": state.port,
            "pid": state.pid,
            "datadir": state.datadir,
            "socket": state.socket,
            "event_scheduler": scheduler,
        }

    # -- steps -------------------------------------------------------------------------
    def _initialise(self, binary: str) -> None:
        self.datadir.mkdir(parents=True, exist_ok=True)
        if Path(binary).name == "mariadbd":
            installer = find_binary(("mariadb-install-db", "mysql_install_db"))
            if installer is None:
                raise ServerError("mariadb-install-db not found next to mariadbd; reinstall mariadb-server")
            command = [
                installer,
                "--no-defaults",
                f"--datadir={self.datadir}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--user=root",
            ]
        else:
            command = [binary, "--no-defaults", "--initialize-insecure", f"--datadir={self.datadir}", "--user=root"]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise ServerError(f"initialising {self.datadir} failed ({' '.join(command)}):\n{result.stderr[-2000:]}")

    def _choose_port(self) -> int:
        if self.state_file.exists():  # keep the port a user may have written down, if free
            port = json.loads(self.state_file.read_text()).get("port")
            with socket.socket() as sock:
                if port and sock.connect_ex(("127.0.0.1", port)) != 0:
                    return port
        return free_port()

    def _launch(self, binary: str, port: int) -> subprocess.Popen:
        command = [
            binary,
            "--no-defaults",
            f"--datadir={self.datadir}",
            f"--socket={self.socket}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            "--user=root",
            f"--event-scheduler={'ON' if self.event_scheduler else 'OFF'}",
            f"--character-set-server={CHARSET}",
            f"--collation-server={COLLATION}",
            f"--pid-file={self.base / 'mysqld.pid'}",
            "--max-connections=500",
            # Room for a million reservations and their indexes, so reports are not disk-bound
            # (the default 128M is not); set TRAVEL_SERVER_BUFFER_POOL to change it.
            f"--innodb-buffer-pool-size={os.environ.get('TRAVEL_SERVER_BUFFER_POOL', '2G')}",
        ]
        if Path(binary).name == "mysqld" and "mariadb" not in os.path.realpath(binary):
            command.append("--mysqlx=OFF")
        if self.fast:
            command += ["--innodb-flush-log-at-trx-commit=2", "--skip-log-bin", "--innodb-doublewrite=0"]
        log = open(self.log, "ab")  # noqa: SIM115 - handed to the child process
        return subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)

    def _wait_ready(self, proc: subprocess.Popen, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = DatabaseUrl(host="127.0.0.1", port=port, user="root")
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise ServerError(f"the server exited with code {proc.returncode}; log {self.log}:\n{tail}")
            try:
                connect(url, database=False, connection_timeout=2).close()
                return
            except mysql.connector.Error:
                time.sleep(0.05)
        proc.terminate()
        raise ServerError(f"the server did not answer on port {port} within {timeout:.0f}s; see {self.log}")

    def _create_database(self, database: str) -> None:
        if not database:
            return
        conn = connect(self.url(""), database=False, autocommit=True)
        conn.cursor().execute(f"CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET {CHARSET} COLLATE {COLLATION}")
        conn.close()


OWNER_FILE = "owner.pid"


def throwaway_server(prefix: str, **options) -> LocalServer:
    """A LocalServer (not started) in a new temporary directory named `prefix...`, recorded as
    owned by this process; first stops the ones of that prefix whose owner has died."""
    parent = Path(tempfile.gettempdir())
    stop_orphaned_servers(parent, prefix)
    base = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    (base / OWNER_FILE).write_text(str(os.getpid()))
    return LocalServer(base, **options)


def stop_orphaned_servers(parent: Path, prefix: str) -> list[Path]:
    """Stop and delete the throwaway servers under `parent` whose directory starts with `prefix`
    and whose owning process (pid in OWNER_FILE) is gone: a test run killed from outside never
    reached its own cleanup, and its server (in a session of its own, so that Ctrl-C does not
    kill it mid-test) would run on. Returns the directories removed."""
    removed = []
    for base in sorted(Path(parent).glob(f"{prefix}*")):
        owner_file = base / OWNER_FILE
        if not owner_file.is_file():
            continue
        try:
            owner = int(owner_file.read_text().strip())
        except ValueError:
            continue
        if _pid_alive(owner):
            continue
        LocalServer(base).stop()
        shutil.rmtree(base, ignore_errors=True)
        removed.append(base)
    return removed


def _reap(pid: int) -> None:
    """Collect a child that has exited, so it does not linger as a zombie that looks alive."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
