"""Where an office stands among the 76 and within its region, honestly: ranks with the range their intervals allow
(:mod:`survey_app.stats.ranking`), the distribution of office scores, and each office's change since the last cycle
and since the start of this one. Only offices with at least K responses take part.

Offices are compared on their plain (unweighted, official-style) EIT with a 95 % interval, read from the cell
rollup in one GROUP BY (count, sum and sum of squares of each respondent's EIT per office): weighting all 76
offices on every office page would cost a third of a second, and the official ITA ranks plain means too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Cycle, Office
from ...questionnaire import Questionnaire
from ...stats.ranking import Rank, histogram, honest_ranks
from ..results import released
from . import trends

Score = tuple[float, float, float]


def office_scores(session: Session, cycle: Cycle, k: int) -> dict[str, Score]:
    """(mean, low, high) of the plain EIT of every office with at least K responses (see the module docstring)."""
    found = {}
    for code, (n, total, total_sq) in released.office_eit_sums(session, cycle).items():
        if n < k:
            continue
        point = trends.Sums(n, total, total_sq).point(code, True)
        if point.mean is not None and math.isfinite(point.mean):
            low = point.low if point.low is not None else point.mean
            high = point.high if point.high is not None else point.mean
            found[code] = (point.mean, low, high)
    return found


@dataclass(frozen=True)
class Standing:
    """One office's national and regional rank, and every ranked office's score (for an anonymous plot)."""

    office_code: str
    region: str
    national: Rank | None
    regional: Rank | None
    scores: tuple[tuple[float, float, float, bool], ...]


def regions(session: Session) -> dict[str, str]:
    """Office code → region code."""
    return {code: region for code, region in session.execute(select(Office.code, Office.region))}


def standing(session: Session, cycle: Cycle, office_code: str, k: int) -> Standing:
    """The office's ranks (None when it is not ranked) and the scores of all ranked offices, best first."""
    scores = office_scores(session, cycle, k)
    where = regions(session)
    region = where.get(office_code, "")
    national = honest_ranks(scores) if scores else {}
    local = honest_ranks({c: s for c, s in scores.items() if where.get(c) == region})
    plot = sorted(((m, lo, hi, code == office_code) for code, (m, lo, hi) in scores.items()), reverse=True)
    return Standing(office_code, region, national.get(office_code), local.get(office_code), tuple(plot))


@dataclass(frozen=True)
class Change:
    """An office's EIT now and its change since the previous cycle and since its first shown month."""

    office_code: str
    eit: float | None
    since_last_cycle: float | None
    since_start: float | None


def distribution(session: Session, cycle: Cycle, k: int) -> list[tuple[float, int]]:
    """The histogram of office EIT scores (bins of 5 points from 50; lower scores fall in the first bin)."""
    return histogram([s[0] for s in office_scores(session, cycle, k).values()])


def changes(
    session: Session, cycle: Cycle, previous: Cycle | None, questionnaire: Questionnaire, k: int
) -> tuple[dict[str, Change], list[tuple[float, int]]]:
    """Every office's change, and the histogram of office EIT scores."""
    now = office_scores(session, cycle, k)
    before = office_scores(session, previous, k) if previous else {}
    first = trends.first_months(session, cycle, questionnaire, k)
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


def previous_cycle(session: Session, cycle: Cycle) -> Cycle | None:
    """The newest cycle that opened before ``cycle``."""
    return session.scalar(
        select(Cycle).where(Cycle.opens_on < cycle.opens_on).order_by(Cycle.opens_on.desc()).limit(1)
    )
