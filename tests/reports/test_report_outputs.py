"""What an analyst gets out of `travel report`: help from the header, typed JSON, Markdown, a
chart, a self-contained HTML page (rendered by a real headless Chromium), a workbook, and one
clear line when a file cannot be written; a broken query file spoils no other report."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO_ROOT

MARCH = ["-p", "date_from=2026-03-01", "-p", "date_to=2026-03-31"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_report_help_lists_parameters_columns_chart_and_examples(travel):
    result = travel("report", "popular_routes", "--help")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Routes ranked by passengers travelling" in text
    assert re.search(r"date_from\s+DATE\s+-30d\s+first departure day included", text)
    assert re.search(r"mode\s+air\|rail\|bus\s+- \(all\)\s+only trips of this mode", text)
    assert re.search(r"limit\s+INT\s+10\s+how many routes", text)
    assert re.search(r"passengers\s+INT\s+active tickets on trips departing in the range", text)
    assert "Chart: barh x=origin_code,destination_code y=passengers" in text
    assert "travel report popular_routes -p date_from=-30d -p date_to=today --format csv -o popular_routes.csv" in text
    assert "last-month" in text  # the date forms are explained where they are used


def test_report_help_without_a_name_is_the_command_help(travel):
    result = travel("report", "--help")
    assert result.exit_code == 0 and "--chart FILE" in result.stdout and "[NAME]" in result.stdout
    assert travel("report").exit_code == 2
    unknown = travel("report", "nope", "--help")
    assert unknown.exit_code == 2 and "no report named 'nope'" in unknown.output


def test_reports_verbose_describes_every_report(travel):
    text = travel("reports", "--verbose").stdout
    assert text.count("Parameters (-p NAME=VALUE") == 12 and text.count("Columns:") == 12
    described = {r["report"]: r for r in json.loads(travel("reports", "--verbose", "--format", "json").stdout)}
    assert [c["name"] for c in described["revenue"]["columns"]] == ["period", "currency", "gross", "refunds", "net"]
    assert described["revenue"]["parameters"][2] == {
        "name": "granularity",
        "type": "CHOICE",
        "choices": ["day", "week", "month"],
        "default": "month",
        "description": "length of a period (weeks start on Monday)",
    }


def test_json_counts_are_numbers_decimals_and_money_strings(travel):
    rows = json.loads(travel("report", "cancellations", *MARCH, "--format", "json").stdout)
    assert rows[0] == {
        "mode": "air",
        "lead_time": "2-7 days",
        "currency": "EUR",
        "reservations": 2,
        "cancelled": 2,  # SUM() of a condition: a DECIMAL on the server, a count in the header
        "cancellation_pct": "100.0",
        "paid": "300.00",
        "refunded": "300.00",
        "refund_pct": "100.0",
    }
    funnel = json.loads(travel("report", "conversion", *MARCH, "--format", "json").stdout)
    assert funnel[0] == {"stage": "created", "reservations": 8, "pct_of_created": "100.0"}


def test_defaults_run_on_today(travel):
    rows = json.loads(travel("report", "reservation_trends", "--format", "json").stdout)
    today = dt.datetime.now(dt.UTC).date()
    assert len(rows) == 91 and rows[-1]["day"] == today.isoformat()


def test_last_30_days_as_csv_chart_and_page(travel, tmp_path):
    last_30 = ["-p", "date_from=-30d", "-p", "date_to=today"]
    csv_file, svg, page = tmp_path / "r.csv", tmp_path / "r.svg", tmp_path / "r.html"
    assert travel("report", "revenue", *last_30, "--format", "csv", "-o", str(csv_file)).exit_code == 0
    assert csv_file.read_text().startswith("period,currency,gross,refunds,net\n")
    assert travel("report", "revenue", *last_30, "--chart", str(svg)).exit_code == 0
    assert svg.read_text().lstrip().startswith("<?xml") and "no rows for these parameters" in svg.read_text()
    assert travel("report", "revenue", *last_30, "--format", "html", "-o", str(page)).exit_code == 0
    assert "<svg" in page.read_text()


def test_markdown_table(travel):
    lines = travel("report", "conversion", *MARCH, "--format", "md").stdout.splitlines()
    assert lines[:3] == [
        "| stage | reservations | pct_of_created |",
        "|---|---:|---:|",
        "| created | 8 | 100.0 |",
    ]


@pytest.mark.parametrize("suffix", ["svg", "png"])
def test_chart_files(travel, tmp_path, suffix):
    target = tmp_path / f"routes.{suffix}"
    result = travel("report", "popular_routes", *MARCH, "--chart", str(target), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "wrote the chart to" in result.stderr and result.stdout.startswith("origin_code,")
    data = target.read_bytes()
    if suffix == "png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    else:
        text = data.decode()
        for label in ("FRA-CDG", "BERHBF-MUCHBF", "LHR-MAD", "Routes ranked by passengers"):
            assert label in text


def test_chart_is_reproducible(travel, tmp_path):
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    for target in (first, second):
        travel("report", "revenue", *MARCH, "-p", "granularity=day", "--chart", str(target))
    assert first.read_bytes() == second.read_bytes()


def test_xlsx_has_typed_cells_parameters_columns_and_the_chart(travel, tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "revenue.xlsx"
    result = travel("report", "revenue", *MARCH, "--format", "xlsx", "-o", str(target))
    assert result.exit_code == 0, result.output
    book = load_workbook(target)
    assert book.sheetnames == ["rows", "parameters", "columns", "chart"]
    rows = list(book["rows"].values)
    assert rows[0] == ("period", "currency", "gross", "refunds", "net")
    assert rows[1][0] == dt.datetime(2026, 3, 1) and rows[1][1] == "EUR" and rows[1][4] == 295
    assert ("date_from", "2026-03-01", "first day included (UTC)") in list(book["parameters"].values)
    assert len(book["chart"]._images) == 1


def test_html_page_is_self_contained(travel, tmp_path):
    page = tmp_path / "trends.html"
    travel("report", "reservation_trends", *MARCH, "--format", "html", "-o", str(page))
    text = page.read_text()
    assert "<script" not in text  # nothing runs when the page is opened from a mail
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)|url\((?!#)|@import""", text)  # url(#clip) is inline
    assert "<td>2026-03-01</td>" in text and "reservation_trends" in text
    assert '<table id="parameters">' in text and "date_from" in text


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium")
def test_html_page_renders_chart_and_table_in_headless_chromium(travel, tmp_path):
    page = tmp_path / "trends.html"
    assert travel("report", "reservation_trends", *MARCH, "--format", "html", "-o", str(page)).exit_code == 0
    # A copy with a probe that measures what the browser laid out; the page itself has no script.
    probe = page.read_text().replace("</body>", PROBE + "</body>")
    probed = tmp_path / "probed.html"
    probed.write_text(probe)
    dom = _chromium(tmp_path, "--dump-dom", probed.as_uri())
    found = json.loads(re.search(r'data-probe="([^"]*)"', dom).group(1).replace("&quot;", '"'))
    assert found["chart_width"] > 400 and found["chart_height"] > 200
    assert found["lines"] >= 2  # reservations and its moving average
    assert "Reservations made per day" in found["chart_text"]
    assert found["rows"] == 31 and found["row_height"] > 5 and found["first_row"] == "2026-03-01"
    shot = tmp_path / "page.png"
    _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


