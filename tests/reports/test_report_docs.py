"""docs/reports.md is generated from the headers and kept in step by this test; each report's
picture beside it exists and is the chart of that report."""

from __future__ import annotations

import re

from click.testing import CliRunner

from harness.cli import cli
from harness.report_docs import markdown
from harness.reports import load_catalog

from .conftest import REPO_ROOT


def test_docs_reports_md_matches_the_headers():
    committed = (REPO_ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    assert committed == markdown(load_catalog(REPO_ROOT)), "docs/reports.md is stale: run `travel reports --write-docs`"


def test_every_report_is_documented_with_its_chart_from_the_demo():
    text = (REPO_ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    for name, report in load_catalog(REPO_ROOT).reports.items():
        assert f"## {name}\n" in text
        assert report.chart is not None, f"{name} declares no chart"
        picture = REPO_ROOT / "docs" / "reports" / f"{name}.svg"
        assert f"(reports/{name}.svg)" in text and picture.exists(), (
            f"run `travel reports --write-docs --charts` ({name})"
        )
        svg = picture.read_text(encoding="utf-8")
        assert report.title in svg and "no rows for these parameters" not in svg
        assert "date_from 2026-01-01" in svg  # drawn with the report's example on the demo data


def test_the_header_format_is_documented_with_every_type():
    text = (REPO_ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    assert "## Writing a report" in text
    for word in ("`DATE`", "`INT`", "`TEXT`", "`CHOICE(a|b|c)`", "`MONEY`", "`DECIMAL`", "`line`", "`barh`", "series"):
        assert word in text, word


def test_write_docs_writes_the_same_file(tmp_path):
    project = tmp_path / "project"
    (project / "schema").mkdir(parents=True)
    (project / "queries").mkdir()
    for path in (REPO_ROOT / "queries").glob("*.sql"):
        (project / "queries" / path.name).write_text(path.read_text())
    result = CliRunner().invoke(cli, ["--project", str(project), "reports", "--write-docs"])
    assert result.exit_code == 0, result.output
    assert (project / "docs" / "reports.md").read_text() == (REPO_ROOT / "docs" / "reports.md").read_text()
    assert re.search(r"wrote .*docs/reports\.md", result.stderr)
