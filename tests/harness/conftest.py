"""Fixtures of the migration engine's tests: private servers that a test may kill."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from collections.abc import Iterator

import pytest

from harness.server import LocalServer, throwaway_server


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "fault: kills a real server or client process mid-migration (select with -m fault)"
    )


def private_server(prefix: str, *, event_scheduler: bool) -> LocalServer:
    return throwaway_server(prefix, fast=True, event_scheduler=event_scheduler)


class Killable:
    """A private server for one test, which the test may kill -9 and start again."""

    def __init__(self, server: LocalServer):
        self.server = server

    def url(self, database: str = "travel"):
        return self.server.url(database)

    def kill9(self) -> None:
        pid = self.server.state().pid
        os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):  # subprocess may have reaped it already
            os.waitpid(pid, 0)  # our child: reap it, or it stays "alive" as a zombie

    def restart(self) -> None:
        self.server.start(database="travel")


@pytest.fixture
def killable_server() -> Iterator[Killable]:
    server = private_server("travel-migfault-server-", event_scheduler=False)
    server.start(database="travel")
    try:
        yield Killable(server)
    finally:
        if server.state() is not None:
            server.stop()
        shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture(scope="module")
def scheduler_server() -> Iterator[LocalServer]:
    """A private server with the event scheduler on (the shared test server runs it off)."""
    server = private_server("travel-migevents-server-", event_scheduler=True)
    server.start(database="travel")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.base, ignore_errors=True)
