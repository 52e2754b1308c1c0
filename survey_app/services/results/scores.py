"""From the cell rollup to results: per-office adequacy, weights and scores, and the national roll-up.

Reads ``cell_stat`` with GROUP BY queries (never individual responses) and ``population_frame`` into per-office
tables (``cell_tables``), then for each office:

* weights it to its frame (``services.results.weighting``; an office without a frame is scored unweighted and says so);
* checks the frame: one that counts fewer people than have answered (overall, or in a respondent type it lists)
  is a frame error, reported in the notes; estimates then take no finite population correction and the frame
  does not set the requirement;
* judges adequacy on the cycle's fixed minimum, the statistical requirement from the frame's total
  (``cycle.sampling_method``, ``cycle.confidence``, ``cycle.margin``), capped at the population (a census is
  adequate), the effective sample size and a floor per respondent type (``cycle.type_floor``); forecasts the
  date it will be reached at the last 14 days' pace when ``today`` is given;
* scores every item, indicator and the EIT, weighted (finite population correction from the population the
  weights cover) and unweighted (from the whole frame), with bounded 95 % intervals and bands.

Every note is a structured ``reasons.Note``; ``to_dict`` gives each a Thai and an English sentence and gives
every null a ``<field>_reason`` (an estimate: a ``reason``). The national and regional roll-ups are
``services.results.pooling``'s: the same offices in every figure, the others listed with their reasons.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Cycle, Office
from ...questionnaire import Questionnaire
from ...stats import sampling
from ...stats.scoring import MeasureScore, score_measures
from ...stats.weighting import effective_n, kish_deff
from . import pooling, rollup
from .cell_tables import OfficeTables, load_tables, recent_daily_counts
from .reasons import Labels, Note, describe
from .weighting import MIN_CELL, Weighting, num, weigh

CONFIDENCE = 0.95


@dataclass(frozen=True)
class OfficeResult:
    """Everything the dashboard and the exports show for one office in one cycle."""

    office_code: str
    count: int
    flagged: int
    flagged_excluded: bool
    population: int | None
    weighting: str
    notes: tuple[Note, ...]
    merges: tuple[Note, ...]
    adequacy: sampling.Adequacy
    effective_n: float
    design_effect: float | None
    margin_of_error: float | None
    forecast: dt.date | None
    type_counts: Mapping[str, int]
    eit: MeasureScore | None
    indicators: Mapping[str, MeasureScore]
    items: Mapping[str, MeasureScore]
    frame_error: bool = False
    covered_population: float | None = None

    def to_dict(self, labels: Labels | None = None) -> dict[str, Any]:
        """A JSON-ready dictionary: NaN becomes null, and every null comes with a reason in words.

        ``labels`` (``reasons.labels_of``) names respondent types and services in the notes' sentences.
        """
        plain: dict[str, Any] = _plain(dataclasses.asdict(self))
        plain["notes"] = [describe(n, labels) for n in self.notes]
        plain["merges"] = [describe(n, labels) for n in self.merges]
        explain_office(plain, self)
        return plain


def _field_reason(result: OfficeResult, field_name: str) -> Note:
    """Why an office-level figure is missing."""
    if result.count == 0 and field_name != "population":
        return Note("no_responses")
    if field_name == "forecast":
        return Note("no_forecast")
    if field_name in ("margin_of_error", "design_effect") and result.effective_n == 0:
        return Note("no_weighted_respondents")
    if result.frame_error and field_name in ("statistical", "covered_population"):
        errors = [n for n in result.notes if n.code.startswith("frame_error")]
        return errors[0]
    return Note("no_frame")


def _explain_estimate(data: dict[str, Any]) -> None:
    reason = data.pop("reason", None)
    if reason is not None:
        data["reason"] = describe(Note(reason))


def _explain_measure(data: dict[str, Any], fallback: Note) -> None:
    for side in ("unweighted", "weighted"):
        estimate = data.get(side)
        if estimate is None:
            data[f"{side}_reason"] = describe(fallback)
            data[f"{side}_band_reason"] = describe(fallback)
            continue
        _explain_estimate(estimate)
        if data.get(f"{side}_band") is None:
            data[f"{side}_band_reason"] = estimate.get("reason") or describe(fallback)


def explain_office(data: dict[str, Any], result: OfficeResult) -> None:
    """Give every null of an office's dictionary a ``<field>_reason`` (estimates: a ``reason``)."""
    for key in ("population", "margin_of_error", "design_effect", "forecast", "eit", "covered_population"):
        if data.get(key) is None:
            data[f"{key}_reason"] = describe(_field_reason(result, key))
    if data["adequacy"].get("statistical") is None:
        data["adequacy"]["statistical_reason"] = describe(_field_reason(result, "statistical"))
    fallback = Note("no_responses") if result.count == 0 else _field_reason(result, "weighted")
    for group in (data.get("items") or {}, data.get("indicators") or {}, {"EIT": data["eit"]}):
        for measure in group.values():
            if measure is not None:
                _explain_measure(measure, fallback)


