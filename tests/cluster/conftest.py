"""A throwaway 3-node Galera cluster on loopback, started once per session for tests marked
`cluster` (harness/cluster.py), and a migrated database on it per module.

Claims about the cluster are raced across its nodes: each node has its own URL, and the URLs
ask for `wsrep_sync_wait = 1` so that a read sees what another node committed before it.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from harness.cluster import GALERA_PROVIDER, Cluster, throwaway_cluster
from harness.db import COLLATION, DatabaseUrl, connect
from harness.seed import seed_reference
from tests.conftest import migrate
from tests.procedures.conftest import Shop, open_at

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """Three Galera nodes (fast: no fsync), events off until a test turns them on."""
    if not Path(GALERA_PROVIDER).exists() or shutil.which("rsync") is None:
        pytest.skip(f"Galera needs {GALERA_PROVIDER} and rsync: sudo apt-get install -y galera-4 rsync")
    local = throwaway_cluster("travel-test-cluster-", nodes=3, fast=True, event_scheduler=False)
    try:
        local.start(database="")
        yield local
    finally:
        local.stop()
        shutil.rmtree(local.base, ignore_errors=True)


def node_urls(cluster: Cluster, database: str) -> list[DatabaseUrl]:
    return [replace(url, sync_wait=1) for url in cluster.urls(database)]


@pytest.fixture(scope="module")
def cluster_urls(cluster: Cluster, request) -> Iterator[list[DatabaseUrl]]:
    """A migrated database with the reference data, on the session clock, as one URL per node."""
    label = re.sub(r"[^a-z0-9]+", "_", request.module.__name__.rsplit(".", 1)[-1].lower())[-30:]
    name = f"c_{label}_{uuid.uuid4().hex[:6]}"
    first = cluster.nodes[0].url("")
    conn = connect(first, database=False, autocommit=True)
    conn.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE {COLLATION}")
    conn.close()
    urls = node_urls(cluster, name)
    migrate(urls[0])
    conn = connect(urls[0])
    seed_reference(conn, REPO_ROOT)
    conn.close()
    yield urls
    conn = connect(first, database=False, autocommit=True)
    conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.close()


@pytest.fixture
def shops(cluster_urls) -> Iterator[list[Shop]]:
    """A Shop (tests/procedures/conftest.py) per node, on the tests' clock."""
    conns = [open_at(url) for url in cluster_urls]
    yield [Shop(url, conn) for url, conn in zip(cluster_urls, conns, strict=True)]
    for conn in conns:
        conn.close()


def violations_on_every_node(urls: list[DatabaseUrl]) -> list[list[dict]]:
    """integrity_violations as each node sees it (after it has applied everything committed)."""
    seen = []
    for url in urls:
        conn = connect(url)
        cur = conn.cursor(dictionary=True)
        cur.execute("SELECT * FROM integrity_violations")
        seen.append(cur.fetchall())
        conn.close()
    return seen
