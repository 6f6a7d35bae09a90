"""`travel lint`, `plan`, `baseline` and `revert` against a real server: algorithms decided on a
scratch copy, destructive changes, refusal in migrate, portability, exit codes and formats."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.db import connect
from harness.drift import validate
from harness.errors import MigrationError
from harness.lint import lint, portability
from harness.migrate import Migrator
from harness.revert import revert, verify

from .test_migrate import PROC, rows, states, write_project

TABLE = (
    "CREATE TABLE r (r_id INT PRIMARY KEY, name VARCHAR(100) NULL, n INT NULL) ENGINE = InnoDB;\n"
    "INSERT INTO r SELECT seq, CONCAT('n', seq), seq FROM seq_1_to_2000;\n"
)
RELEASE = (
    "ALTER TABLE r ADD COLUMN note VARCHAR(10) NULL;\n"
    "CREATE INDEX idx_r_name ON r (name);\n"
    "ALTER TABLE r MODIFY name VARCHAR(50) NULL;\n"
    "ALTER TABLE r DROP COLUMN n;\n"
    "CREATE TABLE z (z_id INT PRIMARY KEY);\n"
)


@pytest.fixture
def released(empty_database, tmp_path):
    project = write_project(tmp_path, {"schema/V0001__r.sql": TABLE})
    Migrator(empty_database, project, echo=lambda _: None).migrate()
    (tmp_path / "schema/V0002__release.sql").write_text(RELEASE)
    return Migrator(empty_database, project, echo=lambda _: None)


def test_lint_decides_the_algorithm_on_a_scratch_copy_and_finds_destructive_changes(released):
    report = lint(released)
    verdicts = {v.statement: v for v in report.verdicts}
    assert [(n, v.algorithm, v.risky) for n, v in verdicts.items()] == [
        (1, "instant", False),
        (2, "inplace", False),
        (3, "copy", True),
        (4, "instant", True),
        (5, "new-table", False),
    ]
    # InnoDB's row count is a sampled estimate (1,999 was seen for 2,000 rows): above 1,000, near 2,000
    assert 1800 <= verdicts[1].rows <= 2200 and verdicts[1].table == "r"
    assert verdicts[1].alternative.endswith("ALTER TABLE r ADD COLUMN note VARCHAR(10) NULL, ALGORITHM=INSTANT")
    assert verdicts[3].destructive == ["narrows r.name from varchar(100) to varchar(50)"]
    assert 'pt-online-schema-change --alter "MODIFY name VARCHAR(50) NULL"' in verdicts[3].alternative
    assert verdicts[4].destructive == ["drops column r.n"]
    assert report.exit_code == 3


def test_a_dropped_index_gets_a_real_verdict(empty_database, tmp_path):
    """MariaDB takes no ALGORITHM clause on DROP INDEX: lint tries it as ALTER TABLE instead."""
    project = write_project(tmp_path, {"schema/V0001__r.sql": TABLE + "CREATE INDEX idx_r_n ON r (n);\n"})
    Migrator(empty_database, project, echo=lambda _: None).migrate()
    (tmp_path / "schema/V0002__drop.sql").write_text("DROP INDEX idx_r_n ON r;\n")
    (verdict,) = lint(Migrator(empty_database, project, echo=lambda _: None)).verdicts
    assert verdict.algorithm in ("instant", "inplace") and not verdict.risky and verdict.note is None
    assert "ALTER TABLE r DROP INDEX idx_r_n, ALGORITHM=" in verdict.alternative


def test_migrate_refuses_risky_statements_before_anything_runs(released, empty_database):
    with pytest.raises(MigrationError, match=r"(?s)lint refuses 2 risky statement\(s\).*narrows r.name.*--allow-risky"):
        released.migrate()
    assert states(released)["schema/V0002__release.sql"] == "pending"
    assert rows(
        empty_database,
        "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME = 'note'",
    ) == [(0,)]
    assert released.migrate(allow_risky=True) == 1


def test_lint_and_plan_commands_text_json_markdown_and_exit_codes(released, empty_database):
    def run(*args):
        return CliRunner().invoke(
            cli, ["--database-url", empty_database.unmasked(), "--project", str(released.project.root), *args]
        )

    text = run("lint")
    assert text.exit_code == 3
    assert re.search(r"RISKY schema/V0002__release.sql:3 \[copy\] r \([12],\d{3} rows", text.output)  # an estimate
    assert f"D={empty_database.database},t=r --execute" in text.output
    data = json.loads(run("lint", "--format", "json").stdout)
    assert data["exit_code"] == 3 and data["risky"] == 2
    assert [s["algorithm"] for s in data["statements"]] == ["instant", "inplace", "copy", "instant", "new-table"]
    markdown = run("plan")
    assert markdown.exit_code == 3
    assert "`travel migrate` **refuses** (risky statements; `--allow-risky` to override) 1 file(s):" in markdown.output
    assert re.search(r"\| `schema/V0002__release.sql:3` \| copy \| r \| 2,00\d \| \*\*yes\*\* \|", markdown.output)
    assert "ALTER TABLE r DROP COLUMN n$$" in markdown.output
    plan = json.loads(run("plan", "--format", "json").stdout)
    assert plan["migrate_would_refuse"] is True
    assert plan["files"][0]["script"] == "schema/V0002__release.sql" and len(plan["files"][0]["sql"]) == 5
    assert run("migrate", "--allow-risky").exit_code == 0
    assert run("lint").exit_code == 0
    assert "Up to date" in run("plan").output


def test_portability_findings_in_every_file(tmp_path):
    project = write_project(
        tmp_path,
        {
            "schema/V0001__a.sql": "CREATE TABLE a (a_id INT PRIMARY KEY, doc JSON, "
            "u CHAR(36) DEFAULT UUID()) ENGINE = InnoDB;\n",
            "procedures/p.sql": "DROP PROCEDURE IF EXISTS p;\nDELIMITER $$\nCREATE OR REPLACE PROCEDURE p()\n"
            "BEGIN\n  DECLARE v DATETIME DEFAULT NOW();\n  SELECT doc->>'$.x' FROM a FOR SHARE;\n"
            "  SELECT 'a RETURNING word in a string';\nEND$$\nDELIMITER ;\n",
        },
    )
    found = [(f.script, f.line, f.rule) for f in portability(project)]
    assert found == [
        ("schema/V0001__a.sql", 1, "expression-default"),
        ("procedures/p.sql", 3, "json-arrow"),
        ("procedures/p.sql", 3, "create-or-replace-routine"),
        ("procedures/p.sql", 3, "for-share"),
    ]


# -- baseline -------------------------------------------------------------------------------------
V1 = "CREATE TABLE a (a_id INT PRIMARY KEY) ENGINE = InnoDB;\n"
V2 = "CREATE INDEX idx_a_id_desc ON a (a_id DESC);\n"
V3 = "CREATE TABLE c (c_id INT PRIMARY KEY) ENGINE = InnoDB;\n"


def test_baseline_adopts_a_matching_database_and_migrate_continues(empty_database, tmp_path):
    project = write_project(
        tmp_path, {"schema/V0001__a.sql": V1, "schema/V0002__index.sql": V2, "schema/V0003__c.sql": V3}
    )
    conn = connect(empty_database, autocommit=True)
    conn.cursor().execute("CREATE TABLE a (a_id INT PRIMARY KEY) ENGINE = InnoDB")  # built by hand, no history
    conn.close()
    migrator = Migrator(empty_database, project, echo=lambda _: None)
    with pytest.raises(
        MigrationError, match=r"(?s)does not match the files up to 0002.*index a.idx_a_id_desc is missing"
    ):
        migrator_baseline(migrator, "0002")
    assert migrator_baseline(migrator, "0001") == ["schema/V0001__a.sql"]
    assert states(migrator) == {
        "schema/V0001__a.sql": "applied",
        "schema/V0002__index.sql": "pending",
        "schema/V0003__c.sql": "pending",
    }
    assert migrator.migrate() == 2
    assert validate(migrator).ok
    with pytest.raises(MigrationError, match="already has a migration history"):
        migrator_baseline(migrator, "0003")


def migrator_baseline(migrator, version):
    from harness.baseline import baseline

    return baseline(migrator, version)


# -- revert ---------------------------------------------------------------------------------------
U2 = "DROP INDEX idx_a_id_desc ON a;\n"
U3 = "DROP TABLE c;\n"


def test_revert_runs_undo_files_newest_first_and_migrate_reapplies(empty_database, tmp_path):
    project = write_project(
        tmp_path,
        {
            "schema/V0001__a.sql": V1,
            "schema/V0002__index.sql": V2,
            "schema/U0002__index.sql": U2,
            "schema/V0003__c.sql": V3,
            "schema/U0003__c.sql": U3,
            "procedures/count_a.sql": PROC,  # the latest version's revert must not count repeatables as drift
        },
    )
    migrator = Migrator(empty_database, project, echo=lambda _: None)
    migrator.migrate()
    with pytest.raises(MigrationError, match=r"no undo file for schema/V0001__a.sql"):
        revert(migrator, "0")
    assert revert(migrator, "0001", allow_risky=True) == ["schema/U0003__c.sql", "schema/U0002__index.sql"]
    assert states(migrator) == {
        "schema/V0001__a.sql": "applied",
        "schema/V0002__index.sql": "pending",
        "schema/V0003__c.sql": "pending",
        "procedures/count_a.sql": "applied",
    }
    assert validate(migrator).ok
    assert migrator.migrate() == 2
    assert validate(migrator).ok
    assert verify(migrator) == []


def test_validate_revert_catches_an_undo_file_that_does_not_undo(empty_database, tmp_path):
    project = write_project(
        tmp_path,
        {"schema/V0001__a.sql": V1, "schema/V0002__index.sql": V2, "schema/U0002__index.sql": "DO 1;\n"},
    )
    migrator = Migrator(empty_database, project, echo=lambda _: None)
    migrator.migrate()
    problems = verify(migrator)
    assert problems[0].startswith(
        "revert of schema/V0002__index.sql: drift: index a.idx_a_id_desc exists in the live schema but in no migration"
    )
    result = CliRunner().invoke(
        cli, ["--database-url", empty_database.unmasked(), "--project", str(tmp_path), "validate", "--revert"]
    )
    assert result.exit_code == 1 and "revert of schema/V0002__index.sql" in result.output


def test_migrate_on_a_database_without_history_points_to_baseline(empty_database, tmp_path):
    """Issue 13 problem 5: it failed at V0001 ("Fix the file") and recorded a failed run."""
    project = write_project(tmp_path, {"schema/V0001__a.sql": V1, "schema/V0002__index.sql": V2})
    conn = connect(empty_database, autocommit=True)
    conn.cursor().execute("CREATE TABLE a (a_id INT PRIMARY KEY) ENGINE = InnoDB")
    conn.close()
    migrator = Migrator(empty_database, project, echo=lambda _: None)
    with pytest.raises(MigrationError, match=r"has 1 table\(s\) \(a, \.\.\.\) but no migration history: .*baseline"):
        migrator.migrate()
    assert rows(empty_database, "SELECT COUNT(*) FROM schema_history") == [(0,)]
    assert migrator_baseline(migrator, "0001") == ["schema/V0001__a.sql"]
    assert migrator.migrate() == 1


def test_revert_and_repair_interrupted_through_the_cli(empty_database, tmp_path):
    write_project(
        tmp_path,
        {"schema/V0001__a.sql": V1, "schema/V0002__index.sql": V2, "schema/U0002__index.sql": U2},
    )

    def run(*args):
        return CliRunner().invoke(cli, ["--database-url", empty_database.unmasked(), "--project", str(tmp_path), *args])

    assert run("migrate", "--lock-wait", "2", "--lock-retries", "1", "--lease-timeout", "10").exit_code == 0
    result = run("revert", "--target", "0001")
    assert result.exit_code == 0, result.output
    assert "reverted 1 version(s): schema/U0002__index.sql" in result.output
    assert run("revert", "--target", "0").exit_code == 1  # V0001 has no undo file
    assert "valid:" in run("validate", "--revert").output
    assert run("repair", "--interrupted", "maybe").exit_code == 2
    assert "nothing to repair" in run("repair", "--interrupted", "applied").output
