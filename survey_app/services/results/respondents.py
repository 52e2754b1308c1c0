"""The released respondents of an office, read once: each response's groups and its value of every measure.

A release snapshot (``snapshots/store.py``) needs, of the office's released responses, the monthly sums of every
measure (``improvement/trends.py``), the integrity signals' aggregates (``integrity/assessment.py``) and the
groups the auditor knows each response by. All three come from one statement per office: the office's responses
(its index ``ix_response_cycle_office_day``) with their answers aggregated per response through the answer
table's primary key, every measure computed in SQL by :func:`.rollup.measure_columns` (the weighted sums of the
one scoring path). One row per response reaches Python, never an answer; an office holds a few hundred. Before,
six statements each went over every answer of the office (three levels for the trends, whose join back to the
responses read the whole table on PostgreSQL, two for the integrity aggregates, one for the members).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Select, and_, bindparam, case, func, literal, select, true
from sqlalchemy.orm import Session

from ...models import Answer, Office, Response
from ...questionnaire import Questionnaire
from . import released, rollup

PATTERN_BASE = 5  # every option value is below 5, so a whole answer pattern is one integer in base 5


@dataclass(frozen=True, slots=True)
class Respondent:
    """One released response as the snapshot's readers need it (no id: rows come in a fixed order instead).

    ``day`` is the date it became visible to staff (its release, :func:`.released.release_day`), ``submitted_on``
    the date it was sent; ``batch`` its office's release number (0 for rows released when written); ``values``
    every measure's value; ``low`` the lowest score among its EIT answers; ``pattern`` its whole answer pattern,
    Σ value × 5^position over ``Questionnaire.answer_keys``.
    """

    batch: int
    rtype: str
    service: str
    channel: str
    flagged: bool
    straight_lined: bool
    day: dt.date
    submitted_on: dt.date
    values: dict[str, float]
    low: float
    pattern: int


def _date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _respondent(row: Sequence[Any], codes: Sequence[str]) -> Respondent:
    batch, rtype, service, channel, flagged, straight, day, sent, low, pattern, *values = row
    return Respondent(
        int(batch), str(rtype), str(service), str(channel), bool(flagged), bool(straight),
        _date(day), _date(sent), dict(zip(codes, map(float, values), strict=True)), float(low), int(pattern),
    )  # fmt: skip


@functools.lru_cache(maxsize=16)
def _statement(questionnaire: Questionnaire, dialect: str) -> Select[*tuple[Any, ...]]:
    """One row per released response of the office ``:office`` in the cycle ``:cycle_id``: the columns
    :func:`_respondent` reads, in its order. Built once per questionnaire (building its two dozen CASE expressions
    costs more than running it).

    On PostgreSQL the answers are aggregated in a LATERAL subquery per response, so each response's answers are
    read through the answer table's primary key: with a plain join the planner reads every answer of the cycle
    (it prices the key's lookups as random reads, the answers' ids being random, though one response's answers
    lie together), 0.36 s against 0.14 s at 76 offices (``EXPLAIN ANALYZE`` under load). SQLite always joins
    through the key."""
    _in_indicator, in_eit = rollup.answer_weights(questionnaire)
    position = case(
        *(
            (and_(Answer.item == item, Answer.sub == sub), literal(PATTERN_BASE**i, BigInteger))
            for i, (item, sub) in enumerate(questionnaire.answer_keys)
        ),
        else_=literal(0, BigInteger),
    )
    values = [
        func.min(case((Answer.item.in_(list(in_eit.weights)), Answer.score))).label("low"),
        func.sum(Answer.value * position).label("pattern"),
        *(column.label(f"m{i}") for i, column in enumerate(rollup.measure_columns(questionnaire).values())),
    ]
    columns = (
        func.coalesce(Response.release_batch, 0), Response.respondent_type, Response.service, Response.channel,
        Response.flagged, Response.straight_lined, released.release_day(), Response.submitted_on,
    )  # fmt: skip
    chosen = (
        Response.cycle_id == bindparam("cycle_id"),
        Response.released == true(),
        Response.office_code == bindparam("office"),
    )
    if dialect == "postgresql":
        # HAVING: a response without answers gives no row (aggregates over no rows would give one of NULLs), as
        # SQLite's join gives none.
        per_response = (
            select(*values)
            .where(Answer.response_id == Response.id)
            .having(func.count() > 0)
            .lateral("answers")
        )
        return (
            select(*columns, *per_response.c)
            .select_from(Response)
            .join(per_response, true())
            .where(*chosen)
            .order_by(Response.id)
        )
    return (
        select(*columns, *values)
        .join(Answer, Answer.response_id == Response.id)
        .where(*chosen)
        .group_by(Response.id)  # the other columns depend on the primary key
        .order_by(Response.id)
    )


def by_office(
    session: Session, questionnaire: Questionnaire, cycle_id: int, offices: Sequence[str]
) -> Iterator[tuple[str, list[Respondent]]]:
    """Each office of ``offices`` (sorted) with its released respondents in the fixed order of their random ids
    (the auditor's columns follow it; an empty list for an office with none), one statement and one office in
    memory at a time.

    One office per statement: PostgreSQL prices each response's answers as random reads, so a statement over 25
    offices (12,000 responses at 76 offices) was priced past ``jit_above_cost`` and spent 1.7 s compiling itself
    before a 2.3 s run (``EXPLAIN ANALYZE``), and walked the response key for its order; one office is priced
    below it and read through the office's index."""
    codes = questionnaire.measure_codes
    statement = _statement(questionnaire, session.get_bind().dialect.name)
    answered = _with_released(session, cycle_id, offices)
    for office in sorted(set(offices)):
        if office not in answered:
            yield office, []
            continue
        rows = session.execute(statement, {"cycle_id": cycle_id, "office": office})
        yield office, [_respondent(row, codes) for row in rows]


def _with_released(session: Session, cycle_id: int, offices: Sequence[str]) -> set[str]:
    """Which of ``offices`` have a released response in the cycle: one statement of an index probe per office
    (stopping at its first released response), so an office without any costs no statement of its own (most
    offices early in a cycle; every office but a few in a test)."""
    found: set[str] = set()
    unique = sorted(set(offices))
    for start in range(0, len(unique), 500):
        probe = (
            select(literal(1))
            .where(Response.cycle_id == cycle_id, Response.office_code == Office.code, Response.released)
            .exists()
        )
        query = select(Office.code).where(Office.code.in_(unique[start : start + 500]), probe)
        found.update(str(code) for code in session.scalars(query))
    return found
