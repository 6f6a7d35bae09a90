"""A report's natural chart (its `-- chart:` line) drawn with matplotlib, as SVG or PNG bytes.

`line` draws y over x (a time axis when x is a DATE column), `bar` draws categories, `barh`
draws a ranking top-down; `series=COL` draws one line or bar group per value of that column
(one per currency, per cohort). The output is byte-for-byte reproducible for the same rows, so
the committed pictures in docs/ change only when the data or the chart does.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.pyplot as plt  # noqa: E402

from .reports import Chart, Report  # noqa: E402

MAX_CATEGORIES = 30  # a ranking longer than this is cut (the table has every row)
STYLE = {
    "svg.fonttype": "none",  # text stays text: small, searchable, selectable
    "svg.hashsalt": "travel-db",  # stable element ids
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


class ChartError(ValueError):
    """The report has no chart, or the format is not one matplotlib is asked for here."""


def draw(report: Report, columns: Sequence[str], rows: Sequence[Sequence[Any]], params: Mapping[str, Any],
         fmt: str) -> bytes:  # fmt: skip
    """The chart as `svg` or `png` bytes."""
    if report.chart is None:
        raise ChartError(f"report {report.name} declares no chart (no `-- chart:` line)")
    if fmt not in ("svg", "png"):
        raise ChartError(f"a chart is written as .svg or .png, not .{fmt}")
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, 4.8 if report.chart.kind != "barh" else _barh_height(rows)))
        try:
            _plot(ax, report.chart, columns, rows, report.column_types())
            fig.suptitle(report.title, fontsize=11, x=0.01, ha="left")
            ax.set_title(_subtitle(params), fontsize=8, loc="left", color="#555555")
            fig.tight_layout()
            buffer = io.BytesIO()
            metadata = {"Date": None} if fmt == "svg" else {"Software": None}
            fig.savefig(buffer, format=fmt, dpi=110, metadata=metadata)
        finally:
            plt.close(fig)
    return buffer.getvalue()


def _barh_height(rows: Sequence[Sequence[Any]]) -> float:
    return min(2 + 0.28 * min(len(rows), MAX_CATEGORIES), 10)


def _subtitle(params: Mapping[str, Any]) -> str:
    shown = [f"{k} {v}" for k, v in params.items() if v is not None]
    return " · ".join(shown) + " · UTC" if shown else "UTC"


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _plot(ax, chart: Chart, columns: Sequence[str], rows: Sequence[Sequence[Any]], types: dict[str, str]) -> None:
    index = {c: i for i, c in enumerate(columns)}
    if not rows:
        ax.text(0.5, 0.5, "no rows for these parameters", ha="center", va="center", transform=ax.transAxes)
        return
    groups = _series(chart, rows, index)
    if chart.kind == "line":
        _lines(ax, chart, groups, index, types)
    else:
        _bars(ax, chart, groups, index, rows)
    if len(groups) * len(chart.y) > 1:
        ax.legend(fontsize=8, frameon=False)


def _series(chart: Chart, rows, index) -> dict[str, list]:
    """Rows grouped by the series column, in order of first appearance ('' when none)."""
    groups: dict[str, list] = {}
    for row in rows:
        key = "" if chart.series is None else str(row[index[chart.series]])
        groups.setdefault(key, []).append(row)
    return groups


def _label(chart: Chart, row, index) -> str:
    return "-".join(str(row[index[c]]) for c in chart.x)


def _name(y: str, series: str, chart: Chart) -> str:
    return " ".join(part for part in (series, y if len(chart.y) > 1 or not series else "") if part)


def _values(chart: Chart, group, y: str, index, position) -> list[float]:
    values = [math.nan] * len(position)
    for row in group:
        label = _label(chart, row, index)
        if label in position:
            values[position[label]] = _number(row[index[y]])
    return values


def _lines(ax, chart: Chart, groups, index, types) -> None:
    (x_column,) = chart.x[:1]
    as_is = len(chart.x) == 1 and types.get(x_column) in ("DATE", "DATETIME", "INT", "DECIMAL")
    for series, rows in groups.items():
        xs = [row[index[x_column]] if as_is else _label(chart, row, index) for row in rows]
        for y in chart.y:
            ax.plot(xs, [_number(row[index[y]]) for row in rows], label=_name(y, series, chart) or y, linewidth=1.4)
    if as_is and types.get(x_column) in ("DATE", "DATETIME"):
        ax.figure.autofmt_xdate()
    ax.set_xlabel("-".join(chart.x))
    ax.set_ylabel(", ".join(chart.y))


def _bars(ax, chart: Chart, groups, index, rows) -> None:
    labels = list(dict.fromkeys(_label(chart, row, index) for row in rows))[:MAX_CATEGORIES]
    position = {label: i for i, label in enumerate(labels)}
    sets = [(series, y, _values(chart, group, y, index, position)) for series, group in groups.items() for y in chart.y]
    # Side by side only when a label has several bars; a ranking of one currency each stays centred.
    side_by_side = any(sum(not math.isnan(values[i]) for _, _, values in sets) > 1 for i in range(len(labels)))
    width = 0.8 / len(sets) if side_by_side else 0.8
    draw_bars = ax.barh if chart.kind == "barh" else ax.bar
    for n, (series, y, values) in enumerate(sets):
        offsets = [i - 0.4 + width * (n + 0.5) if side_by_side else i for i in range(len(labels))]
        draw_bars(offsets, values, width * 0.95, label=_name(y, series, chart) or y)
    if chart.kind == "barh":
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()  # the first row (the top of the ranking) on top
        ax.set_xlabel(", ".join(chart.y))
    else:
        ax.set_xticks(range(len(labels)), labels, rotation=30 if len(labels) > 6 else 0, ha="right")
        ax.set_ylabel(", ".join(chart.y))
    zero_line = ax.axvline if chart.kind == "barh" else ax.axhline
    zero_line(0, color="#888888", linewidth=0.6)
