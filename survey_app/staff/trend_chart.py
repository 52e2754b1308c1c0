"""A line chart of monthly (or per-cycle) scores with their intervals, laid out here for an SVG template."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

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
