"""How an office's sample is weighted to its population frame, and what was done, as notes.

Post-stratification on the frame's full respondent type × service table (sparse cells merged by the rule of
``survey_app.stats.collapse``, each merge a note), or raking straight to the frame's own type and service totals
(only a service nobody answered about is merged: each type's people of it into that type's service with most
answers, so the margins stay reachable; checked against R's ``rake`` in ``tests/reference/r/rake_within_type.R``).
A respondent type with population but no respondents is left out of the weights (a note says how much of the
frame the weights then cover); respondents of a type the frame does not list carry no weight. Trimming that
touches no weight changes nothing; trimming that does bounds the weights and re-matches the margins, and says so.
Pure: no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...stats.collapse import Collapsed, Merge, collapse_sparse
from ...stats.weighting import ConvergenceError, WeightingError, poststratify, rake, trim
from .cell_tables import OfficeTables
from .reasons import Note

MIN_CELL = 5


@dataclass(frozen=True)
class Weighting:
    """How an office was weighted: the per-cell weights and tables scored, and what was done to get them."""

    method: str
    weights: np.ndarray | None
    counts: np.ndarray
    n: np.ndarray
    total: np.ndarray
    total_sq: np.ndarray
    population_size: float | None
    notes: tuple[Note, ...] = ()
    merges: tuple[Note, ...] = ()
    low: np.ndarray | None = None
    high: np.ndarray | None = None


def _drop_missing_types(tables: OfficeTables, population: np.ndarray) -> tuple[np.ndarray, list[Note]]:
    """Leave out of the weights the population of respondent types nobody of which answered."""
    counts, notes = tables.counts, []
    population = population.copy()
    total = float(population.sum())
    missing = [t for t in range(len(tables.types)) if counts[t].sum() == 0 and population[t].sum() > 0]
    covered = total - sum(float(population[t].sum()) for t in missing)
    for t in missing:
        notes.append(Note("type_not_covered", {
            "type": tables.types[t], "population": num(population[t].sum()), "covered": num(covered),
            "total": num(total),
        }))  # fmt: skip
        population[t] = 0.0
    return population, notes


def num(value: float) -> str:
    """A head count or population as shown in notes: thousands separated, decimals only when needed."""
    return f"{float(value):,.0f}" if float(value).is_integer() else f"{float(value):,.2f}"


def _merge_notes(merges: Sequence[Merge]) -> tuple[Note, ...]:
    codes = {"no respondents": "merged_empty", "outside the population frame": "merged_outside"}
    return tuple(
        Note(
            codes.get(m.reason, "merged_sparse"),
            {
                "type": m.respondent_type,
                "service": m.service,
                "into": m.into,
                "n": m.respondents,
                "population": num(m.population),
            },
        )
        for m in merges
    )


def _rake_margins(
    tables: OfficeTables, sample: np.ndarray, population: np.ndarray
) -> tuple[list[np.ndarray], list[Note]]:
    """The frame's own type and service totals. A service nobody answered about has its people merged within the
    respondent types that hold them: each type's share goes into the service with most answers from that type
    (ties: the larger population, then the service listed first), so the type totals stay as they are and the
    service totals stay reachable (merging into a service only another type answered would ask a type's
    respondents to stand for more people than the type has, and raking could not meet the margins).
    """
    merged = population.copy()
    answered = sample.sum(axis=0)
    notes = []
    starved = [j for j in range(merged.shape[1]) if merged[:, j].sum() > 0 and answered[j] == 0]
    for j in starved:
        for t in np.flatnonzero((merged[:, j] > 0) & (sample.sum(axis=1) > 0)).tolist():
            row = sample[t]
            into = max(np.flatnonzero(row > 0).tolist(), key=lambda k: (row[k], population[t, k], -k))
            notes.append(Note("rake_merged_within_type", {
                "type": tables.types[t], "service": tables.services[j], "into": tables.services[into],
                "population": num(merged[t, j]),
            }))  # fmt: skip
            merged[t, into] += merged[t, j]
            merged[t, j] = 0.0
    return [merged.sum(axis=1), merged.sum(axis=0)], notes


def _trim(
    weights: np.ndarray, sample: np.ndarray, margins: list[np.ndarray], trim_upper: float, method: str
) -> tuple[np.ndarray, Note]:
    """Trim weights above ``trim_upper`` × the mean and re-match the margins; untouched weights stay as they are."""
    bound = {"bound": f"{trim_upper:g}"}
    mean = float(margins[0].sum()) / float(sample.sum())
    over = (sample > 0) & (weights > trim_upper * mean * (1 + 1e-12))
    if not over.any():
        return weights, Note("trim_nothing", bound)
    try:
        trimmed = trim(weights, sample, upper=trim_upper, margins=margins)
    except ConvergenceError:
        return weights, Note("trim_failed", bound)
    label = "poststratified" if method == "poststratify" else "raked"
    return trimmed, Note("trimmed", {**bound, "method": label, "cells": int(over.sum())})


def _extremes(merged: Collapsed, low: np.ndarray | None, high: np.ndarray | None) -> tuple[Any, Any]:
    """Each merged cell's smallest and largest value (NaN where unknown)."""
    if low is None or high is None:
        return None, None
    target = merged.target.ravel()
    flat_shape = (target.size, *low.shape[2:])
    lo, hi = np.full(flat_shape, np.inf), np.full(flat_shape, -np.inf)
    np.minimum.at(lo, target, low.reshape(flat_shape))
    np.maximum.at(hi, target, high.reshape(flat_shape))
    return lo.reshape(low.shape), hi.reshape(high.shape)


