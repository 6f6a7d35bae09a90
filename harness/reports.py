"""Saved reports: `queries/*.sql`, each opening with a header that describes it completely.

    -- name: revenue
    -- title: Gross takings, refunds and net revenue by period and currency
    -- param: date_from   DATE -12m first day included (UTC)
    -- param: granularity CHOICE(day|week|month) month length of a period
    -- column: period     DATE  first day of the period
    -- column: gross      MONEY payments taken in the period
    -- chart: line x=period y=gross,net series=currency
    -- example: date_from=2026-01-01 date_to=2026-06-30
    --
    -- Free text after the fields describes the report (shown by `travel report NAME --help`).

The body is one SELECT (or WITH ... SELECT) with `%(name)s` placeholders, always bound by the
driver. The loader refuses a report whose header and body disagree, and `run` refuses a result
whose columns differ from the header's. docs/reports.md documents the format for report writers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import TravelError
from .relative_dates import DateWordError, resolve, utc_today
from .splitter import split

FIELD = re.compile(r"^--\s*(name|title|param|column|chart|example):\s*(.*)$")
PARAM = re.compile(r"^(\w+)\s+(DATE|INT|TEXT|CHOICE\(([\w|]+)\))\s+(\S+)\s*(.*)$")
COLUMN = re.compile(r"^(\w+)\s+(DATE|DATETIME|TEXT|INT|DECIMAL|MONEY)\s+(\S.*)$")
CHART = re.compile(r"^(line|bar|barh)\s+x=([\w,]+)\s+y=([\w,]+)(?:\s+series=(\w+))?\s*$")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
FIRST_WORD = re.compile(r"^\s*(\w+)")
WRITES_FILES = re.compile(r"\bINTO\s+(OUTFILE|DUMPFILE)\b|\bLOAD_FILE\s*\(", re.IGNORECASE)
NONE = "-"  # a default of "-" means NULL: the report treats it as "no filter"
INT_MAX = 2_147_483_647  # a LIMIT or count beyond this is a typo, and the server would refuse it raw
TEXT_MAX = 200
PARAM_TYPES = ("DATE", "INT", "TEXT", "CHOICE")
# How each column type travels: JSON numbers only for whole counts; exact decimals as strings
# (CONTRACT.md: money and decimals are strings); dates ISO 8601.
COLUMN_TYPES = {
    "DATE": "a day, ISO 8601 (2026-03-01)",
    "DATETIME": "a UTC time, ISO 8601 (2026-03-01T10:05:00)",
    "TEXT": "text",
    "INT": "a whole number (a count); a JSON number",
    "DECIMAL": "an exact decimal (a ratio, a percentage, an average); a JSON string",
    "MONEY": "an amount of money, 2 decimals, in the row's currency; a JSON string",
}


class ReportError(TravelError):
    """A report file is malformed, or a parameter value is bad; the message says which."""

    code = "REPORT"


class ParameterError(ReportError):
    """A value given for a parameter is unusable; the message names the parameter."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # DATE, INT, TEXT or CHOICE
    default: str
    description: str
    choices: tuple[str, ...] = ()

    @property
    def type_label(self) -> str:
        return "|".join(self.choices) if self.choices else self.type

    @property
    def ends_range(self) -> bool:
        """`date_to` ends the range `date_from`..`date_to`: a period resolves to its last day."""
        return self.type == "DATE" and self.name.endswith("_to")

    def coerce(self, raw: str | None, today: dt.date) -> Any:
        """A value from the command line (or the default) as the type the SQL expects."""
        text = (self.default if raw is None else raw).strip()
        if text == "" and self.default != NONE:  # NULL would make the SQL silently match nothing
            raise ParameterError(f"parameter {self.name}: empty; give a value or leave it out for {self.default}")
        if text in (NONE, ""):
            return None
        if self.type == "DATE":
            try:
                return resolve(text, today=today, end=self.ends_range)
            except DateWordError as err:
                raise ParameterError(f"parameter {self.name}: {err}") from None
        if self.type == "INT":
            if not re.fullmatch(r"\d{1,30}", text) or int(text) > INT_MAX:
                raise ParameterError(f"parameter {self.name}: {text!r} is not a whole number 0..{INT_MAX}")
            return int(text)
        if self.choices and text not in self.choices:
            raise ParameterError(f"parameter {self.name}: {text!r} is not one of {', '.join(self.choices)}")
        if len(text) > TEXT_MAX:
            raise ParameterError(f"parameter {self.name}: longer than {TEXT_MAX} characters")
        return text


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a key of COLUMN_TYPES
    description: str


