"""The statistics at their edges, against R's survey package (tests/reference/r/survey_edges.R) or by hand.

R wrote the data sets (survey_edges_*.csv, and survey_reference.csv of the main reference) and its numbers
(survey_edges.json). Here the same rows are reduced to cell counts, sums, sums of squares and extremes, as the
database keeps them, and go through the app's weighting and scoring. No R is needed to run these tests.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from survey_app import create_app
from survey_app.models import Cycle
from survey_app.services.results import pooling
from survey_app.services.results import scores as results
from survey_app.services.results import weighting as weighting_service
from survey_app.services.results.cell_tables import OfficeTables
from survey_app.services.results.reasons import Note
from survey_app.stats.sampling import assess_adequacy
from survey_app.stats.scoring import Estimate, weighted_mean, weighted_means

HERE = Path(__file__).resolve().parent.parent / "reference" / "r"
R: dict[str, Any] = json.loads((HERE / "survey_edges.json").read_text(encoding="utf-8"))
RTOL = 1e-9
Z = 1.959963984540054  # Φ⁻¹(0.975), R's qnorm(0.975)


@pytest.fixture
def app_context(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An application, so that reasons are put in Thai by the catalogue (no database is opened)."""
    monkeypatch.setenv("SURVEY_SECRET_KEY", "unit-test-only")
    with create_app({"TESTING": True}).app_context():
        yield


def _tables(
    rows: list[tuple[str, str, float]], types: tuple[str, ...], services: tuple[str, ...], frame: Any = None
) -> OfficeTables:
    """One office's cell tables of the EIT measure from (type, service, score) rows."""
    shape = (len(types), len(services), 1)
    n, total, total_sq = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    low, high = np.full(shape, np.inf), np.full(shape, -np.inf)
    for rtype, service, score in rows:
        cell = types.index(rtype), services.index(service), 0
        n[cell] += 1
        total[cell] += score
        total_sq[cell] += score * score
        low[cell], high[cell] = min(low[cell], score), max(high[cell], score)
    low[n == 0], high[n == 0] = np.nan, np.nan
    population = None if frame is None else np.asarray(frame, dtype=float)
    return OfficeTables("50", types, services, ("EIT",), n, total, total_sq, population, 0, low, high)


