"""Post-stratification, raking, trimming, collapsing and the design effect: fixed cases and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from survey_app.stats.weighting import (
    ConvergenceError,
    EmptyCellError,
    MarginMismatchError,
    collapse_sparse,
    effective_n,
    kish_deff,
    poststratify,
    rake,
    trim,
)

TYPES = ["individual", "business", "agency"]
SERVICES = ["factory", "mining", "standards", "other"]


def test_poststratify_gives_population_over_sample_per_cell() -> None:
    weights = poststratify([[10, 4], [5, 0]], [[100, 20], [50, 0]])
    np.testing.assert_array_equal(weights, [[10.0, 5.0], [10.0, 0.0]])


def test_poststratify_names_the_empty_cell_that_has_population() -> None:
    with pytest.raises(EmptyCellError, match=r"\(1, 2\)") as caught:
        poststratify([[3, 3, 3], [3, 3, 0]], [[10, 10, 10], [10, 10, 7]])
    assert caught.value.cell == (1, 2)
    assert isinstance(caught.value, ValueError)


def test_poststratify_rejects_tables_of_different_shapes() -> None:
    with pytest.raises(ValueError, match="shapes differ"):
        poststratify([1, 2], [1, 2, 3])


def test_rake_two_by_two_keeps_the_sample_odds_ratio_and_matches_margins() -> None:
    # Raking a 2 × 2 table changes only its margins: the fitted cross-product ratio equals the sample's.
    sample = np.array([[30.0, 10.0], [20.0, 40.0]])
    weights = rake(sample, [[500, 500], [300, 700]])
    fitted = weights * sample
    np.testing.assert_allclose(fitted.sum(axis=1), [500, 500], rtol=1e-10)
    np.testing.assert_allclose(fitted.sum(axis=0), [300, 700], rtol=1e-10)
    odds = fitted[0, 0] * fitted[1, 1] / (fitted[0, 1] * fitted[1, 0])
    assert odds == pytest.approx(30 * 40 / (10 * 20), rel=1e-9)


def test_rake_rejects_margins_with_different_grand_totals() -> None:
    with pytest.raises(MarginMismatchError, match="grand totals"):
        rake([[1, 2], [3, 4]], [[10, 10], [10, 11]])


def test_rake_rejects_a_margin_category_nobody_was_sampled_in() -> None:
    with pytest.raises(MarginMismatchError, match="no sample"):
        rake([[1, 0], [3, 0]], [[10, 10], [15, 5]])


def test_rake_reports_non_convergence() -> None:
    with pytest.raises(ConvergenceError):
        rake([[30, 10], [20, 40]], [[500, 500], [300, 700]], tol=1e-15, max_iter=2)


def test_kish_design_effect_and_effective_n_by_hand() -> None:
    # two respondents with weights 1 and 3: n Σw² / (Σw)² = 2 · 10 / 16
    assert kish_deff([1.0, 3.0], [1, 1]) == pytest.approx(1.25)
    assert effective_n([1.0, 3.0], [1, 1]) == pytest.approx(1.6)
    assert kish_deff([[2.0, 2.0]], [[5, 7]]) == pytest.approx(1.0)


def test_trim_caps_weights_and_spreads_the_excess() -> None:
    sample = np.array([10.0, 10.0, 10.0])
    weights = np.array([1.0, 1.0, 4.0])  # mean weight 2, cap at 1.5 × 2 = 3
    trimmed = trim(weights, sample, upper=1.5)
    np.testing.assert_allclose(trimmed, [1.5, 1.5, 3.0])
    assert (trimmed * sample).sum() == pytest.approx(60.0)


def test_trim_rejects_bounds_that_exclude_the_mean() -> None:
    with pytest.raises(ValueError, match="lower"):
        trim([1.0, 2.0], [1, 1], upper=0.9)


def test_trim_with_margins_meets_bounds_and_margins() -> None:
    # Fitted tables meeting both margins are [[a, 500 − a], [400 − a, 100 + a]]; with weights at most twice
    # the mean (2 · 1000 / 90) a must lie in [388.9, 400], while raking alone gives a ≈ 372.
    sample = np.array([[40.0, 5.0], [5.0, 40.0]])
    margins = [np.array([500.0, 500.0]), np.array([400.0, 600.0])]
    raw = rake(sample, margins)
    mean = (raw * sample).sum() / sample.sum()
    assert raw.max() > 2.0 * mean  # the untrimmed weights break the bound
    trimmed = trim(raw, sample, upper=2.0, margins=margins)
    np.testing.assert_allclose((trimmed * sample).sum(axis=1), margins[0], rtol=1e-7)
    np.testing.assert_allclose((trimmed * sample).sum(axis=0), margins[1], rtol=1e-7)
    assert trimmed.max() <= 2.0 * mean * (1 + 1e-7)


def test_collapse_merges_sparse_service_into_largest_of_same_type() -> None:
    sample = [[20, 3, 8, 0], [2, 15, 15, 6], [9, 0, 0, 0]]
    population = [[200, 30, 80, 0], [10, 100, 90, 40], [50, 5, 0, 0]]
    result = collapse_sparse(sample, population, TYPES, SERVICES, min_count=5)
    moves = {(m.respondent_type, m.service): (m.into, m.reason) for m in result.merges}
    assert moves == {
        ("individual", "mining"): ("factory", "too few respondents"),
        # mining and standards tie on 15 respondents; mining has the larger population
        ("business", "factory"): ("mining", "too few respondents"),
        ("agency", "mining"): ("factory", "no respondents"),
    }
    assert result.sample.tolist() == [[23, 0, 8, 0], [0, 17, 15, 6], [9, 0, 0, 0]]
    assert result.population.sum() == pytest.approx(np.sum(population))
    weights = poststratify(result.sample, result.population)  # no longer raises
    expanded = result.expand(weights)
    assert expanded[0, 1] == expanded[0, 0] == pytest.approx(230 / 23)
    assert "individual/mining" in result.merges[0].describe()


def test_collapse_ties_are_broken_by_service_order() -> None:
    result = collapse_sparse([[10, 10, 1, 0]], [[50, 50, 5, 0]], ["business"], SERVICES, min_count=5)
    assert [(m.service, m.into) for m in result.merges] == [("standards", "factory")]


def test_collapse_prefers_the_other_service_when_asked() -> None:
    result = collapse_sparse(
        [[20, 2, 0, 6]], [[100, 10, 5, 30]], ["business"], SERVICES, min_count=5, other_label="other"
    )
    assert {m.service: m.into for m in result.merges} == {"mining": "other", "standards": "other"}


def test_collapse_pools_a_type_whose_every_service_is_sparse() -> None:
    result = collapse_sparse([[2, 3, 0, 1]], [[10, 40, 5, 5]], ["agency"], SERVICES, min_count=5)
    assert {m.service for m in result.merges} == {"factory", "standards", "other"}
    assert result.sample.tolist() == [[0, 6, 0, 0]]
    assert result.population.tolist() == [[0, 60, 0, 0]]


def test_collapse_merges_respondents_outside_the_frame() -> None:
    result = collapse_sparse([[30, 6, 0, 0]], [[100, 0, 0, 0]], ["business"], SERVICES, min_count=5)
    assert [(m.service, m.reason) for m in result.merges] == [("mining", "outside the population frame")]


def test_collapse_merge_cells_sums_trailing_measure_axes() -> None:
    result = collapse_sparse([[20, 2, 0, 0]], None, ["business"], SERVICES, min_count=5)
    totals = np.arange(8.0).reshape(1, 4, 2)
    np.testing.assert_array_equal(result.merge_cells(totals)[0, 0], [0 + 2, 1 + 3])


# --- invariants on random tables ---

shapes = st.tuples(st.integers(2, 4), st.integers(2, 5))


@st.composite
def sample_and_population(draw: st.DrawFn, smallest: int = 1) -> tuple[np.ndarray, np.ndarray]:
    shape = draw(shapes)
    sample = draw(hnp.arrays(np.int64, shape, elements=st.integers(1, 60))).astype(float)
    population = draw(hnp.arrays(np.int64, shape, elements=st.integers(smallest, 5000))).astype(float)
    return sample, population


@given(sample_and_population())
def test_rake_matches_every_margin_on_random_tables(tables: tuple[np.ndarray, np.ndarray]) -> None:
    sample, population = tables
    margins = [population.sum(axis=1), population.sum(axis=0)]
    weights = rake(sample, margins)
    fitted = weights * sample
    np.testing.assert_allclose(fitted.sum(axis=1), margins[0], rtol=1e-9)
    np.testing.assert_allclose(fitted.sum(axis=0), margins[1], rtol=1e-9)
    assert np.all(weights > 0)
    assert fitted.sum() == pytest.approx(population.sum(), rel=1e-9)


# With a structural zero, IPF slows down as cells beside it shrink towards zero (a population of 1 next to
# 1,456 needs more than 1,000 sweeps); frames of a provincial office do not look like that: cells hold 100+.
@given(sample_and_population(smallest=100), st.data())
def test_rake_with_empty_cells_gives_them_zero_weight(
    tables: tuple[np.ndarray, np.ndarray], data: st.DataObject
) -> None:
    sample, population = tables
    hole = data.draw(st.tuples(st.integers(0, sample.shape[0] - 1), st.integers(0, sample.shape[1] - 1)))
    sample[hole], population[hole] = 0.0, 0.0  # a structural zero keeps the margins reachable
    margins = [population.sum(axis=1), population.sum(axis=0)]
    weights = rake(sample, margins)
    assert weights[hole] == 0.0
    assert np.all(weights[sample > 0] > 0)
    np.testing.assert_allclose((weights * sample).sum(axis=0), margins[1], rtol=1e-9)


@given(sample_and_population())
def test_poststratify_reproduces_population_cell_totals(tables: tuple[np.ndarray, np.ndarray]) -> None:
    sample, population = tables
    np.testing.assert_allclose(poststratify(sample, population) * sample, population, rtol=1e-12)


@given(
    hnp.arrays(np.float64, 6, elements=st.floats(0.1, 50.0)),
    hnp.arrays(np.int64, 6, elements=st.integers(1, 40)),
    st.floats(0.2, 1.0),
    st.floats(1.0, 3.0),
)
def test_trim_respects_bounds_and_keeps_total(
    weights: np.ndarray, counts: np.ndarray, lower: float, upper: float
) -> None:
    sample = counts.astype(float)
    total = (weights * sample).sum()
    mean = total / sample.sum()
    trimmed = trim(weights, sample, lower=lower, upper=upper)
    assert (trimmed * sample).sum() == pytest.approx(total, rel=1e-9)
    assert np.all(trimmed >= lower * mean * (1 - 1e-9))
    assert np.all(trimmed <= upper * mean * (1 + 1e-9))


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=60)
@given(sample_and_population())
def test_trim_with_margins_rematches_margins_within_bounds(tables: tuple[np.ndarray, np.ndarray]) -> None:
    sample, population = tables
    margins = [population.sum(axis=1), population.sum(axis=0)]
    raked = rake(sample, margins)
    mean = (raked * sample).sum() / sample.sum()
    upper = max(1.0, 0.8 * raked.max() / mean)  # binds whenever the weights are unequal
    try:
        trimmed = trim(raked, sample, upper=upper, margins=margins)
    except ConvergenceError:
        return  # the bounds and the margins may have no common solution; that must be said, not hidden
    np.testing.assert_allclose((trimmed * sample).sum(axis=1), margins[0], rtol=1e-7)
    np.testing.assert_allclose((trimmed * sample).sum(axis=0), margins[1], rtol=1e-7)
    assert trimmed.max() <= upper * mean * (1 + 1e-7)
