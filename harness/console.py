"""Operator comforts at the terminal: progress and elapsed time for long commands (a bar in a
terminal, a line every few seconds in a CI log), a free-port check before serving, and the
`mariadb` client opened on the right server without a password on its command line.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO

import click

from .db import DatabaseUrl
from .errors import TravelError


def every() -> float:
    """Seconds between progress lines when stderr is not a terminal (a CI log); tests set it lower."""
    return float(os.environ.get("TRAVEL_PROGRESS_EVERY", "5"))


def elapsed(since: float) -> str:
    seconds = time.monotonic() - since
    return f"{seconds:.1f} s" if seconds < 120 else f"{int(seconds // 60)} min {int(seconds % 60)} s"


class LogProgress:
    """A progress bar for a log: `label: done/total (pct), elapsed` every few seconds and at the end."""

    def __init__(self, total: int, label: str, stream: IO[str], interval: float | None = None):
        self.total, self.label, self.stream = total, label, stream
        self.every = every() if interval is None else interval
        self.done = 0
        self.started = self.last = time.monotonic()

    def __enter__(self) -> LogProgress:
        self._line("started")
        return self

    def update(self, count: int) -> None:
        self.done += count
        if time.monotonic() - self.last >= self.every:
            self._line(f"{elapsed(self.started)} elapsed")

    def __exit__(self, kind, *_) -> None:
        self._line(f"done in {elapsed(self.started)}" if kind is None else f"stopped after {elapsed(self.started)}")

    def _line(self, tail: str) -> None:
        self.last = time.monotonic()
        share = f" ({100 * self.done // self.total}%)" if self.total else ""
        print(f"{self.label}: {self.done:,}/{self.total:,}{share}, {tail}", file=self.stream, flush=True)


class TerminalProgress:
    """click's bar with its ETA, then one line with the elapsed time."""

    def __init__(self, total: int, label: str, stream: IO[str]):
        self.bar = click.progressbar(length=total, label=label, file=stream, show_eta=True, show_pos=True)
        self.label, self.stream = label, stream
        self.started = time.monotonic()

    def __enter__(self) -> TerminalProgress:
        self.bar.__enter__()
        return self

    def update(self, count: int) -> None:
        self.bar.update(count)

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)
        print(f"{self.label}: {self.bar.pos:,} in {elapsed(self.started)}", file=self.stream, flush=True)


def progress_bar(total: int, label: str, stream: IO[str] | None = None):
    stream = stream or sys.stderr
    return TerminalProgress(total, label, stream) if stream.isatty() else LogProgress(total, label, stream)


class Heartbeat:
    """Wraps a line printer: when nothing was printed for a few seconds (a long ALTER), prints
    `... still working on: <last line> (N s elapsed)` so a CI log shows the command is alive."""

    def __init__(self, echo: Callable[[str], None], interval: float | None = None):
        self.echo = echo
        self.every = every() if interval is None else interval
        self.started = time.monotonic()
        self.last_line, self.last_time = "", self.started
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def __call__(self, line: str) -> None:
        with self.lock:
            self.last_line, self.last_time = line, time.monotonic()
            self.echo(line)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_) -> None:
        self.stopped.set()
        self.thread.join()

    def elapsed(self) -> str:
        return elapsed(self.started)

    def _beat(self) -> None:
        while not self.stopped.wait(min(self.every, 1.0)):
            with self.lock:
                if self.last_line and time.monotonic() - self.last_time >= self.every:
                    self.echo(f"... still working on: {self.last_line} ({elapsed(self.started)} elapsed)")
                    self.last_time = time.monotonic()


def port_problem(host: str, port: int) -> str | None:
    """Why `host:port` cannot be listened on (in use, not allowed), or None when it can."""
    if port == 0:
        return None
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress binds
            probe.bind((host, port))
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            return f"port {port} on {host} is already in use (another `travel serve`?); choose another with --port"
        if err.errno == errno.EACCES:
            return f"port {port} on {host} needs privileges this user lacks; choose one above 1023 with --port"
        return f"cannot listen on {host}:{port}: {err.strerror}"
    return None


def sql_client(url: DatabaseUrl, args: Sequence[str]) -> int:
    """Run the mariadb (or mysql) client on `url`; its exit status. The password goes through a
    0600 defaults file that is removed afterwards, never the command line (`ps` shows that)."""
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client is None:
        raise TravelError("no mariadb or mysql client on PATH; install Debian's mariadb-client")
    lines = ["[client]", f"user={_option_value(url.user)}", f"password={_option_value(url.password)}"]
    lines += [f"socket={url.unix_socket}"] if url.unix_socket else [f"host={url.host}", f"port={url.port}"]
    handle, defaults = tempfile.mkstemp(prefix="travel-sql-", suffix=".cnf")  # created 0600
    try:
        with os.fdopen(handle, "w") as out:
            out.write("\n".join(lines) + "\n")
        database = [url.database] if url.database else []
        return subprocess.call([client, f"--defaults-extra-file={defaults}", *args, *database])
    finally:
        os.unlink(defaults)


def _option_value(text: str) -> str:
    """Quoted for an option file, where `#` would start a comment and spaces end the value."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