def _csv(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _cycle(min_sample: int = 100, type_floor: int = 0) -> Cycle:
    return Cycle(
        min_sample=min_sample,
        type_floor=type_floor,
        sampling_method="krejcie-morgan",
        confidence=0.95,
        margin=0.05,
    )


def _notes(result: results.OfficeResult) -> dict[str, Note]:
    return {note.code: note for note in result.notes}


# --- D2: a frame smaller than the sample ---------------------------------------------------------------------


def test_frame_smaller_than_sample_is_a_frame_error_and_estimates_drop_the_correction() -> None:
    edge = R["frame_smaller_than_sample"]
    assert edge["refusal"] == "FPC implies >100% sampling in some strata"  # how R refuses the design
    rows = [("individual", "factory", int(r["points"]) * 100 / 45) for r in _csv("survey_edges_small.csv")]
    tables = _tables(rows, ("individual",), ("factory",), [[40]])
    with pytest.raises(ValueError, match="smaller than the sample"):  # the engine refuses it as R does
        weighted_mean(
            [1.0], tables.n[..., 0], tables.total[..., 0], tables.total_sq[..., 0], population_size=40
        )
    result = results.score_office(tables, _cycle())
    assert _notes(result)["frame_error"] == Note("frame_error", {"frame": "40", "answered": 120})
    assert result.frame_error and result.eit is not None and result.eit.weighted is not None
    for estimate in (result.eit.unweighted, result.eit.weighted):
        assert estimate.mean == pytest.approx(edge["mean"], rel=RTOL)
        assert estimate.se == pytest.approx(edge["se_without_fpc"], rel=RTOL)
        assert estimate.high - estimate.low > 5
    # no correction either: z · √(0.25 / 120)
    assert result.margin_of_error == pytest.approx(Z * math.sqrt(0.25 / 120), rel=1e-12)
    assert result.adequacy.statistical is None  # a frame known to be wrong does not set the requirement


def test_frame_error_in_one_respondent_type_is_reported_with_the_type() -> None:
    rows = [("individual", "factory", 50.0)] * 8 + [("business", "factory", 75.0)] * 3
    result = results.score_office(
        _tables(rows, ("individual", "business"), ("factory",), [[5], [300]]), _cycle()
    )
    assert _notes(result)["frame_error_type"].params == {"type": "individual", "frame": "5", "answered": 8}
    assert "frame_error" not in _notes(result)  # 11 answered, the frame counts 305 in all


# --- D1: the whole frame for the unweighted correction --------------------------------------------------------


@pytest.mark.usefixtures("app_context")
def test_unweighted_se_uses_the_whole_frame_when_nobody_answered_of_a_type_it_lists() -> None:
    edge = R["whole_frame_fpc"]
    rows = [("agency", "factory", score) for score in edge["scores"]]
    tables = _tables(rows, ("individual", "agency"), ("factory",), [[600], [0]])
    result = results.score_office(tables, _cycle())
    assert result.eit is not None and result.eit.weighted is not None
    assert result.eit.unweighted.mean == pytest.approx(edge["mean"], rel=RTOL)
    assert result.eit.unweighted.se == pytest.approx(edge["se"], rel=RTOL)  # N = 600, not 0
    assert math.isnan(result.eit.weighted.mean) and result.eit.weighted.reason == "no_weighted_respondents"
    notes = _notes(result)
    assert notes["type_not_covered"].params == {
        "type": "individual", "population": "600", "covered": "0", "total": "600",
    }  # fmt: skip
    assert notes["outside_frame"].params == {"type": "agency"}
    data = result.to_dict()
    assert data["eit"]["weighted"]["reason"]["code"] == "no_weighted_respondents"
    assert data["eit"]["weighted"]["reason"]["th"] != data["eit"]["weighted"]["reason"]["en"]


def test_weighted_se_uses_the_population_its_weights_cover() -> None:
    # 4 individual answers (0, 50, 50, 100) and no business answer; frame 20 individuals, 980 businesses.
    # Weighted: every weight is 20 / 4, the population covered is 20, so SE² = (1 − 4/20) · s² / n with
    # s² = 1666.67 (deviations −50, 0, 0, 50): SE = √(0.8 · 1666.67 / 4) = 18.2574. Unweighted: N = 1000.
    rows = [("individual", "factory", v) for v in (0.0, 50.0, 50.0, 100.0)]
    result = results.score_office(
        _tables(rows, ("individual", "business"), ("factory",), [[20], [980]]), _cycle()
    )
    assert result.eit is not None and result.eit.weighted is not None
    assert result.eit.weighted.se == pytest.approx(math.sqrt(0.8 * (5000 / 3) / 4), rel=1e-12)
    assert result.eit.unweighted.se == pytest.approx(math.sqrt((1 - 4 / 1000) * (5000 / 3) / 4), rel=1e-12)
    assert result.covered_population == 20


# --- bounded intervals --------------------------------------------------------------------------------------


@pytest.mark.parametrize("design", ["without_fpc", "with_fpc"])
def test_intervals_are_rs_xlogit_intervals_and_stay_below_100(design: str) -> None:
    edge = R["xlogit_high"]
    assert edge["symmetric_high"] > 100  # the symmetric interval would pass the scale
    scores = [int(r["points"]) * 100 / 45 for r in _csv("survey_edges_high.csv")]
    tables = _tables([("individual", "factory", s) for s in scores], ("individual",), ("factory",))
    result = weighted_mean(
        [1.0], tables.n[..., 0], tables.total[..., 0], tables.total_sq[..., 0], calibration="none",
        population_size=50 if design == "with_fpc" else None,
    )  # fmt: skip
    expected = edge[design]
    assert result.mean == pytest.approx(100 * expected["p"], rel=RTOL)
    assert result.se == pytest.approx(100 * expected["se_p"], rel=RTOL)  # the SE stays on the 0–100 scale
    assert result.low == pytest.approx(100 * expected["low"], rel=RTOL)
    assert result.high == pytest.approx(100 * expected["high"], rel=RTOL)
    assert result.high < 100


def test_poststratified_interval_is_rs_xlogit_interval() -> None:
    from survey_app.stats.weighting import poststratify

    ref = json.loads((HERE / "survey_reference.json").read_text(encoding="utf-8"))
    types, services = tuple(ref["types"]), tuple(ref["services"])
    rows = [
        (r["respondent_type"], r["service"], int(r["points"]) * 100 / 45)
        for r in _csv("survey_reference.csv")
    ]
    tables = _tables(rows, types, services)
    weights = poststratify(tables.counts, ref["population"])
    result = weighted_mean(
        weights, tables.n[..., 0], tables.total[..., 0], tables.total_sq[..., 0], population_size=2235
    )
    expected = R["xlogit_reference_poststratified_fpc"]
    assert (result.low, result.high) == pytest.approx(
        (100 * expected["low"], 100 * expected["high"]), rel=RTOL
    )


def test_an_estimate_of_100_with_no_spread_has_the_point_as_its_interval_and_says_so() -> None:
    estimates = weighted_means([1.0], [[12.0]], [[1200.0]], [[120000.0]], low=[[100.0]], high=[[100.0]])
    assert (estimates.mean[0], estimates.se[0], estimates.low[0], estimates.high[0]) == (
        100.0,
        0.0,
        100.0,
        100.0,
    )
    assert estimates.reasons == ("zero_se",)


@pytest.mark.usefixtures("app_context")
def test_a_lone_response_has_no_interval_and_says_an_interval_needs_two() -> None:
    result = results.score_office(
        _tables([("individual", "factory", 80.0)], ("individual",), ("factory",)), _cycle()
    )
    assert result.eit is not None and result.eit.unweighted.reason == "one_response"
    data = result.to_dict()["eit"]
    assert data["unweighted"]["se"] is None
    assert data["unweighted"]["reason"]["en"] == "An interval needs at least two responses."
    assert data["unweighted"]["reason"]["th"] == "ช่วงความเชื่อมั่นต้องมีผู้ตอบอย่างน้อยสองราย"


# --- D3: trimming ---------------------------------------------------------------------------------------------


def _reference_tables() -> OfficeTables:
    ref = json.loads((HERE / "survey_reference.json").read_text(encoding="utf-8"))
    rows = [
        (r["respondent_type"], r["service"], int(r["points"]) * 100 / 45)
        for r in _csv("survey_reference.csv")
    ]
    return _tables(rows, tuple(ref["types"]), tuple(ref["services"]), ref["population"])


def test_trimming_that_touches_no_weight_changes_nothing() -> None:
    edge = R["trim"]
    tables = _reference_tables()
    plain = weighting_service.weigh(tables, min_cell=1)
    loose = weighting_service.weigh(tables, min_cell=1, trim_upper=100)
    assert loose.method == plain.method == "poststratify"
    assert loose.weights is not None and plain.weights is not None
    np.testing.assert_array_equal(loose.weights, plain.weights)
    np.testing.assert_allclose(
        loose.weights, edge["loose_weights"], rtol=RTOL
    )  # R: trimWeights changed nothing
    assert Note("trim_nothing", {"bound": "100"}) in loose.notes
    se = weighted_mean(loose.weights, tables.n[..., 0], tables.total[..., 0], tables.total_sq[..., 0]).se
    assert se == pytest.approx(edge["loose_se"], rel=RTOL)


def test_trimming_bounds_the_weights_rematches_the_margins_and_says_so() -> None:
    edge = R["trim"]
    tables = _reference_tables()
    trimmed = weighting_service.weigh(tables, min_cell=1, trim_upper=1.3)
    assert trimmed.weights is not None and tables.population is not None
    assert trimmed.weights.max() <= edge["bound"] * (1 + 1e-9)  # 1.3 × the mean weight 2235 / 140
    weighted = trimmed.weights * tables.counts
    np.testing.assert_allclose(weighted.sum(axis=1), tables.population.sum(axis=1), rtol=1e-7)
    np.testing.assert_allclose(weighted.sum(axis=0), tables.population.sum(axis=0), rtol=1e-7)
    assert Note("trimmed", {"bound": "1.3", "method": "poststratified", "cells": 2}) in trimmed.notes
    assert trimmed.method == "poststratify"


def test_se_of_trimmed_and_rematched_weights_is_rs_svymean_se() -> None:
    # R's trimmed design (trimWeights, then rake, until the bound holds) keeps its post-stratification: its
    # linearisation takes residuals about the cell means, weighted by the final weights.
    edge = R["trim"]
    tables = _reference_tables()
    result = weighted_mean(
        edge["trimmed_weights"], tables.n[..., 0], tables.total[..., 0], tables.total_sq[..., 0],
        calibration="poststratify",
    )  # fmt: skip
    assert result.mean == pytest.approx(edge["trimmed_mean"], rel=RTOL)
    assert result.se == pytest.approx(edge["trimmed_svymean_se"], rel=RTOL)


# --- D6: raking to the frame's own margins ---------------------------------------------------------------------


def test_raking_hits_the_frames_own_margins_even_with_a_sparse_cell() -> None:
    edge = R["rake_margins"]
    types, services = ("individual", "business"), ("factory", "mining", "information")
    rows = [
        (r["respondent_type"], r["service"], int(r["points"]) * 100 / 45)
        for r in _csv("survey_edges_rake.csv")
    ]
    tables = _tables(rows, types, services, edge["population"])
    weighting = weighting_service.weigh(tables, calibration="rake")
    assert weighting.method == "rake" and weighting.merges == ()
    assert weighting.weights is not None
    expected = np.array([[np.nan if w is None else w for w in row] for row in edge["weights"]])
    occupied = tables.counts > 0
    np.testing.assert_allclose(weighting.weights[occupied], expected[occupied], rtol=1e-9)
    weighted = weighting.weights * tables.counts
    np.testing.assert_allclose(weighted.sum(axis=0), edge["service_totals"], rtol=1e-9)  # 500, 120, 160
    np.testing.assert_allclose(weighted.sum(axis=1), [440, 340], rtol=1e-9)
    result = weighted_mean(
        weighting.weights, tables.n[..., 0], tables.total[..., 0], tables.total_sq[..., 0], calibration="rake"
    )
    assert result.mean == pytest.approx(edge["mean"], rel=1e-9)
    assert result.se == pytest.approx(edge["se"], rel=1e-6)


def test_raking_merges_only_a_service_nobody_answered_about_and_says_which() -> None:
    # Nobody answered about mining (frame 20 individuals, 30 businesses): each type's people of it join that
    # type's service with most answers, factory for both.
    rows = [("individual", "factory", 60.0)] * 6 + [("individual", "information", 80.0)] * 4
    rows += [("business", "factory", 40.0)] * 5
    frame = [[100, 20, 80], [150, 30, 0]]
    tables = _tables(rows, ("individual", "business"), ("factory", "mining", "information"), frame)
    weighting = weighting_service.weigh(tables, calibration="rake")
    assert weighting.merges == (
        Note("rake_merged_within_type", {"type": "individual", "service": "mining", "into": "factory",
                                         "population": "20"}),
        Note("rake_merged_within_type", {"type": "business", "service": "mining", "into": "factory",
                                         "population": "30"}),
    )  # fmt: skip
    assert weighting.weights is not None
    weighted = weighting.weights * tables.counts
    np.testing.assert_allclose(weighted.sum(axis=0), [300, 0, 80], rtol=1e-9)
    np.testing.assert_allclose(weighted.sum(axis=1), [200, 180], rtol=1e-9)


# --- D5: identical answers -----------------------------------------------------------------------------------


def test_identical_answers_give_a_standard_error_of_exactly_zero() -> None:
    edge = R["identical"]
    value = 200 / 3
    rows = [("individual", "factory", value)] * 997 + [("business", "factory", value)] * 3
    tables = _tables(rows, ("individual", "business"), ("factory",), [[5000], [100]])
    result = results.score_office(tables, _cycle())
    assert result.eit is not None and result.eit.weighted is not None
    for estimate in (result.eit.unweighted, result.eit.weighted):
        assert estimate.se == 0.0 == edge["se"]
        assert estimate.mean == pytest.approx(edge["mean"], rel=1e-15)
        assert estimate.low == estimate.high == estimate.mean
        assert estimate.reason == "zero_se"


# --- D7: the requirement is capped at the population ------------------------------------------------------------


def test_fixed_minimum_is_capped_at_the_population_and_a_census_is_adequate() -> None:
    # 60 people served, all 60 answered; the fixed minimum is 100 and Krejcie & Morgan ask for 52 of 60.
    adequacy = assess_adequacy(60, fixed_minimum=100, population=60, effective_n=48.0)
    assert (adequacy.required, adequacy.shortfall, adequacy.adequate) == (60, 0, True)
    assert adequacy.capped and adequacy.census
    short = assess_adequacy(40, fixed_minimum=100, population=60)
    assert (short.required, short.shortfall, short.adequate) == (60, 20, False)


# --- D8: wording at the edges ----------------------------------------------------------------------------------


def test_frame_and_no_responses_says_no_responses_not_unweighted() -> None:
    tables = _tables([], ("individual",), ("factory",), [[300]])
    result = results.score_office(tables, _cycle())
    assert [n.code for n in result.notes] == ["no_responses"]
    assert result.design_effect is None and result.eit is None
    data = result.to_dict()
    assert data["design_effect_reason"]["code"] == "no_responses"
    assert data["eit_reason"]["code"] == "no_responses"


# --- D4: roll-ups -------------------------------------------------------------------------------------------


def _member(
    code: str, count: int, covered: float | None, mean: float, se: float, **kw: Any
) -> pooling.Member:
    est = Estimate(mean, se, mean - 1, mean + 1, count)
    return pooling.Member(code, count, kw.get("frame", True), kw.get("error"), covered, est, est)


def test_roll_up_pools_the_same_offices_in_every_figure_and_lists_the_rest() -> None:
    # By hand: A covers 800 people (mean 80, SE 2) and B 200 (mean 90, SE 3): shares 0.8 and 0.2, pooled mean
    # 0.8·80 + 0.2·90 = 82, SE √(0.8²·2² + 0.2²·3²) = √2.92; mean of offices (80 + 90) / 2 = 85.
    members = [
        _member("A", 30, 800, 80.0, 2.0),
        _member("B", 40, 200, 90.0, 3.0),
        _member("C", 1, 500, 10.0, math.nan),
        _member("D", 3, 100, 20.0, 5.0),
        _member("E", 25, None, 30.0, 4.0, frame=False),
        _member("F", 25, None, 40.0, 4.0, error=Note("frame_error", {"frame": "10", "answered": 25})),
    ]
    rollup = pooling.roll_up("national", members, k=5)
    assert rollup.offices_pooled == ("A", "B")
    assert rollup.mean_of_offices_weighted == rollup.mean_of_offices_unweighted == 85.0
    assert rollup.pooled is not None
    assert rollup.pooled.mean == pytest.approx(82.0, rel=1e-15)
    assert rollup.pooled.se == pytest.approx(math.sqrt(2.92), rel=1e-15)
    assert rollup.pooled.low > 0 and rollup.pooled.high < 100
    reasons = {e.office_code: [n.code for n in e.reasons] for e in rollup.excluded}
    assert reasons == {
        "C": ["below_k", "one_response"], "D": ["below_k"], "E": ["no_frame"], "F": ["frame_error"],
    }  # fmt: skip


def test_roll_up_with_no_office_to_pool_says_why() -> None:
    rollup = pooling.roll_up("national", [_member("C", 2, 500, 10.0, 1.0)], k=5)
    assert rollup.pooled is None and rollup.reason == Note("no_office_pooled")


def test_each_region_pools_its_own_offices_by_the_same_rule() -> None:
    # North: A (800 people, 80) and B (200 people, 90) → 0.8·80 + 0.2·90 = 82; South: only C, below K.
    members = [
        _member("A", 30, 800, 80.0, 2.0),
        _member("B", 40, 200, 90.0, 3.0),
        _member("C", 3, 100, 20.0, 5.0),
    ]
    rollup = pooling.national_and_regions(members, {"A": "north", "B": "north", "C": "south"}, k=5)
    north, south = rollup.regions["north"], rollup.regions["south"]
    assert north.offices_pooled == ("A", "B") and north.pooled is not None
    assert north.pooled.mean == pytest.approx(82.0, rel=1e-15)
    assert south.pooled is None and south.reason == Note("no_office_pooled")
    assert [e.office_code for e in south.excluded] == ["C"]
    assert rollup.offices_pooled == ("A", "B") and rollup.responses == 73


def test_raking_that_cannot_meet_both_margins_falls_back_to_poststratifying_and_says_so() -> None:
    # Businesses answered only about factories, yet the frame has 100 businesses and only 10 factory users in
    # all: no weights meet both totals. Post-stratification weights each merged cell instead.
    rows = [("individual", "factory", 50.0)] * 5 + [("individual", "mining", 70.0)] * 5
    rows += [("business", "factory", 90.0)] * 5
    tables = _tables(rows, ("individual", "business"), ("factory", "mining"), [[10, 0], [0, 100]])
    weighting = weighting_service.weigh(tables, calibration="rake")
    assert weighting.method == "poststratify"
    assert "rake_failed" in [n.code for n in weighting.notes]
    assert weighting.weights is not None
    np.testing.assert_allclose((weighting.weights * weighting.counts).sum(axis=1), [10, 100], rtol=1e-12)


def test_raked_weights_trimmed_say_raked_and_keep_the_bound_and_the_margins() -> None:
    tables = _reference_tables()  # raked, the largest weight is 1.317 × the mean weight 2235 / 140
    trimmed = weighting_service.weigh(tables, calibration="rake", trim_upper=1.3)
    assert trimmed.weights is not None and tables.population is not None
    assert trimmed.method == "rake"
    assert trimmed.weights.max() <= 1.3 * 2235 / 140 * (1 + 1e-9)
    weighted = trimmed.weights * tables.counts
    np.testing.assert_allclose(weighted.sum(axis=1), tables.population.sum(axis=1), rtol=1e-7)
    np.testing.assert_allclose(weighted.sum(axis=0), tables.population.sum(axis=0), rtol=1e-7)
    assert next(n for n in trimmed.notes if n.code == "trimmed").params["method"] == "raked"


def test_a_bound_the_margins_cannot_meet_leaves_the_weights_untrimmed_and_says_so() -> None:
    tables = _reference_tables()
    raked = weighting_service.weigh(tables, calibration="rake")
    tight = weighting_service.weigh(tables, calibration="rake", trim_upper=1.2)
    assert raked.weights is not None and tight.weights is not None
    np.testing.assert_array_equal(tight.weights, raked.weights)
    assert Note("trim_failed", {"bound": "1.2"}) in tight.notes
