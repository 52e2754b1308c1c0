"""From the cell rollup to results: per-office adequacy, weights and scores, and the national roll-up.

Reads ``cell_stat`` with GROUP BY queries (never individual responses) and ``population_frame`` into per-office
tables (``cell_tables``), then for each office:

* weights by post-stratification on the office's frame when it has one (or, with ``calibration="rake"``, by
  raking to the frame's respondent type and service totals): a respondent type with population but
  no respondents is left out of the weights (said in the notes), sparse cells are merged by the rule of
  ``survey_app.stats.collapse`` (each merge reported), and optionally weights above ``trim_upper`` times the
  mean are trimmed with the frame's type and service margins re-matched by raking; an office without a frame is
  scored unweighted and says so;
* judges adequacy on the cycle's fixed minimum, the statistical requirement from the frame's total
  (``cycle.sampling_method``, ``cycle.confidence``, ``cycle.margin``), the effective sample size and a floor
  per respondent type (``cycle.type_floor``); forecasts the date it will be reached at the last 14 days' pace
  when ``today`` is given;
* scores every item, indicator and the EIT, weighted and unweighted, with 95 % intervals and bands.

The national roll-up gives the mean of the office scores and a population-weighted pooled score (offices as
strata, so its variance is the sum of the offices' weighted variances).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Cycle, Office
from ..questionnaire import Questionnaire
from ..stats import sampling
from ..stats.collapse import collapse_sparse
from ..stats.scoring import Estimate, MeasureScore, score_measures
from ..stats.weighting import ConvergenceError, effective_n, kish_deff, poststratify, rake, trim
from . import rollup
from .cell_tables import OfficeTables, load_tables, recent_daily_counts

MIN_CELL = 5
CONFIDENCE = 0.95


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
    notes: tuple[str, ...] = ()
    merges: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfficeResult:
    """Everything the dashboard and the exports show for one office in one cycle."""

    office_code: str
    count: int
    flagged: int
    flagged_excluded: bool
    population: int | None
    weighting: str
    notes: tuple[str, ...]
    merges: tuple[str, ...]
    adequacy: sampling.Adequacy
    effective_n: float
    design_effect: float
    margin_of_error: float | None
    forecast: dt.date | None
    type_counts: Mapping[str, int]
    eit: MeasureScore | None
    indicators: Mapping[str, MeasureScore]
    items: Mapping[str, MeasureScore]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (NaN becomes null, dates ISO strings)."""
        plain: dict[str, Any] = _plain(dataclasses.asdict(self))
        return plain


@dataclass(frozen=True)
class NationalResult:
    """The roll-up over offices: mean of office EIT scores and the population-weighted pooled EIT."""

    offices_scored: int
    responses: int
    mean_of_offices_weighted: float | None
    mean_of_offices_unweighted: float | None
    pooled: Estimate | None
    pooled_offices: int


@dataclass(frozen=True)
class CycleResults:
    """Results of a cycle: one entry per office asked for, and the national roll-up."""

    cycle_code: str
    flagged_excluded: bool
    offices: list[OfficeResult] = field(default_factory=list)
    national: NationalResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        plain: dict[str, Any] = _plain(dataclasses.asdict(self))
        return plain


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- weighting and scoring one office ---------------------------------------------------------------------------


