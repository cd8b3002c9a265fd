"""The pieces of the run-time section: trends, the days of a window, the chart's scale, sparklines."""

from __future__ import annotations

import datetime as dt

import pytest

from migrate.report.chart import nice_ceiling
from migrate.report.eventstore import Window
from migrate.report.render_markdown import sparkline
from migrate.report.runtime import day_range, trend

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("counts", "direction"),
    [
        ([28, 21, 15, 9, 4, 2], "falling"),
        ([1, 2, 4, 8], "rising"),
        ([10, 11, 9, 10, 10], "flat"),
        ([0, 0, 0], "flat"),
        ([5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5], "flat"),  # a spike at both ends is not a trend
        ([7], "too-little-data"),
        ([], "too-little-data"),
    ],
)
def test_trend_direction(counts: list[int], direction: str) -> None:
    assert trend(counts).direction == direction


def test_trend_slope_and_ends() -> None:
    result = trend([30, 20, 10])
    assert (result.first, result.last, result.change_per_day) == (30, 10, -10.0)


def test_days_of_a_window_are_utc_days_with_an_exclusive_end() -> None:
    window = Window(
        dt.datetime(2026, 3, 1, 22, tzinfo=dt.timezone(dt.timedelta(hours=-4))), dt.datetime(2026, 3, 4, tzinfo=UTC)
    )
    assert day_range([], window) == [dt.date(2026, 3, 2), dt.date(2026, 3, 3)]  # 22:00 at UTC-4 is 02:00 UTC on the 2nd
    assert day_range([], Window()) == []


def test_nice_ceiling() -> None:
    assert [nice_ceiling(value) for value in (0, 1, 3, 7, 10, 11, 28, 99, 101, 4500)] == [
        1,
        1,
        5,
        10,
        10,
        20,
        50,
        100,
        200,
        5000,
    ]


def test_sparkline_scales_to_the_largest() -> None:
    assert sparkline([0, 4, 8]) == "▁▅█"
    assert sparkline([0, 0]) == "▁▁"


def test_a_long_window_sums_days_into_at_most_92_bars() -> None:
    assert sparkline([1] * 92) == "█" * 92
    year = [0] * 365
    year[0], year[364] = 8, 2  # 4 days a bar: 92 bars, the last of one day
    line = sparkline(year)
    assert len(line) == 92 and line[0] == "█" and line[-1] == "▃" and set(line[1:-1]) == {"▁"}
