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


def _margins_matched(fitted: FloatArray, margins: list[FloatArray], tol: float) -> bool:
    for axis, target in enumerate(margins):
        if np.any(np.abs(_margin_sums(fitted, axis) - target) > tol * np.maximum(target, 1e-300)):
            return False
    return True


def _ipf(fitted: FloatArray, margins: list[FloatArray], tol: float, max_iter: int) -> FloatArray:
    shape = [1] * fitted.ndim
    for _ in range(max_iter):
        if _margins_matched(fitted, margins, tol):
            return fitted
        for axis, target in enumerate(margins):
            current = _margin_sums(fitted, axis)
            factor = np.divide(target, current, out=np.zeros_like(target), where=current > 0)
            shape[axis] = -1
            fitted = fitted * factor.reshape(shape)
            shape[axis] = 1
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
    """Clip to [low, high] and spread the excess over the unclipped cells, until nothing moves."""
    total = float((weights * sample).sum())
    for _ in range(100):
        clipped = np.clip(weights, low, high)
        free = (clipped > low) & (clipped < high) & (sample > 0)
        free_total = float((clipped * sample)[free].sum())
        rest = float((clipped * sample)[~free].sum())
        if free_total <= 0:
            return clipped
        clipped[free] *= (total - rest) / free_total
        inside = (clipped >= low * (1 - 1e-12)) & (clipped <= high * (1 + 1e-12))
        if np.all(inside | (sample == 0)):
            return clipped
        weights = clipped
    raise ConvergenceError("trimming did not settle within 100 passes")


def _bounds(
    weights: FloatArray, sample: FloatArray, lower: float | None, upper: float | None
) -> tuple[float, float]:
    mean = float((weights * sample).sum()) / float(sample.sum())
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
    max_iter: int = 1000,
) -> FloatArray:
    """Bound per-cell weights to [lower, upper] × the mean weight per respondent, keeping the weight total.

    Weight cut off a cell is spread over the cells inside the bounds. When ``margins`` are given, trimming and
    raking alternate until the weights respect the bounds and match every margin, both within ``tol``
    relative. Empty cells keep weight 0. Raises ``WeightingError`` for bounds that exclude the mean
    (``lower`` > 1 or ``upper`` < 1), ``ConvergenceError`` when bounds and margins cannot both be met.
    """
    w = _as_counts("weights", weights).copy()
    sample = _as_counts("sample_counts", sample_counts)
    if (lower is not None and not 0 <= lower <= 1) or (upper is not None and upper < 1):
        raise WeightingError("need 0 <= lower <= 1 <= upper (bounds are multiples of the mean weight)")
    if sample.sum() == 0:
        return w
    w[sample == 0] = 0.0
    lo, hi = _bounds(w, sample, lower, upper)
    if margins is None:
        return _clip_preserving_total(w, sample, lo, hi)
    checked = _check_margins(sample, margins)
    for _ in range(max_iter):
        w = _clip_preserving_total(w, sample, lo, hi)
        if _margins_matched(w * sample, checked, tol):
            return w
        fitted = _ipf(w * sample, checked, tol, max_iter)
        w = np.divide(fitted, sample, out=np.zeros_like(fitted), where=sample > 0)
        occupied = sample > 0
        if np.all((w[occupied] >= lo * (1 - tol)) & (w[occupied] <= hi * (1 + tol))):
            return w
    raise ConvergenceError(f"trimming and raking did not agree within {max_iter} rounds; loosen the bounds")


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