NationalResult = pooling.RollUp


@dataclass(frozen=True)
class CycleResults:
    """Results of a cycle: one entry per office asked for, and the national roll-up."""

    cycle_code: str
    flagged_excluded: bool
    offices: list[OfficeResult] = field(default_factory=list)
    national: NationalResult | None = None

    def to_dict(self, labels: Labels | None = None) -> dict[str, Any]:
        """A JSON-ready dictionary; every null comes with a reason in words (``labels`` as ``OfficeResult``'s)."""
        plain: dict[str, Any] = {
            "cycle_code": self.cycle_code,
            "flagged_excluded": self.flagged_excluded,
            "offices": [office.to_dict(labels) for office in self.offices],
            "national": None,
        }
        if self.national is not None:
            plain["national"] = _plain(dataclasses.asdict(self.national))
            _explain_rollup(plain["national"], self.national)
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


# --- scoring one office -----------------------------------------------------------------------------------------------


def _type_counts(tables: OfficeTables) -> dict[str, int]:
    counts = tables.counts.sum(axis=1)
    present = counts > 0
    if tables.population is not None:
        present |= tables.population.sum(axis=1) > 0
    return {rtype: int(counts[t]) for t, rtype in enumerate(tables.types) if present[t]}


def _sizes(weighting: Weighting, count: int) -> tuple[float, float | None]:
    if count == 0:
        return 0.0, None
    if weighting.weights is None:
        return float(count), None
    sample = weighting.counts * (weighting.weights > 0)
    if sample.sum() == 0:
        return 0.0, None
    return effective_n(weighting.weights, sample), kish_deff(weighting.weights, sample)


def frame_errors(tables: OfficeTables) -> list[Note]:
    """Where the frame counts fewer people than have answered: overall, or in a respondent type it lists."""
    if tables.population is None:
        return []
    counts, population = tables.counts.sum(axis=1), tables.population.sum(axis=1)
    errors = [
        Note("frame_error_type", {"type": rtype, "frame": num(population[t]), "answered": int(counts[t])})
        for t, rtype in enumerate(tables.types)
        if population[t] > 0 and counts[t] > population[t]
    ]
    if counts.sum() > population.sum() > 0:
        errors.insert(0, Note("frame_error", {"frame": num(population.sum()), "answered": int(counts.sum())}))
    return errors


