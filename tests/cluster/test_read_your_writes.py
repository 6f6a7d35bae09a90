"""Read-your-writes across nodes: a reservation created through node 1 is found at once
through node 2 when the session sets `wsrep_sync_wait = 1` (harness/db.py), which the harness
and the API do on their own on a cluster (`read_your_writes`)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from harness import procedures as sp
from harness.db import read_your_writes
from harness.errors import NotFound
from tests.procedures.conftest import Shop, open_at

pytestmark = pytest.mark.cluster

TRIES = 300


def stale_reads(writer_url, reader_url, tries: int) -> int:
    """Create `tries` reservations through one node, read each at once through another;
    returns how many the reader did not find."""
    writer, reader = open_at(writer_url), open_at(reader_url)
    shop = Shop(writer_url, writer)
    trip = shop.trip(capacity=tries)
    user = shop.user()
    stale = 0
    for _ in range(tries):
        reservation_id = shop.book(user, trip)
        try:
            sp.get_reservation(reader, reservation_id, user)
        except NotFound:
            stale += 1
    writer.close()
    reader.close()
    return stale


def test_the_harness_asks_for_read_your_writes_on_a_cluster_only(cluster_urls, server_url):
    bare = replace(cluster_urls[1], sync_wait=None)
    assert read_your_writes(bare).sync_wait == 1
    assert read_your_writes(replace(bare, sync_wait=0)).sync_wait == 0  # an explicit choice stays
    assert read_your_writes(server_url).sync_wait is None  # one server: nothing to wait for


def test_no_stale_read_of_300_with_sync_wait(cluster_urls, capsys):
    assert stale_reads(cluster_urls[0], cluster_urls[1], TRIES) == 0
    without = stale_reads(replace(cluster_urls[0], sync_wait=0), replace(cluster_urls[1], sync_wait=0), TRIES)
    with capsys.disabled():  # the contrast, for docs/operations.md (it varies with load; not asserted)
        print(f"\nread-your-writes: 0 of {TRIES} stale with wsrep_sync_wait=1, {without} of {TRIES} without")
