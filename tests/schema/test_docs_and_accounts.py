"""Generated docs are current; accounts get exactly their privileges; reference seeds load."""

from __future__ import annotations

import mysql.connector
import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.db import connect, is_mariadb
from harness.docs import generate

from ..conftest import REPO_ROOT, database_accounts


def test_committed_erd_and_dictionary_match_the_migrations(migrated_url):
    conn = connect(migrated_url)
    try:
        if not is_mariadb(conn):
            pytest.skip("docs/ is generated on MariaDB; MySQL renders CHECK clauses and defaults differently")
        generated = generate(conn, REPO_ROOT / "docs")
    finally:
        conn.close()
    for path, text in generated.items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run `travel migrate && travel docs`"
    assert "erDiagram" in generated[REPO_ROOT / "docs" / "erd.md"]
    assert 'trips ||--o| flights : "fk_flights_trips"' in generated[REPO_ROOT / "docs" / "erd.md"]
    procedures = generated[REPO_ROOT / "docs" / "procedures.md"]
    for name in ("create_reservation", "pay_reservation", "cancel_reservation", "expire_reservations"):
        assert f"## {name}" in procedures
    assert "`pay_reservation(IN p_reservation_id BIGINT, IN p_user_id BIGINT, IN p_amount DECIMAL(12,2)" in procedures
    assert "Concurrency:" in procedures  # the locking notes of the file headers are there


@pytest.fixture
def accounts(migrated_url):
    with database_accounts(migrated_url) as urls:
        yield urls


def run(url, sql):
    conn = connect(url)
    try:
        cur = conn.cursor()
        cur.execute(sql)
        return cur.fetchall()
    finally:
        conn.close()


def test_app_account_cannot_read_tables_but_can_call_procedures(accounts):
    with pytest.raises(mysql.connector.Error) as caught:
        run(accounts["app"], "SELECT * FROM users")
    assert caught.value.errno == 1142  # SELECT command denied
    conn = connect(accounts["app"])
    try:
        cur = conn.cursor()
        cur.execute("CALL get_login('nobody@example.com')")
        assert cur.fetchall() == []
    finally:
        conn.close()


def test_analyst_reads_everything_but_password_hashes(accounts):
    assert run(accounts["analyst"], "SELECT COUNT(*) FROM fare_classes") == [(4,)]
    assert run(accounts["analyst"], "SELECT COUNT(email) FROM users") == [(0,)]
    assert run(accounts["analyst"], "SELECT COUNT(*) FROM integrity_violations") == [(0,)]
    # the hashes live in a table the analyst has no grant on: no column, join or checksum reaches them
    for sql in (
        "SELECT password_hash FROM user_credentials",
        "SELECT COUNT(*) FROM users JOIN user_credentials USING (user_id)",
        "CHECKSUM TABLE user_credentials",
        "SELECT password_hash FROM users",
    ):
        with pytest.raises(mysql.connector.Error) as caught:
            run(accounts["analyst"], sql)
        assert caught.value.errno in (1142, 1054), sql  # denied, or no such column in users
    with pytest.raises(mysql.connector.Error) as caught:
        run(accounts["analyst"], "DELETE FROM settings")
    assert caught.value.errno == 1142


def test_migrator_owns_the_schema(accounts):
    run(accounts["migrator"], "CREATE TABLE migrator_probe (probe_id INT PRIMARY KEY)")
    run(accounts["migrator"], "DROP TABLE migrator_probe")


def test_accounts_needs_a_password():
    result = CliRunner().invoke(cli, ["--database-url", "mysql://root@127.0.0.1:1/x", "accounts"], env={})
    assert result.exit_code == 2 and "give at least one password" in result.output


def test_seed_reference_is_idempotent(migrated_url):
    runner = CliRunner()
    args = ["--database-url", migrated_url.unmasked(), "--project", str(REPO_ROOT), "seed", "reference"]
    first = runner.invoke(cli, args)
    second = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert first.output == second.output == "fare_classes: 4, refund_rules: 3, stations: 47, carriers: 19\n"
    modes = run(migrated_url, "SELECT mode, COUNT(*) FROM carriers GROUP BY mode ORDER BY mode")
    assert modes == [("air", 8), ("bus", 4), ("rail", 7)]


def test_accounts_on_the_local_server_keep_the_analyst_password_private(tmp_path, monkeypatch):
    """`travel accounts` on the local server writes .travel/analyst.password 0600, where reports
    find it to run as travel_analyst (harness/report_cli.py)."""
    from harness.db import DatabaseUrl
    from harness.report_cli import analyst_account, remember_analyst_password

    monkeypatch.delenv("TRAVEL_ANALYST_PASSWORD", raising=False)
    stored = remember_analyst_password(tmp_path, "analyst-secret-9")
    assert stored == tmp_path / ".travel" / "analyst.password"
    assert stored.stat().st_mode & 0o777 == 0o600
    account = analyst_account(DatabaseUrl(user="root"), tmp_path)
    assert (account.url.user, account.url.password) == ("travel_analyst", "analyst-secret-9")
