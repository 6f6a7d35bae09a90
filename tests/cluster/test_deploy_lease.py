"""The deployer lease (harness/lease.py) across nodes: two `travel migrate` started at once on
two nodes; one applies, the other waits, says who holds the lease, and then finds nothing to
do. A data migration runs once (GET_LOCK, node-local on Galera, let both run it)."""

from __future__ import annotations

import threading
import uuid

import pytest

from harness.db import COLLATION, connect, read_your_writes
from harness.migrate import Migrator
from harness.project import Project

pytestmark = pytest.mark.cluster

CREATE = """CREATE TABLE ledger (
    entry_id INT NOT NULL AUTO_INCREMENT,
    note VARCHAR(50) NOT NULL,
    CONSTRAINT pk_ledger PRIMARY KEY (entry_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_520_ci;
"""
# a data migration, slow enough that the second deployer arrives while the first one runs
BACKFILL = "INSERT INTO ledger (note) VALUES ('applied once');\nDO SLEEP(3);\n"


@pytest.fixture
def release(tmp_path, cluster):
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "V0001__create_ledger.sql").write_text(CREATE)
    (tmp_path / "schema" / "V0002__backfill_ledger.sql").write_text(BACKFILL)
    name = f"c_lease_{uuid.uuid4().hex[:6]}"
    conn = connect(cluster.nodes[0].url(""), database=False, autocommit=True)
    conn.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE {COLLATION}")
    conn.close()
    # as `travel migrate --database-url` makes them: read-your-writes on a cluster node
    yield Project(tmp_path), [read_your_writes(node.url(name)) for node in cluster.nodes]
    conn = connect(cluster.nodes[0].url(""), database=False, autocommit=True)
    conn.cursor().execute(f"DROP DATABASE `{name}`")
    conn.close()


def test_two_deployers_on_two_nodes_apply_once(release):
    """A release on a database deployed before (the lease row exists): V0001 is applied
    first by one deployer, then two deployers race to apply the data migration V0002."""
    project, urls = release
    assert Migrator(urls[0], project, echo=lambda _: None).migrate(target="0001") == 1
    said: list[list[str]] = [[], []]
    applied: list[int | Exception] = [0, 0]
    barrier = threading.Barrier(2, timeout=60)  # one that never arrives fails the rest, not hangs them

    def deploy(n: int) -> None:
        migrator = Migrator(urls[n], project, echo=said[n].append)
        barrier.wait()
        try:
            applied[n] = migrator.migrate(lock_timeout=60, allow_risky=True)
        except Exception as err:  # noqa: BLE001 - reported by the assertion below
            applied[n] = err

    threads = [threading.Thread(target=deploy, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(applied) == [0, 1], applied  # one applied the data migration, the other nothing
    winner, loser = (0, 1) if applied[0] == 1 else (1, 0)
    waited = [line for line in said[loser] if "waiting for the deployer lease held by" in line]
    assert waited, said[loser]
    assert f":{urls[winner].port}" in waited[0]  # names the holder's node
    assert any("up to date" in line for line in said[loser])

    conn = connect(urls[loser])
    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM ledger")
    assert cur.fetchone()[0] == 1  # the data migration ran once
    cur.execute("SELECT script, COUNT(*), MIN(success) FROM schema_history GROUP BY script ORDER BY script")
    assert cur.fetchall() == [("schema/V0001__create_ledger.sql", 1, 1), ("schema/V0002__backfill_ledger.sql", 1, 1)]
    conn.close()
