"""Raking when a service of the frame has no respondents (issue 22), against R's survey::rake.

tests/reference/r/rake_within_type.R builds an office where nobody answered about mining, whose people are
businesses and agencies, while the service with most answers overall (information) was answered only by
individuals and agencies. Merging mining's people there asks for margins no weights can meet (R's rake misses
one by about 11 people and the app used to fall back to post-stratification); merging them within their types
reaches the frame's margins. The same rows go through the app's weighting and scoring here. No R is needed.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from survey_app.services.results import weighting as weighting_service
from survey_app.services.results.reasons import Note
from survey_app.stats.scoring import weighted_mean
from survey_app.stats.weighting import rake

from .test_stats_edges import _tables

HERE = Path(__file__).resolve().parent.parent / "reference" / "r"
R: dict[str, Any] = json.loads((HERE / "rake_within_type.json").read_text(encoding="utf-8"))


def _office():  # type: ignore[no-untyped-def]
    with open(HERE / "rake_within_type.csv", encoding="utf-8", newline="") as handle:
        rows = [
            (r["respondent_type"], r["service"], int(r["points"]) * 100 / 45) for r in csv.DictReader(handle)
        ]
    return _tables(rows, tuple(R["types"]), tuple(R["services"]), R["population"])


def test_the_office_is_the_case_of_the_issue() -> None:
    tables = _office()
    np.testing.assert_array_equal(tables.counts, R["sample"])
    assert tables.counts[:, 1].sum() == 0 and np.asarray(R["population"])[:, 1].sum() == 130
    # R: merging into the service with most answers overall leaves a margin missed by about 11 people.
    assert R["overall_merge_largest_gap"] > 10


def test_raking_merges_within_types_and_meets_the_frames_margins_as_r_does() -> None:
    tables = _office()
    weighting = weighting_service.weigh(tables, calibration="rake")
    assert weighting.method == "rake"
    assert "rake_failed" not in [n.code for n in weighting.notes]
    assert weighting.merges == (
        Note("rake_merged_within_type", {"type": "business", "service": "mining", "into": "factory",
                                         "population": "120"}),
        Note("rake_merged_within_type", {"type": "agency", "service": "mining", "into": "information",
                                         "population": "10"}),
    )  # fmt: skip
    assert weighting.weights is not None
    expected = np.array([[np.nan if w is None else w for w in row] for row in R["weights"]])
    occupied = tables.counts > 0
    np.testing.assert_allclose(weighting.weights[occupied], expected[occupied], rtol=1e-9)
    weighted = weighting.weights * tables.counts
    np.testing.assert_allclose(weighted.sum(axis=1), R["type_totals"], rtol=1e-9)  # the frame's own types
    answered = tables.counts.sum(axis=0) > 0
    np.testing.assert_allclose(weighted.sum(axis=0)[answered], R["service_totals"], rtol=1e-9)
    result = weighted_mean(
        weighting.weights, tables.n[..., 0], tables.total[..., 0], tables.total_sq[..., 0], calibration="rake"
    )
    assert result.mean == pytest.approx(R["mean"], rel=1e-9)
    assert result.se == pytest.approx(R["se"], rel=1e-6)


def test_merging_into_the_service_with_most_answers_overall_could_not_be_met() -> None:
    # The old rule's margins (mining's 130 people into information): the app's raking refuses them, as R misses.
    tables = _office()
    population = np.asarray(R["population"], dtype=float)
    by_service = population.sum(axis=0)
    by_service[3] += by_service[1]
    by_service[1] = 0
    with pytest.raises(ValueError):
        rake(tables.counts, [population.sum(axis=1), by_service], max_iter=200)
