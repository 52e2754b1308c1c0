"""From the cell rollup to results: per-office adequacy, weights and scores, and the national roll-up.

Reads ``cell_stat`` with one GROUP BY (never individual responses) and ``population_frame``, then for each office:

* builds the respondent type × service × measure tables of counts, sums and sums of squares;
* weights by post-stratification on the office's frame when it has one: a respondent type with population but
  no respondents is left out of the weights (said in the notes), sparse cells are merged by the rule of
  ``survey_app.stats.collapse`` (each merge reported), and optionally weights above ``trim_upper`` times the
  mean are trimmed with the frame's type and service margins re-matched by raking; an office without a frame is
  scored unweighted and says so;
* judges adequacy on the cycle's fixed minimum, the statistical requirement from the frame's total
  (``cycle.sampling_method``, ``cycle.confidence``, ``cycle.margin``), the effective sample size and a floor
  per respondent type; forecasts the date it will be reached at the last 14 days' pace when ``today`` is given;
* scores every item, indicator and the EIT, weighted and unweighted, with 95 % intervals and bands.

The national roll-up gives the mean of the office scores and a population-weighted pooled score (offices as
strata, so its variance is the sum of the offices' weighted variances).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from ..models import CellStat, Cycle, Office, PopulationFrame, Response
from ..stats import sampling
from ..stats.collapse import collapse_sparse
from ..stats.scoring import Estimate, MeasureScore, score_measures
from ..stats.weighting import ConvergenceError, effective_n, kish_deff, poststratify, trim

MIN_CELL = 5
TYPE_FLOOR = 10
CONFIDENCE = 0.95
EIT = "EIT"


@dataclass(frozen=True)
class OfficeTables:
    """One office's cell tables: n, total and total_sq of shape types × services × measures, and its frame."""

    office_code: str
    types: tuple[str, ...]
    services: tuple[str, ...]
    measures: tuple[str, ...]
    n: np.ndarray
    total: np.ndarray
    total_sq: np.ndarray
    population: np.ndarray | None
    flagged: int

    @property
    def counts(self) -> np.ndarray:
        """Respondents per cell (the EIT measure's count: every respondent has one)."""
        if EIT in self.measures:
            return self.n[..., self.measures.index(EIT)]
        return self.n.max(axis=-1) if self.measures else np.zeros(self.n.shape[:-1])


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


def _natural(code: str) -> tuple[int, str, int]:
    rank = 2 if code == EIT else (1 if code.startswith("IND") else 0)
    digits = re.sub(r"\D", "", code)
    return rank, re.sub(r"\d", "", code), int(digits) if digits else 0


# --- reading the database -------------------------------------------------------------------------------------


def _cell_rows(
    session: Session, cycle_id: int, offices: Sequence[str] | None, exclude_flagged: bool
) -> list[Any]:
    query = (
        select(
            CellStat.office_code,
            CellStat.respondent_type,
            CellStat.service,
            CellStat.measure,
            CellStat.flagged,
            func.sum(CellStat.n),
            func.sum(CellStat.total),
            func.sum(CellStat.total_sq),
        )
        .where(CellStat.cycle_id == cycle_id)
        .group_by(
            CellStat.office_code,
            CellStat.respondent_type,
            CellStat.service,
            CellStat.measure,
            CellStat.flagged,
        )
    )
    if offices is not None:
        query = query.where(CellStat.office_code.in_(offices))
    if exclude_flagged:
        query = query.where(CellStat.flagged == false())
    return list(session.execute(query))


def _frame_rows(session: Session, cycle_id: int, offices: Sequence[str] | None) -> list[Any]:
    query = select(
        PopulationFrame.office_code,
        PopulationFrame.respondent_type,
        PopulationFrame.service,
        PopulationFrame.served,
    ).where(PopulationFrame.cycle_id == cycle_id)
    if offices is not None:
        query = query.where(PopulationFrame.office_code.in_(offices))
    return list(session.execute(query))


def _flagged_counts(session: Session, cycle_id: int) -> dict[str, int]:
    rows = session.execute(
        select(CellStat.office_code, func.sum(CellStat.n))
        .where(CellStat.cycle_id == cycle_id, CellStat.measure == EIT, CellStat.flagged)
        .group_by(CellStat.office_code)
    )
    return {code: int(n or 0) for code, n in rows}