def weigh(
    tables: OfficeTables,
    *,
    min_cell: int = MIN_CELL,
    trim_upper: float | None = None,
    calibration: str = "poststratify",
) -> Weighting:
    """Weights of one office from its frame (see the module docstring), or none when it has no frame.

    ``calibration`` is ``"poststratify"`` (the frame's full type × service table, sparse cells merged) or
    ``"rake"`` (the frame's own type and service totals; only a service nobody answered about is merged, within
    the respondent types that hold its people).
    Trimming that touches no weight changes nothing. Raises ``ValueError`` for another calibration.
    """
    if calibration not in ("poststratify", "rake"):
        raise ValueError(f"calibration must be poststratify or rake, got {calibration!r}")
    if tables.population is None or tables.population.sum() == 0 or tables.counts.sum() == 0:
        note = Note("no_frame") if tables.population is None or tables.population.sum() == 0 else None
        return Weighting(
            "unweighted", None, tables.counts, tables.n, tables.total, tables.total_sq, None,
            (note,) if note else (), (), tables.low, tables.high,
        )  # fmt: skip
    population, notes = _drop_missing_types(tables, tables.population)
    for t, rtype in enumerate(tables.types):
        if tables.counts[t].sum() > 0 and population[t].sum() == 0:
            notes.append(Note("outside_frame", {"type": rtype}))
    raked = None
    if calibration == "rake":
        margins, merged_notes = _rake_margins(tables, tables.counts, population)
        try:
            raked = rake(tables.counts, margins)
        except WeightingError:
            notes.append(Note("rake_failed"))
            calibration = "poststratify"
    if raked is not None:
        sample, stats = tables.counts, (tables.n, tables.total, tables.total_sq)
        weights, low, high = raked, tables.low, tables.high
    else:
        merged = collapse_sparse(tables.counts, population, tables.types, tables.services, min_count=min_cell)
        sample, margins = merged.sample, [merged.population.sum(axis=1), merged.population.sum(axis=0)]
        stats = tuple(merged.merge_cells(a) for a in (tables.n, tables.total, tables.total_sq))  # type: ignore[assignment]
        weights, merged_notes = poststratify(sample, merged.population), list(_merge_notes(merged.merges))
        low, high = _extremes(merged, tables.low, tables.high)
    notes.append(Note("poststratified" if calibration == "poststratify" else "raked"))
    if trim_upper is not None:
        weights, trim_note = _trim(weights, sample, margins, trim_upper, calibration)
        notes.append(trim_note)
    return Weighting(
        calibration, weights, sample, *stats, float(population.sum()), tuple(notes), tuple(merged_notes), low,
        high,
    )  # fmt: skip