PROBE = """<script>
const svg = document.querySelector('#chart svg');
const box = svg.getBoundingClientRect();
const rows = document.querySelectorAll('#rows tbody tr');
document.body.setAttribute('data-probe', JSON.stringify({
  chart_width: box.width, chart_height: box.height,
  lines: svg.querySelectorAll('g[id^="line2d"] path').length,
  chart_text: svg.textContent,
  rows: rows.length, row_height: rows[0].getBoundingClientRect().height,
  first_row: rows[0].cells[0].textContent,
}));
</script>"""


def _chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / "chromium-profile"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}", *args]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


@pytest.mark.parametrize(
    "target",
    ["missing-dir/out.csv", "/proc/sys/kernel/ostype" if os.geteuid() == 0 else "read-only.csv", "/dev/full"],
)
def test_output_that_cannot_be_written_is_one_line_exit_1(travel, tmp_path, target):
    path = tmp_path / target if not target.startswith("/") else Path(target)
    if target == "read-only.csv":
        path.write_text("")
        path.chmod(0o444)
    result = travel("report", "conversion", *MARCH, "--format", "csv", "-o", str(path))
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    assert result.output.strip().count("\n") == 0 and f"cannot write {path}:" in result.output


def test_stdout_onto_a_full_disk_is_one_line_exit_1(story_url):
    command = [sys.executable, "-m", "harness", "--database-url", story_url.unmasked(), "--project", str(REPO_ROOT),
               "report", "conversion", *MARCH]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAVEL_ANALYST")}
    with open("/dev/full", "w") as full:
        done = subprocess.run(command, cwd=REPO_ROOT, stdout=full, stderr=subprocess.PIPE, text=True, env=env)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == "Error: cannot write the output: No space left on device"
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_a_broken_report_is_named_and_the_others_still_run(travel, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(REPO_ROOT / "queries", project / "queries")
    (project / "schema").mkdir()
    (project / "queries" / "broken.sql").write_text("-- name: broken\n-- title: Broken\nSELECT %(nope)s\n")
    (project / "queries" / "garbled.sql").write_bytes(b"\xff\xfe not utf-8")
    listed = travel("reports", project=project)
    assert listed.exit_code == 1
    assert "error: queries/broken.sql does not load: broken.sql: no `-- column:" in listed.stderr
    assert "error: queries/garbled.sql does not load" in listed.stderr
    assert "revenue" in listed.stdout and "broken" not in listed.stdout
    ran = travel("report", "revenue", *MARCH, "--format", "json", project=project)
    assert ran.exit_code == 0 and json.loads(ran.stdout)[0]["net"] == "295.00"
    refused = travel("report", "broken", project=project)
    assert refused.exit_code == 1 and "broken.sql: no `-- column:" in refused.output
