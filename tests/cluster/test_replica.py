"""Analysts on an asynchronous replica: a payment taken through node 2 reaches the replica of
node 1 (log_slave_updates), and `travel report --replica URL` reads it there."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.cluster import Cluster, Replica, start_replica
from harness.db import connect

pytestmark = pytest.mark.cluster


def fold_reporting_facts(url) -> None:
    """Where the reporting tables are folded in the background (an event), fold now, on the
    primary: the replica runs no events and gets the folded rows by replication."""
    conn = connect(url, autocommit=True)
    cur = conn.cursor()
    cur.execute(
        "SELECT COUNT(*) FROM information_schema.ROUTINES"
        " WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME = 'refresh_reporting_facts'"
    )
    if cur.fetchone()[0]:
        cur.execute("CALL refresh_reporting_facts(2000, 1000, @folded)")
    conn.close()


@pytest.fixture(scope="module")
def replica(cluster: Cluster, cluster_urls) -> Iterator[Replica]:
    started = start_replica(cluster)
    yield started
    started.stop()


def test_a_payment_on_node2_is_reported_from_the_replica(replica: Replica, shops, cluster_urls):
    shop = shops[1]
    trip = shop.trip(price="123.45", capacity=5)
    user = shop.user()
    shop.pay(shop.book(user, trip), user)
    fold_reporting_facts(cluster_urls[0])

    replica.wait_for(cluster_urls[0])
    status = replica.replication()
    assert (status["slave_io_running"], status["slave_sql_running"]) == ("Yes", "Yes"), status
    replica_url = replica.url(cluster_urls[0].database)
    conn = connect(replica_url, autocommit=True)
    cur = conn.cursor()
    cur.execute("SELECT @@server_id, @@read_only, @@event_scheduler")
    assert cur.fetchone() == (100, 1, "OFF")  # its own id, read-only, housekeeping left to the source
    cur.execute(
        "SELECT DISTINCT STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s", (replica_url.database,)
    )
    assert cur.fetchall() == [("SLAVESIDE_DISABLED",)]  # never run here, even with the scheduler on
    conn.close()

    result = CliRunner().invoke(
        cli,
        ["--database-url", cluster_urls[0].unmasked(), "report", "revenue", "--replica", replica_url.unmasked(),
         "-p", "date_from=2031-03-01", "-p", "date_to=2031-03-31", "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert any(row["currency"] == "EUR" and row["gross"] == "123.45" for row in rows), rows
