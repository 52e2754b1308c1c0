"""Integrity of a cycle's sample: the aggregates the signals need, and the ranked assessment.

The aggregates are folded from each office's released respondents (:func:`..results.respondents.by_office`: one
row per response with its EIT computed in SQL by the one scoring path, its lowest EIT answer score and its whole
answer pattern; never an answer):

1. per office × Bangkok day (of submission) and per channel, and of the flagged responses: the count, sum and sum
   of squares of the per-respondent EIT, and how many responses' every EIT answer scored the top;
2. per office: how many responses (not straight-lined) share their whole answer pattern with another response of
   the same office; a pattern is one integer, Σ value × 5^position (every option value is below 5).

A release snapshot stores its office's aggregates (``services/results/snapshots/signals.py``), reading the
office's respondents once for them, its monthly trends and its auditor (:func:`office_aggregates`).
:func:`assess` then hands the aggregates to :func:`..stats.integrity.assess`. The page is for admins and viewers
only (office staff must not learn to dodge the signals).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Channel, Cycle, Office
from ...questionnaire import Questionnaire
from ...stats import integrity
from ...stats.integrity import Moments, OfficeAggregates, OfficeAssessment
from ...stats.scoring import EIT
from ..results import respondents
from ..results.respondents import Respondent

TOP_SCORE = 100.0 - 1e-6


def aggregates(
    session: Session, questionnaire: Questionnaire, cycle_id: int, offices: Sequence[str] | None = None
) -> list[OfficeAggregates]:
    """Every office's aggregates in the cycle (offices without responses included, with nothing), or those of
    ``offices`` (what a release snapshot stores: ``services/results/snapshots``)."""
    codes = offices if offices is not None else list(session.scalars(select(Office.code)))
    return [
        office_aggregates(code, found)
        for code, found in respondents.by_office(session, questionnaire, cycle_id, codes)
    ]


def office_aggregates(office: str, found: Iterable[Respondent]) -> OfficeAggregates:
    """One office's aggregates from its released respondents (a release snapshot reads them once for its trends,
    these aggregates and its auditor). Sums are exact (``math.fsum``): the same whatever order the respondents
    come in."""
    daily: dict[dt.date, list[float]] = defaultdict(list)
    channel: dict[str, list[float]] = defaultdict(list)
    flagged: list[float] = []
    top: Counter[str] = Counter()
    patterns: Counter[int] = Counter()
    for r in found:
        eit = r.values[EIT]
        daily[r.submitted_on].append(eit)
        channel[r.channel].append(eit)
        if r.flagged:
            flagged.append(eit)
        if r.low >= TOP_SCORE:
            top[r.channel] += 1
        if not r.straight_lined:
            patterns[r.pattern] += 1
    poster, email = Channel.POSTER.value, Channel.EMAIL.value
    return OfficeAggregates(
        office=office,
        daily={day: _moments(values) for day, values in daily.items()},
        poster=_moments(channel[poster]),
        email=_moments(channel[email]),
        flagged=_moments(flagged),
        all_highest=top[poster] + top[email],
        duplicated=sum(n for n in patterns.values() if n > 1),
        poster_all_highest=top[poster],
    )


def _moments(values: Sequence[float]) -> Moments:
    return Moments(len(values), math.fsum(values), math.fsum(v * v for v in values))


@dataclass(frozen=True)
class IntegrityReport:
    """The ranked offices of one cycle over ``first``…``last`` (the cycle's opening to today or its closing)."""

    cycle: Cycle
    first: dt.date
    last: dt.date
    offices: list[OfficeAssessment]
    names: dict[str, Office]


def assess(session: Session, questionnaire: Questionnaire, cycle: Cycle, today: dt.date) -> IntegrityReport:
    """Every office of ``cycle`` assessed and ranked, the most suspect first."""
    last = min(today, cycle.closes_on)
    first = min(cycle.opens_on, last)
    ranked = integrity.assess(aggregates(session, questionnaire, cycle.id), first, last)
    names = {o.code: o for o in session.scalars(select(Office))}
    return IntegrityReport(cycle, first, last, ranked, names)
