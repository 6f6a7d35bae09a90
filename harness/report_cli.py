"""The bodies of `travel reports` and `travel report`: help from the headers, running a report as
the read-only analyst, and writing its rows, chart, page or workbook where asked.

cli.py only parses options and calls these; every failure here is a ReportError (exit 1) or a
ParameterError (a usage error, exit 2), each one line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import shlex
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import mysql.connector
from tabulate import tabulate

from .db import DatabaseUrl, connect
from .output import json_value, render
from .relative_dates import FORMS
from .reports import Catalog, ParameterError, Report, ReportError, load_catalog, run

REPORT_FORMATS = ("table", "csv", "json", "md", "html", "xlsx")
ANALYST = "travel_analyst"
ANALYST_PASSWORD_FILE = Path(".travel") / "analyst.password"
ACCESS_DENIED = 1045


# -- describing ------------------------------------------------------------------------------
def listing(catalog: Catalog, fmt: str, verbose: bool) -> str:
    reports = list(catalog.reports.values())
    if verbose and fmt == "json":
        return json.dumps([describe(r) for r in reports], indent=2, ensure_ascii=False)
    if verbose and fmt == "table":
        return "\n\n".join(report_help(r) for r in reports)
    rows = [(r.name, r.title, ", ".join(f"{p.name} {p.type_label}={p.default}" for p in r.params)) for r in reports]
    return render(["report", "title", "parameters"], rows, fmt)


def describe(report: Report) -> dict[str, Any]:
    """The header as data (`travel reports --verbose --format json`)."""
    return {
        "report": report.name,
        "title": report.title,
        "description": report.description,
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "choices": list(p.choices),
                "default": p.default,
                "description": p.description,
            }
            for p in report.params
        ],
        "columns": [dataclasses.asdict(c) for c in report.columns],
        "chart": report.chart.spec() if report.chart else None,
        "example": report.example,
    }


def report_help(report: Report) -> str:
    """What `travel report NAME --help` prints: everything needed to run it without the SQL."""
    params = [
        (p.name, p.type_label, p.default if p.default != "-" else "- (all)", p.description) for p in report.params
    ]
    columns = [(c.name, c.type, c.description) for c in report.columns]
    lines = [
        f"Usage: travel report {report.name} [-p NAME=VALUE ...] [--format table|csv|json|md|html|xlsx] "
        "[-o FILE] [--chart FILE.svg|FILE.png]",
        "",
        f"  {report.title}",
    ]
    if report.description:
        lines += ["", *(f"  {line}" for line in report.description.splitlines())]
    lines += ["", "Parameters (-p NAME=VALUE; omitted ones take the default):"]
    lines += _indented(tabulate(params, headers=["name", "type", "default", "meaning"], tablefmt="plain"))
    if any(p.type == "DATE" for p in report.params):
        lines += [
            "",
            *textwrap.wrap(
                f"Dates: {FORMS}. A period (this-month, 2026-03) is its first day in *_from, its last day in *_to.",
                width=96,
                initial_indent="  ",
                subsequent_indent="  ",
            ),
        ]
    lines += ["", "Columns:"]
    lines += _indented(tabulate(columns, headers=["name", "type", "meaning"], tablefmt="plain"))
    if report.chart:
        lines += ["", f"Chart: {report.chart.spec()}"]
    lines += ["", "Examples:", *(f"  {example}" for example in examples(report))]
    return "\n".join(lines)


def examples(report: Report) -> list[str]:
    base = f"travel report {report.name}"
    recent = " -p date_from=-30d -p date_to=today" if report.ranges() else ""
    given = " ".join(f"-p {k}={v}" for k, v in report.example.items())
    lines = [f"{base} {given}".rstrip(), f"{base}{recent} --format csv -o {report.name}.csv"]
    if report.chart:
        lines.append(f"{base}{recent} --chart {report.name}.svg")
    lines.append(f"{base}{recent} --format html -o {report.name}.html")
    return lines


def _indented(text: str) -> list[str]:
    return [f"  {line}".rstrip() for line in text.splitlines()]


# -- running ----------------------------------------------------------------------------------
def find(root: Path, name: str) -> Report:
    catalog = load_catalog(root)
    if name in catalog.reports:
        return catalog.reports[name]
    if f"{name}.sql" in catalog.broken:
        raise ReportError(catalog.broken[f"{name}.sql"])
    known = ", ".join(catalog.reports)
    raise ParameterError(f"no report named {name!r}; `travel reports` lists them: {known}")


def parse_params(items: tuple[str, ...]) -> dict[str, str]:
    given = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ParameterError(f"--param {item!r}: write KEY=VALUE")
        given[key.strip()] = value.strip()
    return given


@dataclasses.dataclass(frozen=True)
class Account:
    """Whom a report runs as, and where that choice came from (for the messages)."""

    url: DatabaseUrl
    note: str | None = None  # printed after the rows when not running as the analyst
    password_from: str | None = None  # TRAVEL_ANALYST_PASSWORD or the password file


def remember_analyst_password(root: Path, password: str) -> Path:
    """Keep the local server's analyst password where analyst_account finds it, readable by
    its owner only (created 0600, never briefly wider)."""
    stored = root / ANALYST_PASSWORD_FILE
    stored.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(stored, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(password + "\n")
    return stored


def analyst_account(base: DatabaseUrl, root: Path) -> Account:
    """travel_analyst when its password is known (TRAVEL_ANALYST_PASSWORD, the variable `travel
    accounts` reads, or .travel/analyst.password), else `base` with a note."""
    password, source = os.environ.get("TRAVEL_ANALYST_PASSWORD"), "TRAVEL_ANALYST_PASSWORD"
    stored = root / ANALYST_PASSWORD_FILE
    if not password and stored.is_file():
        if stored.stat().st_mode & 0o077:
            raise ReportError(f"{stored} is readable by other users; `chmod 600 {stored}` first")
        password, source = stored.read_text(encoding="utf-8").strip(), str(stored)
    if password:
        return Account(dataclasses.replace(base, user=ANALYST, password=password), password_from=source)
    if base.user == ANALYST:
        return Account(base)
    return Account(base, note=(
        f"note: running as {base.user}, not the read-only {ANALYST} (no TRAVEL_ANALYST_PASSWORD, "
        f"{ANALYST_PASSWORD_FILE} or --analyst-url); the report still runs in a read-only transaction"
    ))  # fmt: skip


def execute(account: Account, report: Report, values: Mapping[str, Any]):
    try:
        conn = connect(account.url)
    except mysql.connector.Error as err:
        if err.errno == ACCESS_DENIED and account.password_from:
            raise ReportError(
                f"cannot log in as {ANALYST} with the password from {account.password_from}; create the "
                f"account (`travel accounts --analyst-password ...`) or correct the password"
            ) from None
        raise
    try:
        return run(conn, report, dict(values))
    finally:
        conn.close()


def command_line(report: Report, values: Mapping[str, Any], fmt: str) -> str:
    args = ["travel", "report", report.name]
    for name, value in values.items():
        if value is not None:
            args += ["-p", f"{name}={json_value(value)}"]
    return shlex.join([*args, "--format", fmt])


def rendered(report: Report, columns, rows, values: Mapping[str, Any], fmt: str) -> str | bytes:
    if fmt in ("html", "xlsx"):
        from .pages import html_page, xlsx_workbook

        if fmt == "html":
            return html_page(report, columns, rows, values, command_line(report, values, fmt))
        return xlsx_workbook(report, columns, rows, values)
    return render(columns, rows, fmt, report.column_types())


def check_targets(report: Report, fmt: str, output: str | None, chart_file: str | None) -> None:
    """Refuse before running what could only fail after: a chart nobody declared, a picture
    format matplotlib is not asked for, a binary workbook onto a terminal."""
    if chart_file and report.chart is None:
        raise ParameterError(f"--chart: report {report.name} declares no chart")
    if chart_file and Path(chart_file).suffix.lower() not in (".svg", ".png"):
        raise ParameterError(f"--chart {chart_file}: name a .svg or .png file")
    if fmt == "xlsx" and not output and sys.stdout.isatty():
        raise ParameterError("an xlsx workbook is binary: write it to a file with -o FILE.xlsx")


def write_chart(report: Report, columns, rows, values: Mapping[str, Any], path: str) -> None:
    from .charts import ChartError, draw

    suffix = Path(path).suffix.lower().lstrip(".")
    try:
        picture = draw(report, columns, rows, values, suffix)
    except ChartError as err:
        raise ParameterError(f"--chart {path}: {err}") from None
    write_file(path, picture)


def write_file(path: str, content: str | bytes) -> None:
    """Write all of it or say in one line why not (missing directory, permission, disk full)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError as err:
        raise ReportError(f"cannot write {path}: {err.strerror or err}") from None


def write_stdout(content: str | bytes) -> None:
    data = content if isinstance(content, bytes) else (content + "\n").encode("utf-8")
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the reader has what it wanted; Python's advice follows
        _discard_stdout()
    except OSError as err:
        _discard_stdout()  # else the interpreter's last flush fails again, with a traceback
        raise ReportError(f"cannot write the output: {err.strerror or err}") from None


def _discard_stdout() -> None:
    # not a real file (a test runner's buffer): nothing will flush it at exit
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def write_docs(root: Path, catalog: Catalog, connect_to: Callable[[], Any] | None) -> list[Path]:
    """docs/reports.md from the headers; with a connection factory, the charts from its data."""
    from .report_docs import write

    conn = connect_to() if connect_to else None
    try:
        return write(root, catalog, conn)
    finally:
        if conn is not None:
            conn.close()