@dataclass(frozen=True)
class Chart:
    kind: str  # line (over time), bar (categories), barh (ranked labels)
    x: tuple[str, ...]  # several columns make one label ("FRA-CDG")
    y: tuple[str, ...]
    series: str | None = None  # one line or bar group per value of this column (e.g. currency)

    def spec(self) -> str:
        series = f" series={self.series}" if self.series else ""
        return f"{self.kind} x={','.join(self.x)} y={','.join(self.y)}{series}"


@dataclass
class Report:
    name: str
    title: str
    path: Path
    sql: str
    params: list[Param] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    chart: Chart | None = None
    example: dict[str, str] = field(default_factory=dict)
    description: str = ""

    def column_types(self) -> dict[str, str]:
        return {c.name: c.type for c in self.columns}

    def values(self, given: dict[str, str], today: dt.date | None = None) -> dict[str, Any]:
        """Bound values for the SQL: every parameter coerced and checked, ranges in order."""
        known = {p.name for p in self.params}
        unknown = sorted(set(given) - known)
        if unknown:
            raise ParameterError(
                f"report {self.name} has no parameter {', '.join(unknown)}; it takes: {', '.join(sorted(known)) or 'none'}"
            )
        today = today or utc_today()
        values = {p.name: p.coerce(given.get(p.name), today) for p in self.params}
        for start, end in self.ranges():
            if values[start] and values[end] and values[end] < values[start]:
                raise ParameterError(
                    f"parameter {end}: {values[end]} is before {start} {values[start]}; the range is empty"
                )
        return values

    def ranges(self) -> list[tuple[str, str]]:
        """Pairs of DATE parameters `X_from`/`X_to`: the first day and the last day of a range."""
        names = {p.name for p in self.params if p.type == "DATE"}
        starts = sorted(n.removesuffix("_from") for n in names if n.endswith("_from"))
        return [(f"{s}_from", f"{s}_to") for s in starts if f"{s}_to" in names]


@dataclass
class Catalog:
    """Every report that loaded, and for each file that did not, why (one bad file spoils nothing)."""

    reports: dict[str, Report]
    broken: dict[str, str]  # file name -> what is wrong with it


def parse(path: Path) -> Report:
    text = path.read_text(encoding="utf-8")
    fields, description = _header(path, text)
    where = path.name
    names = fields.get("name", [])
    if names != [path.stem]:
        raise ReportError(f"{where}: header `-- name: {path.stem}` missing or different from the file name")
    if not fields.get("title"):
        raise ReportError(f"{where}: header `-- title:` missing")
    params = [_param(path, spec) for spec in fields.get("param", [])]
    columns = [_column(path, spec) for spec in fields.get("column", [])]
    if not columns:
        raise ReportError(f"{where}: no `-- column: NAME TYPE meaning` lines; every output column is described")
    _check_body(path, text, params)
    report = Report(names[0], fields["title"][0], path, text, params, columns, description=description)
    if fields.get("chart"):
        report.chart = _chart(path, fields["chart"][0], {c.name for c in columns})
    if fields.get("example"):
        report.example = _example(path, fields["example"][0], {p.name for p in params})
    return report


def _header(path: Path, text: str) -> tuple[dict[str, list[str]], str]:
    """The `-- key: value` fields and the free comment text, up to the first line of SQL."""
    fields: dict[str, list[str]] = {}
    prose: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("--"):
            break  # the header ends where the SQL starts
        match = FIELD.match(line)
        if match:
            fields.setdefault(match.group(1), []).append(match.group(2).strip())
        elif line.startswith("--"):
            prose.append(line[2:].strip())
    return fields, "\n".join(prose).strip()


