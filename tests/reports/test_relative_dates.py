"""Relative dates and parameter checks: every form an analyst types, resolved on a fixed day."""

from __future__ import annotations

import datetime as dt

import pytest

from harness.relative_dates import DateWordError, resolve
from harness.reports import ParameterError, load_all

from .conftest import REPO_ROOT

TODAY = dt.date(2026, 3, 31)  # a Tuesday, the last day of a quarter and of a 31-day month


@pytest.mark.parametrize(
    ("word", "start", "end"),
    [
        ("2026-02-14", "2026-02-14", "2026-02-14"),
        ("today", "2026-03-31", "2026-03-31"),
        ("Yesterday", "2026-03-30", "2026-03-30"),
        ("tomorrow", "2026-04-01", "2026-04-01"),
        ("-30d", "2026-03-01", "2026-03-01"),
        ("+2w", "2026-04-14", "2026-04-14"),
        ("-1m", "2026-02-28", "2026-02-28"),  # 31 March less a month: clamped to February's end
        ("-13m", "2025-02-28", "2025-02-28"),
        ("-1y", "2025-03-31", "2025-03-31"),
        ("this-week", "2026-03-30", "2026-04-05"),  # ISO weeks start on Monday
        ("last-week", "2026-03-23", "2026-03-29"),
        ("this-month", "2026-03-01", "2026-03-31"),
        ("last-month", "2026-02-01", "2026-02-28"),
        ("next-month", "2026-04-01", "2026-04-30"),
        ("this-quarter", "2026-01-01", "2026-03-31"),
        ("last-quarter", "2025-10-01", "2025-12-31"),
        ("this-year", "2026-01-01", "2026-12-31"),
        ("last-year", "2025-01-01", "2025-12-31"),
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2025", "2025-01-01", "2025-12-31"),
    ],
)
def test_each_form_resolves_to_its_first_or_last_day(word, start, end):
    assert resolve(word, today=TODAY) == dt.date.fromisoformat(start)
    assert resolve(word, today=TODAY, end=True) == dt.date.fromisoformat(end)


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("March", "'march' is not a date; use one of"),
        ("2026-02-30", "'2026-02-30' is not a date"),
        ("2026-13", "'2026-13' is not a date"),
        ("0001-01-01", "outside the supported dates 1900-01-01..2999-12-31"),
        ("9999-12-31", "outside the supported dates"),
        ("-999999y", "outside the supported dates"),
        ("-30x", "is not a date"),
    ],
)
def test_impossible_dates_are_refused_with_the_accepted_forms(word, message):
    with pytest.raises(DateWordError, match=message):
        resolve(word, today=TODAY)


def test_a_range_of_period_words_covers_whole_periods():
    revenue = load_all(REPO_ROOT)["revenue"]
    values = revenue.values({"date_from": "last-month", "date_to": "last-month"}, today=TODAY)
    assert (values["date_from"], values["date_to"]) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


def test_defaults_follow_the_day_the_report_runs():
    reports = load_all(REPO_ROOT)
    trends = reports["reservation_trends"].values({}, today=TODAY)
    assert (trends["date_from"], trends["date_to"]) == (dt.date(2025, 12, 31), TODAY)  # the last 90 days
    revenue = reports["revenue"].values({}, today=TODAY)
    assert (revenue["date_from"], revenue["date_to"]) == (dt.date(2025, 3, 31), TODAY)  # the last 12 months
    for report in reports.values():  # no report is frozen in a year any more
        assert not any(p.default[:2] in ("19", "20") for p in report.params if p.type == "DATE"), report.name


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "parameter date_to: 2026-03-01 is before date_from"),
        ({"date_from": "+1d"}, "parameter date_to: 2026-03-31 is before date_from 2026-04-01"),
        ({"limit": "18446744073709551616"}, "parameter limit: '18446744073709551616' is not a whole number"),
        ({"limit": "1e3"}, "parameter limit: '1e3' is not a whole number"),
        ({"mode": "boat"}, "parameter mode: 'boat' is not one of air, rail, bus"),
        ({"date_from": " "}, "parameter date_from: empty; give a value or leave it out for -30d"),
    ],
)
def test_bad_values_name_the_parameter(given, message):
    with pytest.raises(ParameterError, match=message):
        load_all(REPO_ROOT)["popular_routes"].values(given, today=TODAY)


def test_an_empty_optional_filter_means_all():
    assert load_all(REPO_ROOT)["popular_routes"].values({"mode": ""}, today=TODAY)["mode"] is None
