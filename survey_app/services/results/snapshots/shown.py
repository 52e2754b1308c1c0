"""What staff see of results: read from the release snapshots (``services/results/snapshots``, which states the
guarantee), passed through the display rule of ``services/disclosure.py``.

Every page, export and API that shows answers reads through here: the office page, the national table and its
exports, the results API and ``score --released``, the improvement sections, reports and spreadsheets. Forecasts
(a count at today's pace, not an answer) are added live; the national roll-up is computed from the offices'
snapshot figures, so it moves only when one of them does. K is passed explicitly. The integrity page ranks offices
from the aggregates their snapshots hold (``signals``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ....models import Cycle, Office
from ....questionnaire import Questionnaire
from ....stats import integrity, sampling
from ....stats.integrity import OfficeAssessment
from ...improvement import trends
from ...integrity import assessment
from .. import disclosure, summary
from .. import scores as results
from ..cell_tables import recent_daily_counts
from ..reasons import Labels
from ..scores import OfficeResult
from . import store as snapshots


def with_forecast(
    result: OfficeResult, cycle: Cycle, daily: Sequence[int] | None, today: dt.date
) -> OfficeResult:
    """``result`` with its forecast at today's pace (counts are live; a snapshot holds no date)."""
    forecast = sampling.forecast_adequacy_date(
        daily or [], today, result.adequacy.shortfall, deadline=cycle.closes_on
    )
    return dataclasses.replace(result, forecast=forecast)


def _without_flagged(snap: snapshots.Snapshot) -> OfficeResult:
    """The office without its flagged responses: the cleared figure, the same scores when none is flagged, else
    the office without scores."""
    if snap.clean is not None:
        return snap.clean
    if snap.result.flagged == 0:
        return dataclasses.replace(snap.result, flagged_excluded=True)
    return dataclasses.replace(snap.result, flagged_excluded=True, eit=None, indicators={}, items={})


def _office_shown(
    snap: snapshots.Snapshot,
    cycle: Cycle,
    k: int,
    *,
    exclude_flagged: bool,
    daily: Sequence[int] | None,
    today: dt.date | None,
) -> OfficeResult:
    """The office's result as its snapshot holds it (before ``disclosure.office_result``), with what staff may see
    of its adequacy and, given ``today``, the forecast at the pace of ``daily`` (responses per day, oldest first)."""
    result = _without_flagged(snap) if exclude_flagged else snap.result
    # What staff may see of the adequacy, before anything (forecast, progress, sentences) is made from it.
    result = dataclasses.replace(result, adequacy=disclosure.adequacy_shown(result, k))
    return with_forecast(result, cycle, daily, today) if today is not None else result


def cycle_results(
    session: Session,
    cycle: Cycle,
    offices: Sequence[str] | None,
    questionnaire: Questionnaire,
    *,
    k: int,
    exclude_flagged: bool = False,
    today: dt.date | None = None,
) -> results.CycleResults:
    """The cycle's results as the snapshots hold them (before ``disclosure.office_result``), with forecasts at
    today's pace and the national roll-up over the snapshots' office figures. Raises ``LookupError`` for an
    unknown office code."""
    snaps = snapshots.office_snapshots(session, cycle, offices, questionnaire, k=k)
    daily = recent_daily_counts(session, cycle.id, today, offices) if today is not None else {}
    found = [
        _office_shown(
            snaps[code], cycle, k, exclude_flagged=exclude_flagged, daily=daily.get(code), today=today
        )
        for code in sorted(snaps)
    ]
    regions = snapshots.office_regions(session)
    return results.CycleResults(cycle.code, exclude_flagged, found, results.national(found, k, regions))


def office_result(
    session: Session,
    cycle: Cycle,
    office: str,
    questionnaire: Questionnaire,
    *,
    k: int,
    exclude_flagged: bool = False,
    today: dt.date | None = None,
    daily: Sequence[int] | None = None,
) -> OfficeResult:
    """One office's result as staff may see it, from its snapshot alone (no national roll-up). Given ``today``, with
    its forecast at the pace of ``daily``: the office's responses per day up to today, oldest first (the page has
    them for its chart already). Raises ``LookupError`` for an unknown office code."""
    snap = snapshots.office_snapshots(session, cycle, [office], questionnaire, k=k)[office]
    shown = _office_shown(snap, cycle, k, exclude_flagged=exclude_flagged, daily=daily, today=today)
    return disclosure.office_result(shown, k)


