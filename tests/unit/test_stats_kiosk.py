"""The kiosk's integrity signal against hand-computed Poisson tails, and its false alarms on honest kiosks."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from survey_app.stats import kiosk

DAY = dt.date(2026, 12, 1)


def _tail(rate: float, count: int) -> float:
    """P(X ≥ count) for X ~ Poisson(rate), summed by hand: Σ_{k≥count} e^−λ λ^k / k! (the terms beyond count + 100
    are below 1e-100 for these rates)."""
    return sum(math.exp(-rate) * rate**k / math.factorial(k) for k in range(count, count + 100))


def test_a_flood_hour_is_compared_with_the_other_days_per_opening_hour() -> None:
    # Four ordinary days of 24 kiosk answers (3 per opening hour), spread 3 an hour over 8 hours.
    hours = {(DAY + dt.timedelta(days=d), h): 3 for d in range(4) for h in range(9, 17)}
    flood_day = DAY + dt.timedelta(days=4)
    hours[(flood_day, 10)] = 25
    result = kiosk.office_flood("50", hours)
    assert result is not None
    assert (result.busiest_day, result.busiest_hour, result.busiest_answers) == (flood_day, 10, 25)
    assert result.usual_per_hour == 3.0  # 96 answers on 4 other days / (8 hours × 4 days)
    assert math.isclose(result.p, 33 * _tail(3.0, 25), rel_tol=1e-9)  # 33 hours tested
    assert result.hours == 33 and result.answers == 96 + 25


def test_a_new_kiosk_is_compared_with_the_floor_rate() -> None:
    result = kiosk.office_flood("50", {(DAY, 9): 6, (DAY, 10): 2})
    assert result is not None and result.usual_per_hour == kiosk.MIN_RATE
    assert math.isclose(result.p, 2 * _tail(kiosk.MIN_RATE, 6), rel_tol=1e-9)


def test_offices_are_adjusted_by_benjamini_hochberg_and_only_the_flood_is_named() -> None:
    ordinary = {(DAY + dt.timedelta(days=d), h): 2 for d in range(5) for h in range(9, 17)}
    flooded = dict(ordinary)
    flooded[(DAY + dt.timedelta(days=5), 14)] = 40
    ranked = kiosk.assess({"10": ordinary, "50": flooded, "90": ordinary})
    assert ranked[0].office == "50"
    assert [f.named for f in ranked] == [True, False, False]
    p_sorted = sorted(f.p for f in ranked)
    assert math.isclose(ranked[0].q, min(1.0, p_sorted[0] * 3), rel_tol=1e-9)  # BH: smallest p × m / 1


def test_honest_kiosks_are_rarely_named() -> None:
    rng = np.random.default_rng(20261207)
    offices = {}
    for office in range(200):
        rate = rng.uniform(0.5, 4.0)
        offices[f"{office:03d}"] = {
            (DAY + dt.timedelta(days=d), h): int(n)
            for d in range(20)
            for h in range(9, 17)
            if (n := rng.poisson(rate)) > 0
        }
    named = [f for f in kiosk.assess(offices) if f.named]
    assert len(named) <= 1  # at most α of the time is any office named at all
