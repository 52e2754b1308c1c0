"""What every integrity test works with: the moments of a per-respondent score, and a test's result."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from scipy import stats

MIN_GROUP = 5  # a channel with fewer responses is not tested
CHI2_1_MEDIAN = float(stats.chi2.ppf(0.5, 1))  # 0.4549...


@dataclass(frozen=True)
class Moments:
    """Count, sum and sum of squares of a per-respondent score."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq)

    def __sub__(self, other: Moments) -> Moments:
        return Moments(self.n - other.n, self.total - other.total, self.total_sq - other.total_sq)

    @property
    def mean(self) -> float:
        """The mean (NaN when empty)."""
        return self.total / self.n if self.n else math.nan

    @property
    def variance(self) -> float:
        """The sample variance, n − 1 in the denominator (NaN below two)."""
        if self.n < 2:
            return math.nan
        return max(0.0, (self.total_sq - self.total * self.total / self.n) / (self.n - 1))


@dataclass(frozen=True)
class Signal:
    """One test's result: its p-value (None when it could not be tested) and the figures behind it."""

    kind: str
    p: float | None
    figures: Mapping[str, float | int | str] = field(default_factory=dict)
    days: tuple[dt.date, dt.date] | None = None  # first and last day of a suspect period

    @property
    def tested(self) -> bool:
        return self.p is not None
