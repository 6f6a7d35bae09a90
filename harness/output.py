"""Rows out as a table, CSV, JSON or Markdown (sqlite-utils style), shared by every listing command.

A column may carry a declared type (a report's `-- column:` line): INT cells travel as JSON
numbers, DECIMAL and MONEY cells as exact strings ("120.00", never a float), DATE and DATETIME
as ISO 8601, TEXT as strings. Without a declared type the Python value decides the same way.
CSV text cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first)
get a leading `'`; numbers never do, so -25.00 stays a number.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import click
from tabulate import tabulate

FORMATS = ("table", "csv", "json", "md")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMERIC_TYPES = ("INT", "DECIMAL", "MONEY")


def output_options(command: Callable | None = None, *, formats: Sequence[str] = FORMATS) -> Callable:
    """The one `--format` option every listing command shares (reports add html and xlsx)."""

    def decorate(command: Callable) -> Callable:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(formats),
            default="table",
            show_default=True,
            help="Output format: an aligned table, CSV with a header row, a JSON array of objects, "
            "a Markdown table"
            + (", one HTML page (chart and table) or an Excel workbook." if "html" in formats else "."),
        )(command)

    return decorate(command) if command else decorate


def json_value(value: Any, kind: str | None = None) -> Any:
    """A cell as JSON carries it: counts as numbers, decimals and money as strings, dates ISO 8601."""
    if value is None:
        return None
    if kind == "INT":
        return int(value)
    if kind in ("DECIMAL", "MONEY") or isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", errors="replace")
    if kind == "TEXT":
        return str(value)
    return value


def is_text(value: Any, kind: str | None) -> bool:
    if kind is not None:
        return kind not in NUMERIC_TYPES and kind not in ("DATE", "DATETIME")
    return isinstance(value, str | bytes | bytearray)


def csv_value(value: Any, kind: str | None = None) -> Any:
    """A cell for CSV: as JSON carries it, and a text cell that a spreadsheet would run as a
    formula escaped with a leading single quote (OWASP's advice for CSV injection)."""
    cell = json_value(value, kind)
    if isinstance(cell, str) and is_text(value, kind) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def md_value(value: Any, kind: str | None = None) -> str:
    cell = json_value(value, kind)
    text = "" if cell is None else str(cell)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, types: Mapping[str, str] | None = None
) -> str:
    kinds = [(types or {}).get(c) for c in columns]
    if fmt == "json":
        objects = [{c: json_value(v, k) for c, v, k in zip(columns, row, kinds, strict=True)} for row in rows]
        return json.dumps(objects, indent=2, ensure_ascii=False)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[csv_value(v, k) for v, k in zip(row, kinds, strict=True)] for row in rows])
        return buffer.getvalue().rstrip("\n")
    if fmt == "md":
        lines = ["| " + " | ".join(columns) + " |"]
        lines.append("|" + "|".join("---:" if k in NUMERIC_TYPES else "---" for k in kinds) + "|")
        lines += ["| " + " | ".join(md_value(v, k) for v, k in zip(row, kinds, strict=True)) + " |" for row in rows]
        return "\n".join(lines)
    cells = [["" if v is None else json_value(v, k) for v, k in zip(row, kinds, strict=True)] for row in rows]
    return tabulate(cells, headers=list(columns), disable_numparse=True)
