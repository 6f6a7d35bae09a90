"""Saved reports: `queries/*.sql`, each with a header naming its title and parameters.

    -- name: revenue
    -- title: Gross, refunds and net revenue by period and currency
    -- param: date_from   DATE 2026-01-01 first day included (UTC)
    -- param: granularity CHOICE(day|week|month) month length of a period

The body uses `%(name)s` placeholders, always bound by the driver. The loader refuses a report
whose header and body disagree, so a parameter can be neither forgotten nor invented.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import TravelError

HEADER = re.compile(r"^--\s*(name|title|param):\s*(.*)$")
PARAM = re.compile(r"^(\w+)\s+(DATE|INT|TEXT|CHOICE\(([\w|]+)\))\s+(\S+)\s*(.*)$")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
NONE = "-"  # a default of "-" means NULL: the report treats it as "no filter"


class ReportError(TravelError):
    """A report file is malformed, or a parameter value is bad; the message says which."""

    code = "REPORT"


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # DATE, INT, TEXT or CHOICE
    default: str
    description: str
    choices: tuple[str, ...] = ()

    def coerce(self, raw: str | None) -> Any:
        """A value from the command line (or the default) as the type the SQL expects."""
        text = self.default if raw is None else raw
        if text == NONE or (raw is not None and raw.strip() == ""):
            return None
        try:
            if self.type == "DATE":
                return dt.date.fromisoformat(text)
            if self.type == "INT":
                value = int(text)
                if value < 0:
                    raise ValueError("negative")
                return value
        except ValueError:
            kind = "a date YYYY-MM-DD" if self.type == "DATE" else "a whole number >= 0"
            raise ReportError(f"parameter {self.name}: {text!r} is not {kind}") from None
        if self.choices and text not in self.choices:
            raise ReportError(f"parameter {self.name}: {text!r} is not one of {', '.join(self.choices)}")
        return text

    @property
    def type_label(self) -> str:
        return f"{'|'.join(self.choices)}" if self.choices else self.type


@dataclass
class Report:
    name: str
    title: str
    path: Path
    sql: str
    params: list[Param] = field(default_factory=list)

    def values(self, given: dict[str, str]) -> dict[str, Any]:
        known = {p.name for p in self.params}
        unknown = sorted(set(given) - known)
        if unknown:
            raise ReportError(
                f"report {self.name} has no parameter {', '.join(unknown)}; it takes: {', '.join(sorted(known)) or 'none'}"
            )
        return {p.name: p.coerce(given.get(p.name)) for p in self.params}


def parse(path: Path) -> Report:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        match = HEADER.match(line.strip())
        if not match:
            if line.strip() and not line.strip().startswith("--"):
                break  # the header ends where the SQL starts
            continue
        key, value = match.groups()
        if key == "param":
            params.append(_param(path, value))
        else:
            fields[key] = value.strip()
    where = path.name
    if fields.get("name") != path.stem:
        raise ReportError(f"{where}: header `-- name: {path.stem}` missing or different from the file name")
    if not fields.get("title"):
        raise ReportError(f"{where}: header `-- title:` missing")
    used = set(PLACEHOLDER.findall(text))
    declared = {p.name for p in params}
    if used != declared:
        problems = [f"used but not declared: {', '.join(sorted(used - declared))}"] if used - declared else []
        problems += [f"declared but not used: {', '.join(sorted(declared - used))}"] if declared - used else []
        raise ReportError(f"{where}: header and body disagree ({'; '.join(problems)})")
    return Report(fields["name"], fields["title"], path, text, params)


def _param(path: Path, spec: str) -> Param:
    match = PARAM.match(spec.strip())
    if not match:
        raise ReportError(
            f"{path.name}: bad parameter line {spec!r}; expected `-- param: NAME DATE|INT|TEXT|CHOICE(a|b) DEFAULT text`"
        )
    name, kind, choices, default, description = match.groups()
    if choices:
        return Param(name, "CHOICE", default, description, tuple(choices.split("|")))
    return Param(name, kind, default, description)


def load_all(root: Path) -> dict[str, Report]:
    return {report.name: report for report in map(parse, sorted((root / "queries").glob("*.sql")))}


def run(conn, report: Report, values: dict[str, Any]) -> tuple[list[str], list[tuple]]:
    cur = conn.cursor()
    try:
        cur.execute("SET SESSION time_zone = '+00:00'")
        cur.execute(report.sql, values)
        columns = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        cur.close()
        conn.rollback()
    return columns, rows