def load_tables(
    session: Session, cycle_id: int, offices: Sequence[str] | None = None, *, exclude_flagged: bool = False
) -> dict[str, OfficeTables]:
    """Per-office cell tables of a cycle from the rollup and the frames (two GROUP BY queries and one select)."""
    cells, frames = (
        _cell_rows(session, cycle_id, offices, exclude_flagged),
        _frame_rows(session, cycle_id, offices),
    )
    types = tuple(sorted({r[1] for r in cells} | {r[1] for r in frames}))
    services = tuple(sorted({r[2] for r in cells} | {r[2] for r in frames}))
    measures = tuple(sorted({r[3] for r in cells}, key=_natural))
    codes = sorted({r[0] for r in cells} | {r[0] for r in frames} | set(offices or ()))
    shape = (len(codes), len(types), len(services), len(measures))
    index = [{c: i for i, c in enumerate(labels)} for labels in (codes, types, services, measures)]
    stats = np.zeros((3, *shape))
    if cells:
        where = tuple(np.array([idx[r[k]] for r in cells]) for k, idx in enumerate(index))
        values = np.array([[r[5], r[6], r[7]] for r in cells], dtype=np.float64).T
        for k in range(3):
            np.add.at(stats[k], where, values[k])
    population = np.zeros(shape[:3])
    for office, rtype, service, served in frames:
        population[index[0][office], index[1][rtype], index[2][service]] += served
    has_frame = {r[0] for r in frames}
    flagged = _flagged_counts(session, cycle_id)
    return {
        code: OfficeTables(
            code,
            types,
            services,
            measures,
            stats[0, i],
            stats[1, i],
            stats[2, i],
            population[i] if code in has_frame else None,
            flagged.get(code, 0),
        )
        for i, code in enumerate(codes)
    }


def _recent_daily_counts(session: Session, cycle_id: int, today: dt.date) -> dict[str, list[int]]:
    first = today - dt.timedelta(days=sampling.PACE_DAYS - 1)
    rows = session.execute(
        select(Response.office_code, Response.submitted_on, func.count())
        .where(Response.cycle_id == cycle_id, Response.submitted_on.between(first, today))
        .group_by(Response.office_code, Response.submitted_on)
    )
    counts: dict[str, list[int]] = {}
    for office, day, n in rows:
        counts.setdefault(office, [0] * sampling.PACE_DAYS)[(day - first).days] += int(n)
    return counts


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


def weigh(tables: OfficeTables, *, min_cell: int = MIN_CELL, trim_upper: float | None = None) -> Weighting:
    """Weights of one office by post-stratification on its frame (see the module docstring), or none."""
    if tables.population is None or tables.population.sum() == 0 or tables.counts.sum() == 0:
        note = "no population frame: scored unweighted" if tables.population is None else "scored unweighted"
        return Weighting(
            "unweighted", None, tables.counts, tables.n, tables.total, tables.total_sq, None, (note,)
        )
    population, notes = _drop_missing_types(tables, tables.population)
    merged = collapse_sparse(tables.counts, population, tables.types, tables.services, min_count=min_cell)
    weights = poststratify(merged.sample, merged.population)
    for t, rtype in enumerate(tables.types):
        if merged.sample[t].sum() > 0 and merged.population[t].sum() == 0:
            notes.append(f"respondents of type {rtype} are outside the frame and carry no weight")
    method = "poststratify"
    if trim_upper is not None:
        margins = [merged.population.sum(axis=1), merged.population.sum(axis=0)]
        try:
            weights = trim(weights, merged.sample, upper=trim_upper, margins=margins)
            method = "rake"
            notes.append(f"weights trimmed at {trim_upper:g} x the mean, type and service margins re-matched")
        except ConvergenceError:
            notes.append(
                f"weights could not be trimmed at {trim_upper:g} x the mean without losing the margins"
            )
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
    type_floor: int = TYPE_FLOOR,
    trim_upper: float | None = None,
) -> OfficeResult:
    """Weights, adequacy and scores of one office from its tables (pure: no database)."""
    weighting = weigh(tables, min_cell=min_cell, trim_upper=trim_upper)
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
        type_floor=type_floor,
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
    type_floor: int = TYPE_FLOOR,
    trim_upper: float | None = None,
) -> CycleResults:
    """Results of every office of ``cycle`` (or of ``offices``), and the national roll-up over them.

    Offices with neither responses nor a frame still appear (count 0, no scores) when they exist in ``office``.
    Raises ``LookupError`` when an office code asked for does not exist.
    """
    known = set(session.scalars(select(Office.code)))
    unknown = sorted(set(offices or ()) - known)
    if unknown:
        raise LookupError(f"unknown office code(s): {', '.join(unknown)}")
    codes = sorted(offices) if offices is not None else sorted(known)
    tables = load_tables(session, cycle.id, codes, exclude_flagged=exclude_flagged)
    daily = _recent_daily_counts(session, cycle.id, today) if today is not None else {}
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
        )
        for code in codes
        if code in tables
    ]
    return CycleResults(cycle.code, exclude_flagged, results, national(results))
