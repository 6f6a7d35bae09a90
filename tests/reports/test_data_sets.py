"""The demo data set and the synthetic generator: consistent, reproducible, and useful."""

from __future__ import annotations

import datetime as dt

import pytest

from harness.db import connect
from harness.demo import seed_demo
from harness.migrate import Migrator
from harness.project import Project
from harness.reports import load_all, run
from harness.seed import seed_reference
from harness.synthetic import booking_ref, checksum, generate

from ..conftest import create_database, drop_database
from .conftest import REPO_ROOT

DEMO_LAST_DAY = dt.date(2026, 6, 30)


@pytest.fixture
def fresh(server_url, request):
    url = create_database(server_url, request.node.name)
    Migrator(url, Project(REPO_ROOT), echo=lambda _: None).migrate()
    conn = connect(url)
    seed_reference(conn, REPO_ROOT)
    yield conn
    conn.close()
    drop_database(url)


def count(conn, sql: str) -> int:
    cur = conn.cursor()
    cur.execute(sql)
    (value,) = cur.fetchone()
    cur.close()
    conn.commit()
    return int(value)


def test_demo_is_consistent_shows_in_every_report_and_loads_once(fresh):
    outcomes = seed_demo(fresh, REPO_ROOT, progress=lambda _: None)
    assert outcomes["confirmed"] > 200 and outcomes["expired"] > 20 and outcomes["paid then cancelled"] > 20
    assert outcomes["cancelled by carrier"] == 1
    assert count(fresh, "SELECT COUNT(*) FROM integrity_violations") == 0
    assert count(fresh, "SELECT COUNT(DISTINCT refund_percent) FROM refunds") == 3  # every refund tier
    # Run on the demo's last day, every report's relative defaults (-30d, -12m, today) show data,
    # and so does its documented example.
    for name, report in load_all(REPO_ROOT).items():
        _, rows = run(fresh, report, report.values({}, today=DEMO_LAST_DAY))
        assert rows, f"report {name} is empty on the demo data with its defaults"
        _, rows = run(fresh, report, report.values(report.example))
        assert rows, f"report {name} is empty on the demo data with its example"
    assert seed_demo(fresh, REPO_ROOT, progress=lambda _: None) is None


def generated_checksum(server_url, label: str, seed: int) -> str:
    """Generate 3,000 reservations with `seed` into a database of their own; their checksum."""
    url = create_database(server_url, label)
    conn = None
    try:
        Migrator(url, Project(REPO_ROOT), echo=lambda _: None).migrate()
        conn = connect(url)
        seed_reference(conn, REPO_ROOT)
        generate(conn, 3000, seed=seed, progress=lambda _: None)
        return checksum(conn)
    finally:
        if conn is not None:
            conn.close()  # before the drop, which would wait for this connection's locks
        drop_database(url)


def test_synthetic_is_consistent_and_reproducible(fresh, server_url, request):
    outcomes = generate(fresh, 3000, seed=7, progress=lambda _: None)
    assert sum(outcomes.values()) == 3000
    assert count(fresh, "SELECT COUNT(*) FROM reservations") == 3000
    assert count(fresh, "SELECT COUNT(*) FROM integrity_violations") == 0
    assert 0.05 < outcomes["expired"] / 3000 < 0.2 and outcomes["paid then cancelled"] > 50
    assert count(fresh, "SELECT COUNT(*) FROM reservations WHERE status = 'held'") == 0
    first = checksum(fresh)
    assert generated_checksum(server_url, request.node.name + "_again", seed=7) == first
    assert generated_checksum(server_url, request.node.name + "_other", seed=8) != first


def test_booking_refs_are_unique_and_never_collide_with_procedure_refs():
    refs = {booking_ref(n) for n in range(1, 200_001)}
    assert len(refs) == 200_000
    assert all(len(r) == 6 and r[0] in "01" for r in refs)  # procedures never use 0, 1, I or O


def test_synthetic_dates_end_before_until(fresh):
    generate(fresh, 500, seed=1, until=dt.datetime(2025, 12, 31), progress=lambda _: None)
    assert count(fresh, "SELECT COUNT(*) FROM reservations WHERE created_at > '2025-12-31'") == 0


def test_synthetic_trip_count_and_every_fare_class(fresh):
    generate(fresh, 200, seed=3, trips=400, every_fare_class=True, progress=lambda _: None)
    assert count(fresh, "SELECT COUNT(*) FROM trips") == 400
    assert count(fresh, "SELECT COUNT(*) FROM trip_fares") == 1600
    assert count(fresh, "SELECT COUNT(*) FROM trips WHERE mode <> 'air'") > 0  # rail and bus too
    assert count(fresh, "SELECT COUNT(*) FROM integrity_violations") == 0
