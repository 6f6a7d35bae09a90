"""GET /api/v1/health: database, migrations and event scheduler."""

from __future__ import annotations

import shutil

import pytest

from harness.api import create_app

from .conftest import REPO_ROOT, SECRET


def set_scheduler(shop, state: str) -> None:
    cur = shop.conn.cursor()
    cur.execute(f"SET GLOBAL event_scheduler = {state}")
    cur.close()


def scheduler(shop) -> str:
    return shop.query("SELECT @@GLOBAL.event_scheduler AS s")[0]["s"]


def test_healthy_when_migrated_and_the_scheduler_runs(client, shop):
    before = scheduler(shop)
    try:
        set_scheduler(shop, "ON")
    except Exception as err:  # a shared server may not let the tests change it
        pytest.skip(f"cannot turn the event scheduler on here: {err}")
    try:
        response = client.get("/api/v1/health")
    finally:
        set_scheduler(shop, before)
    assert response.status_code == 200
    body = response.json
    assert {key: body[key] for key in ("status", "database", "migrations", "event_scheduler")} == {
        "status": "ok",
        "database": True,
        "migrations": {"current": True, "not_applied": []},
        "event_scheduler": "ON",
    }


def test_degraded_when_the_scheduler_is_off(client, shop):
    if scheduler(shop) != "OFF":
        pytest.skip("the test server's event scheduler is on")
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json["status"] == "degraded" and response.json["event_scheduler"] == "OFF"
    assert response.json["migrations"]["current"] is True


def test_degraded_when_a_shipped_migration_is_not_applied(booking_url, tmp_path):
    for folder in ("schema", "procedures", "views"):
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder)
    (tmp_path / "schema" / "V9999__not_yet.sql").write_text("SELECT 1;\n")
    (tmp_path / "views" / "integrity_violations.sql").write_text(
        (REPO_ROOT / "views" / "integrity_violations.sql").read_text() + "\n-- edited\n"
    )
    app = create_app(booking_url, jwt_secret=SECRET, project_root=tmp_path)
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    assert response.json["migrations"] == {
        "current": False,
        "not_applied": ["schema/V9999__not_yet.sql (pending)", "views/integrity_violations.sql (pending)"],
    }
