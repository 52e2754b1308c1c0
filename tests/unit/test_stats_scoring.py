"""Scores from cell sums: means and standard errors against direct computation on the rows, measures, bands."""

from __future__ import annotations

import math

import numpy as np
import pytest

from survey_app.stats.bands import eit_band, indicator_band, letter_grade, round_score
from survey_app.stats.scoring import respondent_measures, score_measures, weighted_mean, weighted_means
from survey_app.stats.weighting import poststratify

LEVELS = np.array([0.0, 100 / 3, 200 / 3, 100.0])


def _cell_sums(values: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = np.array([len(v) for v in values], dtype=float)
    return n, np.array([v.sum() for v in values]), np.array([(v * v).sum() for v in values])


@pytest.fixture
def cells() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.choice(LEVELS, size=k, p=[0.1, 0.2, 0.4, 0.3]) for k in (12, 30, 7, 19)]


def test_unweighted_mean_and_se_equal_the_textbook_formulas_on_the_rows(cells: list[np.ndarray]) -> None:
    rows = np.concatenate(cells)
    result = weighted_mean(np.ones(4), *_cell_sums(cells), calibration="none")
    assert result.mean == pytest.approx(rows.mean(), rel=1e-12)
    assert result.se == pytest.approx(rows.std(ddof=1) / math.sqrt(rows.size), rel=1e-10)
    # the interval is bounded: symmetric on the logit scale of p = mean / 100, z = Φ⁻¹(0.975)
    p, half = (
        rows.mean() / 100,
        1.959963984540054 * result.se / 100 / (rows.mean() / 100 * (1 - rows.mean() / 100)),
    )
    logit = math.log(p / (1 - p))
    assert result.low == pytest.approx(100 / (1 + math.exp(-(logit - half))), rel=1e-12)
    assert result.high == pytest.approx(100 / (1 + math.exp(-(logit + half))), rel=1e-12)
    assert result.n == rows.size


def test_finite_population_correction_shrinks_se_by_sqrt_of_unsampled_share(cells: list[np.ndarray]) -> None:
    sums = _cell_sums(cells)
    plain = weighted_mean(np.ones(4), *sums, calibration="none")
    corrected = weighted_mean(np.ones(4), *sums, calibration="none", population_size=680)
    assert corrected.se == pytest.approx(plain.se * math.sqrt(1 - 68 / 680), rel=1e-12)


def test_poststratified_se_equals_stratified_estimator_with_replacement(cells: list[np.ndarray]) -> None:
    # With population shares W_h, the post-stratified mean is Σ W_h ȳ_h; survey's linearisation gives
    # n/(n−1) Σ_h W_h² (n_h − 1) s_h² / n_h², computed here from the rows.
    population = np.array([100.0, 50.0, 300.0, 50.0])
    n, total, total_sq = _cell_sums(cells)
    result = weighted_mean(poststratify(n, population), n, total, total_sq)
    shares = population / population.sum()
    expected_mean = sum(s * c.mean() for s, c in zip(shares, cells, strict=True))
    var = sum(s**2 * (c.size - 1) * c.var(ddof=1) / c.size**2 for s, c in zip(shares, cells, strict=True))
    assert result.mean == pytest.approx(expected_mean, rel=1e-12)
    assert result.se == pytest.approx(math.sqrt(n.sum() / (n.sum() - 1) * var), rel=1e-10)


def test_rake_on_one_axis_is_poststratification(cells: list[np.ndarray]) -> None:
    sums = _cell_sums(cells)
    weights = poststratify(sums[0], [100.0, 50.0, 300.0, 50.0])
    post = weighted_mean(weights, *sums, calibration="poststratify")
    raked = weighted_mean(weights, *sums, calibration="rake")
    assert raked.se == pytest.approx(post.se, rel=1e-10)


def test_weighted_means_handles_many_measures_at_once(cells: list[np.ndarray]) -> None:
    n, total, total_sq = _cell_sums(cells)
    stacked = [np.stack([a, a * 0.5], axis=-1) for a in (n, total, total_sq * 0.25)]
    stacked[0][:, 1] = n  # same counts, halved scores
    result = weighted_means(np.ones(4), *stacked, calibration="none")
    assert result.mean[1] == pytest.approx(result.mean[0] / 2, rel=1e-12)
    assert result.se[1] == pytest.approx(result.se[0] / 2, rel=1e-10)


