"""Integrity of a cycle's sample: the aggregates the signals need, read with SQL, and the ranked assessment.

Two GROUP BY queries, nothing per response leaves the database:

1. per office × Bangkok day × channel × flagged × all-highest: the count, sum and sum of squares of the
   per-respondent EIT, from the stored scores by the one scoring path
   (:func:`..results.rollup.respondent_values`: sub-items → items → indicators → EIT), and whether its lowest
   answer score is the top one;
2. per office: how many responses (not straight-lined) share their whole answer pattern with another response of
   the same office; a pattern is one integer, Σ value × 5^position (every option value is below 5).

:func:`assess` then hands these to :func:`..stats.integrity.assess`. It runs whenever the page is opened, so no
scheduled job is needed; it is for admins and viewers only (office staff must not learn to dodge the signals).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Integer, Subquery, and_, case, func, literal, select, true
from sqlalchemy.orm import Session

from ...models import Answer, Channel, Cycle, Office, Response
from ...questionnaire import Questionnaire
from ...stats import integrity
from ...stats.integrity import Moments, OfficeAggregates, OfficeAssessment
from ..results import rollup

PATTERN_BASE = 5
TOP_SCORE = 100.0 - 1e-6


def _in_offices(offices: Sequence[str] | None) -> Any:
    """The filter on ``offices`` (every office when None)."""
    return true() if offices is None else Response.office_code.in_(offices)


def _per_response(
    questionnaire: Questionnaire, cycle_id: int, offices: Sequence[str] | None = None
) -> Subquery:
    """Subquery: one row per released response (staff see answers only in batches of K, this page included) with
    its office, day, channel, flagged state, EIT (``v``) and lowest answer score (``low``)."""
    carry = {
        "office_code": Response.office_code,
        "day": Response.submitted_on,
        "channel": Response.channel,
        "flagged": Response.flagged,
    }
    where = [Response.cycle_id == cycle_id, Response.released == true(), _in_offices(offices)]
    return rollup.respondent_values(questionnaire, where, carry).eit


def _moment_rows(
    session: Session, questionnaire: Questionnaire, cycle_id: int, offices: Sequence[str] | None = None
) -> list[tuple[Any, ...]]:
    r = _per_response(questionnaire, cycle_id, offices)
    top = case((r.c.low >= TOP_SCORE, 1), else_=0)
    return [
        tuple(row)
        for row in session.execute(
            select(
                r.c.office_code,
                r.c.day,
                r.c.channel,
                r.c.flagged,
                top.label("top"),
                func.count(),
                func.sum(r.c.v),
                func.sum(r.c.v * r.c.v),
            ).group_by(r.c.office_code, r.c.day, r.c.channel, r.c.flagged, top)
        )
    ]


def _duplicated(
    session: Session, questionnaire: Questionnaire, cycle_id: int, offices: Sequence[str] | None = None
) -> dict[str, int]:
    """Per office: responses (not straight-lined) whose whole answer pattern another response also has."""
    keys = list(questionnaire.answer_keys)
    weight = case(
        *(
            (and_(Answer.item == item, Answer.sub == sub), literal(PATTERN_BASE**i, BigInteger))
            for i, (item, sub) in enumerate(keys)
        ),
        else_=literal(0, BigInteger),
    )
    patterns = (
        select(Response.office_code, func.sum(Answer.value * weight).label("pattern"))
        .join(Answer, Answer.response_id == Response.id)
        .where(
            Response.cycle_id == cycle_id,
            Response.released == true(),
            Response.straight_lined.is_(False),
            _in_offices(offices),
        )
        .group_by(Response.id, Response.office_code)
        .subquery()
    )
    shared = (
        select(patterns.c.office_code, func.count().label("n"))
        .group_by(patterns.c.office_code, patterns.c.pattern)
        .having(func.count() > 1)
        .subquery()
    )
    rows = session.execute(
        select(shared.c.office_code, func.sum(shared.c.n).cast(Integer)).group_by(shared.c.office_code)
    )
    return {str(code): int(n) for code, n in rows}


def aggregates(
    session: Session, questionnaire: Questionnaire, cycle_id: int, offices: Sequence[str] | None = None
) -> list[OfficeAggregates]:
    """Every office's aggregates in the cycle (offices without responses included, with nothing), or those of
    ``offices`` (what a release snapshot stores: ``services/results/snapshots``)."""
    codes = (
        sorted(offices)
        if offices is not None
        else list(session.scalars(select(Office.code).order_by(Office.code)))
    )
    daily: dict[str, dict[dt.date, Moments]] = {c: {} for c in codes}
    channel: dict[tuple[str, str], Moments] = {}
    flagged: dict[str, Moments] = {}
    top: dict[tuple[str, str], int] = {}
    for office, day, chan, is_flagged, is_top, n, total, total_sq in _moment_rows(
        session, questionnaire, cycle_id, offices
    ):
        m = Moments(int(n), float(total), float(total_sq))
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
        daily.setdefault(office, {})[day] = daily.get(office, {}).get(day, Moments()) + m
        channel[(office, chan)] = channel.get((office, chan), Moments()) + m
        if is_flagged:
            flagged[office] = flagged.get(office, Moments()) + m
        if is_top:
            top[(office, chan)] = top.get((office, chan), 0) + int(n)
    duplicated = _duplicated(session, questionnaire, cycle_id, offices)
    poster, email = Channel.POSTER.value, Channel.EMAIL.value
    return [
        OfficeAggregates(
            office=code,
            daily=daily.get(code, {}),
            poster=channel.get((code, poster), Moments()),
            email=channel.get((code, email), Moments()),
            flagged=flagged.get(code, Moments()),
            all_highest=top.get((code, poster), 0) + top.get((code, email), 0),
            duplicated=duplicated.get(code, 0),
            poster_all_highest=top.get((code, poster), 0),
        )
        for code in sorted(daily)
    ]


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
