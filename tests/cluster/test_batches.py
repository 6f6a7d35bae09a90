"""Big data migrations in batches (harness/batches.py) on a cluster, where auto-increment ids
step by the cluster size: ranges are cut at real keys, at most batch_size rows each, every
range its own transaction, and a stopped run resumes from its watermark."""

from __future__ import annotations

import threading

import pytest

from harness.batches import MAX_BATCH, BatchJob, run_batches
from harness.db import connect
from harness.synthetic import generate

pytestmark = pytest.mark.cluster

BACKFILL = (
    "INSERT INTO backfill_copy (reservation_id, total_amount)"
    " SELECT reservation_id, total_amount FROM reservations"
    " WHERE reservation_id > %(lo)s AND reservation_id <= %(hi)s"
)


def test_a_backfill_over_sparse_ids_runs_in_small_ranges_and_resumes(shops, cluster_urls):
    trip = shops[0].trip(capacity=300)
    for n in range(150):  # mostly through node 1, some through node 2: ids step by 3 and leave gaps
        shop = shops[1 if n % 5 == 0 else 0]
        shop.book(shop.user(), trip)
    conn = connect(cluster_urls[0])
    cur = conn.cursor()
    cur.execute("SELECT reservation_id FROM reservations ORDER BY reservation_id")
    ids = [row[0] for row in cur.fetchall()]
    assert ids[-1] - ids[0] + 1 > len(ids)  # not dense: MAX + 1 arithmetic would be wrong here
    cur.execute(
        "CREATE TABLE backfill_copy (reservation_id BIGINT PRIMARY KEY, total_amount DECIMAL(12,2)) ENGINE = InnoDB"
    )
    job = BatchJob("test copy", "reservations", "reservation_id", BACKFILL, batch_size=40)
    ranges: list[tuple[int, int, int]] = []

    first = run_batches(conn, job, max_batches=2, on_batch=lambda lo, hi, n: ranges.append((lo, hi, n)))
    assert (first.batches, first.rows_affected, first.done) == (2, 80, False)  # "stopped" after two
    rest = run_batches(conn, job, on_batch=lambda lo, hi, n: ranges.append((lo, hi, n)))
    assert rest.done and first.rows_affected + rest.rows_affected == len(ids)

    assert all(n <= 40 for _, _, n in ranges)
    assert [lo for lo, _, _ in ranges[1:]] == [hi for _, hi, _ in ranges[:-1]]  # contiguous, no overlap
    cur.execute("SELECT COUNT(*), SUM(total_amount) FROM backfill_copy")
    copied = cur.fetchone()
    cur.execute("SELECT COUNT(*), SUM(total_amount) FROM reservations")
    assert copied == cur.fetchone()
    cur.execute("SELECT batches, rows_affected, finished_at IS NOT NULL FROM batch_watermarks WHERE job_name = %s",
                (job.name,))  # fmt: skip
    assert cur.fetchone() == (len(ranges), len(ids), 1)
    assert run_batches(conn, job).batches == 0  # finished: a rerun does nothing
    cur.execute("DROP TABLE backfill_copy")
    conn.close()


def test_a_batch_is_at_most_ten_thousand_rows():
    with pytest.raises(ValueError):
        BatchJob("too big", "reservations", "reservation_id", BACKFILL, batch_size=MAX_BATCH + 1)
    with pytest.raises(ValueError):
        BatchJob("unbounded", "reservations", "reservation_id", "UPDATE reservations SET status = status")


def test_seed_synthetic_on_one_node_while_another_node_books(shops, cluster_urls):
    """The generator reserves its id blocks past the auto-increment counters (not MAX + 1), so
    bookings taking auto-increment ids on another node at the same time never collide."""
    stop, booked = threading.Event(), []
    shop = shops[1]
    trip, user = shop.trip(capacity=1000), shop.user()

    def book_on_node2() -> None:
        while not stop.is_set():
            booked.append(shop.book(user, trip))

    booker = threading.Thread(target=book_on_node2)
    booker.start()
    conn = connect(cluster_urls[0])
    try:
        outcomes = generate(conn, 400, seed=5, progress=lambda _: None)
    finally:
        stop.set()
        booker.join()
        conn.close()
    assert sum(outcomes.values()) == 400 and booked
    marks = ", ".join(["%s"] * len(booked))
    (found,) = shops[0].query(f"SELECT COUNT(*) AS n FROM reservations WHERE reservation_id IN ({marks})", *booked)
    assert found["n"] == len(booked)  # every booking of node 2 kept its own row
    assert shops[0].violations() == []
