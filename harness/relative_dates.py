"""Dates as an analyst says them: `today`, `-30d`, `this-month`, `last-quarter`, `2026-03`.

A word names either a day (`today`, `-30d`, `2026-03-01`) or a period (`this-month`, `2026-03`,
`2026`). A period resolves to its first day, or to its last day when it ends a range
(`date_to=last-month` is the last day of last month), so `-p date_from=last-month -p
date_to=last-month` is the whole of last month. Days are UTC days.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

# Dates outside this window are refused: no report means them, and the server's date arithmetic
# (`date_to + INTERVAL 1 DAY`) turns the extremes into NULL or an error instead of a result.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)

OFFSET = re.compile(r"^([+-])(\d{1,6})([dwmy])$")
PERIOD_WORD = re.compile(r"^(this|last|next)-(week|month|quarter|year)$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
YEAR = re.compile(r"^(\d{4})$")
DAY_WORDS = {"today": 0, "yesterday": -1, "tomorrow": 1}

FORMS = (
    "YYYY-MM-DD, today, yesterday, tomorrow, -30d, +2w, -3m, -1y, this-week, last-month, "
    "next-quarter, this-year, YYYY-MM (a month), YYYY (a year)"
)


class DateWordError(ValueError):
    """The text is not a date in any of the accepted forms, or outside the supported window."""


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def resolve(text: str, *, today: dt.date, end: bool = False) -> dt.date:
    """The day `text` names; a period gives its last day when `end`, else its first."""
    word = text.strip().lower()
    first, last = _period(word, today)
    day = last if end else first
    if not EARLIEST <= day <= LATEST:
        raise DateWordError(f"{text!r} is outside the supported dates {EARLIEST}..{LATEST}")
    return day


def _period(word: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if word in DAY_WORDS:
        day = today + dt.timedelta(days=DAY_WORDS[word])
        return day, day
    if match := OFFSET.match(word):
        day = _shift(today, match.group(1), int(match.group(2)), match.group(3))
        return day, day
    if match := PERIOD_WORD.match(word):
        step = {"this": 0, "last": -1, "next": 1}[match.group(1)]
        return _calendar_period(today, match.group(2), step)
    if match := MONTH.match(word):
        start = _date(int(match.group(1)), int(match.group(2)), 1, word)
        return start, _month_end(start)
    if match := YEAR.match(word):
        start = _date(int(match.group(1)), 1, 1, word)
        return start, start.replace(month=12, day=31)
    try:
        day = dt.date.fromisoformat(word)
    except ValueError:
        raise DateWordError(f"{word!r} is not a date; use one of: {FORMS}") from None
    return day, day


def _date(year: int, month: int, day: int, word: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateWordError(f"{word!r} is not a date; use one of: {FORMS}") from None


def _shift(today: dt.date, sign: str, count: int, unit: str) -> dt.date:
    count = -count if sign == "-" else count
    try:
        if unit == "d":
            return today + dt.timedelta(days=count)
        if unit == "w":
            return today + dt.timedelta(weeks=count)
        months = count * (12 if unit == "y" else 1)
        return _add_months(today, months)
    except (OverflowError, ValueError):
        raise DateWordError(f"{sign}{abs(count)}{unit} is outside the supported dates {EARLIEST}..{LATEST}") from None


def _add_months(day: dt.date, months: int) -> dt.date:
    """Same day of the month, clamped to the month's last day (31 March - 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ValueError("year out of range")
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _month_end(start: dt.date) -> dt.date:
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _calendar_period(today: dt.date, unit: str, step: int) -> tuple[dt.date, dt.date]:
    if unit == "week":  # ISO weeks: Monday to Sunday
        start = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=step)
        return start, start + dt.timedelta(days=6)
    if unit == "year":
        start = dt.date(today.year + step, 1, 1)
        return start, start.replace(month=12, day=31)
    months = 3 if unit == "quarter" else 1
    first_month = (today.month - 1) // months * months  # 0-based month opening the period
    start = _add_months(dt.date(today.year, first_month + 1, 1), step * months)
    return start, _month_end(_add_months(start, months - 1))
