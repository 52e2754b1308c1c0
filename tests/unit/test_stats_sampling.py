"""Sample sizes against published tables and hand computation; adequacy; the forecast of adequacy."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from survey_app.stats.sampling import (
    assess_adequacy,
    chi_square_km,
    forecast_adequacy_date,
    margin_of_error,
    required_sample_size,
)

# Krejcie & Morgan (1970), Table 1, "Table for determining sample size from a given population". Each row was
# also checked by hand against s = 3.841·N·0.25 / (0.0025·(N−1) + 3.841·0.25) rounded half up.
KREJCIE_MORGAN_TABLE = [
    (10, 10),
    (50, 44),
    (100, 80),
    (200, 132),
    (300, 169),
    (500, 217),
    (1000, 278),
    (1500, 306),
    (3000, 341),
    (5000, 357),
    (10000, 370),
    (20000, 377),
    (50000, 381),
    (75000, 382),
    (1000000, 384),
]


@pytest.mark.parametrize(("population", "expected"), KREJCIE_MORGAN_TABLE)
def test_krejcie_morgan_matches_published_table(population: int, expected: int) -> None:
    assert required_sample_size(population) == expected


def test_krejcie_morgan_follows_its_formula_where_the_published_table_says_384_for_100000() -> None:
    # The paper's row for N = 100,000 reads 384, but its own formula gives 96025 / 250.95775 = 382.63,
    # which rounds to 383; the formula is the rule, the table a convenience.
    assert required_sample_size(100_000) == 383


def test_krejcie_morgan_chi_square_is_three_decimals_as_in_the_paper() -> None:
    assert chi_square_km(0.95) == 3.841
    assert chi_square_km(0.99) == 6.635


@pytest.mark.parametrize(
    ("population", "confidence", "expected"),
    [
        # n0 = 1.959964² · 0.25 / 0.0025 = 384.146; n = n0 / (1 + (n0 − 1) / N), rounded up
        (100, 0.95, 80),  # 384.146 / 4.83146 = 79.51
        (500, 0.95, 218),  # 384.146 / 1.766292 = 217.49
        (1000, 0.95, 278),  # 384.146 / 1.383146 = 277.73
        (1_000_000, 0.95, 384),  # 384.146 / 1.000383 = 383.999
        # z = 2.575829, n0 = 663.490; 663.490 / 1.662490 = 399.09
        (1000, 0.99, 400),
    ],
)
def test_cochran_with_finite_population_correction_matches_hand_computation(
    population: int, confidence: float, expected: int
) -> None:
    assert required_sample_size(population, "cochran", confidence=confidence) == expected


@pytest.mark.parametrize(
    ("population", "margin", "expected"),
    [
        (100, 0.05, 80),  # 100 / 1.25 = 80 exactly: no spurious rounding up
        (400, 0.05, 200),  # 400 / 2 = 200 exactly
        (1000, 0.05, 286),  # 1000 / 3.5 = 285.71
        (5000, 0.05, 371),  # 5000 / 13.5 = 370.37
        (1000, 0.10, 91),  # 1000 / 11 = 90.91
    ],
)
def test_yamane_matches_hand_computation(population: int, margin: float, expected: int) -> None:
    assert required_sample_size(population, "yamane", margin=margin) == expected


@pytest.mark.parametrize("method", ["krejcie-morgan", "cochran", "yamane"])
@pytest.mark.parametrize("population", [1, 2, 3, 7])
def test_required_sample_never_exceeds_population(method: str, population: int) -> None:
    assert 1 <= required_sample_size(population, method) <= population


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"population": 0}, "population"),
        ({"population": -5}, "population"),
        ({"population": 12.5}, "population"),
        ({"population": 100, "method": "slovin"}, "unknown sampling method"),
        ({"population": 100, "confidence": 1.0}, "confidence"),
        ({"population": 100, "confidence": 0.0}, "confidence"),
        ({"population": 100, "margin": 0.0}, "margin"),
        ({"population": 100, "margin": 1.5}, "margin"),
        ({"population": 100, "proportion": 1.2}, "proportion"),
    ],
)
def test_required_sample_size_rejects_bad_input_with_clear_message(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        required_sample_size(**kwargs)  # type: ignore[arg-type]


def test_margin_of_error_applies_finite_population_correction() -> None:
    expected = 1.959963984540054 * math.sqrt(0.25 / 278 * (1000 - 278) / 999)
    assert margin_of_error(278, 1000) == pytest.approx(expected, rel=1e-12)
    # Krejcie & Morgan's 278 out of 1,000 was designed for a 5 % margin
    assert margin_of_error(278, 1000) == pytest.approx(0.05, abs=5e-4)


def test_margin_of_error_is_zero_when_everyone_answered_and_rejects_impossible_n() -> None:
    assert margin_of_error(50, 50) == 0.0
    with pytest.raises(ValueError, match="at most the population"):
        margin_of_error(51, 50)
    with pytest.raises(ValueError, match="positive"):
        margin_of_error(0, 50)


def test_adequacy_fixed_minimum_binds_when_statistical_requirement_is_smaller() -> None:
    result = assess_adequacy(50, fixed_minimum=100, population=100)  # Krejcie-Morgan: 80
    assert (result.statistical, result.required, result.binding) == (80, 100, "fixed_minimum")
    assert (result.adequate, result.shortfall) == (False, 50)


def test_adequacy_statistical_requirement_binds_for_a_large_population() -> None:
    result = assess_adequacy(400, fixed_minimum=100, population=10_000)
    assert (result.required, result.binding, result.adequate, result.shortfall) == (
        370,
        "statistical",
        True,
        0,
    )


def test_adequacy_is_judged_on_effective_sample_size() -> None:
    # 400 answers with design effect 4/3 are worth 300; 370 effective need 370 * 4/3 = 493.3 answers
    result = assess_adequacy(400, fixed_minimum=100, population=10_000, effective_n=300.0)
    assert (result.adequate, result.shortfall, result.binding) == (False, 94, "statistical")


def test_adequacy_respondent_type_floor_binds_when_one_type_is_short() -> None:
    result = assess_adequacy(
        400,
        fixed_minimum=100,
        population=10_000,
        type_counts={"individual": 390, "business": 10},
        type_floor=30,
    )
    assert result.binding == "respondent_type:business"
    assert (result.adequate, result.shortfall) == (False, 20)
    assert result.type_shortfalls == {"business": 20, "individual": 0}


def test_adequacy_type_floor_never_exceeds_that_types_population() -> None:
    result = assess_adequacy(
        400,
        fixed_minimum=100,
        type_counts={"individual": 395, "agency": 5},
        type_floor=30,
        type_populations={"agency": 5},
    )
    assert result.adequate and result.binding == "fixed_minimum"


def test_adequacy_without_population_uses_fixed_minimum_only() -> None:
    result = assess_adequacy(99, fixed_minimum=100)
    assert (result.statistical, result.required, result.shortfall) == (None, 100, 1)


def test_adequacy_rejects_effective_n_above_count() -> None:
    with pytest.raises(ValueError, match="effective_n"):
        assess_adequacy(10, fixed_minimum=5, effective_n=11.0)


TODAY = dt.date(2026, 3, 2)


def test_forecast_reaches_shortfall_at_the_fourteen_day_pace() -> None:
    # 28 answers in 14 days is 2 a day; 10 more take 5 days
    assert forecast_adequacy_date([2] * 14, TODAY, 10) == dt.date(2026, 3, 7)


def test_forecast_ignores_days_older_than_fourteen() -> None:
    counts = [100] * 6 + [1] * 14  # the busy days are older than the window
    assert forecast_adequacy_date(counts, TODAY, 7) == TODAY + dt.timedelta(days=7)


def test_forecast_is_none_when_pace_is_zero_or_date_falls_after_deadline() -> None:
    assert forecast_adequacy_date([0] * 14, TODAY, 1) is None
    assert forecast_adequacy_date([1] * 14, TODAY, 30, deadline=TODAY + dt.timedelta(days=29)) is None
    assert forecast_adequacy_date([1] * 14, TODAY, 30, deadline=TODAY + dt.timedelta(days=30)) is not None


def test_forecast_is_today_when_nothing_is_short() -> None:
    assert forecast_adequacy_date([], TODAY, 0) == TODAY