def _check_body(path: Path, text: str, params: list[Param]) -> None:
    where = path.name
    used = set(PLACEHOLDER.findall(text))
    declared = {p.name for p in params}
    if used != declared:
        problems = [f"used but not declared: {', '.join(sorted(used - declared))}"] if used - declared else []
        problems += [f"declared but not used: {', '.join(sorted(declared - used))}"] if declared - used else []
        raise ReportError(f"{where}: header and body disagree ({'; '.join(problems)})")
    statements = split(text)
    first = FIRST_WORD.match(statements[0].sql) if len(statements) == 1 else None
    if not first or first.group(1).upper() not in ("SELECT", "WITH"):
        raise ReportError(f"{where}: a report is one SELECT (or WITH ... SELECT) statement, nothing else")
    if WRITES_FILES.search(text):
        raise ReportError(f"{where}: a report may not read or write server files (INTO OUTFILE, LOAD_FILE)")


def _param(path: Path, spec: str) -> Param:
    match = PARAM.match(spec)
    if not match:
        raise ReportError(
            f"{path.name}: bad parameter line {spec!r}; expected `-- param: NAME DATE|INT|TEXT|CHOICE(a|b) DEFAULT text`"
        )
    name, kind, choices, default, description = match.groups()
    if choices:
        if default != NONE and default not in choices.split("|"):
            raise ReportError(f"{path.name}: bad default: {name} {default!r} is not one of {choices}")
        return Param(name, "CHOICE", default, description, tuple(choices.split("|")))
    param = Param(name, kind, default, description)
    try:
        param.coerce(None, utc_today())  # a default that can never work is the writer's mistake
    except ParameterError as err:
        raise ReportError(f"{path.name}: bad default: {err}") from None
    return param


def _column(path: Path, spec: str) -> Column:
    match = COLUMN.match(spec)
    if not match:
        raise ReportError(
            f"{path.name}: bad column line {spec!r}; expected `-- column: NAME {'|'.join(COLUMN_TYPES)} meaning`"
        )
    return Column(*match.groups())


def _chart(path: Path, spec: str, columns: set[str]) -> Chart:
    match = CHART.match(spec)
    if not match:
        raise ReportError(
            f"{path.name}: bad chart line {spec!r}; expected `-- chart: line|bar|barh x=COL[,COL] y=COL[,COL] [series=COL]`"
        )
    kind, x, y, series = match.groups()
    chart = Chart(kind, tuple(x.split(",")), tuple(y.split(",")), series)
    missing = sorted({*chart.x, *chart.y, *([series] if series else [])} - columns)
    if missing:
        raise ReportError(f"{path.name}: the chart names columns the header does not declare: {', '.join(missing)}")
    return chart


def _example(path: Path, spec: str, params: set[str]) -> dict[str, str]:
    pairs = dict(item.split("=", 1) for item in spec.split() if "=" in item)
    if set(pairs) - params:
        raise ReportError(f"{path.name}: the example names unknown parameters {', '.join(sorted(set(pairs) - params))}")
    return pairs


def load_catalog(root: Path) -> Catalog:
    catalog = Catalog({}, {})
    for path in sorted((root / "queries").glob("*.sql")):
        try:
            report = parse(path)
        except (ReportError, OSError, UnicodeDecodeError) as err:
            catalog.broken[path.name] = str(err)
            continue
        catalog.reports[report.name] = report
    return catalog


def load_all(root: Path) -> dict[str, Report]:
    """The reports that load; broken files are left out (see load_catalog for why)."""
    return load_catalog(root).reports


def run(conn, report: Report, values: dict[str, Any]) -> tuple[list[str], list[tuple]]:
    """Rows of the report, read in a read-only transaction that is always rolled back.

    The session is read-only too, so even a statement that commits implicitly (DDL) is refused
    (1792) and leaves nothing behind, whatever account runs it.
    """
    cur = conn.cursor()
    try:
        cur.execute("SET SESSION time_zone = '+00:00'")
        cur.execute("SET SESSION TRANSACTION READ ONLY")
        cur.execute("START TRANSACTION READ ONLY")
        cur.execute(report.sql, values)
        columns = [d[0] for d in cur.description] if cur.description else []
        rows = cur.fetchall() if cur.description else []
    finally:
        conn.rollback()
        cur.execute("SET SESSION TRANSACTION READ WRITE")  # the caller's connection as it was
        cur.close()
    declared = [c.name for c in report.columns]
    if columns != declared:
        raise ReportError(f"{report.path.name}: the query returns columns {columns}, the header declares {declared}")
    return columns, rows
