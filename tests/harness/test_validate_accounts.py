"""Issue 13 problem 9: `travel validate` (and lint, plan) as travel_migrator, on a database
migrated by another account, report no false drift."""

from __future__ import annotations

from dataclasses import replace

from click.testing import CliRunner

from harness.accounts import create_accounts
from harness.cli import cli
from harness.db import connect
from harness.drift import validate
from harness.migrate import Migrator
from harness.project import Project
from tests.conftest import REPO_ROOT


def test_validate_as_travel_migrator_is_clean(migrated_url):
    admin = connect(migrated_url)
    create_accounts(admin, migrated_url.database, {"travel_migrator": "migrator-pw-1"}, "%")
    admin.close()
    as_migrator = replace(migrated_url, user="travel_migrator", password="migrator-pw-1")
    migrator = Migrator(as_migrator, Project(REPO_ROOT), echo=lambda _: None)
    result = validate(migrator)
    assert result.ok, result.problems
    assert migrator.migrate() == 0
    lint = CliRunner().invoke(cli, ["--database-url", as_migrator.unmasked(), "lint"])
    assert lint.exit_code == 0, lint.output


def test_without_the_grant_validate_says_so_once_instead_of_a_line_per_routine(migrated_url):
    admin = connect(migrated_url, autocommit=True)
    create_accounts(admin, migrated_url.database, {"travel_migrator": "migrator-pw-2"}, "%")
    admin.cursor().execute("REVOKE SELECT ON mysql.proc FROM travel_migrator@'%'")
    admin.close()
    as_migrator = replace(migrated_url, user="travel_migrator", password="migrator-pw-2")
    problems = validate(Migrator(as_migrator, Project(REPO_ROOT), echo=lambda _: None)).problems
    assert len(problems) == 1, problems
    assert problems[0].startswith("cannot compare the bodies of ")
    assert "Grant it SELECT ON mysql.proc (MariaDB) or SHOW_ROUTINE (MySQL 8)" in problems[0]