def test_a_single_respondent_has_no_standard_error() -> None:
    result = weighted_mean([1.0], [1.0], [80.0], [6400.0], calibration="none")
    assert result.mean == 80.0
    assert math.isnan(result.se) and math.isnan(result.low)
    assert result.reason == "one_response"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"weights": [1.0, 1.0], "n": [1.0], "total": [1.0], "total_sq": [1.0]},
        {"weights": [-1.0], "n": [1.0], "total": [1.0], "total_sq": [1.0]},
        {"weights": [1.0], "n": [1.0], "total": [math.nan], "total_sq": [1.0]},
        {"weights": [1.0], "n": [1.0], "total": [1.0], "total_sq": [1.0], "calibration": "greg"},
    ],
)
def test_weighted_mean_rejects_bad_input(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        weighted_mean(**kwargs)  # type: ignore[arg-type]


INDICATORS = {"IND6": ["E1", "E2"], "IND7": ["E3"], "IND8": ["E4", "E5"]}


def test_respondent_measures_average_sub_items_then_items_then_indicators() -> None:
    values = respondent_measures(
        {"E1": [100.0, 200 / 3], "E2": [0.0], "E3": [100.0], "E4": [0.0, 100.0, 100.0], "E5": [100 / 3]},
        INDICATORS,
    )
    assert values["E1"] == pytest.approx(250 / 3)
    assert values["E4"] == pytest.approx(200 / 3)
    assert values["IND6"] == pytest.approx(125 / 3)
    assert values["IND8"] == pytest.approx(50.0)
    assert values["EIT"] == pytest.approx((125 / 3 + 100 + 50) / 3)


def test_respondent_measures_refuses_a_missing_item() -> None:
    with pytest.raises(ValueError, match="IND7"):
        respondent_measures({"E1": [1.0], "E2": [1.0], "E4": [1.0], "E5": [1.0]}, INDICATORS)


def test_respondent_measures_average_only_the_eit_indicators_into_the_eit() -> None:
    scores = {"E1": [100.0], "E2": [0.0], "E3": [100.0 / 3], "E4": [100.0], "E5": [100.0]}
    values = respondent_measures(scores, INDICATORS, eit=["IND6", "IND7"])
    assert values["IND8"] == 100.0, "an indicator outside the EIT is still scored"
    assert values["EIT"] == pytest.approx((50 + 100 / 3) / 2)
    with pytest.raises(ValueError, match="IND9"):
        respondent_measures(scores, INDICATORS, eit=["IND9"])


def test_score_measures_eit_equals_mean_of_indicators_and_items_mean_for_required_items() -> None:
    rng = np.random.default_rng(3)
    measures = ["E1", "E2", "E3", "E4", "E5", "IND6", "IND7", "IND8", "EIT"]
    n = np.zeros((2, 3, len(measures)))
    total, total_sq = np.zeros_like(n), np.zeros_like(n)
    for cell in np.ndindex(2, 3):
        for _ in range(int(rng.integers(3, 12))):
            answers = {item: list(rng.choice(LEVELS, size=2)) for item in ("E1", "E2", "E3", "E4", "E5")}
            row = np.array([respondent_measures(answers, INDICATORS)[m] for m in measures])
            n[cell] += 1
            total[cell] += row
            total_sq[cell] += row * row
    weights = poststratify(n[..., 0], [[100, 20, 30], [60, 10, 5]])
    scores = score_measures(measures, n, total, total_sq, weights, population_size=225)
    assert scores.eit is not None and scores.eit.weighted is not None
    indicator_means = [scores.indicators[i].weighted.mean for i in ("IND6", "IND7", "IND8")]  # type: ignore[union-attr]
    assert scores.eit.weighted.mean == pytest.approx(np.mean(indicator_means), rel=1e-12)
    ind6_items = [scores.items[i].unweighted.mean for i in ("E1", "E2")]
    assert scores.indicators["IND6"].unweighted.mean == pytest.approx(np.mean(ind6_items), rel=1e-12)
    assert scores.eit.weighted_band == eit_band(scores.eit.weighted.mean)
    assert scores.eit.unweighted.n == n[..., 0].sum()


def test_score_measures_without_weights_reports_unweighted_only() -> None:
    scores = score_measures(["EIT"], [[10.0], [5.0]], [[900.0], [400.0]], [[81500.0], [32500.0]])
    assert scores.eit is not None and scores.eit.weighted is None
    assert scores.eit.unweighted.mean == pytest.approx(1300 / 15)
    assert scores.eit.unweighted_band is not None and scores.eit.unweighted_band.code == "pass"


@pytest.mark.parametrize(
    ("score", "code", "thai"),
    [
        (100.0, "excellent", "ผ่านดีเยี่ยม"),
        (95.0, "excellent", "ผ่านดีเยี่ยม"),
        (94.99, "pass", "ผ่าน"),
        (85.0, "pass", "ผ่าน"),
        (84.995, "pass", "ผ่าน"),  # reported as 85.00
        (84.99, "needs_improvement", "ต้องปรับปรุง"),
        (70.0, "needs_improvement", "ต้องปรับปรุง"),
        (69.99, "urgent", "ต้องปรับปรุงโดยด่วน"),
        (0.0, "urgent", "ต้องปรับปรุงโดยด่วน"),
    ],
)
def test_eit_band_follows_post_2024_labels(score: float, code: str, thai: str) -> None:
    band = eit_band(score)
    assert (band.code, band.label_th, band.passed) == (code, thai, code in {"excellent", "pass"})


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (100.0, "AA"),
        (95.0, "AA"),
        (94.99, "A"),
        (85.0, "A"),
        (84.99, "B"),
        (75.0, "B"),
        (74.99, "C"),
        (65.0, "C"),
        (64.99, "D"),
        (55.0, "D"),
        (54.99, "E"),
        (50.0, "E"),
        (49.99, "F"),
        (0.0, "F"),
    ],
)
def test_letter_grades_follow_the_pre_2024_table(score: float, grade: str) -> None:
    assert letter_grade(score) == grade


def test_indicator_band_uses_pass_mark_85() -> None:
    assert indicator_band(84.99).code == "below_pass"
    assert indicator_band(85.0).passed


def test_scores_round_half_up_to_two_decimals_and_stay_in_range() -> None:
    assert round_score(84.995) == 85.0
    assert round_score(66.665) == 66.67
    with pytest.raises(ValueError):
        round_score(100.5)
