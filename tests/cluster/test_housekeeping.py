"""Housekeeping exactly once across the cluster (schema V0020): the expiry event is enabled and
scheduled on every node, a certified lease row lets one run at a time, and killing the node
that ran last does not stop expiry."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.cluster import Cluster, enable_events_on_every_node
from harness.db import connect
from tests.procedures.conftest import Shop, open_at

from .conftest import violations_on_every_node

pytestmark = pytest.mark.cluster

EVERY_S = 2  # the test's expiry period; the event fires every second on every node


def rows(url, sql: str, *args) -> list[dict]:
    conn = connect(url, autocommit=True)
    cur = conn.cursor(dictionary=True)
    cur.execute(sql, args)
    found = cur.fetchall()
    conn.close()
    return found


def execute(url, *statements: str) -> None:
    conn = connect(url, autocommit=True)
    cur = conn.cursor()
    for statement in statements:
        cur.execute(statement)
    conn.close()


def lapsed_holds(url, count: int) -> list[int]:
    """`count` holds made an hour ago (session clock), so they lapsed 45 minutes ago by the
    server's real clock, which the events use."""
    past = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) - dt.timedelta(hours=1)
    conn = open_at(url, past)
    shop = Shop(url, conn)
    trip = shop.trip(departs=past + dt.timedelta(days=30), capacity=count)
    holds = [shop.book(shop.user(), trip) for _ in range(count)]
    conn.close()
    return holds


def wait_until_expired(url, holds: list[int], timeout: float = 40) -> None:
    marks = ", ".join(str(h) for h in holds)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        (row,) = rows(
            url, f"SELECT COUNT(*) AS n FROM reservations WHERE reservation_id IN ({marks}) AND status = 'held'"
        )
        if row["n"] == 0:
            return
        time.sleep(0.5)
    raise AssertionError(f"{row['n']} of {len(holds)} lapsed holds still held after {timeout}s")


def runs(url) -> list[dict]:
    return rows(
        url,
        "SELECT node, started_at, finished_at FROM housekeeping_runs"
        " WHERE job = 'expire_lapsed_holds' ORDER BY started_at",
    )


def assert_one_at_a_time(found: list[dict]) -> None:
    for before, after in zip(found, found[1:], strict=False):
        assert before["finished_at"] is not None and before["finished_at"] <= after["started_at"], (before, after)
        # a run is due 0.9 x every_s after the last one started, whichever node takes it
        assert (after["started_at"] - before["started_at"]).total_seconds() >= 0.9 * EVERY_S - 0.01


@pytest.fixture
def fast_expiry(cluster: Cluster, cluster_urls):
    """The expiry event every second on every node (enabled node by node), a 2 s period."""
    first = cluster_urls[0]
    execute(
        first,
        "ALTER EVENT expire_lapsed_holds ON SCHEDULE EVERY 1 SECOND",
        f"UPDATE housekeeping_leases SET every_s = {EVERY_S}, max_run_s = 3 WHERE job = 'expire_lapsed_holds'",
    )
    enable_events_on_every_node(first, echo=lambda _: None)
    for url in cluster_urls:
        execute(url, "SET GLOBAL event_scheduler = ON")
    yield cluster_urls
    for node in cluster.running():
        execute(node.url(""), "SET GLOBAL event_scheduler = OFF")
    cluster.start(database="")  # a node a test killed comes back
    execute(cluster.nodes[0].url(first.database), "ALTER EVENT expire_lapsed_holds ON SCHEDULE EVERY 1 MINUTE")
    # a replicated ALTER EVENT leaves the event SLAVESIDE_DISABLED on the other nodes again
    enable_events_on_every_node(first, echo=lambda _: None)


def test_migrate_enables_the_events_on_every_node(cluster_urls):
    for url in cluster_urls:
        statuses = rows(url, "SELECT EVENT_NAME, STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()")
        assert {row["STATUS"] for row in statuses} == {"ENABLED"}, (url.port, statuses)
        assert {row["EVENT_NAME"] for row in statuses} >= {"expire_lapsed_holds", "purge_old_reservations"}


def test_expiry_runs_once_at_a_time_and_survives_the_death_of_its_node(cluster: Cluster, fast_expiry):
    urls = fast_expiry
    holds = [h for url in urls for h in lapsed_holds(url, 10)]
    wait_until_expired(urls[0], holds)
    time.sleep(3 * EVERY_S)  # a few more periods, with nothing left to expire
    before = runs(urls[0])
    assert len(before) >= 3
    assert_one_at_a_time(before)
    (lease,) = rows(urls[0], "SELECT runs FROM housekeeping_leases WHERE job = 'expire_lapsed_holds'")
    assert lease["runs"] == len(before)  # every lease taken is one run: none ran without it

    # kill the node that ran last; the others take over once its lease has lapsed
    last = before[-1]["node"]
    victim = next(n for n in cluster.running() if last.endswith(f":{n.state().port}"))
    victim.kill()
    alive = [url for url in urls if url.port != victim.recorded_port()]
    more = lapsed_holds(alive[0], 10)
    wait_until_expired(alive[0], more)
    after = runs(alive[0])[len(before) :]
    assert after and all(not run["node"].endswith(f":{victim.recorded_port()}") for run in after)
    assert_one_at_a_time(runs(alive[0]))
    assert violations_on_every_node(alive) == [[]] * len(alive)


def test_validate_and_events_status_explain_an_event_disabled_on_one_node(cluster_urls):
    """SLAVESIDE_DISABLED on a node is node-local state, not drift: validate passes and warns,
    events status shows it and says how to fix it; migrate's hook fixes it."""
    url = cluster_urls[2]
    execute(url, "SET SESSION wsrep_on = OFF", "ALTER EVENT purge_old_reservations DISABLE ON SLAVE")
    try:
        validated = CliRunner().invoke(cli, ["--database-url", url.unmasked(), "validate"])
        assert validated.exit_code == 0, validated.output
        assert "purge_old_reservations are SLAVESIDE_DISABLED on this Galera node" in validated.output
        status = CliRunner().invoke(cli, ["--database-url", url.unmasked(), "events", "status"])
        assert status.exit_code == 0, status.output
        assert "SLAVESIDE_DISABLED" in status.output and "travel migrate" in status.output
    finally:
        enabled = enable_events_on_every_node(cluster_urls[0], echo=lambda _: None)
    assert enabled[f"127.0.0.1:{url.port}"] == ["purge_old_reservations"]
    assert enable_events_on_every_node(cluster_urls[0], echo=lambda _: None) == {
        f"127.0.0.1:{u.port}": [] for u in cluster_urls
    }
