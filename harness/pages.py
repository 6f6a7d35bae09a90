"""A report as one thing to hand over: a self-contained HTML page (parameters, chart, table) or an
Excel workbook (rows with real number and date cells, parameters, column meanings, the chart).

The HTML page has no external reference of any kind (the chart is inline SVG, the style is
inline), so it can be mailed or archived and opens the same anywhere. Every value is escaped.
"""

from __future__ import annotations

import datetime as dt
import decimal
import html
import io
from collections.abc import Mapping, Sequence
from typing import Any

from .charts import ChartError, draw
from .output import NUMERIC_TYPES, json_value
from .reports import Report

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.3em; margin-bottom: 0.2em; }
p.description { color: #444; max-width: 60em; white-space: pre-line; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.7em; text-align: left; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; max-width: 100%; }
figure svg { max-width: 100%; height: auto; }
footer { color: #777; font-size: 0.8em; margin-top: 2em; }
"""


def generated_at() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _shown(value: Any) -> Any:
    """A parameter's value as given; NULL is "no filter"."""
    return "(all)" if value is None else json_value(value)


def html_page(report: Report, columns: Sequence[str], rows: Sequence[Sequence[Any]], params: Mapping[str, Any],
              command: str) -> str:  # fmt: skip
    """One self-contained page: title, description, parameters, chart, table, column meanings."""
    types = report.column_types()
    meanings = {c.name: c.description for c in report.columns}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(report.title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_esc(report.title)}</h1>",
        f'<p class="description">{_esc(report.description)}</p>' if report.description else "",
        '<table id="parameters"><thead><tr><th>parameter</th><th>value</th><th>meaning</th></tr></thead><tbody>',
        *(
            f"<tr><td>{_esc(p.name)}</td><td>{_esc(_shown(params.get(p.name)))}</td><td>{_esc(p.description)}</td></tr>"
            for p in report.params
        ),  # fmt: skip
        "</tbody></table>",
        _figure(report, columns, rows, params),
        f'<table id="rows"><caption>{len(rows)} row(s)</caption><thead><tr>',
        *(f'<th title="{_esc(meanings.get(c))}">{_esc(c)}</th>' for c in columns),
        "</tr></thead><tbody>",
        *_table_rows(columns, rows, types),
        "</tbody></table>",
        '<h2>Columns</h2><dl id="columns">',
        *(f"<dt>{_esc(c.name)} ({_esc(c.type)})</dt><dd>{_esc(c.description)}</dd>" for c in report.columns),
        "</dl>",
        f"<footer>Report <code>{_esc(report.name)}</code>, generated {generated_at()} by "
        f"<code>{_esc(command)}</code>. Dates are UTC.</footer>",
        "</body></html>",
    ]
    return "\n".join(part for part in parts if part)


def _figure(report: Report, columns, rows, params) -> str:
    try:
        svg = draw(report, columns, rows, params, "svg").decode("utf-8")
    except ChartError:
        return ""
    svg = svg[svg.index("<svg") :]  # inline: no XML declaration or DOCTYPE inside HTML
    return f'<figure id="chart">{svg}</figure>'


def _table_rows(columns, rows, types) -> list[str]:
    kinds = [types.get(c) for c in columns]
    lines = []
    for row in rows:
        cells = [
            f'<td class="num">{_esc(json_value(v, k))}</td>'
            if k in NUMERIC_TYPES
            else f"<td>{_esc(json_value(v, k))}</td>"
            for v, k in zip(row, kinds, strict=True)
        ]
        lines.append("<tr>" + "".join(cells) + "</tr>")
    return lines


def xlsx_workbook(report: Report, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                  params: Mapping[str, Any]) -> bytes:  # fmt: skip
    """Sheets `rows` (typed cells), `parameters`, `columns` and `chart` (when the report has one)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "rows"
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    types = report.column_types()
    kinds = [types.get(c) for c in columns]
    for r, row in enumerate(rows, start=2):
        for c, (value, kind) in enumerate(zip(row, kinds, strict=True), start=1):
            _typed_cell(sheet.cell(row=r, column=c), value, kind)
    sheet.freeze_panes = "A2"
    _text_sheet(book, "parameters", ["parameter", "value", "meaning"],
                [(p.name, _shown(params.get(p.name)), p.description) for p in report.params]
                + [("report", report.name, report.title), ("generated", generated_at(), "")])  # fmt: skip
    _text_sheet(
        book, "columns", ["column", "type", "meaning"], [(c.name, c.type, c.description) for c in report.columns]
    )
    _chart_sheet(book, report, columns, rows, params)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _typed_cell(cell, value: Any, kind: str | None) -> None:
    """Numbers and dates as real cells (they sum and sort); text always as text, never a formula."""
    if value is None:
        return
    if kind in NUMERIC_TYPES or isinstance(value, int | float | decimal.Decimal):
        cell.value = int(value) if kind == "INT" else value
        cell.number_format = "0" if kind == "INT" else ("#,##0.00" if kind == "MONEY" else "General")
    elif isinstance(value, dt.datetime | dt.date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd hh:mm:ss" if isinstance(value, dt.datetime) else "yyyy-mm-dd"
    else:
        cell.value = str(json_value(value))
        cell.data_type = "s"  # openpyxl would store "=..." as a formula


def _text_sheet(book, title: str, header: list[str], rows) -> None:
    sheet = book.create_sheet(title)
    for row in [header, *rows]:
        sheet.append([None] * len(row))
        for c, value in enumerate(row, start=1):
            _typed_cell(sheet.cell(row=sheet.max_row, column=c), value, "TEXT")


def _chart_sheet(book, report: Report, columns, rows, params) -> None:
    from openpyxl.drawing.image import Image

    try:
        png = draw(report, columns, rows, params, "png")
    except ChartError:
        return
    image = Image(io.BytesIO(png))
    book.create_sheet("chart").add_image(image, "A1")