def released_results(
    session: Session,
    cycle: Cycle,
    offices: Sequence[str] | None,
    questionnaire: Questionnaire,
    *,
    k: int,
    exclude_flagged: bool = False,
    today: dt.date | None = None,
    labels: Labels | None = None,
) -> dict[str, Any]:
    """Results of ``cycle`` (or of ``offices``) from the snapshots, through the disclosure rule, as a JSON-ready
    dictionary: what staff see (the results API and ``score --released``). The national roll-up is given only
    for the whole country, with flagged responses, and over at least K responses. Raises ``LookupError`` for an
    unknown office code."""
    computed = cycle_results(
        session, cycle, offices, questionnaire, k=k, exclude_flagged=exclude_flagged, today=today
    )
    wholes: dict[str, OfficeResult] = {}
    if exclude_flagged:
        everything = cycle_results(session, cycle, offices, questionnaire, k=k, today=today)
        wholes = {r.office_code: r for r in everything.offices}
    # The offices are given through the disclosure rule below (not converted twice).
    payload = dataclasses.replace(computed, offices=[]).to_dict(labels)
    payload["suppress_below"] = k
    payload["offices"] = []
    for o in computed.offices:
        data = disclosure.office_payload(o, k, wholes.get(o.office_code), labels)
        summary.with_stories(
            data, o if not data["without_flagged_hidden"] else wholes[o.office_code], k, labels
        )
        payload["offices"].append(data)
    # No roll-up without flagged responses: its difference to the full one could isolate a few flagged answers.
    national = payload.get("national")
    if offices or exclude_flagged or (national and national["responses"] < k):
        payload["national"] = None
    return payload


_RANKINGS: dict[tuple[Any, ...], list[OfficeAssessment]] = {}
RANKINGS_KEPT = 8


def _effect_shown(found: OfficeAssessment, snap: snapshots.Snapshot | None, k: int) -> OfficeAssessment:
    """``found`` with the EIT differences staff may see over time. Without flagged responses: the office's scores
    without them as its snapshot shows them (the auditor clears that figure against every one shown before; a
    release that adds one flagged response would otherwise give its EIT away between two views). Without a rush of
    days: withheld, as a group dated by submission gains members by fewer than K between releases (the page says
    so)."""
    clean = snap.clean if snap is not None and not snap.clean_withheld else None
    estimate = clean.eit.unweighted if clean is not None and clean.eit is not None else None
    shown_clean = None if clean is None or clean.count < k or estimate is None else estimate.mean
    effect = dataclasses.replace(found.effect, without_flagged=shown_clean, without_period=None)
    return dataclasses.replace(found, effect=effect)


def integrity_report(
    session: Session, cycle: Cycle, questionnaire: Questionnaire, today: dt.date, *, k: int
) -> assessment.IntegrityReport:
    """Every office of ``cycle`` assessed and ranked as ``assessment.assess`` does, from the aggregates its current
    snapshots hold. The ranking is kept per process, found by the snapshots it rests on (id and digest of each)
    and the dates it covers, so a release, a new generation (new snapshots) or a new day computes it again."""
    snaps = snapshots.office_snapshots(session, cycle, None, questionnaire, k=k)
    last = min(today, cycle.closes_on)
    first = min(cycle.opens_on, last)
    key = (cycle.id, first, last, tuple(sorted((code, s.id, s.digest) for code, s in snaps.items())))
    ranked = _RANKINGS.get(key)
    if ranked is None:
        found = {code: s.integrity for code, s in snaps.items() if s.integrity is not None}
        older = sorted(set(snaps) - set(found))
        if older:
            found.update(
                {a.office: a for a in assessment.aggregates(session, questionnaire, cycle.id, older)}
            )
        ranked = [_effect_shown(a, snaps.get(a.office), k) for a in integrity.assess(
            [found[code] for code in sorted(found)], first, last
        )]  # fmt: skip
        if len(_RANKINGS) >= RANKINGS_KEPT:
            _RANKINGS.pop(next(iter(_RANKINGS)))
        _RANKINGS[key] = ranked
    names = {o.code: o for o in session.scalars(select(Office))}
    return assessment.IntegrityReport(cycle, first, last, ranked, names)


def office_by_cycle(
    session: Session,
    cycles: Sequence[Cycle],
    office: str,
    questionnaire_of: Callable[[Cycle], Questionnaire],
    *,
    k: int,
) -> list[trends.CyclePoint]:
    """The office's EIT in each of ``cycles`` (oldest first) as each cycle's snapshot shows it, hidden below K
    (``questionnaire_of`` gives the questionnaire a cycle uses)."""
    ordered = sorted(cycles, key=lambda c: (c.opens_on, c.code))
    return [
        trends.cycle_point(cycle, office_result(session, cycle, office, questionnaire_of(cycle), k=k), k)
        for cycle in ordered
    ]