def _drop_missing_types(tables: OfficeTables, population: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Leave out of the weights the population of respondent types nobody of which answered."""
    counts, notes = tables.counts, []
    population = population.copy()
    for t, rtype in enumerate(tables.types):
        if counts[t].sum() == 0 and population[t].sum() > 0:
            size = population[t].sum()
            notes.append(
                f"no respondents of type {rtype}: its population of {size:g} is left out of the weights"
            )
            population[t] = 0.0
    return population, notes


def _calibrate(
    sample: np.ndarray, population: np.ndarray, calibration: str, trim_upper: float | None, notes: list[str]
) -> tuple[np.ndarray, str]:
    """Weights by post-stratification (full cross-table) or raking (its type and service margins), trimmed."""
    margins = [population.sum(axis=1), population.sum(axis=0)]
    if calibration == "rake":
        weights, method = rake(sample, margins), "rake"
    else:
        weights, method = poststratify(sample, population), "poststratify"
    if trim_upper is None:
        return weights, method
    try:
        weights = trim(weights, sample, upper=trim_upper, margins=margins)
    except ConvergenceError:
        notes.append(f"weights could not be trimmed at {trim_upper:g} x the mean without losing the margins")
        return weights, method
    notes.append(f"weights trimmed at {trim_upper:g} x the mean, type and service margins re-matched")
    return weights, "rake"


def weigh(
    tables: OfficeTables,
    *,
    min_cell: int = MIN_CELL,
    trim_upper: float | None = None,
    calibration: str = "poststratify",
) -> Weighting:
    """Weights of one office from its frame (see the module docstring), or none when it has no frame.

    ``calibration`` is ``"poststratify"`` (the frame's full type × service table) or ``"rake"`` (only its type
    and service totals). Raises ``ValueError`` for another calibration.
    """
    if calibration not in ("poststratify", "rake"):
        raise ValueError(f"calibration must be poststratify or rake, got {calibration!r}")
    if tables.population is None or tables.population.sum() == 0 or tables.counts.sum() == 0:
        note = "no population frame: scored unweighted" if tables.population is None else "scored unweighted"
        return Weighting(
            "unweighted", None, tables.counts, tables.n, tables.total, tables.total_sq, None, (note,)
        )
    population, notes = _drop_missing_types(tables, tables.population)
    merged = collapse_sparse(tables.counts, population, tables.types, tables.services, min_count=min_cell)
    for t, rtype in enumerate(tables.types):
        if merged.sample[t].sum() > 0 and merged.population[t].sum() == 0:
            notes.append(f"respondents of type {rtype} are outside the frame and carry no weight")
    weights, method = _calibrate(merged.sample, merged.population, calibration, trim_upper, notes)
    stats = (
        merged.merge_cells(tables.n),
        merged.merge_cells(tables.total),
        merged.merge_cells(tables.total_sq),
    )
    merges = tuple(m.describe() for m in merged.merges)
    return Weighting(method, weights, merged.sample, *stats, float(population.sum()), tuple(notes), merges)


def _type_counts(tables: OfficeTables) -> dict[str, int]:
    counts = tables.counts.sum(axis=1)
    present = counts > 0
    if tables.population is not None:
        present |= tables.population.sum(axis=1) > 0
    return {rtype: int(counts[t]) for t, rtype in enumerate(tables.types) if present[t]}


def _sizes(weighting: Weighting, count: int) -> tuple[float, float]:
    if weighting.weights is None or count == 0:
        return float(count), 1.0
    sample = weighting.counts * (weighting.weights > 0)
    if sample.sum() == 0:
        return 0.0, math.nan
    return effective_n(weighting.weights, sample), kish_deff(weighting.weights, sample)


def score_office(
    tables: OfficeTables,
    cycle: Cycle,
    *,
    exclude_flagged: bool = False,
    daily: Sequence[int] | None = None,
    today: dt.date | None = None,
    min_cell: int = MIN_CELL,
    type_floor: int | None = None,
    trim_upper: float | None = None,
    calibration: str = "poststratify",
) -> OfficeResult:
    """Weights, adequacy and scores of one office from its tables (pure: no database)."""
    weighting = weigh(tables, min_cell=min_cell, trim_upper=trim_upper, calibration=calibration)
    count = int(tables.counts.sum())
    population = None if tables.population is None else int(tables.population.sum()) or None
    n_eff, deff = _sizes(weighting, count)
    type_pop = (
        None
        if tables.population is None
        else dict(zip(tables.types, tables.population.sum(axis=1).tolist(), strict=True))
    )
    adequacy = sampling.assess_adequacy(
        count,
        fixed_minimum=cycle.min_sample,
        population=population,
        method=cycle.sampling_method,
        confidence=cycle.confidence,
        margin=cycle.margin,
        effective_n=min(n_eff, count),
        type_counts=_type_counts(tables),
        type_floor=cycle.type_floor if type_floor is None else type_floor,
        type_populations=type_pop,
    )
    moe = None
    if population is not None and 0 < n_eff <= population:
        moe = sampling.margin_of_error(n_eff, population, confidence=cycle.confidence)
    forecast = None
    if today is not None:
        deadline = cycle.closes_on
        forecast = sampling.forecast_adequacy_date(daily or [], today, adequacy.shortfall, deadline=deadline)
    scores = None
    if count > 0:
        scores = score_measures(
            tables.measures,
            weighting.n,
            weighting.total,
            weighting.total_sq,
            weighting.weights,
            calibration="rake" if weighting.method == "rake" else "poststratify",
            population_size=weighting.population_size,
            confidence=CONFIDENCE,
        )
    return OfficeResult(
        tables.office_code,
        count,
        tables.flagged,
        exclude_flagged,
        population,
        weighting.method,
        weighting.notes,
        weighting.merges,
        adequacy,
        n_eff,
        deff,
        moe,
        forecast,
        _type_counts(tables),
        scores.eit if scores else None,
        dict(scores.indicators) if scores else {},
        dict(scores.items) if scores else {},
    )


# --- the cycle -------------------------------------------------------------------------------------------------


def _mean(values: Iterable[float]) -> float | None:
    kept = [v for v in values if math.isfinite(v)]
    return sum(kept) / len(kept) if kept else None


def national(results: Sequence[OfficeResult]) -> NationalResult:
    """Mean of office EIT scores and the pooled EIT weighted by office populations (offices as strata)."""
    scored = [r for r in results if r.eit is not None]
    weighted = _mean(r.eit.weighted.mean if r.eit and r.eit.weighted else math.nan for r in scored)
    plain = _mean(r.eit.unweighted.mean for r in scored if r.eit)
    pool = [
        r for r in scored if r.population and r.eit and r.eit.weighted and math.isfinite(r.eit.weighted.mean)
    ]
    pooled = None
    if pool:
        size = sum(r.population or 0 for r in pool)
        shares = [(r.population or 0) / size for r in pool]
        ests = [r.eit.weighted for r in pool if r.eit and r.eit.weighted]
        mean = sum(s * e.mean for s, e in zip(shares, ests, strict=True))
        se = math.sqrt(sum((s * e.se) ** 2 for s, e in zip(shares, ests, strict=True) if math.isfinite(e.se)))
        half = sampling.z_value(CONFIDENCE) * se
        pooled = Estimate(mean, se, mean - half, mean + half, sum(e.n for e in ests))
    return NationalResult(len(scored), sum(r.count for r in results), weighted, plain, pooled, len(pool))


def cycle_results(
    session: Session,
    cycle: Cycle,
    offices: Sequence[str] | None = None,
    *,
    exclude_flagged: bool = False,
    today: dt.date | None = None,
    min_cell: int = MIN_CELL,
    type_floor: int | None = None,
    trim_upper: float | None = None,
    calibration: str = "poststratify",
    unreleased: Questionnaire | None = None,
) -> CycleResults:
    """Results of every office of ``cycle`` (or of ``offices``), and the national roll-up over them.

    By default from the released state, exactly what staff see. With ``unreleased`` (the cycle's questionnaire)
    the responses still waiting for their office's batch are scored too: every stored response (operators only).

    Offices with neither responses nor a frame still appear (count 0, no scores) when they exist in ``office``.
    Raises ``LookupError`` when an office code asked for does not exist.
    """
    known = set(session.scalars(select(Office.code)))
    unknown = sorted(set(offices or ()) - known)
    if unknown:
        raise LookupError(f"unknown office code(s): {', '.join(unknown)}")
    codes = sorted(offices) if offices is not None else sorted(known)
    pending = rollup.pending_sums(session, cycle.id, unreleased) if unreleased is not None else []
    tables = load_tables(session, cycle.id, codes, exclude_flagged=exclude_flagged, pending=pending)
    daily = recent_daily_counts(session, cycle.id, today) if today is not None else {}
    results = [
        score_office(
            tables[code],
            cycle,
            exclude_flagged=exclude_flagged,
            daily=daily.get(code),
            today=today,
            min_cell=min_cell,
            type_floor=type_floor,
            trim_upper=trim_upper,
            calibration=calibration,
        )
        for code in codes
        if code in tables
    ]
    return CycleResults(cycle.code, exclude_flagged, results, national(results))
