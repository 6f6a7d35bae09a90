"""docs/reports.md, generated from the reports' headers (a test fails when it is stale), and the
pictures beside it: each report's chart drawn from the demo data with the report's example.

    travel reports --write-docs             # docs/reports.md from the headers
    travel seed demo && travel reports --write-docs --charts   # and docs/reports/*.svg
"""

from __future__ import annotations

from pathlib import Path

from .charts import draw
from .relative_dates import FORMS
from .reports import COLUMN_TYPES, Catalog, Report, run

DOC = Path("docs") / "reports.md"
PICTURES = Path("docs") / "reports"

INTRO = """# Saved reports

Generated from the headers of `queries/*.sql` by `travel reports --write-docs`; a test fails when
this file is stale. Each chart is drawn from the demo data (`travel seed demo`) with the report's
example parameters by `travel reports --write-docs --charts`.

Run any report for the last 30 days as CSV, as a chart and as one HTML page to mail:

```sh
travel report revenue -p date_from=-30d -p date_to=today --format csv -o revenue.csv
travel report revenue -p date_from=-30d -p date_to=today --chart revenue.svg
travel report revenue -p date_from=-30d -p date_to=today --format html -o revenue.html
```

`travel report NAME --help` shows what is below for one report; `travel reports --verbose` for
all. Options go after the report name; `--database-url` goes before the command
(`travel --database-url mysql://... report revenue`).
"""

FORMAT = f"""## Output formats

`--format` takes `table` (default), `csv`, `json`, `md` (a Markdown table), `html` (one
self-contained page: parameters, the chart as inline SVG, the table; no external reference) and
`xlsx` (sheets `rows` with number and date cells, `parameters`, `columns`, `chart`). `--chart
FILE.svg` or `FILE.png` also draws the report's chart. `-o FILE` writes to a file.

Each column has a declared type, and every format follows it:

{{types}}

JSON therefore carries counts as numbers and every decimal (money, percentages, averages) as a
string, the same for every row. In CSV, a text cell that starts with `=`, `+`, `-`, `@`, a tab or
a carriage return gets a leading `'` so that a spreadsheet shows it instead of running it as a
formula; number columns are never changed (`-100.00` stays a number). In xlsx, text is always
stored as text.

## Dates

Every DATE parameter takes {FORMS}. A period (`this-month`, `last-quarter`, `2026-03`, `2026`) is
its first day in a `*_from` parameter and its last day in a `*_to` parameter, so
`-p date_from=last-month -p date_to=last-month` is the whole of last month. Days are UTC. Dates
outside 1900-01-01..2999-12-31, or a `*_to` before its `*_from`, are refused (exit 2) with a
message naming the parameter. Defaults are relative (`-30d`, `-12m`, `today`), so a report run
without parameters shows the recent past.

## Who runs a report

Every report runs in a read-only session and a read-only transaction that is rolled back, so a
report can change nothing, not even with DDL. By default it runs as `travel_analyst` (read-only,
no password hashes) on the `--database-url` server when that account's password is known:
`TRAVEL_ANALYST_PASSWORD` (the variable `travel accounts --analyst-password` reads) or the file
`.travel/analyst.password` of the project (mode 0600). `--analyst-url` (or
`TRAVEL_ANALYST_DATABASE_URL`) names another account. Otherwise the report runs as the
`--database-url` account and says so on stderr.

## Writing a report

A report is one file `queries/NAME.sql`: a header of `-- key: value` lines, free comment lines
that describe it, then one `SELECT` (or `WITH ... SELECT`) with `%(name)s` placeholders:

```sql
-- name: revenue
-- title: Gross takings, refunds and net revenue by period and currency
-- param: date_from   DATE -12m  first day included (UTC)
-- param: date_to     DATE today last day included (UTC)
-- param: granularity CHOICE(day|week|month) month length of a period
-- param: mode        CHOICE(air|rail|bus) - only reservations whose first trip is of this mode
-- column: period   DATE  first day of the period
-- column: currency TEXT  ISO 4217 currency of the money columns
-- column: net      MONEY gross - refunds
-- chart: line x=period y=net series=currency
-- example: date_from=2026-01-01 date_to=2026-06-30
--
-- Free text: what the report counts and how (shown by --help and here).
```

- `name`: the file name without `.sql`.
- `title`: one line.
- `param: NAME TYPE DEFAULT meaning`: TYPE is `DATE`, `INT` (0..2147483647), `TEXT` (up to 200
  characters) or `CHOICE(a|b|c)`. DEFAULT is one word; `-` means NULL, which a report reads as
  "no filter" (`%(mode)s IS NULL OR mode = %(mode)s`). A `*_from`/`*_to` pair of DATEs is a range.
- `column: NAME TYPE meaning`, one per output column, in order. TYPE is one of
  {", ".join(f"`{t}`" for t in COLUMN_TYPES)}.
- `chart: KIND x=COL[,COL] y=COL[,COL] [series=COL]`: KIND `line` (over time), `bar` (categories)
  or `barh` (a ranking, top first); several x columns make one label (`FRA-CDG`); `series` draws
  one line or bar group per value (per currency).
- `example: NAME=VALUE ...`: parameters that show the report on the demo data (used for the
  pictures here and in `--help`).

The driver binds the placeholders, so a literal `%` in the SQL is written `%%` (`LIKE 'FRA%%'`).
The loader refuses a file whose header and body disagree (a placeholder not declared, a parameter
not used), a body that is not exactly one SELECT, `INTO OUTFILE`/`LOAD_FILE`, and a chart naming
undeclared columns; running refuses a result whose columns differ from the header. A broken file
is named by `travel reports` (exit 1) and by `travel report` for that name; the others still run.
After adding a report, run `travel reports --write-docs` (and `--charts` on the demo data).
"""


