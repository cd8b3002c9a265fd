"""The burn-down chart as inline SVG: deprecated calls per day, one stacked bar per day, one colour per rule.

Every bar segment carries its numbers (`data-day`, `data-rule`, `data-count`) and a `<title>` tooltip,
and every bar its total, so the chart can be read (and tested) without measuring pixels.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from html import escape

from migrate.report.model import RuleSeries

WIDTH = 880
HEIGHT = 320
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 24, 44
#: Colour-blind-safe colours (Okabe-Ito, then Tol's muted), one per rule in order.
PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#332288",
    "#88ccee",
    "#117733",
    "#999933",
    "#882255",
)


def colour(index: int) -> str:
    """The colour of the `index`-th rule of the chart."""
    return PALETTE[index % len(PALETTE)]


def burndown_svg(days: Sequence[dt.date], series: Sequence[RuleSeries]) -> str:
    """The chart for `days` (oldest first) and each rule's daily counts (parallel to `days`)."""
    totals = [sum(s.counts[index] for s in series) for index in range(len(days))]
    top = nice_ceiling(max(totals, default=0))
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    slot = plot_w / max(len(days), 1)
    bar = max(slot * 0.7, 1.0)
    out = [
        f'<svg class="burndown" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        'aria-labelledby="burndown-title">',
        '<title id="burndown-title">Deprecated calls per day, stacked by rule</title>',
    ]
    for tick in _ticks(top):
        y = _TOP + plot_h - tick / top * plot_h
        out.append(f'<line class="grid" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="tick" x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    label_every = max(1, math.ceil(len(days) / 12))
    for index, day in enumerate(days):
        x = _LEFT + index * slot + (slot - bar) / 2
        base = float(_TOP + plot_h)
        for number, rule in enumerate(series):
            count = rule.counts[index]
            if not count:
                continue
            height = count / top * plot_h
            base -= height
            out.append(
                f'<rect class="segment" data-day="{day}" data-rule="{escape(rule.rule)}" data-count="{count}" '
                f'x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{height:.1f}" fill="{colour(number)}">'
                f"<title>{day} {escape(rule.rule)}: {count}</title></rect>"
            )
        centre = x + bar / 2
        out.append(
            f'<text class="total" data-day="{day}" x="{centre:.1f}" y="{base - 4:.1f}" text-anchor="middle">'
            f"{totals[index]}</text>"
        )
        if index % label_every == 0:
            out.append(
                f'<text class="day" x="{centre:.1f}" y="{HEIGHT - _BOTTOM + 16}" text-anchor="middle">'
                f"{day:%m-%d}</text>"
            )
    out.append(f'<line class="axis" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{_TOP + plot_h}" y2="{_TOP + plot_h}"/>')
    out.append("</svg>")
    return "".join(out)


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least `value` (1 for 0)."""
    if value <= 1:
        return 1
    power = int(10 ** (len(str(value)) - 1))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _ticks(top: int) -> list[int]:
    step = max(1, top // 5) if top >= 5 else 1
    return list(range(0, top + 1, step))
