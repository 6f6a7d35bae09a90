"""Rows out as a table, CSV or JSON (sqlite-utils style), shared by every listing command."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from collections.abc import Callable, Sequence
from typing import Any

import click
from tabulate import tabulate

FORMATS = ("table", "csv", "json")


def output_options(command: Callable) -> Callable:
    """The one `--format` option every listing command shares."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Output format: an aligned table, CSV with a header row, or a JSON array of objects.",
    )(command)


def json_value(value: Any) -> Any:
    """Money and decimals as strings (never floats), dates and times as ISO 8601."""
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", errors="replace")
    return value


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> str:
    if fmt == "json":
        objects = [{c: json_value(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        return json.dumps(objects, indent=2, ensure_ascii=False)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[json_value(v) for v in row] for row in rows])
        return buffer.getvalue().rstrip("\n")
    return tabulate([[json_value(v) for v in row] for row in rows], headers=list(columns), disable_numparse=True)
