"""Weights, means and standard errors against R's survey package (tests/reference/r/survey_reference.R).

The R script wrote the data set (survey_reference.csv) and R's numbers (survey_reference.json); here the same
rows are reduced to per-cell counts, sums and sums of squares, as the database keeps them, and weighted and
scored by survey_app.stats. No R is needed to run these tests.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest

from survey_app.stats.scoring import weighted_mean
from survey_app.stats.weighting import poststratify, rake

HERE = Path(__file__).resolve().parent.parent / "reference" / "r"
REFERENCE: dict[str, Any] = json.loads((HERE / "survey_reference.json").read_text(encoding="utf-8"))
RTOL = 1e-9


def _cells() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    types, services = REFERENCE["types"], REFERENCE["services"]
    n = np.zeros((len(types), len(services)))
    total, total_sq = np.zeros_like(n), np.zeros_like(n)
    with (HERE / "survey_reference.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            cell = types.index(row["respondent_type"]), services.index(row["service"])
            score = int(row["points"]) * 100 / 45
            n[cell] += 1
            total[cell] += score
            total_sq[cell] += score * score
    return n, total, total_sq


N, TOTAL, TOTAL_SQ = _cells()
POPULATION = np.array(REFERENCE["population"], dtype=float)
MARGINS = [POPULATION.sum(axis=1), POPULATION.sum(axis=0)]


def test_reference_data_set_has_every_cell_and_enough_rows() -> None:
    assert N.sum() >= 60
    assert N.min() >= 2


def test_poststratified_weights_match_r() -> None:
    expected = np.array(REFERENCE["with_replacement"]["poststratify"]["weights"])
    np.testing.assert_allclose(poststratify(N, POPULATION), expected, rtol=RTOL)


def test_raked_weights_match_r() -> None:
    expected = np.array(REFERENCE["with_replacement"]["rake"]["weights"])
    np.testing.assert_allclose(rake(N, MARGINS), expected, rtol=RTOL)


@pytest.mark.parametrize("design", ["with_replacement", "fpc"])
@pytest.mark.parametrize("calibration", ["poststratify", "rake"])
def test_calibrated_mean_and_se_match_r_svymean(
    design: str, calibration: Literal["poststratify", "rake"]
) -> None:
    weights = poststratify(N, POPULATION) if calibration == "poststratify" else rake(N, MARGINS)
    population_size = REFERENCE["population_size"] if design == "fpc" else None
    result = weighted_mean(
        weights,
        N,
        TOTAL,
        TOTAL_SQ,
        calibration=calibration,
        population_size=population_size,
    )
    expected = REFERENCE[design][calibration]
    assert result.mean == pytest.approx(expected["mean"], rel=RTOL)
    assert result.se == pytest.approx(expected["se"], rel=RTOL)
    # bounded interval: R's svyciprop(method = "xlogit", df = Inf) on p = score / 100, by hand
    p = expected["mean"] / 100
    centre, half = math.log(p / (1 - p)), 1.959963984540054 * expected["se"] / 100 / (p * (1 - p))
    assert result.low == pytest.approx(100 / (1 + math.exp(half - centre)), rel=RTOL)
    assert result.high == pytest.approx(100 / (1 + math.exp(-half - centre)), rel=RTOL)


@pytest.mark.parametrize("design", ["with_replacement", "fpc"])
def test_unweighted_mean_and_se_match_r_svymean(design: str) -> None:
    population_size = REFERENCE["population_size"] if design == "fpc" else None
    result = weighted_mean(
        np.ones_like(N), N, TOTAL, TOTAL_SQ, calibration="none", population_size=population_size
    )
    assert result.mean == pytest.approx(REFERENCE[design]["unweighted"]["mean"], rel=RTOL)
    assert result.se == pytest.approx(REFERENCE[design]["unweighted"]["se"], rel=RTOL)


def test_plain_weights_mean_and_se_match_r_svymean() -> None:
    expected = REFERENCE["plain_weights"]
    weights = np.array(expected["weights"])
    result = weighted_mean(weights, N, TOTAL, TOTAL_SQ, calibration="none")
    assert result.mean == pytest.approx(expected["mean"], rel=RTOL)
    assert result.se == pytest.approx(expected["se"], rel=RTOL)


def test_raking_se_differs_from_poststratification_se_on_the_same_data() -> None:
    # Guards the reference itself: if both calibrations gave one SE the rake test would prove nothing.
    raked = REFERENCE["with_replacement"]["rake"]["se"]
    post = REFERENCE["with_replacement"]["poststratify"]["se"]
    assert abs(raked - post) / post > 0.01