def markdown(catalog: Catalog) -> str:
    types = "\n".join(f"- `{name}`: {meaning}" for name, meaning in COLUMN_TYPES.items())
    parts = [INTRO, _index(catalog), FORMAT.replace("{types}", types)]
    parts += [_section(report) for report in catalog.reports.values()]
    return "\n".join(parts).rstrip() + "\n"


def _index(catalog: Catalog) -> str:
    lines = ["| report | what it shows |", "|---|---|"]
    lines += [f"| [`{r.name}`](#{r.name}) | {r.title} |" for r in catalog.reports.values()]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _default(default: str) -> str:
    return "`-` (all)" if default == "-" else f"`{default}`"


def _section(report: Report) -> str:
    lines = [f'<a id="{report.name}"></a>', f"## {report.name}", "", f"**{report.title}**", ""]
    if report.description:
        lines += [" ".join(report.description.split()), ""]
    if report.params:
        lines += ["| parameter | type | default | meaning |", "|---|---|---|---|"]
        lines += [
            f"| `{p.name}` | {_cell(p.type_label)} | {_default(p.default)} | {_cell(p.description)} |"
            for p in report.params
        ]
        lines.append("")
    lines += ["| column | type | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {c.type} | {_cell(c.description)} |" for c in report.columns]
    lines.append("")
    if report.chart:
        lines += [f"Chart: `{report.chart.spec()}`", "", f"![{report.title}](reports/{report.name}.svg)", ""]
    example = " ".join(f"-p {k}={v}" for k, v in report.example.items())
    lines += ["```sh", f"travel report {report.name} {example}".rstrip(), "```", ""]
    return "\n".join(lines)


def write(root: Path, catalog: Catalog, conn=None) -> list[Path]:
    """Write docs/reports.md; with a connection, each chart too. Returns the files written."""
    doc = root / DOC
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(markdown(catalog), encoding="utf-8")
    written = [doc]
    if conn is not None:
        (root / PICTURES).mkdir(parents=True, exist_ok=True)
        for report in catalog.reports.values():
            if report.chart:
                values = report.values(report.example)
                columns, rows = run(conn, report, values)
                picture = root / PICTURES / f"{report.name}.svg"
                picture.write_bytes(draw(report, columns, rows, values, "svg"))
                written.append(picture)
    return written