def _adequacy(
    tables: OfficeTables,
    cycle: Cycle,
    population: int | None,
    n_eff: float,
    count: int,
    type_floor: int | None,
) -> sampling.Adequacy:
    type_pop = (
        None
        if tables.population is None
        else dict(zip(tables.types, tables.population.sum(axis=1).tolist(), strict=True))
    )
    return sampling.assess_adequacy(
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


def _adequacy_notes(adequacy: sampling.Adequacy, population: int | None) -> list[Note]:
    notes = []
    if adequacy.capped and population is not None:
        asked = max(adequacy.fixed_minimum, adequacy.statistical or 0)
        notes.append(Note("required_capped", {"asked": asked, "population": population}))
    if adequacy.census:
        notes.append(Note("census"))
    return notes


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
    """Weights, adequacy and scores of one office from its tables (pure: no database).

    The unweighted scores' finite population correction uses the whole frame; the weighted scores' the
    population their weights cover. A frame that counts fewer people than have answered is a frame error:
    then no correction is applied and the frame is not used to judge adequacy.
    """
    weighting = weigh(tables, min_cell=min_cell, trim_upper=trim_upper, calibration=calibration)
    count = int(tables.counts.sum())
    errors = frame_errors(tables)
    frame_total = None if tables.population is None else int(tables.population.sum()) or None
    trusted = None if errors else frame_total
    n_eff, deff = _sizes(weighting, count)
    adequacy = _adequacy(tables, cycle, trusted, n_eff, count, type_floor)
    moe = None
    if n_eff > 0:
        moe = sampling.margin_of_error(
            n_eff, trusted if trusted and n_eff <= trusted else None, confidence=cycle.confidence
        )
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
            population_size=None if errors else weighting.population_size,
            plain_population_size=trusted,
            confidence=CONFIDENCE,
            low=weighting.low,
            high=weighting.high,
        )
    notes = ([] if count else [Note("no_responses")]) + errors + list(weighting.notes)
    return OfficeResult(
        tables.office_code,
        count,
        tables.flagged,
        exclude_flagged,
        frame_total,
        weighting.method,
        tuple(notes + _adequacy_notes(adequacy, trusted)),
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
        bool(errors),
        None if errors else weighting.population_size,
    )


# --- the cycle -------------------------------------------------------------------------------------------------


def _member(result: OfficeResult) -> pooling.Member:
    errors = [n for n in result.notes if n.code.startswith("frame_error")]
    eit = result.eit
    return pooling.Member(
        result.office_code, result.count, result.population is not None, errors[0] if errors else None,
        result.covered_population, eit.weighted if eit else None, eit.unweighted if eit else None,
    )  # fmt: skip


def national(
    results: Sequence[OfficeResult], k: int = 5, regions: Mapping[str, str] | None = None
) -> NationalResult:
    """The national roll-up (and one per region) over the offices every figure can use; the rest listed."""
    return pooling.national_and_regions([_member(r) for r in results], regions or {}, k)


def _explain_rollup(data: dict[str, Any], rollup: pooling.RollUp) -> None:
    reason = describe(rollup.reason) if rollup.reason else None
    for key in ("mean_of_offices_weighted", "mean_of_offices_unweighted", "pooled"):
        if data.get(key) is None and reason:
            data[f"{key}_reason"] = reason
    if data.get("pooled"):
        _explain_estimate(data["pooled"])
    data["reason"] = reason
    if reason is None:
        del data["reason"]
    data["excluded"] = [
        {"office_code": e.office_code, "reasons": [describe(n) for n in e.reasons]} for e in rollup.excluded
    ]
    for code, region in rollup.regions.items():
        _explain_rollup(data["regions"][code], region)


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
    k: int = 5,
    unreleased: Questionnaire | None = None,
) -> CycleResults:
    """Results of every office of ``cycle`` (or of ``offices``), and the national roll-up over them.

    By default from the released state, exactly what staff see. With ``unreleased`` (the cycle's questionnaire)
    the responses still waiting for their office's batch are scored too: every stored response (operators only).

    Offices with neither responses nor a frame still appear (count 0, no scores) when they exist in ``office``.
    ``k`` is the disclosure threshold: an office with fewer responses stays out of the roll-ups. Raises
    ``LookupError`` when an office code asked for does not exist.
    """
    regions = {code: str(region) for code, region in session.execute(select(Office.code, Office.region))}
    known = set(regions)
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
    return CycleResults(cycle.code, exclude_flagged, results, national(results, k, regions))
