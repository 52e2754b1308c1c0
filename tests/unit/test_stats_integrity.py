"""Integrity signals against R: ``poisson.test`` (two rates), ``t.test`` (Welch), ``fisher.test`` with a given odds
ratio, ``binom.test``, a beta-binomial tail summed in R, and ``p.adjust(, "BH")``. The R calls are in the comments;
R 4 with no extra package reproduces every number."""

from __future__ import annotations

import datetime as dt

import pytest

from survey_app.stats import integrity as si

A = [100, 100, 200 / 3, 100, 100, 200 / 3, 100, 100]
B = [200 / 3, 100 / 3, 200 / 3, 100, 200 / 3, 100 / 3, 0, 200 / 3, 100 / 3]
START = dt.date(2026, 6, 1)  # a Monday


def moments(values: list[float]) -> si.Moments:
    return si.Moments(len(values), sum(values), sum(v * v for v in values))


def test_moments_mean_and_variance_are_the_sample_ones() -> None:
    m = moments([1.0, 2.0, 3.0, 4.0])
    assert m.mean == 2.5 and m.variance == pytest.approx(5 / 3)  # var(c(1, 2, 3, 4)) = 1.666...
    assert (m - moments([4.0])).mean == 2.0


def test_benjamini_hochberg_matches_r_p_adjust() -> None:
    # p.adjust(c(0.01, 0.04, 0.03, 0.2, 0.5, 0.001), "BH")
    assert si.benjamini_hochberg([0.01, 0.04, 0.03, 0.2, 0.5, 0.001]) == pytest.approx(
        [0.030, 0.060, 0.060, 0.240, 0.500, 0.006]
    )


def _steady(days: int) -> dict[dt.date, int]:
    return {START + dt.timedelta(days=i): 1 for i in range(days)}


def test_one_day_rush_is_tested_against_the_same_kind_of_days_before_it() -> None:
    daily = _steady(28)
    last = START + dt.timedelta(
        days=28
    )  # a Monday: the 28 days before hold 20 working days with 20 responses
    daily[last] = 9
    signal = si.day_spike(daily, START, last)
    # poisson.test(c(9, 20), c(1, 20), alternative = "greater")$p.value
    assert signal.figures["raw_p"] == pytest.approx(5.27171469878514e-06, rel=1e-9)
    assert signal.days == (last, last)
    assert signal.figures["count"] == 9 and signal.figures["expected"] == 1.0
    assert signal.p == pytest.approx(5.27171469878514e-06 * int(signal.figures["tests"]))


def test_one_week_of_stuffing_is_found_as_a_seven_day_window() -> None:
    daily = _steady(28)
    week = [START + dt.timedelta(days=28 + i) for i in range(7)]
    for day, n in zip(week, (6, 5, 6, 5, 5, 5, 5), strict=True):
        daily[day] = n  # 37 in the week, where the 28 days before had 28
    signal = si.day_spike(daily, START, week[-1])
    # poisson.test(c(37, 28), c(7, 28), alternative = "greater")$p.value
    assert signal.figures["raw_p"] == pytest.approx(6.38590025165551e-11, rel=1e-9)
    assert signal.days == (week[0], week[-1]) and signal.figures["window_days"] == 7


def test_steady_pace_raises_no_rush() -> None:
    signal = si.day_spike(_steady(60), START, START + dt.timedelta(days=59))
    assert signal.p == 1.0


def test_channel_gap_is_welch_t_against_the_national_gap() -> None:
    # t.test(A, B, mu = 10, alternative = "greater", var.equal = FALSE)$p.value
    signal = si.channel_gap(moments(A), moments(B), national_gap=10.0)
    assert signal.p == pytest.approx(0.0102002123237084, rel=1e-9)
    assert signal.figures["gap"] == round(sum(A) / 8 - sum(B) / 9, 2)


def test_channel_gap_is_not_tested_with_fewer_than_five_emailed_answers() -> None:
    assert si.channel_gap(moments(A), moments(B[:4]), 0.0).p is None


