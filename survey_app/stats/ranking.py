"""Honest ranks: where a unit stands among others when every score has a confidence interval.

A unit is placed above another only when their intervals do not overlap. So unit i's rank lies between
``1 + #{j : low_j > high_i}`` (only the units surely above it come first) and ``N − #{j : high_j < low_i}``
(all but the units surely below it come first). The point rank orders by the mean (ties share the better rank).
Pure: no Flask, no database.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Rank:
    """A unit's rank by its mean and the range its interval allows, among ``of`` units (1 is the highest)."""

    point: int
    best: int
    worst: int
    of: int

    @property
    def certain(self) -> bool:
        """Whether the intervals settle the rank exactly."""
        return self.best == self.worst


def honest_ranks(scores: Mapping[str, tuple[float, float, float]]) -> dict[str, Rank]:
    """Rank every unit of ``scores`` (code → (mean, low, high)); a non-finite limit counts as no limit.

    Raises ``ValueError`` when a mean is not finite or lies outside its interval.
    """
    clean: dict[str, tuple[float, float, float]] = {}
    for code, (mean, low, high) in scores.items():
        if not math.isfinite(mean):
            raise ValueError(f"{code} has no finite mean")
        low = low if math.isfinite(low) else -math.inf
        high = high if math.isfinite(high) else math.inf
        if not low <= mean <= high:
            raise ValueError(f"{code}: the mean {mean} lies outside its interval [{low}, {high}]")
        clean[code] = (mean, low, high)
    n = len(clean)
    # Counted by bisection in sorted lists (a thousand units: n log n, not n²). A unit never counts against itself:
    # its own low is not above its high, its high not below its low, its mean not above itself.
    lows = sorted(low for _m, low, _h in clean.values())
    highs = sorted(high for _m, _l, high in clean.values())
    means = sorted(mean for mean, _l, _h in clean.values())
    ranks = {}
    for code, (mean, low, high) in clean.items():
        above = n - bisect.bisect_right(lows, high)
        below = bisect.bisect_left(highs, low)
        point = 1 + n - bisect.bisect_right(means, mean)
        ranks[code] = Rank(point, 1 + above, n - below, n)
    return ranks


def histogram(
    values: list[float], width: float = 5.0, low: float = 50.0, high: float = 100.0
) -> list[tuple[float, int]]:
    """Counts of ``values`` in bins [low, low+width), … with the last bin closed at ``high``; values below
    ``low`` fall in the first bin. Returns (bin start, count) pairs."""
    starts = [low + i * width for i in range(round((high - low) / width))]
    counts = [0] * len(starts)
    for value in values:
        index = min(len(starts) - 1, max(0, int((value - low) // width)))
        counts[index] += 1
    return list(zip(starts, counts, strict=True))
