"""How an office's scores move: month by month within a cycle, and cycle over cycle.

Monthly figures are the count, sum and sum of squares of each released respondent's EIT, indicator and item values
per month, the values computed in SQL from the stored scores by the one scoring path
(:func:`..results.respondents.by_office`: one row per response, never an answer, reaches Python). They are
plain (unweighted) means with a normal-approximation 95 % interval, since a month's sample is too small to weight.
A month with fewer than K responses is hidden, and so is the next smallest month when the hidden ones together hold
fewer than K (their total could otherwise be worked out from the cycle's). Staff see the months as the office's
release snapshot holds them (months dated by release); each cycle's EIT (:func:`cycle_point`) comes from that
cycle's snapshot too (``snapshots.shown.office_by_cycle``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ...models import Cycle
from ...questionnaire import Questionnaire
from ...stats.sampling import z_value
from ..results import released, respondents
from ..results.respondents import Respondent
from ..results.scores import OfficeResult

EIT = "EIT"


@dataclass(frozen=True)
class Point:
    """One month (or cycle) of one measure: mean, interval and count; ``mean`` is None when hidden."""

    label: str
    n: int
    mean: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Sums:
    """Count, sum and sum of squares of one measure's per-respondent values."""

    n: int
    total: float
    total_sq: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Sums:
        """The exact sums of ``values``."""
        return cls(len(values), math.fsum(values), math.fsum(v * v for v in values))

    def point(self, label: str, shown: bool, confidence: float = 0.95) -> Point:
        """Mean and interval (t-free normal approximation, sample variance) or a hidden point."""
        if not shown or self.n == 0:
            return Point(label, self.n, None, None, None)
        mean = self.total / self.n
        if self.n < 2:
            return Point(label, self.n, mean, None, None)
        variance = max(0.0, (self.total_sq - self.n * mean * mean) / (self.n - 1))
        half = z_value(confidence) * math.sqrt(variance / self.n)
        return Point(label, self.n, mean, mean - half, mean + half)


def monthly(
    session: Session, cycle: Cycle, office: str, questionnaire: Questionnaire, k: int
) -> dict[str, list[Point]]:
    """Per measure (``EIT``, ``IND6`` …, ``E1`` …), one point per month of the cycle that has responses."""
    ((_code, found),) = respondents.by_office(session, questionnaire, cycle.id, [office])
    return monthly_of(found, k)


def monthly_of(found: Iterable[Respondent], k: int) -> dict[str, list[Point]]:
    """:func:`monthly` of an office's released respondents already read (a release snapshot reads them once for
    its trends, its integrity aggregates and its auditor). Sums are exact (``math.fsum``), so they do not depend
    on the order the database returns the respondents in."""
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for respondent in found:
        month = f"{respondent.day.year:04d}-{respondent.day.month:02d}"
        for measure, v in respondent.values.items():
            values[measure][month].append(v)
    counts = {month: len(vs) for month, vs in values.get(EIT, {}).items()}
    hidden = released.hidden_groups(counts, k)
    months = sorted(counts)
    return {
        measure: [Sums.of(by_month[m]).point(m, m not in hidden) for m in months if m in by_month]
        for measure, by_month in values.items()
    }


@dataclass(frozen=True)
class CyclePoint:
    """One cycle's EIT for the office (weighted when it had a frame), or hidden below K."""

    cycle_code: str
    fiscal_year: int
    n: int
    mean: float | None
    low: float | None
    high: float | None


def cycle_point(cycle: Cycle, result: OfficeResult, k: int) -> CyclePoint:
    """The office's EIT in ``cycle`` from its ``result`` as staff may see it (weighted where shown), hidden below
    K. The results come from the release snapshots (``snapshots.shown.office_by_cycle``)."""
    est = None
    if result.count >= k and result.eit is not None:
        est = result.eit.weighted or result.eit.unweighted
    if est is None or not math.isfinite(est.mean):
        return CyclePoint(cycle.code, cycle.fiscal_year, result.count, None, None, None)
    low = est.low if math.isfinite(est.low) else None
    high = est.high if math.isfinite(est.high) else None
    return CyclePoint(cycle.code, cycle.fiscal_year, result.count, est.mean, low, high)
