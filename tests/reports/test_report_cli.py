"""`travel reports` and `travel report`: formats, output file, and usage errors (exit 2)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from harness.reports import ReportError, load_all, parse

from .conftest import REPO_ROOT

MARCH = ["-p", "date_from=2026-03-01", "-p", "date_to=2026-03-31"]


def test_reports_lists_every_report_with_parameters(travel):
    result = travel("reports", "--format", "json")
    assert result.exit_code == 0
    listed = {r["report"]: r for r in json.loads(result.stdout)}
    assert set(listed) == set(load_all(REPO_ROOT)) and len(listed) >= 12
    assert listed["revenue"]["parameters"] == (
        "date_from DATE=-12m, date_to DATE=today, granularity day|week|month=month, mode air|rail|bus=-"
    )


def test_json_money_as_strings_and_dates_iso(travel):
    result = travel("report", "revenue", *MARCH, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"period": "2026-03-01", "currency": "EUR", "gross": "720.00", "refunds": "425.00", "net": "295.00"},
        {"period": "2026-03-01", "currency": "GBP", "gross": "80.00", "refunds": "0.00", "net": "80.00"},
    ]


def test_csv_has_a_header_row_and_table_aligns(travel):
    rows = list(csv.reader(io.StringIO(travel("report", "conversion", *MARCH, "--format", "csv").stdout)))
    assert rows[0] == ["stage", "reservations", "pct_of_created"]
    assert rows[1] == ["created", "8", "100.0"]
    table = travel("report", "conversion", *MARCH).stdout.splitlines()
    assert table[0].split() == ["stage", "reservations", "pct_of_created"]
    assert table[2].split() == ["created", "8", "100.0"]


def test_output_file(travel, tmp_path):
    target = tmp_path / "trends.csv"
    result = travel("report", "reservation_trends", "-p", "date_from=2026-03-01", "-p", "date_to=2026-03-03",
                    "--format", "csv", "--output", str(target))  # fmt: skip
    assert result.exit_code == 0
    assert "wrote 3 row(s)" in result.stderr
    assert target.read_text().splitlines()[1] == "2026-03-01,2,0.29,"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "nope"], "no report named 'nope'"),
        (["report", "revenue", "-p", "colour=red"], "has no parameter colour"),
        (
            ["report", "revenue", "-p", "date_from=March"],
            "parameter date_from: 'march' is not a date; use one of: YYYY-MM-DD",
        ),
        (["report", "revenue", "-p", "granularity=year"], "'year' is not one of day, week, month"),
        (["report", "top_customers", "-p", "limit=-3"], "parameter limit: '-3' is not a whole number 0..2147483647"),
        (
            ["report", "top_customers", "-p", "limit=18446744073709551616"],
            "parameter limit: '18446744073709551616' is not",
        ),
        (
            ["report", "revenue", "-p", "date_from=0001-01-01", "-p", "date_to=9999-12-31"],
            "parameter date_from: '0001-01-01' is outside the supported dates 1900-01-01..2999-12-31",
        ),
        (["report", "revenue", "-p", "date_from=2026-02-30"], "parameter date_from: '2026-02-30' is not a date"),
        (
            ["report", "revenue", "-p", "date_from=2026-03-10", "-p", "date_to=2026-03-01"],
            "parameter date_to: 2026-03-01 is before date_from 2026-03-10",
        ),
        (["report", "revenue", "-p", "date_from=next-month", "-p", "date_to=last-month"], "parameter date_to:"),
        (["report", "revenue", "--chart", "revenue.pdf"], "--chart revenue.pdf: name a .svg or .png file"),
        (["report", "revenue", "-p", "date_from"], "write KEY=VALUE"),
        (["report", "revenue", "--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_usage_errors_exit_2(travel, args, message):
    result = travel(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_loader_refuses_header_and_body_that_disagree(tmp_path):
    bad = tmp_path / "queries"
    bad.mkdir()
    (bad / "sneaky.sql").write_text(
        "-- name: sneaky\n-- title: Sneaky\n-- param: date_from DATE 2026-01-01 first day\n-- column: a INT a\n"
        "SELECT * FROM payments WHERE created_at >= %(date_from)s AND amount > %(minimum)s\n"
    )
    with pytest.raises(ReportError, match="used but not declared: minimum"):
        parse(bad / "sneaky.sql")
    (bad / "sneaky.sql").write_text("-- name: other\n-- title: T\n-- column: a INT a\nSELECT 1 AS a\n")
    with pytest.raises(ReportError, match="different from the file name"):
        parse(bad / "sneaky.sql")
    (bad / "sneaky.sql").write_text(
        "-- name: sneaky\n-- title: T\n-- column: a INT a\n-- param: x DATE\nSELECT %(x)s\n"
    )
    with pytest.raises(ReportError, match="bad parameter line"):
        parse(bad / "sneaky.sql")
