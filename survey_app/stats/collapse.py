"""Collapsing sparse cells of a respondent type × service table before weighting.

A weight computed from a cell with two respondents is noise, and a cell with population but no respondents
cannot be weighted at all. The rule, applied to each respondent type (row) on its own, never across types:

1. A service cell is *sparse* when it has respondents but fewer than ``min_count``, when it has population
   but no respondents, or (if a population table is given) when it has respondents but no population (they
   answered about a service the frame says nobody of their type used).
2. Each sparse cell of a row is merged into one *target* cell of the same row: the ``other_label`` service
   when that is given and not sparse itself, otherwise the non-sparse service with the most respondents
   (ties: the larger population, then the service listed first).
3. When no service of a row is non-sparse, every occupied cell of the row is merged into the row's cell with
   the most respondents (same tie rules): the type is then weighted as a whole.

Merged cells are emptied; their respondents and population move to the target, so sums stay the same.
A respondent type with no respondents at all stays an empty cell: no rule within a type can fix that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Merge:
    """One cell moved into another of the same respondent type, and why."""

    respondent_type: str
    service: str
    into: str
    respondents: int
    population: float
    reason: str

    def describe(self) -> str:
        """A one-line English account of the merge, for result notes."""
        return (
            f"{self.respondent_type}/{self.service} (n={self.respondents}, population "
            f"{self.population:g}, {self.reason}) merged into {self.respondent_type}/{self.into}"
        )


@dataclass(frozen=True)
class Collapsed:
    """The merged tables, where each original cell went (``target``, flat indices) and the merges made."""

    sample: FloatArray
    population: FloatArray
    target: NDArray[np.intp]
    merges: tuple[Merge, ...]
    types: tuple[str, ...]
    services: tuple[str, ...]

    def merge_cells(self, values: ArrayLike) -> FloatArray:
        """Sum per-cell ``values`` (types × services, maybe with trailing axes) into their targets."""
        array = np.asarray(values, dtype=np.float64)
        cells = self.target.size
        flat = array.reshape((cells, *array.shape[2:]))
        out = np.zeros_like(flat)
        np.add.at(out, self.target.ravel(), flat)
        return out.reshape(array.shape)

    def expand(self, cell_values: ArrayLike) -> FloatArray:
        """Per original cell, the value of the cell it went into (e.g. the weight its respondents get)."""
        array = np.asarray(cell_values, dtype=np.float64)
        flat = array.reshape((self.target.size, *array.shape[2:]))
        return flat[self.target.ravel()].reshape(array.shape)


def _sparse_mask(sample: FloatArray, population: FloatArray | None, min_count: int) -> NDArray[np.bool_]:
    sparse = (sample > 0) & (sample < min_count)
    if population is not None:
        sparse |= ((sample == 0) & (population > 0)) | ((sample > 0) & (population == 0))
    return sparse


def _reason(respondents: float, population: float | None) -> str:
    if respondents == 0:
        return "no respondents"
    if population == 0:
        return "outside the population frame"
    return "too few respondents"


def _pick(candidates: NDArray[np.intp], sample_row: FloatArray, pop_row: FloatArray) -> int:
    """The candidate with most respondents, then most population, then listed first."""
    order = sorted(candidates.tolist(), key=lambda j: (-sample_row[j], -pop_row[j], j))
    return int(order[0])


def _row_target(
    sample_row: FloatArray, pop_row: FloatArray, sparse_row: NDArray[np.bool_], other: int | None
) -> tuple[int | None, NDArray[np.intp]]:
    """Where the sparse cells of one row go, and which cells move."""
    occupied = (sample_row > 0) | (pop_row > 0)
    healthy = np.flatnonzero(occupied & ~sparse_row & (sample_row > 0))
    if not sparse_row.any():
        return None, np.array([], dtype=np.intp)
    if healthy.size:
        target = (
            other if other is not None and other in healthy.tolist() else _pick(healthy, sample_row, pop_row)
        )
        return target, np.flatnonzero(sparse_row)
    occupied_idx = np.flatnonzero(occupied)
    target = _pick(occupied_idx, sample_row, pop_row)
    return target, occupied_idx[occupied_idx != target]


def collapse_sparse(
    sample_counts: ArrayLike,
    population_counts: ArrayLike | None,
    types: Sequence[str],
    services: Sequence[str],
    *,
    min_count: int = 5,
    other_label: str | None = None,
) -> Collapsed:
    """Merge sparse service cells into a neighbour of the same respondent type, by the module's rule.

    ``sample_counts`` (and ``population_counts`` when known) are tables of respondent type × service labelled
    by ``types`` and ``services``. Returns the merged tables, the target of every cell and the list of merges.
    Raises ``ValueError`` when shapes and labels disagree, counts are negative or ``min_count`` < 1.
    """
    sample = np.asarray(sample_counts, dtype=np.float64)
    population = None if population_counts is None else np.asarray(population_counts, dtype=np.float64)
    if sample.shape != (len(types), len(services)) or (
        population is not None and population.shape != sample.shape
    ):
        raise ValueError(f"tables must have shape ({len(types)}, {len(services)}) to match the labels")
    if min_count < 1 or np.any(sample < 0) or (population is not None and np.any(population < 0)):
        raise ValueError("counts must not be negative and min_count must be at least 1")
    pop = np.zeros_like(sample) if population is None else population
    other = services.index(other_label) if other_label is not None and other_label in services else None
    target = np.arange(sample.size, dtype=np.intp).reshape(sample.shape)
    merges: list[Merge] = []
    sparse = _sparse_mask(sample, population, min_count)
    for t, rtype in enumerate(types):
        into, moved = _row_target(sample[t], pop[t], sparse[t], other)
        if into is None:
            continue
        for j in moved.tolist():
            target[t, j] = target[t, into]
            reason = _reason(sample[t, j], None if population is None else pop[t, j])
            merges.append(
                Merge(rtype, services[j], services[into], int(sample[t, j]), float(pop[t, j]), reason)
            )
    collapsed = Collapsed(sample, pop, target, tuple(merges), tuple(types), tuple(services))
    merged_pop = collapsed.merge_cells(pop) if population is not None else pop
    return Collapsed(
        collapsed.merge_cells(sample), merged_pop, target, tuple(merges), tuple(types), tuple(services)
    )
