"""A private MariaDB/MySQL server in a directory of its own, on a free port of 127.0.0.1.

Used by the CLI as the default database (`.travel/server/`) and by the tests as a throwaway
server. It never reads the machine's option files (`--no-defaults`) and never touches another
server: everything lives under its directory.

It is private to the OS user who started it: the directory is 0700 (so the socket in it is out
of other users' reach), root has a random password kept in `root-password` (0600) beside the
data, and `--secure-file-priv` confines INTO OUTFILE / LOAD DATA to a private `files/` directory.
It is a development and test server, not a production one (docs/operations.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
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
PASSWORD_FILE = "root-password"


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
    """The process exists and is not a zombie or on its way out (a kill -9'd mariadbd stays
    visible to kill(pid, 0) for a second or two while the kernel tears it down)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _exiting(pid)


PF_EXITING = 0x4  # include/linux/sched.h: the task is in do_exit()
SIGKILL_BIT = 1 << (signal.SIGKILL - 1)


def _exiting(pid: int) -> bool:
    """Zombie, dead, on its way out, or with a SIGKILL pending (kill(2) returns before the
    target has even started to exit), by /proc/PID; False where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return Path("/proc/self").exists()  # gone since kill(pid, 0); no /proc: unknown
    except OSError:
        return False
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "; comm may hold spaces
    state, flags = fields[0], int(fields[6])
    pending = 0
    for line in status.splitlines():
        if line.startswith(("SigPnd:", "ShdPnd:")):
            pending |= int(line.split()[1], 16)
    return state in ("Z", "X", "x") or bool(flags & PF_EXITING) or bool(pending & SIGKILL_BIT)


def _serves_datadir(pid: int, datadir: Path) -> bool:
    """The live process `pid` is a server of this data directory (not a reused pid)."""
    if not _pid_alive(pid):
        return False
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no /proc: trust kill(pid, 0)
    except OSError:
        return True
    return f"--datadir={datadir}".encode() in argv


def _datadir_in_use(datadir: Path) -> bool:
    """A server (perhaps a dying one) still holds the InnoDB lock on this data directory."""
    try:
        handle = open(datadir / "ibdata1", "rb+")  # noqa: SIM115 - closed below
    except OSError:
        return False  # no data yet, or not ours to open: nothing to wait for
    with handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.lockf(handle, fcntl.LOCK_UN)
    return False


class LocalServer:
    """A server whose data, socket, log and state file all live under `base`.

    `fast=True` trades durability for speed (no binlog, flush once a second): tests only.
    `event_scheduler=False` keeps the housekeeping events from running on their own (tests,
    which move the clock with SET timestamp, start them on purpose).
    """

    run_as = "root"  # the account mariadbd switches to when started by root (its first --user wins)

    def __init__(self, base: Path, *, fast: bool = False, event_scheduler: bool = True):
        self.base = Path(base).resolve()
        self.fast = fast
        self.event_scheduler = event_scheduler
        self.datadir = self.base / "data"
        self.socket = self.base / "mysqld.sock"
        self.log = self.base / "server.log"
        self.state_file = self.base / "server.json"
        self.password_file = self.base / PASSWORD_FILE
        self.files_dir = self.base / "files"  # --secure-file-priv: the only place for file I/O

    # -- state -------------------------------------------------------------------------
    def state(self) -> ServerState | None:
        """The recorded state when the recorded process still runs, else None."""
        if not self.state_file.exists():
            return None
        state = ServerState(**json.loads(self.state_file.read_text()))
        return state if _serves_datadir(state.pid, self.datadir) else None

    def root_password(self) -> str:
        """Root's password, from the 0600 file beside the data (empty before the first start)."""
        try:
            return self.password_file.read_text().strip()
        except FileNotFoundError:
            return ""

    def url(self, database: str = DEFAULT_DATABASE) -> DatabaseUrl:
        state = self.state()
        if state is None:
            raise ServerError(f"the local server in {self.base} is not running; run `travel server start`")
        return self._root_url(state.port, database)

    def _root_url(self, port: int, database: str = "") -> DatabaseUrl:
        return DatabaseUrl(host="127.0.0.1", port=port, user="root", password=self.root_password(), database=database)

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
        self._make_private_dirs()
        self._wait_until_released(timeout)
        if not (self.datadir / "mysql").exists():
            self._initialise(binary)
        port = self._choose_port()
        init_file = self._password_init_file()
        try:
            proc = self._launch(binary, port, init_file)
            state = ServerState(port, proc.pid, binary, str(self.datadir), str(self.socket))
            self._wait_ready(proc, port, timeout)
        finally:
            init_file.unlink(missing_ok=True)
        self.state_file.write_text(json.dumps(asdict(state), indent=2))
        self._create_database(database)
        return state, True

    def stop(self, timeout: float = 60.0) -> bool:
        """Shut the server down cleanly; returns False when it was not running."""
        state = self.state()
        if state is None:
            return False
        try:
            # a server stuck before it answers (a Galera joiner waiting for its state) would
            # hold a connect without a timeout for ever
            conn = connect(self.url(""), database=False, connection_timeout=5)
            conn.cursor().execute("SHUTDOWN")
            conn.close()
        except mysql.connector.Error:
            os.kill(state.pid, signal.SIGTERM)
        if not _wait_gone(state.pid, timeout):
            raise ServerError(f"server pid {state.pid} did not stop within {timeout:.0f}s; {self.log_tail()}")
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
            "password_file": str(self.password_file),
        }

    # -- steps -------------------------------------------------------------------------
    def _make_private_dirs(self) -> None:
        """The base directory (socket, password, data) and the file directory for this OS user
        only: another local user can neither reach the socket nor read the password."""
        self.base.mkdir(parents=True, exist_ok=True)
        self.files_dir.mkdir(exist_ok=True)
        for directory in (self.base, self.files_dir):
            os.chmod(directory, 0o700)

    def _wait_until_released(self, timeout: float) -> None:
        """A server of this data directory killed a moment ago may still be exiting and hold
        its files; starting another now would fail, or be taken for the old one."""
        recorded = json.loads(self.state_file.read_text()).get("pid", 0) if self.state_file.exists() else 0
        deadline = time.monotonic() + timeout
        while _datadir_in_use(self.datadir):
            if recorded:
                _reap(recorded)
            if time.monotonic() > deadline:
                raise ServerError(
                    f"another process still holds {self.datadir} after {timeout:.0f}s; is a server running?"
                )
            time.sleep(0.05)

    def _password_init_file(self) -> Path:
        """An --init-file that sets root's password from the password file (made now, random,
        when missing). The server runs it before it accepts any connection, so root never
        answers without the password; it also moves a server made before passwords to one."""
        if not self.root_password():
            _write_private(self.password_file, secrets.token_urlsafe(24) + "\n")
        password = self.root_password()
        hosts = ["localhost", "127.0.0.1", "::1", socket.gethostname()]
        lines = [f"ALTER USER IF EXISTS 'root'@'{host}' IDENTIFIED BY '{password}';" for host in hosts]
        lines += [f"DROP USER IF EXISTS ''@'{host}';" for host in ("localhost", socket.gethostname())]
        init_file = self.base / "init-password.sql"
        _write_private(init_file, "\n".join(lines) + "\n")
        return init_file

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
        # its bootstrap server's temporary tables in the server's own tmpdir, not /tmp (see _launch)
        env = {**os.environ, "TMPDIR": str(self._tmpdir())}
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            raise ServerError(f"initialising {self.datadir} failed ({' '.join(command)}):\n{result.stderr[-2000:]}")

    def _choose_port(self) -> int:
        if self.state_file.exists():  # keep the port a user may have written down, if free
            port = json.loads(self.state_file.read_text()).get("port")
            with socket.socket() as sock:
                if port and sock.connect_ex(("127.0.0.1", port)) != 0:
                    return port
        return free_port()

    def _launch(self, binary: str, port: int, init_file: Path) -> subprocess.Popen:
        command = [
            binary,
            "--no-defaults",
            f"--datadir={self.datadir}",
            f"--socket={self.socket}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--user={self.run_as}",
            f"--event-scheduler={'ON' if self.event_scheduler else 'OFF'}",
            f"--character-set-server={CHARSET}",
            f"--collation-server={COLLATION}",
            f"--pid-file={self.base / 'mysqld.pid'}",
            f"--init-file={init_file}",
            f"--secure-file-priv={self.files_dir}",
            "--local-infile=0",
            "--max-connections=500",
            # A temp dir of its own: a starting server deletes the #sql* files in its tmpdir, so
            # servers sharing /tmp broke each other's temporary tables (errno 6 in queries).
            f"--tmpdir={self._tmpdir()}",
            # Room for a million reservations and their indexes, so reports are not disk-bound
            # (the default 128M is not); set TRAVEL_SERVER_BUFFER_POOL to change it.
            f"--innodb-buffer-pool-size={os.environ.get('TRAVEL_SERVER_BUFFER_POOL', '2G')}",
        ]
        if Path(binary).name == "mysqld" and "mariadb" not in os.path.realpath(binary):
            command.append("--mysqlx=OFF")
        if self.fast:
            command += ["--innodb-flush-log-at-trx-commit=2", "--skip-log-bin", "--innodb-doublewrite=0"]
        command += self.extra_options(port)
        log = open(self.log, "ab")  # noqa: SIM115 - handed to the child process
        # The files the server creates (socket, data, logs) readable by this OS user only.
        env = {**os.environ, "UMASK": "0600", "UMASK_DIR": "0700"}
        return subprocess.Popen(command, stdout=log, stderr=log, env=env, start_new_session=True, umask=0o077)

    def _tmpdir(self) -> Path:
        path = self.base / "tmp"
        path.mkdir(mode=0o700, exist_ok=True)
        return path

    def extra_options(self, port: int) -> list[str]:
        """Options appended last (so they win), for servers built on this one (harness/cluster.py)."""
        return []

    def _wait_ready(self, proc: subprocess.Popen, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = self._root_url(port)
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServerError(f"the server exited with code {proc.returncode}; {self.log_tail()}")
            try:
                connect(url, database=False, connection_timeout=2).close()
                return
            except mysql.connector.Error:
                time.sleep(0.05)
        # not left running without a state file, holding the data directory and its ports
        proc.terminate()
        if not _wait_gone(proc.pid, 30):
            proc.kill()
            _wait_gone(proc.pid, 10)
        raise ServerError(f"the server did not answer on port {port} within {timeout:.0f}s; {self.log_tail()}")

    def log_tail(self, log: Path | None = None, chars: int = 2000) -> str:
        """The end of the server's log (or of `log`), for an error message: a throwaway server's
        directory (tests, CI) is gone by the time someone reads the message."""
        log = log or self.log
        text = log.read_text(errors="replace") if log.exists() else "(no log yet)"
        return f"log {log} ends:\n{text[-chars:]}"

    def _create_database(self, database: str) -> None:
        if not database:
            return
        conn = connect(self.url(""), database=False, autocommit=True)
        conn.cursor().execute(f"CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET {CHARSET} COLLATE {COLLATION}")
        conn.close()


OWNER_FILE = "owner.pid"


def _write_private(path: Path, text: str) -> None:
    """Write a file only this OS user can read (created 0600, never world-readable midway)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        os.fchmod(fd, 0o600)
        handle.write(text)


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


def _wait_gone(pid: int, timeout: float) -> bool:
    """Wait up to `timeout` seconds for the process to exit; whether it did."""
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.05)
    return not _pid_alive(pid)


def _reap(pid: int) -> None:
    """Collect a child that has exited, so it does not linger as a zombie that looks alive."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
