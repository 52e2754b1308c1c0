"""Honest ranks with overlapping intervals, worked by hand."""

from __future__ import annotations

import math

import pytest

from survey_app.stats.ranking import Rank, histogram, honest_ranks


def test_overlapping_intervals_give_a_range_of_ranks_not_a_false_order() -> None:
    # A [88, 94] overlaps B [84, 90]; C [70, 80] lies below both; D [93, 99] overlaps A only.
    scores = {
        "A": (91.0, 88.0, 94.0),
        "B": (87.0, 84.0, 90.0),
        "C": (75.0, 70.0, 80.0),
        "D": (96.0, 93.0, 99.0),
    }
    ranks = honest_ranks(scores)
    # A: surely above it: none (D's low 93 < A's high 94) → best 1; surely below: C (80 < 88) → worst 4 − 1 = 3.
    assert ranks["A"] == Rank(point=2, best=1, worst=3, of=4)
    # B: surely above: D (93 > 90) → best 2; surely below: C → worst 3.
    assert ranks["B"] == Rank(point=3, best=2, worst=3, of=4)
    # C: surely above: A, B, D → best 4 = worst 4: its rank is settled.
    assert ranks["C"] == Rank(point=4, best=4, worst=4, of=4) and ranks["C"].certain
    # D: surely above: none → 1; surely below: B (90 < 93), C → worst 2.
    assert ranks["D"] == Rank(point=1, best=1, worst=2, of=4)


def test_equal_means_share_the_better_rank_and_missing_limits_mean_no_limit() -> None:
    ranks = honest_ranks({"A": (80.0, 79.0, 81.0), "B": (80.0, math.nan, math.nan), "C": (60.0, 59.0, 61.0)})
    assert ranks["A"].point == ranks["B"].point == 1
    assert (ranks["B"].best, ranks["B"].worst) == (1, 3), "an unknown interval overlaps everything"
    assert (ranks["C"].best, ranks["C"].worst) == (2, 3)


def test_a_mean_outside_its_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        honest_ranks({"A": (90.0, 91.0, 95.0)})


def test_histogram_bins_of_five_points() -> None:
    bins = dict(histogram([42.0, 50.0, 84.99, 85.0, 99.0, 100.0]))
    assert bins[50.0] == 2 and bins[80.0] == 1 and bins[85.0] == 1 and bins[95.0] == 2
    assert sum(bins.values()) == 6 and len(bins) == 10


def test_ranks_equal_the_pairwise_counts_with_ties_and_open_intervals() -> None:
    """Counted by bisection, the ranks equal a direct count over every pair (ties, zero widths, no limit)."""
    import random

    rng = random.Random(2569)
    for _ in range(200):
        scores = {}
        for i in range(rng.randint(1, 40)):
            mean = rng.choice([50.0, 70.0, 80.0, rng.uniform(40, 100)])
            width = rng.choice([0.0, 1.0, 5.0, rng.uniform(0, 20)])
            low = mean - width if rng.random() > 0.1 else float("-inf")
            high = mean + width if rng.random() > 0.1 else float("inf")
            scores[f"u{i}"] = (mean, low, high)
        n = len(scores)
        found = honest_ranks(scores)
        for code, (mean, low, high) in scores.items():
            others = [s for other, s in scores.items() if other != code]
            above = sum(1 for _m, lo, _h in others if lo > high)
            below = sum(1 for _m, _l, hi in others if hi < low)
            point = 1 + sum(1 for m, _l, _h in others if m > mean)
            assert found[code] == Rank(point, 1 + above, n - below, n)
