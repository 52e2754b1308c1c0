"""A line chart of monthly (or per-cycle) scores with their intervals, laid out here for an SVG template."""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

WIDTH, HEIGHT = 640.0, 220.0
LEFT, RIGHT, TOP, BOTTOM = 44.0, 628.0, 12.0, 190.0


@dataclass(frozen=True)
class Mark:
    """One point: x, y of the mean and the y of its interval (None when there is none), and its labels."""

    x: float
    y: float
    y_low: float | None
    y_high: float | None
    label: str
    value: str


@dataclass(frozen=True)
class TrendChart:
    """Everything the SVG needs; ``marks`` skips hidden points, ``x_labels`` lists every period."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    marks: tuple[Mark, ...]
    x_labels: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, str], ...]
    targets: tuple[tuple[float, str], ...]
    path: str


def layout(points: Sequence[tuple[str, float | None, float | None, float | None]]) -> TrendChart | None:
    """Chart of (label, mean, low, high) points in order; None when no point is shown."""
    shown = [p for p in points if p[1] is not None]
    if not shown:
        return None
    lows = [v for p in shown for v in (p[1], p[2]) if v is not None]
    floor = max(0.0, min(70.0, math.floor(min(lows) / 10) * 10))

    def y(value: float) -> float:
        clipped = min(100.0, max(floor, value))
        return BOTTOM - (clipped - floor) / (100.0 - floor) * (BOTTOM - TOP)

    step = (RIGHT - LEFT) / max(1, len(points))
    xs = [LEFT + step * (i + 0.5) for i in range(len(points))]
    marks = tuple(
        Mark(x, y(mean), y(low) if low is not None else None, y(high) if high is not None else None, label,
             f"{mean:.2f}")
        for x, (label, mean, low, high) in zip(xs, points, strict=True)
        if mean is not None
    )  # fmt: skip
    path = " ".join(f"{'M' if i == 0 else 'L'}{m.x:.1f},{m.y:.1f}" for i, m in enumerate(marks))
    ticks = tuple((y(v), f"{v:.0f}") for v in range(int(floor), 101, 10))
    targets = tuple((y(v), label) for v, label in ((85.0, "85"), (95.0, "95")) if v >= floor)
    return TrendChart(
        WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM, marks, tuple(zip(xs, (p[0] for p in points), strict=True)), ticks,
        targets, path,
    )  # fmt: skip


@dataclass(frozen=True)
class Dot:
    """One office in the caterpillar plot: x, y of its score, its interval's ends, and whether it is this one."""

    x: float
    y: float
    y_low: float
    y_high: float
    this: bool


def caterpillar(
    scores: Sequence[tuple[float, float, float, bool]],
) -> tuple[tuple[Dot, ...], TrendChart, Markup] | None:
    """Every ranked office's score and interval, best first, on the trend chart's axes (no names), with the plot's
    interval lines and dots as SVG. The plot without a marked office is kept for the last few sets of scores (a
    thousand offices' layout and marks cost more than the rest of the page's charts, and the scores change only
    with a release); the office's own dot is marked per request."""
    drawn = _unmarked(tuple((m, lo, hi) for m, lo, hi, _this in scores))
    if drawn is None:
        return None
    dots, base, lines = drawn
    mine = next((i for i, (*_score, this) in enumerate(scores) if this), None)
    if mine is not None:
        dot = dataclasses.replace(dots[mine], this=True)
        dots = (*dots[:mine], dot, *dots[mine + 1 :])
        lines = (*lines[:mine], _dot_svg(dot), *lines[mine + 1 :])
    return dots, base, Markup("\n".join(lines))  # noqa: S704 - formatted numbers and constant text only


@functools.lru_cache(maxsize=8)
def _unmarked(
    scores: tuple[tuple[float, float, float], ...],
) -> tuple[tuple[Dot, ...], TrendChart, tuple[str, ...]] | None:
    """The caterpillar of ``scores`` with no office marked: its dots, axes and each dot's SVG."""
    if not scores:
        return None
    base = layout([(str(i), m, lo, hi) for i, (m, lo, hi) in enumerate(scores)])
    if base is None:
        return None
    floor = float(base.y_ticks[0][1])

    def y(value: float) -> float:
        value = value if math.isfinite(value) else 100.0
        clipped = min(100.0, max(floor, value))
        return BOTTOM - (clipped - floor) / (100.0 - floor) * (BOTTOM - TOP)

    step = (RIGHT - LEFT) / len(scores)
    dots = tuple(
        Dot(LEFT + step * (i + 0.5), y(m), y(lo if math.isfinite(lo) else floor), y(hi), False)
        for i, (m, lo, hi) in enumerate(scores)
    )
    return dots, base, tuple(_dot_svg(d) for d in dots)


def _dot_svg(d: Dot) -> str:
    """One office's interval line and dot as SVG, written here rather than by a template loop: at a thousand
    offices the loop was a third of the office page's time. Every value is a formatted number (nothing to
    escape)."""
    return (
        f'<line class="peer-ci" x1="{d.x:.1f}" x2="{d.x:.1f}" y1="{d.y_low:.1f}" y2="{d.y_high:.1f}"/>'
        f'<circle class="peer-dot{" this" if d.this else ""}" cx="{d.x:.1f}" cy="{d.y:.1f}" r="{5 if d.this else 3}"/>'
    )


@dataclass(frozen=True)
class Bar:
    """One bin of the histogram: x, y, width and height of its bar, its label and count."""

    x: float
    y: float
    width: float
    height: float
    label: str
    count: int


def bars(bins: Sequence[tuple[float, int]], width: float = 5.0) -> tuple[Bar, ...]:
    """Bars of a histogram of office scores on a 0–max count axis."""
    top = max((n for _s, n in bins), default=0) or 1
    step = (RIGHT - LEFT) / max(1, len(bins))
    return tuple(
        Bar(LEFT + step * i + 2, BOTTOM - n / top * (BOTTOM - TOP), step - 4, n / top * (BOTTOM - TOP),
            f"{start:.0f}–{start + width:.0f}", n)
        for i, (start, n) in enumerate(bins)
    )  # fmt: skip
