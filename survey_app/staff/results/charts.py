"""Geometry of the dashboards' server-rendered SVG charts (the templates draw them; no JavaScript needed).

Pure functions of numbers: a chart is a viewBox, bars, gridlines and labels in user units. The page's CSP forbids
inline styles, so colours are SVG attributes chosen by class names in the templates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float
    label: str
    kind: str = ""


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    top: float
    plot_width: float
    plot_height: float
    bars: tuple[Bar, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    reference_y: float | None = None
    reference_label: str = ""

    @property
    def bottom(self) -> float:
        return self.top + self.plot_height

    @property
    def right(self) -> float:
        return self.left + self.plot_width

    def bars_svg(self, titles: bool = True) -> Markup:
        """The bars as SVG, the newest marked as today, each with its date and count as a tooltip when ``titles``;
        written here rather than by a template loop (120 bars in two drawings were a tenth of the office page's
        time)."""
        last = len(self.bars) - 1
        return Markup(  # noqa: S704 - formatted numbers and escaped labels only
            "".join(
                f'<rect class="bar{" bar-today" if i == last else ""}" x="{b.x:.2f}" y="{b.y:.2f}" '
                f'width="{b.width:.2f}" height="{b.height:.2f}">'
                + (f"<title>{escape(b.label)}: {int(b.value)}</title>" if titles else "")
                + "</rect>"
                for i, b in enumerate(self.bars)
            )
        )


def nice_max(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ that is at least ``value`` (at least 1)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def _tick_count(maximum: float) -> int:
    """How many steps divide ``maximum`` into whole numbers (4 or 5 when possible)."""
    for count in (4, 5, 2, 1):
        if maximum >= count and float(maximum / count).is_integer():
            return count
    return 4


def _y_ticks(top: float, height: float, maximum: float, count: int | None = None) -> tuple[Tick, ...]:
    count = count or _tick_count(maximum)
    ticks = []
    for i in range(count + 1):
        value = maximum * i / count
        label = f"{value:g}" if value == int(value) else f"{value:.1f}"
        ticks.append(Tick(top + height - height * i / count, label))
    return tuple(ticks)


def daily_chart(
    series: Sequence[tuple[dt.date, int]], date_label: object, *, width: int = 720, height: int = 220,
    needed_per_day: float | None = None, label_every: int = 7,
) -> Chart:  # fmt: skip
    """Bars of responses per day, oldest left; ``date_label(date)`` labels every ``label_every``-th day from the
    newest (phones get a narrower chart with fewer, larger labels).

    ``needed_per_day`` draws a reference line at the daily pace that reaches the required sample in time.
    """
    left, top, right, bottom = 40.0, 12.0, 26.0, 34.0
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([n for _, n in series] + [needed_per_day or 0, 1])
    maximum = nice_max(peak)
    slot = plot_w / max(len(series), 1)
    bars, x_ticks = [], []
    for i, (day, n) in enumerate(series):
        h = plot_h * n / maximum
        x = left + i * slot
        bars.append(Bar(x + slot * 0.12, top + plot_h - h, slot * 0.76, h, n, day.isoformat()))
        if (len(series) - 1 - i) % label_every == 0:
            x_ticks.append(Tick(x + slot / 2, str(date_label(day))))  # type: ignore[operator]
    reference = None
    if needed_per_day is not None and 0 < needed_per_day <= maximum:
        reference = top + plot_h - plot_h * needed_per_day / maximum
    return Chart(width, height, left, top, plot_w, plot_h, tuple(bars), _y_ticks(top, plot_h, maximum),
                 tuple(x_ticks), reference)  # fmt: skip


@dataclass(frozen=True)
class Marker:
    x: float
    value: float
    kind: str


@dataclass(frozen=True)
class ProgressChart:
    """A horizontal bar: responses, the effective sample inside it, and markers at each requirement."""

    width: int
    height: int
    left: float
    track_y: float
    track_height: float
    track_width: float
    count_width: float
    effective_width: float
    markers: tuple[Marker, ...]
    effective: float | None = None  # the effective sample for the chart's title; None when withheld


def progress_chart(
    count: int,
    effective_n: float | None,
    fixed_minimum: int,
    statistical: int | None,
    *,
    width: int = 720,
    withheld: bool = False,
) -> ProgressChart:
    """Geometry of the progress bar toward the required sample, scaled so every marker and the count fit
    (``effective_n`` None: the count; ``withheld``: no effective-sample bar, as it would give a hidden respondent
    type's count away)."""
    left, track_y, track_h = 4.0, 30.0, 28.0
    track_w = width - 2 * left
    scale = max(count, fixed_minimum, statistical or 0, 1) * 1.08
    markers = [Marker(left + track_w * fixed_minimum / scale, fixed_minimum, "fixed")]
    if statistical is not None:
        markers.append(Marker(left + track_w * statistical / scale, statistical, "statistical"))
    return ProgressChart(
        width, 92, left, track_y, track_h, track_w,
        track_w * count / scale,
        0.0 if withheld else track_w * (effective_n if effective_n is not None else count) / scale,
        tuple(markers),
        None if withheld else (effective_n if effective_n is not None else float(count)),
    )  # fmt: skip
