"""Where an office stands among the 76 and within its region, honestly: ranks with the range their intervals allow
(:mod:`survey_app.stats.ranking`), the distribution of office scores, and each office's change since the last cycle
and since the start of this one. Only offices with at least K responses take part.

Offices are compared on their plain (unweighted, official-style) EIT with its 95 % interval, as each office's release
snapshot shows it to staff (``snapshots.shown``: the same figure as the office's own page, cleared by the auditor,
so ranks and changes move only with releases and never show what a page withholds); the official ITA ranks plain
means too. Each office's first shown month is the first month its snapshot shows (months dated by release).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from ...models import Cycle
from ...questionnaire import Questionnaire
from ...stats.ranking import Rank, histogram, honest_ranks
from ..results import snapshots
from ..results.snapshots.store import office_regions, state_key
from . import trends

Score = tuple[float, float, float]


def _snapshot_scores(
    session: Session, cycle: Cycle, questionnaire: Questionnaire, k: int
) -> dict[str, Score]:
    found = {}
    for code, snap in snapshots.office_snapshots(session, cycle, None, questionnaire, k=k).items():
        # The plain EIT as ``disclosure.office_result`` leaves it to staff: none below K responses; a figure the
        # auditor withheld is not in the snapshot's result at all.
        result = snap.result
        estimate = result.eit.unweighted if result.count >= k and result.eit is not None else None
        if estimate is None or not math.isfinite(estimate.mean):
            continue
        low = estimate.low if math.isfinite(estimate.low) else estimate.mean
        high = estimate.high if math.isfinite(estimate.high) else estimate.mean
        found[code] = (estimate.mean, low, high)
    return found


@dataclass(frozen=True)
class _Ranking:
    """Every ranked office's score and region, the national ranks and the plot's rows (best first), made from one
    state of the snapshots; the regional ranks are added per region as pages ask for them. The regions are read
    with the scores: an office moved to another region starts a new generation (``seeding.load_offices``)."""

    scores: Mapping[str, Score]
    regions: Mapping[str, str]
    national: Mapping[str, Rank]
    plot: tuple[tuple[float, float, float, bool], ...]
    regional: dict[str, dict[str, Rank]]


# Per database (its engine: a state names the same snapshots only within one database), per state of the
# snapshots (``state_key``, one row): reading every office's snapshot costs far more than the state, and the
# ranking changes only when a release or a new generation changes the state.
_RANKINGS: weakref.WeakKeyDictionary[Engine | Connection, dict[tuple[Any, ...], _Ranking]] = (
    weakref.WeakKeyDictionary()
)
RANKINGS_KEPT = 8


def _ranking(session: Session, cycle: Cycle, questionnaire: Questionnaire, k: int) -> _Ranking:
    """The ranking of the snapshots' current state, kept per database and state (see ``_RANKINGS``)."""
    key = state_key(session, cycle, k)
    kept = _RANKINGS.setdefault(session.get_bind(), {})
    found = kept.get(key)
    if found is None:
        scores = _snapshot_scores(session, cycle, questionnaire, k)
        plot = tuple(sorted(((m, lo, hi, False) for m, lo, hi in scores.values()), reverse=True))
        where = office_regions(session)
        regions = {code: where.get(code, "") for code in scores}
        found = _Ranking(scores, regions, honest_ranks(scores) if scores else {}, plot, {})
        if state_key(session, cycle, k, again=True) != key:
            return found  # a release came between the key and the snapshots: not kept under the older key
        if len(kept) >= RANKINGS_KEPT:
            kept.pop(next(iter(kept)), None)  # None: another thread may have dropped it first
        kept[key] = found
    return found


def office_scores(session: Session, cycle: Cycle, questionnaire: Questionnaire, k: int) -> dict[str, Score]:
    """(mean, low, high) of the plain EIT of every office whose snapshot shows one (at least K released
    responses, not withheld); see the module docstring."""
    return dict(_ranking(session, cycle, questionnaire, k).scores)


@dataclass(frozen=True)
class Standing:
    """One office's national and regional rank, and every ranked office's score (for an anonymous plot)."""

    office_code: str
    region: str
    national: Rank | None
    regional: Rank | None
    scores: tuple[tuple[float, float, float, bool], ...]


def standing(
    session: Session, cycle: Cycle, office_code: str, questionnaire: Questionnaire, k: int
) -> Standing:
    """The office's ranks (None when it is not ranked) and the scores of all ranked offices, best first."""
    ranking = _ranking(session, cycle, questionnaire, k)
    if office_code not in ranking.scores:  # not ranked: no rank, the plot unmarked
        region = office_regions(session).get(office_code, "")
        return Standing(office_code, region, None, None, ranking.plot)
    region = ranking.regions[office_code]
    if region not in ranking.regional:
        members = {c: s for c, s in sorted(ranking.scores.items()) if ranking.regions[c] == region}
        ranking.regional[region] = honest_ranks(members)
    # The office's dot first among exactly equal scores, as sorting with the flag would place it.
    mine = (*ranking.scores[office_code], False)
    at = ranking.plot.index(mine)
    plot = (*ranking.plot[:at], (*ranking.scores[office_code], True), *ranking.plot[at + 1 :])
    return Standing(
        office_code,
        region,
        ranking.national.get(office_code),
        ranking.regional[region].get(office_code),
        plot,
    )


@dataclass(frozen=True)
class Change:
    """An office's EIT now and its change since the previous cycle and since its first shown month."""

    office_code: str
    eit: float | None
    since_last_cycle: float | None
    since_start: float | None


def distribution(
    session: Session, cycle: Cycle, questionnaire: Questionnaire, k: int
) -> list[tuple[float, int]]:
    """The histogram of office EIT scores (bins of 5 points from 50; lower scores fall in the first bin)."""
    return histogram([s[0] for s in office_scores(session, cycle, questionnaire, k).values()])


def changes(
    session: Session,
    cycle: Cycle,
    previous: Cycle | None,
    questionnaire_of: Callable[[Cycle], Questionnaire],
    k: int,
) -> tuple[dict[str, Change], list[tuple[float, int]]]:
    """Every office's change, and the histogram of office EIT scores (``questionnaire_of``: a cycle's
    questionnaire)."""
    questionnaire = questionnaire_of(cycle)
    now = office_scores(session, cycle, questionnaire, k)
    before = office_scores(session, previous, questionnaire_of(previous), k) if previous else {}
    first = first_months(session, cycle, questionnaire, k)
    found = {}
    for code in sorted(set(now) | set(before)):
        eit = now[code][0] if code in now else None
        last = eit - before[code][0] if eit is not None and code in before else None
        start_point = first.get(code)
        start = (
            eit - start_point.mean
            if eit is not None and start_point and start_point.mean is not None
            else None
        )
        found[code] = Change(code, eit, last, start)
    return found, histogram([s[0] for s in now.values()])


def first_months(
    session: Session, cycle: Cycle, questionnaire: Questionnaire, k: int
) -> dict[str, trends.Point]:
    """Every office's EIT in the first month its snapshot shows (months dated by release; a hidden month is
    skipped)."""
    found = {}
    for code, snap in snapshots.office_snapshots(session, cycle, None, questionnaire, k=k).items():
        point = next((p for p in snap.months.get("EIT", ()) if p.mean is not None), None)
        if point is not None:
            found[code] = point
    return found


def previous_cycle(session: Session, cycle: Cycle) -> Cycle | None:
    """The newest cycle that opened before ``cycle``."""
    return session.scalar(
        select(Cycle).where(Cycle.opens_on < cycle.opens_on).order_by(Cycle.opens_on.desc()).limit(1)
    )
