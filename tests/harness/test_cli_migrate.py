"""`travel migrate|info|validate|repair` as a user runs them: output, formats and exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.db import connect

from .test_migrate import V1, V2, write_project


@pytest.fixture
def run(empty_database, tmp_path):
    write_project(tmp_path, {"schema/V0001__create_a.sql": V1, "schema/V0002__create_b.sql": V2})
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--database-url", empty_database.unmasked(), "--project", str(tmp_path), *args])

    return invoke


def test_migrate_info_validate_round_trip(run):
    result = run("migrate")
    assert result.exit_code == 0, result.output
    assert "applying schema/V0001__create_a.sql (2 statement(s))" in result.output
    assert "applied 2 migration(s)" in result.output
    assert "up to date" in run("migrate").output
    infos = json.loads(run("info", "--format", "json").stdout)
    assert [(r["version"], r["state"], r["statements"]) for r in infos] == [
        ("0001", "applied", "2/2"),
        ("0002", "applied", "1/1"),
    ]
    assert infos[0]["installed_on"][:2] == "20"  # ISO 8601
    csv_lines = run("info", "--format", "csv").stdout.splitlines()
    assert csv_lines[0] == "category,version,description,script,state,installed_on,execution_ms,statements"
    result = run("validate")
    assert result.exit_code == 0 and "valid:" in result.output


def test_validate_exits_1_on_drift(run, empty_database):
    run("migrate")
    conn = connect(empty_database, autocommit=True)
    conn.cursor().execute("ALTER TABLE a ADD COLUMN sneaky INT")
    conn.close()
    result = run("validate")
    assert result.exit_code == 1
    assert "drift: column a.sneaky exists in the live schema but in no migration" in result.output


def test_dry_run_and_target(run):
    result = run("migrate", "--dry-run", "--target", "0001")
    assert result.exit_code == 0
    assert "1 file(s) would be applied" in result.output and "CREATE TABLE a" in result.output
    assert "CREATE TABLE b" not in result.output
    infos = json.loads(run("info", "--format", "json").stdout)
    assert {r["state"] for r in infos} == {"pending"}


def test_errors_and_usage(run):
    assert run("migrate", "--lock-timeout", "-1").exit_code == 2
    assert run("info", "--format", "xml").exit_code == 2
    result = run("migrate", "--target", "0042")
    assert result.exit_code == 1 and "no schema/V0042__*.sql file" in result.output
    result = run("repair")
    assert result.exit_code == 0 and "nothing to repair" in result.output


def test_bad_url_is_a_clear_error():
    result = CliRunner().invoke(cli, ["--database-url", "postgres://x@y/z", "info"])
    assert result.exit_code == 2  # a usage error (CONTRACT.md)
    assert "unsupported database URL scheme 'postgres'" in result.output


def all_command_paths(group=cli, prefix=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from all_command_paths(command, (*prefix, name))
        yield (*prefix, name)


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    paths = list(all_command_paths())
    assert ("migrate",) in paths and ("events", "status") in paths
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output, path


def test_events_status_lists_events_and_warns_when_the_scheduler_is_off(migrated_url):
    result = CliRunner().invoke(
        cli, ["--database-url", migrated_url.unmasked(), "events", "status", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["event"], r["status"], r["schedule"]) for r in rows] == [
        ("expire_lapsed_holds", "ENABLED", "every 1 minute"),
        ("fold_reporting_facts", "ENABLED", "every 10 second"),
        ("purge_old_reservations", "ENABLED", "every 1 day"),
    ]
    # V0020's comment is cut at 64 characters by the server (EVENT_COMMENT is VARCHAR(64))
    assert rows[0]["does"].startswith("Expires lapsed holds under the housekeeping lease")
    # the test server runs with the scheduler off, on purpose
    assert "warning: event_scheduler is OFF" in result.stderr