def test_score_jump_is_welch_t_between_consecutive_months() -> None:
    # a <- rep(A, 2); b <- rep(B, 2); t.test(a, b, alternative = "greater", var.equal = FALSE)$p.value
    signal = si.score_jump([("2026-05", moments(B * 2)), ("2026-06", moments(A * 2))])
    assert signal.figures["raw_p"] == pytest.approx(1.01740366193808e-05, rel=1e-9)
    assert signal.p == signal.figures["raw_p"]  # one pair of months: nothing to adjust
    assert (signal.figures["from_month"], signal.figures["to_month"]) == ("2026-05", "2026-06")


def test_score_jump_skips_months_of_fewer_than_ten() -> None:
    assert si.score_jump([("2026-05", moments(B)), ("2026-06", moments(A))]).p is None


def test_poster_top_is_fishers_noncentral_test_at_the_national_odds_ratio() -> None:
    # fisher.test(matrix(c(30, 70, 5, 45), 2), or = 1.5, alternative = "greater")$p.value
    signal = si.poster_top(30, 100, 5, 50, odds=1.5)
    assert signal.p == pytest.approx(0.0453538298385275, rel=1e-9)


def test_mantel_haenszel_odds_ratio_of_one_table_is_its_odds_ratio() -> None:
    assert si.mantel_haenszel([(30, 100, 5, 50)]) == pytest.approx((30 * 45) / (70 * 5))


def test_share_is_binomial_without_overdispersion_and_beta_binomial_with_it() -> None:
    # The other offices: 0 of 4, so the reference rate is (0 + 0.5) / (4 + 1) = 0.1.
    # binom.test(20, 100, 0.1, alternative = "greater")$p.value
    assert si.share("all_highest", 20, 100, 20, 104).p == pytest.approx(0.00197856086577124, rel=1e-9)
    # bb <- function(k, n, a, b) exp(lchoose(n, k) + lbeta(k + a, n - k + b) - lbeta(a, b))
    # sum(bb(20:100, 100, 0.1 * 0.98 / 0.02, 0.9 * 0.98 / 0.02))
    assert si.share("all_highest", 20, 100, 20, 104, rho=0.02).p == pytest.approx(
        0.0504186802422534, rel=1e-9
    )


def test_overdispersion_is_zero_for_equal_shares_and_positive_for_spread_ones() -> None:
    assert si.overdispersion([(10, 100)] * 20) == 0.0
    spread = [(k, 100) for k in (2, 5, 8, 12, 15, 18, 22, 25, 3, 28, 10, 20)]
    assert si.overdispersion(spread) > 0.02


def test_inflation_is_one_for_standard_normal_quantiles_and_not_below_one() -> None:
    from scipy import stats

    z = [float(stats.norm.ppf((i + 0.5) / 201)) for i in range(201)]
    assert si.inflation(z) == pytest.approx(1.0, abs=0.02)
    assert si.inflation([0.0] * 10) == 1.0
    assert si.inflation([2 * v for v in z]) == pytest.approx(4.0, rel=0.05)


def test_combined_p_is_bonferroni_over_the_tested_signals() -> None:
    signals = [si.Signal("a", 0.01), si.Signal("b", 0.5), si.Signal("c", None)]
    assert si.combined_p(signals) == pytest.approx(0.02)
    assert si.combined_p([si.Signal("a", None)]) == 1.0


def test_pairs_vs_independence_by_hand() -> None:
    # Two yes/no sub-items, each answered yes by 3 of 6 respondents; patterns (yes, yes) and (no, no) three times
    # each. Independence: P(two respondents match) = (0.5² + 0.5²)² = 0.25, so C(6, 2) · 0.25 = 3.75 pairs
    # expected; observed 3 + 3 = 6 pairs; ppois(5, 3.75, lower.tail = FALSE) = 0.177117172982314.
    signal = si.pairs_vs_independence([3, 3], [[3, 3], [3, 3]])
    assert signal.figures == {"pairs": 6, "expected": 3.75}
    assert signal.p == pytest.approx(0.177117172982314, rel=1e-9)
