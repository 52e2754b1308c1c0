"""Weighted and unweighted scores with confidence intervals, from per-cell sufficient statistics.

For each cell (a combination of weighting variables, e.g. respondent type × service) and measure the caller
gives the count ``n``, the sum ``total`` and the sum of squares ``total_sq`` of the per-respondent values, and
one weight per respondent of the cell. The mean is Σ w·total / Σ w·n. Its standard error is R ``survey``'s
Taylor linearisation for ``svydesign(ids = ~1, ...)``: with-replacement factor n/(n−1), the finite population
correction (1 − n/N) when the population size is given, and residuals that follow how the weights were made:

* ``"none"`` (plain or no weights): about the weighted overall mean;
* ``"poststratify"``: about each cell's mean;
* ``"rake"``: about the least-squares fit of the scores on the main effects of the table's axes (the raking
  margins; the design weights before raking are equal), which is the weighted least-squares fit of the cell
  means with weights n_c. R reaches the same fit by backfitting; it also centres the weighted residuals
  w_i (y_i − fit_i), whose sum is not zero after raking, and so does this module.

Every term (within-cell sums of squares, between-cell offsets, the residuals' sum) is a function of the cell
sums, so no individual response is needed.

Intervals stay inside the 0–100 scale: they are computed on the logit scale of p = mean / 100 and transformed
back, 100 · expit(logit(p) ± z · (SE / 100) / (p (1 − p))), which is R's ``svyciprop(method = "xlogit")`` with
``df = Inf``. The standard error itself is reported on the 0–100 scale.

When the caller also gives each cell's smallest and largest value (``low`` and ``high``), a cell whose values
are all equal contributes exactly no within-cell variance, and a measure whose every value is the same gets that
value as its mean and a standard error of exactly 0: sums of squares of identical values cancel only up to
rounding otherwise.

An estimate that has no interval says why in ``reason`` (a code; ``REASONS`` lists them).

Measures follow the questionnaire: items ``E1``…, indicators ``IND6``, ``IND7``, ``IND8`` and ``EIT``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .bands import Band, eit_band, indicator_band
from .sampling import z_value

FloatArray = NDArray[np.float64]
Calibration = Literal["none", "poststratify", "rake"]
CALIBRATIONS: Final = ("none", "poststratify", "rake")
EIT: Final = "EIT"
# Distinct scores differ by far more than this (a 0–100 scale averaged over a few sub-items and items); values
# closer than this are one value written by two computations (Python's mean and SQL's AVG) and rounded apart.
SAME_VALUE: Final = 1e-9
NO_RESPONSES: Final = "no_responses"
ONE_RESPONSE: Final = "one_response"
ZERO_SE: Final = "zero_se"
NO_WEIGHT: Final = "no_weighted_respondents"
REASONS: Final = {
    NO_RESPONSES: "no responses: nothing to estimate",
    ONE_RESPONSE: "an interval needs at least two responses",
    ZERO_SE: "every respondent gave the same score (within each weighting cell): the interval is the point",
    NO_WEIGHT: "no respondent carries weight: nobody answered of a type or service the frame counts",
}


@dataclass(frozen=True)
class Estimate:
    """A mean with its standard error and confidence interval, from ``n`` respondents."""

    mean: float
    se: float
    low: float
    high: float
    n: int
    reason: str | None = None


@dataclass(frozen=True)
class Estimates:
    """Vectorised ``Estimate``: one entry per measure (last axis of the inputs)."""

    mean: FloatArray
    se: FloatArray
    low: FloatArray
    high: FloatArray
    n: FloatArray
    reasons: tuple[str | None, ...] = ()

    def at(self, index: int) -> Estimate:
        """The estimate of the measure at ``index``."""
        i = index
        reason = self.reasons[i] if self.reasons else None
        return Estimate(
            float(self.mean[i]), float(self.se[i]), float(self.low[i]), float(self.high[i]), int(self.n[i]),
            reason,
        )  # fmt: skip


def logit_interval(mean: ArrayLike, se: ArrayLike, z: float) -> tuple[FloatArray, FloatArray]:
    """Bounds of ``mean`` ± ``z`` standard errors on the logit scale of mean / 100, back on the 0–100 scale.

    ``100 · expit(logit(p) ± z · (se / 100) / (p (1 − p)))`` with p = mean / 100 (R's ``svyciprop`` with
    ``method = "xlogit"``). A standard error of 0, or a mean at 0 or 100, gives the point itself; NaN stays NaN.
    """
    m = np.asarray(mean, dtype=np.float64)
    s = np.asarray(se, dtype=np.float64)
    p = np.clip(m / 100.0, 0.0, 1.0)
    inside = (p > 0.0) & (p < 1.0) & (s > 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = np.log(p) - np.log1p(-p)
        half = z * (s / 100.0) / (p * (1.0 - p))
        unknown = np.isnan(s) | np.isnan(m)
        low = np.where(unknown, np.nan, np.where(inside, 100.0 * _expit(centre - half), m))
        high = np.where(unknown, np.nan, np.where(inside, 100.0 * _expit(centre + half), m))
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def _expit(x: FloatArray) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * x)), dtype=np.float64)


def _main_effects(shape: tuple[int, ...]) -> FloatArray:
    """Design matrix of an intercept plus one dummy per category of each axis, one row per cell."""
    grids = np.indices(shape).reshape(len(shape), -1)
    columns = [np.ones((grids.shape[1], 1))]
    columns += [np.eye(size)[grids[axis]] for axis, size in enumerate(shape)]
    return np.hstack(columns)


def _rake_fit(cell_mean: FloatArray, counts: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    """Cell means fitted by least squares (weights n_c) on the main effects of the table axes."""
    design = _main_effects(shape)
    fit = np.zeros_like(cell_mean)
    # Usually every measure has the same counts (all items are required): one solve serves them all.
    columns = counts[:, :1] if np.all(counts == counts[:, :1]) else np.unique(counts, axis=1)
    for column in columns.T:
        cols = np.flatnonzero(np.all(counts == column[:, None], axis=0))
        root = np.sqrt(column)[:, None]
        beta = np.linalg.lstsq(design * root, cell_mean[:, cols] * root, rcond=None)[0]
        fit[:, cols] = design @ beta
    return fit


def _residual_ss(
    w: FloatArray, n: FloatArray, total: FloatArray, total_sq: FloatArray, mean: FloatArray, wsum: FloatArray,
    calibration: str, shape: tuple[int, ...], constant: NDArray[np.bool_] | None = None,
    value: FloatArray | None = None,
) -> FloatArray:  # fmt: skip
    """Σ over respondents of (e_i − ē)², e_i = w_i (y_i − fit_i) / Σw the linearised residual, per measure.

    Cells flagged ``constant`` hold one value (``value``) many times: their mean is that value and their
    within-cell sum of squares exactly 0.
    """
    cell_mean = np.divide(total, n, out=np.zeros_like(total), where=n > 0)
    within = np.maximum(total_sq - cell_mean * total, 0.0)
    if constant is not None and value is not None:
        cell_mean = np.where(constant, value, cell_mean)
        within = np.where(constant, 0.0, within)
    if calibration == "poststratify":
        offset = np.zeros_like(cell_mean)
    elif calibration == "none":
        offset = cell_mean - mean
    else:
        offset = cell_mean - _rake_fit(cell_mean, n, shape)
    e_sum = (w * n * offset).sum(axis=0) / wsum
    ss = (w * w * (within + n * offset * offset)).sum(axis=0) / wsum**2 - e_sum**2 / n.sum(axis=0)
    return np.asarray(np.maximum(ss, 0.0), dtype=np.float64)


def _check_inputs(
    weights: ArrayLike, n: ArrayLike, total: ArrayLike, total_sq: ArrayLike
) -> tuple[FloatArray, ...]:
    arrays = [np.asarray(a, dtype=np.float64) for a in (weights, n, total, total_sq)]
    w, counts = arrays[0], arrays[1]
    if counts.shape[: w.ndim] != w.shape or not arrays[1].shape == arrays[2].shape == arrays[3].shape:
        raise ValueError(f"n, total and total_sq must share a shape that starts with the weights' {w.shape}")
    if any(not np.all(np.isfinite(a)) for a in arrays) or np.any(w < 0) or np.any(counts < 0):
        raise ValueError("weights, counts and sums must be finite; weights and counts not negative")
    return tuple(arrays)


def _constant_cells(
    counts: FloatArray, low: ArrayLike | None, high: ArrayLike | None
) -> tuple[NDArray[np.bool_], FloatArray] | None:
    """Which occupied cells hold a single value (their smallest equals their largest), and that value."""
    if low is None or high is None:
        return None
    lo = np.asarray(low, dtype=np.float64).reshape(counts.shape)
    hi = np.asarray(high, dtype=np.float64).reshape(counts.shape)
    with np.errstate(invalid="ignore"):
        constant = (counts > 0) & np.isfinite(lo) & np.isfinite(hi) & (hi - lo <= SAME_VALUE)
    return constant, np.where(constant, lo, 0.0)


def _reasons(size: FloatArray, raw_size: FloatArray, se: FloatArray) -> tuple[str | None, ...]:
    reasons: list[str | None] = []
    for k, r, s in zip(size.tolist(), raw_size.tolist(), se.tolist(), strict=True):
        if r == 0:
            reasons.append(NO_RESPONSES)
        elif k == 0:
            reasons.append(NO_WEIGHT)
        elif k == 1:
            reasons.append(ONE_RESPONSE)
        else:
            reasons.append(ZERO_SE if s == 0 else None)
    return tuple(reasons)


def weighted_means(
    weights: ArrayLike,
    n: ArrayLike,
    total: ArrayLike,
    total_sq: ArrayLike,
    *,
    calibration: Calibration = "poststratify",
    population_size: float | None = None,
    confidence: float = 0.95,
    low: ArrayLike | None = None,
    high: ArrayLike | None = None,
) -> Estimates:
    """Means, linearised standard errors and bounded (logit) intervals of several measures at once.

    ``weights`` is the table of per-respondent weights (shape T, e.g. types × services); ``n``, ``total`` and
    ``total_sq`` (and, when known, each cell's smallest and largest value ``low`` and ``high``, NaN where
    unknown) have shape T + (measures,). Cells with zero weight count for nothing. A measure with fewer than
    two weighted respondents gets a NaN standard error and interval and a ``reason``. ``population_size``
    (None: no finite population correction) must not be smaller than the number of weighted respondents.
    Raises ``ValueError`` for shapes that disagree, negative or non-finite inputs, an unknown calibration, a
    bad confidence or a population smaller than the sample.
    """
    if calibration not in CALIBRATIONS:
        raise ValueError(f"calibration must be one of {', '.join(CALIBRATIONS)}, got {calibration!r}")
    w_t, n_t, t_t, q_t = _check_inputs(weights, n, total, total_sq)
    shape, cells = w_t.shape, max(w_t.size, 1)
    w = w_t.reshape(cells, 1)
    raw = n_t.reshape(cells, -1)
    counts = np.where(w > 0, raw, 0.0)
    tot, tot_sq = t_t.reshape(cells, -1), q_t.reshape(cells, -1)
    wsum = (w * counts).sum(axis=0)
    size = counts.sum(axis=0)
    if population_size is not None and np.any(size > population_size):
        raise ValueError(f"a population of {population_size:g} is smaller than the sample ({size.max():g})")
    constant = _constant_cells(counts, low, high)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (w * np.where(counts > 0, tot, 0.0)).sum(axis=0) / wsum
        ss = _residual_ss(w, counts, tot, tot_sq, mean, wsum, calibration, shape, *(constant or (None, None)))
        fpc = 1.0 if population_size is None else np.maximum(0.0, 1.0 - size / population_size)
        se = np.sqrt(np.where(size > 1, fpc * size / (size - 1) * ss, np.nan))
    if constant is not None:
        mean, se = _exact_when_all_equal(counts, constant, mean, se)
    low_b, high_b = logit_interval(mean, se, z_value(confidence))
    return Estimates(mean, se, low_b, high_b, size, _reasons(size, raw.sum(axis=0), se))


def _exact_when_all_equal(
    counts: FloatArray, constant: tuple[NDArray[np.bool_], FloatArray], mean: FloatArray, se: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """A measure whose every weighted respondent has one value: that value as mean, standard error 0."""
    is_const, value = constant
    occupied = counts > 0
    lo = np.where(occupied, value, np.inf).min(axis=0)
    hi = np.where(occupied, value, -np.inf).max(axis=0)
    same = occupied.any(axis=0) & np.all(is_const | ~occupied, axis=0) & (hi - lo <= SAME_VALUE)
    new_mean = np.where(same, np.clip(mean, lo, hi), mean)
    new_se = np.where(same & np.isfinite(se), 0.0, se)
    return np.asarray(new_mean, dtype=np.float64), np.asarray(new_se, dtype=np.float64)


def weighted_mean(
    weights: ArrayLike,
    n: ArrayLike,
    total: ArrayLike,
    total_sq: ArrayLike,
    *,
    calibration: Calibration = "poststratify",
    population_size: float | None = None,
    confidence: float = 0.95,
    low: ArrayLike | None = None,
    high: ArrayLike | None = None,
) -> Estimate:
    """The weighted mean of one measure with its linearised standard error and confidence interval.

    All arrays have the shape of the cell table. See ``weighted_means`` for the rules and what raises.
    """
    w = np.asarray(weights, dtype=np.float64)
    stats = [np.asarray(a, dtype=np.float64)[..., None] for a in (n, total, total_sq)]
    bounds = [None if a is None else np.asarray(a, dtype=np.float64)[..., None] for a in (low, high)]
    result = weighted_means(
        w, *stats, calibration=calibration, population_size=population_size, confidence=confidence,
        low=bounds[0], high=bounds[1],
    )  # fmt: skip
    return result.at(0)


@dataclass(frozen=True)
class MeasureScore:
    """One item, indicator or the EIT: weighted (when weights were given) and unweighted, with their bands."""

    measure: str
    kind: str
    unweighted: Estimate
    unweighted_band: Band | None
    weighted: Estimate | None = None
    weighted_band: Band | None = None


@dataclass(frozen=True)
class ScoreSet:
    """Scores of every measure of one office (or any group of cells)."""

    items: Mapping[str, MeasureScore]
    indicators: Mapping[str, MeasureScore]
    eit: MeasureScore | None


def measure_kind(measure: str) -> str:
    """``"eit"``, ``"indicator"`` (``IND…``) or ``"item"`` for a measure code."""
    if measure == EIT:
        return "eit"
    return "indicator" if measure.startswith("IND") else "item"


def _band(kind: str, estimate: Estimate) -> Band | None:
    if not np.isfinite(estimate.mean):
        return None
    mean = min(100.0, max(0.0, estimate.mean))
    return eit_band(mean) if kind == "eit" else indicator_band(mean)


def _measure_score(code: str, plain: Estimates, weighted: Estimates | None, i: int) -> MeasureScore:
    kind = measure_kind(code)
    unweighted = plain.at(i)
    if weighted is None:
        return MeasureScore(code, kind, unweighted, _band(kind, unweighted))
    est = weighted.at(i)
    return MeasureScore(code, kind, unweighted, _band(kind, unweighted), est, _band(kind, est))


def score_measures(
    measures: Sequence[str],
    n: ArrayLike,
    total: ArrayLike,
    total_sq: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    calibration: Calibration = "poststratify",
    population_size: float | None = None,
    plain_population_size: float | None = None,
    confidence: float = 0.95,
    low: ArrayLike | None = None,
    high: ArrayLike | None = None,
) -> ScoreSet:
    """Item, indicator and EIT scores, unweighted and (given ``weights``) weighted, with intervals and bands.

    ``n``, ``total`` and ``total_sq`` (and the optional cell minima ``low`` and maxima ``high``) have shape
    cells + (len(measures),), where cells is the shape of ``weights`` (any shape when no weights are given);
    the unweighted scores treat all cells alike. ``population_size`` is the population the weights cover
    (finite population correction of the weighted scores), ``plain_population_size`` the one of the
    unweighted scores (the whole frame); None means no correction. Raises ``ValueError`` as
    ``weighted_means`` does, or when ``measures`` does not match the last axis.
    """
    counts = np.asarray(n, dtype=np.float64)
    if counts.ndim < 1 or counts.shape[-1] != len(measures):
        raise ValueError(f"the last axis must hold the {len(measures)} measures, got shape {counts.shape}")
    ones = np.ones(counts.shape[:-1])
    plain = weighted_means(
        ones,
        counts,
        total,
        total_sq,
        calibration="none",
        population_size=plain_population_size,
        confidence=confidence,
        low=low,
        high=high,
    )
    scored = None
    if weights is not None:
        scored = weighted_means(
            weights, counts, total, total_sq, calibration=calibration, population_size=population_size,
            confidence=confidence, low=low, high=high,
        )  # fmt: skip
    results = [_measure_score(code, plain, scored, i) for i, code in enumerate(measures)]
    by_kind = {
        kind: {r.measure: r for r in results if r.kind == kind} for kind in ("item", "indicator", "eit")
    }
    return ScoreSet(by_kind["item"], by_kind["indicator"], by_kind["eit"].get(EIT))


def respondent_measures(
    item_scores: Mapping[str, Sequence[float]],
    indicators: Mapping[str, Sequence[str]],
    eit: Sequence[str] | None = None,
) -> dict[str, float]:
    """One respondent's value of every measure from the scores of each item's sub-items: the one Python
    statement of the scoring hierarchy (its SQL twin is ``survey_app.services.results.rollup.respondent_values``).

    Item value = mean of its sub-item scores; indicator value = mean of its items' values; ``EIT`` = mean of the
    indicators named in ``eit`` (every indicator when None). Sums are exact (``math.fsum``), so a value does not
    depend on the order of the items. ``indicators`` maps an indicator code (``IND6``) to
    its item codes. Raises ``ValueError`` when an item has no sub-item score, an indicator names an item that was
    not answered or ``eit`` names an unknown indicator.
    """
    values: dict[str, float] = {}
    for item, subs in item_scores.items():
        if not subs:
            raise ValueError(f"item {item} has no sub-item score")
        values[item] = math.fsum(subs) / len(subs)
    for indicator, items in indicators.items():
        missing = [item for item in items if item not in values]
        if missing or not items:
            raise ValueError(f"indicator {indicator} lacks items {missing}")
        values[indicator] = math.fsum(values[item] for item in items) / len(items)
    members = list(indicators) if eit is None else list(eit)
    unknown = [code for code in members if code not in indicators]
    if unknown:
        raise ValueError(f"the EIT names unknown indicators {unknown}")
    if members:
        values[EIT] = math.fsum(values[i] for i in members) / len(members)
    return values
