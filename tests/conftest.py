"""Fixtures that give every test module a real database server and a fresh database.

The server, in order of preference: TRAVEL_TEST_DATABASE_URL; a testcontainers MySQL 8 when a
Docker daemon answers; else a private throwaway mariadbd/mysqld in a temp dir on a free port.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from harness.clock import use_session_clock
from harness.db import COLLATION, DatabaseUrl, connect
from harness.migrate import Migrator
from harness.project import Project
from harness.server import throwaway_server

REPO_ROOT = Path(__file__).resolve().parent.parent


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def server_url() -> Iterator[DatabaseUrl]:
    """A server for the whole run, as a URL without a database."""
    given = os.environ.get("TRAVEL_TEST_DATABASE_URL")
    if given:
        yield DatabaseUrl.parse(given).with_database("")
        return
    if os.environ.get("TRAVEL_TEST_DOCKER", "1") == "1" and _docker_answers():
        from testcontainers.mysql import MySqlContainer

        with MySqlContainer("mysql:8.0", username="root", password="test") as container:
            url = DatabaseUrl(
                host=container.get_container_host_ip(),
                port=int(container.get_exposed_port(3306)),
                user="root",
                password="test",
            )
            yield url
        return
    server = throwaway_server("travel-test-server-", fast=True, event_scheduler=False)
    server.start(database="")
    try:
        yield server.url("")
    finally:
        server.stop()
        shutil.rmtree(server.base, ignore_errors=True)


def create_database(server_url: DatabaseUrl, label: str) -> DatabaseUrl:
    name = f"t_{re.sub(r'[^a-z0-9]+', '_', label.lower())[-40:]}_{uuid.uuid4().hex[:6]}"
    conn = connect(server_url, database=False, autocommit=True)
    conn.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE {COLLATION}")
    conn.close()
    return server_url.with_database(name)


def drop_database(url: DatabaseUrl) -> None:
    conn = connect(url, database=False, autocommit=True)
    conn.cursor().execute(f"DROP DATABASE IF EXISTS `{url.database}`")
    conn.close()


@pytest.fixture(scope="module")
def database_url(server_url: DatabaseUrl, request) -> Iterator[DatabaseUrl]:
    """A fresh, empty database for the test module, dropped afterwards."""
    url = create_database(server_url, request.module.__name__.rsplit(".", 1)[-1])
    yield url
    drop_database(url)


@pytest.fixture
def empty_database(server_url: DatabaseUrl, request) -> Iterator[DatabaseUrl]:
    """A fresh, empty database for one test."""
    url = create_database(server_url, request.node.name)
    yield url
    drop_database(url)


def migrate(url: DatabaseUrl, *, session_clock: bool = True) -> DatabaseUrl:
    """Apply the project's migrations; with `session_clock`, SET timestamp moves the procedures'
    clock (CONTRACT.md), as tests move time that way."""
    Migrator(url, Project(REPO_ROOT), echo=lambda _: None).migrate()
    if session_clock:
        conn = connect(url)
        use_session_clock(conn)
        conn.close()
    return url


@pytest.fixture(scope="module")
def migrated_url(database_url: DatabaseUrl) -> DatabaseUrl:
    """The module's database with the project's migrations applied, on the session clock."""
    return migrate(database_url)


@pytest.fixture(scope="module")
def server_clock_url(server_url: DatabaseUrl, request) -> Iterator[DatabaseUrl]:
    """A migrated database on the server's own clock (the production default)."""
    url = create_database(server_url, request.module.__name__.rsplit(".", 1)[-1] + "_server_clock")
    yield migrate(url, session_clock=False)
    drop_database(url)


ACCOUNT_PASSWORDS = {
    "app": "app-secret-1",
    "admin": "admin-secret-1",
    "analyst": "analyst-secret-1",
    "migrator": "migrator-secret-1",
}


@contextmanager
def database_accounts(url: DatabaseUrl) -> Iterator[dict[str, DatabaseUrl]]:
    """The four accounts of CONTRACT.md on `url`'s database (through `travel accounts`), as URLs
    keyed app, admin, analyst, migrator; dropped afterwards. Accounts are server-wide: one
    database's accounts at a time."""
    from click.testing import CliRunner

    from harness.cli import cli

    args = ["--database-url", url.unmasked(), "accounts"]
    for name, password in ACCOUNT_PASSWORDS.items():
        args += [f"--{name}-password", password]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "secret" not in result.output  # passwords are never printed
    try:
        yield {name: replace(url, user=f"travel_{name}", password=pw) for name, pw in ACCOUNT_PASSWORDS.items()}
    finally:
        conn = connect(url, autocommit=True)
        for name in ACCOUNT_PASSWORDS:
            conn.cursor().execute(f"DROP USER IF EXISTS 'travel_{name}'@'%'")
        conn.close()
