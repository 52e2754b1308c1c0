"""Weights from cell tables: post-stratification, raking, collapsing sparse cells, trimming, design effect.

Every function works on a table of cells (one cell per combination of weighting variables, e.g. respondent
type × service) holding how many respondents fell in the cell; a weight is what *each respondent* of a cell
receives. Nothing here sees individual responses.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .collapse import Collapsed, Merge, collapse_sparse

__all__ = [
    "Collapsed",
    "ConvergenceError",
    "EmptyCellError",
    "MarginMismatchError",
    "Merge",
    "WeightingError",
    "collapse_sparse",
    "effective_n",
    "kish_deff",
    "poststratify",
    "rake",
    "trim",
]

FloatArray = NDArray[np.float64]
# trim() gives up when 200 rounds of trimming and raking improved the margins by less than 1 %.
_STALL_WINDOW = 200


class WeightingError(ValueError):
    """The tables given cannot be weighted as asked."""


class EmptyCellError(WeightingError):
    """A cell has people in the population but nobody in the sample; ``cell`` is its index."""

    def __init__(self, cell: tuple[int, ...]) -> None:
        super().__init__(f"cell {cell} has population but no respondents; collapse it into a neighbour first")
        self.cell = cell


class MarginMismatchError(WeightingError):
    """Margins that cannot be matched: grand totals disagree, or a margin needs people nobody sampled."""


class ConvergenceError(WeightingError):
    """An iterative fit did not reach its tolerance within the allowed iterations."""


def _as_counts(name: str, values: ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise WeightingError(f"{name} must be finite and not negative")
    return array


def poststratify(sample_counts: ArrayLike, population_counts: ArrayLike) -> FloatArray:
    """The weight of each respondent in each cell: population count / sample count.

    Both arrays have one cell per combination of the weighting variables and the same shape. A cell with
    nobody in the population gets weight 0. Raises ``EmptyCellError`` (a ``ValueError``) naming the first cell
    with population but no respondents, and ``WeightingError`` for shapes that differ or negative counts.
    """
    sample = _as_counts("sample_counts", sample_counts)
    population = _as_counts("population_counts", population_counts)
    if sample.shape != population.shape:
        raise WeightingError(f"shapes differ: sample {sample.shape}, population {population.shape}")
    empty = np.argwhere((sample == 0) & (population > 0))
    if empty.size:
        raise EmptyCellError(tuple(int(i) for i in empty[0]))
    return np.divide(population, sample, out=np.zeros_like(population), where=sample > 0)


def _margin_sums(table: FloatArray, axis: int) -> FloatArray:
    others = tuple(a for a in range(table.ndim) if a != axis)
    return table.sum(axis=others) if others else table


def _check_margins(sample: FloatArray, margins: Sequence[ArrayLike]) -> list[FloatArray]:
    if len(margins) != sample.ndim:
        raise WeightingError(f"{sample.ndim} margins expected (one per axis), got {len(margins)}")
    checked = [_as_counts(f"margin {i}", m) for i, m in enumerate(margins)]
    for axis, margin in enumerate(checked):
        if margin.shape != (sample.shape[axis],):
            raise WeightingError(
                f"margin {axis} has shape {margin.shape}, axis has {sample.shape[axis]} cells"
            )
        starved = np.flatnonzero((_margin_sums(sample, axis) == 0) & (margin > 0))
        if starved.size:
            raise MarginMismatchError(
                f"margin {axis} category {int(starved[0])} has population but no sample"
            )
    totals = np.array([m.sum() for m in checked])
    if not np.allclose(totals, totals[0], rtol=1e-9, atol=0.0):
        raise MarginMismatchError(f"margins have different grand totals: {totals.tolist()}")
    return checked


def _margin_error(fitted: FloatArray, margins: list[FloatArray]) -> float:
    """The largest relative gap between a margin of the table and its target (0 where both are 0)."""
    worst = 0.0
    for axis, target in enumerate(margins):
        gap = np.abs(_margin_sums(fitted, axis) - target)
        worst = max(worst, float(np.max(gap / np.maximum(target, 1e-300))))
    return worst


def _margins_matched(fitted: FloatArray, margins: list[FloatArray], tol: float) -> bool:
    return _margin_error(fitted, margins) <= tol


def _ipf_sweep(fitted: FloatArray, margins: list[FloatArray]) -> FloatArray:
    """Scale the table to each margin in turn, once."""
    for axis, target in enumerate(margins):
        current = _margin_sums(fitted, axis)
        factor = np.divide(target, current, out=np.zeros_like(target), where=current > 0)
        shape = [1] * fitted.ndim
        shape[axis] = -1
        fitted = fitted * factor.reshape(shape)
    return fitted


def _ipf(fitted: FloatArray, margins: list[FloatArray], tol: float, max_iter: int) -> FloatArray:
    for _ in range(max_iter):
        if _margins_matched(fitted, margins, tol):
            return fitted
        fitted = _ipf_sweep(fitted, margins)
    if _margins_matched(fitted, margins, tol):
        return fitted
    raise ConvergenceError(f"raking did not match the margins within {tol} after {max_iter} iterations")


def rake(
    sample_counts: ArrayLike,
    margins: Sequence[ArrayLike],
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
    base_weights: ArrayLike | None = None,
) -> FloatArray:
    """Raking (iterative proportional fitting): weights whose weighted table matches one total per axis.

    ``margins[k]`` holds the population total of each category of axis ``k``. Starting from ``base_weights``
    (1 by default), the weighted table is scaled to each margin in turn until every margin matches within
    ``tol`` relative. Returns the weight of each respondent per cell, 0 for empty cells. Raises
    ``MarginMismatchError`` when the margins' grand totals disagree or a category with population has no
    respondents, ``ConvergenceError`` when ``max_iter`` sweeps do not reach ``tol`` (both ``ValueError``).
    """
    sample = _as_counts("sample_counts", sample_counts)
    checked = _check_margins(sample, margins)
    base = np.ones_like(sample) if base_weights is None else _as_counts("base_weights", base_weights)
    fitted = _ipf(sample * base, checked, tol, max_iter)
    return np.divide(fitted, sample, out=np.zeros_like(fitted), where=sample > 0)


def _clip_preserving_total(weights: FloatArray, sample: FloatArray, low: float, high: float) -> FloatArray:
    """clip(s·w, low, high) with the one factor s that keeps Σ n·w: weights inside the bounds share it.

    The total is piecewise linear and increasing in s, so s is found exactly on the segment between the two
    breakpoints (where some cell reaches a bound) that bracket the target.
    """
    total = float((weights * sample).sum())
    occupied = sample > 0
    w, n = weights[occupied], sample[occupied]
    with np.errstate(over="ignore", divide="ignore"):
        breaks = np.concatenate([[0.0], low / w[w > 0], high / w[w > 0]])
        breaks = np.unique(breaks[np.isfinite(breaks)])
        sums = (np.clip(np.outer(breaks, w), low, high) * n).sum(axis=1)
    k = int(np.searchsorted(sums, total, side="left"))
    if k == 0 or (k < len(breaks) and sums[k] == total):
        scale = float(
            breaks[k]
        )  # k == 0: every weight at the lower bound (lower = 1) already holds the total
    else:
        end = breaks[k] if k < len(breaks) else 2.0 * breaks[-1] + 1.0
        mid = (breaks[k - 1] + end) / 2.0
        inside = (mid * w > low) & (mid * w < high)
        fixed = float((np.clip(mid * w, low, high) * n)[~inside].sum())
        free = float((w * n)[inside].sum())
        scale = (total - fixed) / free if free > 0 else mid
    out = np.zeros_like(weights)
    out[occupied] = np.clip(scale * w, low, high)
    return out


def _bounds(
    total: float, sample: FloatArray, lower: float | None, upper: float | None
) -> tuple[float, float]:
    mean = total / float(sample.sum())
    lo = 0.0 if lower is None else lower * mean
    hi = np.inf if upper is None else upper * mean
    return lo, float(hi)


def trim(
    weights: ArrayLike,
    sample_counts: ArrayLike,
    *,
    lower: float | None = None,
    upper: float | None = None,
    margins: Sequence[ArrayLike] | None = None,
    tol: float = 1e-8,
    max_iter: int = 5000,
) -> FloatArray:
    """Bound per-cell weights to [lower, upper] × the mean weight per respondent, keeping the weight total.

    Weight cut off a cell is spread over the cells inside the bounds. When ``margins`` are given, trimming and
    one raking sweep alternate until the trimmed weights match every margin within ``tol`` relative (the mean
    is then the margins' total over the respondents). Empty cells keep weight 0. Raises ``WeightingError``
    for bounds that exclude the mean (``lower`` > 1 or ``upper`` < 1), ``ConvergenceError`` when bounds and
    margins cannot both be met.
    """
    w = _as_counts("weights", weights).copy()
    sample = _as_counts("sample_counts", sample_counts)
    if (lower is not None and not 0 <= lower <= 1) or (upper is not None and upper < 1):
        raise WeightingError("need 0 <= lower <= 1 <= upper (bounds are multiples of the mean weight)")
    if sample.sum() == 0:
        return w
    w[sample == 0] = 0.0
    if margins is None:
        return _clip_preserving_total(w, sample, *_bounds(float((w * sample).sum()), sample, lower, upper))
    checked = _check_margins(sample, margins)
    lo, hi = _bounds(float(checked[0].sum()), sample, lower, upper)
    w = _ipf_sweep(w * sample, checked) / np.where(sample > 0, sample, 1.0)
    errors: list[float] = []
    for _ in range(max_iter):
        w = _clip_preserving_total(w, sample, lo, hi)
        errors.append(_margin_error(w * sample, checked))
        if errors[-1] <= tol:
            return w
        if len(errors) > _STALL_WINDOW and errors[-1] > 0.99 * errors[-1 - _STALL_WINDOW]:
            break  # no progress: the bounds and the margins have no common solution
        fitted = _ipf_sweep(w * sample, checked)
        w = np.divide(fitted, sample, out=np.zeros_like(fitted), where=sample > 0)
    raise ConvergenceError("trimming and raking stopped agreeing on the margins; loosen the bounds")


def kish_deff(weights: ArrayLike, sample_counts: ArrayLike) -> float:
    """Kish's design effect of unequal weights: n Σw² / (Σw)², summed over respondents.

    Raises ``WeightingError`` when there are no respondents or every weight is zero.
    """
    w = _as_counts("weights", weights)
    sample = _as_counts("sample_counts", sample_counts)
    total = float((w * sample).sum())
    if sample.sum() == 0 or total == 0:
        raise WeightingError("the design effect needs respondents with positive weight")
    return float(sample.sum() * (w * w * sample).sum() / total**2)


def effective_n(weights: ArrayLike, sample_counts: ArrayLike) -> float:
    """Kish's effective sample size (Σw)² / Σw², the count divided by the design effect.

    Raises ``WeightingError`` as ``kish_deff`` does.
    """
    sample = _as_counts("sample_counts", sample_counts)
    return float(sample.sum()) / kish_deff(weights, sample)
