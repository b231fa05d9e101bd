"""The breakthrough-curve chart of a river spill as plain inline SVG, drawn on the server.

Concentration (mg/l, logarithmic axis: the peaks of a spill fall by orders of magnitude between
the first border and the sea) against time after the start of the release, one line per border
crossing and chosen point, and the threshold as a dashed horizontal line. No chart library and
no script: the page embeds the ``<svg>`` as it is. The axis titles and legend names are given by
the caller (translated); the numbers are written with the page's number formatter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

#: line colours of the curves, in order (distinguishable, dark enough on white: WCAG 3:1 for graphics)
COLOURS = ("#0b5cad", "#b3261e", "#1b7f3b", "#8a4baf", "#b35c00", "#00758f", "#6b4f2a", "#c2185b")
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 84, 16, 14, 44


@dataclass(frozen=True)
class Curve:
    """One breakthrough curve: its legend name and the concentration (mg/l) at each time."""

    name: str
    mg_l: Sequence[float]


@dataclass(frozen=True)
class Texts:
    """The chart's words in the page's language."""

    time_axis: str  # e.g. "hours after the start"
    value_axis: str  # e.g. "mg/l"
    threshold: str  # e.g. "threshold 0.05 mg/l"
    title: str


def _ticks_log(low: float, high: float) -> list[float]:
    return [10.0 ** k for k in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
            if low <= 10.0 ** k <= high]


def _ticks_time(hours: float) -> list[float]:
    for step in (1, 2, 3, 6, 12, 24, 48, 72, 96, 120, 168, 240, 336):
        if hours / step <= 8:
            return [step * i for i in range(int(hours // step) + 1)]
    return [0.0, hours]


def span_hours(times_s: Sequence[float], curves: Sequence[Curve], threshold: float) -> float:
    """The time the chart shows: until every curve has fallen below a hundredth of the
    threshold after its peak (at least 6 hours, at most the run's horizon)."""
    last = 0.0
    for c in curves:
        for t, v in zip(times_s, c.mg_l, strict=True):
            if v >= threshold / 100.0:
                last = max(last, t)
    horizon = times_s[-1] if len(times_s) else 0.0
    return max(6.0, min(horizon, last * 1.1) / 3600.0)


def svg(times_s: Sequence[float], curves: Sequence[Curve], threshold_mg_l: float,
        texts: Texts, num: Callable[..., str]) -> str:
    """The chart as an ``<svg>`` element (``role="img"``, titled)."""
    hours = span_hours(times_s, curves, threshold_mg_l)
    peaks = [max(c.mg_l, default=0.0) for c in curves]
    high = max([*peaks, threshold_mg_l]) * 2.0
    low = max(min([p for p in peaks if p > 0] + [threshold_mg_l]) / 1000.0, high / 1e7)
    w, h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t_s: float) -> float:
        return LEFT + w * min(t_s / 3600.0, hours) / hours

    def y(v: float) -> float:
        v = min(max(v, low), high)
        return TOP + h * (math.log10(high) - math.log10(v)) / (math.log10(high) - math.log10(low))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="breakthrough" role="img" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" aria-labelledby="chart-title">'
             f'<title id="chart-title">{escape(texts.title)}</title>',
             f'<rect x="{LEFT}" y="{TOP}" width="{w}" height="{h}" fill="#fff" stroke="#5f6b7a"/>']
    for v in _ticks_log(low, high):
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{LEFT + w}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     f'stroke="#d5dbe1"/><text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">'
                     f'{escape(num(v, 6, True))}</text>')
    for t in _ticks_time(hours):
        parts.append(f'<line x1="{x(t * 3600):.1f}" x2="{x(t * 3600):.1f}" y1="{TOP + h}" '
                     f'y2="{TOP + h + 5}" stroke="#5f6b7a"/><text x="{x(t * 3600):.1f}" '
                     f'y="{TOP + h + 18}" text-anchor="middle">{escape(num(t, 0))}</text>')
    parts.append(f'<text x="{LEFT + w / 2}" y="{HEIGHT - 6}" text-anchor="middle">'
                 f'{escape(texts.time_axis)}</text><text x="14" y="{TOP + h / 2}" '
                 f'transform="rotate(-90 14 {TOP + h / 2})" text-anchor="middle">'
                 f'{escape(texts.value_axis)}</text>')
    for i, c in enumerate(curves):
        pts = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in zip(times_s, c.mg_l, strict=True)
                       if t <= hours * 3600.0)
        parts.append(f'<polyline class="curve" data-name="{escape(c.name)}" fill="none" '
                     f'stroke="{COLOURS[i % len(COLOURS)]}" stroke-width="2" points="{pts}"/>')
    ty = y(threshold_mg_l)
    parts.append(f'<line class="threshold" x1="{LEFT}" x2="{LEFT + w}" y1="{ty:.1f}" y2="{ty:.1f}" '
                 f'stroke="#b3261e" stroke-dasharray="6 4" stroke-width="1.5"/>'
                 f'<text x="{LEFT + w - 4}" y="{ty - 5:.1f}" text-anchor="end" fill="#8c1d18">'
                 f'{escape(texts.threshold)}</text></svg>')
    return "".join(parts)


def legend(curves: Sequence[Curve]) -> list[tuple[str, str]]:
    """(colour, name) of each curve, for the legend written by the template."""
    return [(COLOURS[i % len(COLOURS)], c.name) for i, c in enumerate(curves)]
