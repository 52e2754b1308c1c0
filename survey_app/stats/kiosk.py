"""The counter kiosk's integrity signal: an hour with far more kiosk answers than the office's kiosk usually gets.

Kiosk answers are exempt from the per-device burst flag (one tablet serves everyone), so a person answering over and
over at the tablet is watched by their number per hour instead. Pure function of hourly counts (no Flask, no SQL):

- For each hour with kiosk answers, the office's usual rate is its kiosk answers on *other* days divided by the
  opening hours of those days (``OPEN_HOURS`` per day with kiosk answers), and never below ``MIN_RATE`` (a new
  kiosk, or one rarely used, is not called a flood for a busy morning).
- Under the null "this hour is like the office's others" the hour's count is Poisson with that rate; the hour's
  p-value is the upper tail P(X ≥ count). The office's p-value is the smallest over its hours times the number of
  hours tested (Bonferroni), and the offices' p-values are adjusted by Benjamini–Hochberg, as the other signals of
  the integrity page are: on honest data the chance that any office is named stays at most α.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from scipy import stats

OPEN_HOURS = 8  # an office's counter is open about eight hours a day
MIN_RATE = (
    2.0  # answers per hour assumed at least: a kiosk with little history is not flagged for a busy hour
)
ALPHA = 0.05  # as the integrity page's other signals


@dataclass(frozen=True)
class KioskFlood:
    """One office's kiosk signal: the busiest hour against the office's usual rate."""

    office: str
    hours: int  # hours with kiosk answers (tested)
    answers: int
    busiest_day: dt.date
    busiest_hour: int
    busiest_answers: int
    usual_per_hour: float  # the rate the busiest hour was compared with
    p: float  # Bonferroni over the office's hours
    q: float = 1.0  # Benjamini–Hochberg across the offices

    @property
    def named(self) -> bool:
        """Whether the office is named (its adjusted p-value is below α)."""
        return self.q < ALPHA


def usual_rate(hours: Mapping[tuple[dt.date, int], int], day: dt.date) -> float:
    """Kiosk answers per opening hour on the days other than ``day`` (at least ``MIN_RATE``)."""
    other_days = {d for d, _h in hours if d != day}
    if not other_days:
        return MIN_RATE
    answers = sum(n for (d, _h), n in hours.items() if d != day)
    return max(MIN_RATE, answers / (OPEN_HOURS * len(other_days)))


def office_flood(office: str, hours: Mapping[tuple[dt.date, int], int]) -> KioskFlood | None:
    """The signal of one office from its kiosk answers per (day, hour); None without any."""
    if not hours:
        return None
    best: tuple[float, dt.date, int, int, float] | None = None
    for (day, hour), count in sorted(hours.items()):
        rate = usual_rate(hours, day)
        p = float(stats.poisson.sf(count - 1, rate))
        if best is None or p < best[0]:
            best = (p, day, hour, count, rate)
    assert best is not None
    p, day, hour, count, rate = best
    return KioskFlood(
        office, len(hours), sum(hours.values()), day, hour, count, rate, min(1.0, p * len(hours))
    )


def assess(by_office: Mapping[str, Mapping[tuple[dt.date, int], int]]) -> list[KioskFlood]:
    """Every office's kiosk signal with its Benjamini–Hochberg q-value, most unusual first."""
    floods = [
        f for office, hours in sorted(by_office.items()) if (f := office_flood(office, hours)) is not None
    ]
    if not floods:
        return []
    qs = stats.false_discovery_control([f.p for f in floods], method="bh")
    adjusted = [
        KioskFlood(f.office, f.hours, f.answers, f.busiest_day, f.busiest_hour, f.busiest_answers,
                   f.usual_per_hour, f.p, float(q))
        for f, q in zip(floods, qs, strict=True)
    ]  # fmt: skip
    return sorted(adjusted, key=lambda f: (f.q, f.p, f.office))
