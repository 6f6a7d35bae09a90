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
from pathlib import Path

import pytest

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


@pytest.fixture(scope="module")
def migrated_url(database_url: DatabaseUrl) -> DatabaseUrl:
    """The module's database with the project's migrations applied."""
    Migrator(database_url, Project(REPO_ROOT), echo=lambda _: None).migrate()
    return database_url
