"""The released respondents of a few offices, read once: each response's groups and its value of every measure.

A release snapshot (``snapshots/store.py``) needs, of the office's released responses, the monthly sums of every
measure (``improvement/trends.py``), the integrity signals' aggregates (``integrity/assessment.py``) and the
groups the auditor knows each response by. All three come from one statement per group of offices: the
office's responses (its index ``ix_response_cycle_office_day``) joined to their answers (the answer table's
primary key), grouped by response, with every measure computed in SQL by :func:`.rollup.measure_columns` (the
weighted sums of the one scoring path). One row per response reaches Python, never an answer; a snapshot's
office holds a few hundred of them. Three statements per level over every answer of the office, and again for
the integrity aggregates, cost an office's new snapshot most of its time before.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Select, and_, bindparam, case, func, literal, select, true
from sqlalchemy.orm import Session

from ...models import Answer, Response
from ...questionnaire import Questionnaire
from . import released, rollup

PATTERN_BASE = 5  # every option value is below 5, so a whole answer pattern is one integer in base 5
OFFICES_PER_STATEMENT = 50  # bounds the rows one statement brings (about 500 per office)


@dataclass(frozen=True, slots=True)
class Respondent:
    """One released response as the snapshot's readers need it (no id: rows come in a fixed order instead).

    ``day`` is the date it became visible to staff (its release, :func:`.released.release_day`), ``submitted_on``
    the date it was sent; ``batch`` its office's release number (0 for rows released when written); ``values``
    every measure's value; ``low`` the lowest score among its EIT answers; ``pattern`` its whole answer pattern,
    Σ value × 5^position over ``Questionnaire.answer_keys``.
    """

    office: str
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
    office, batch, rtype, service, channel, flagged, straight, day, sent, low, pattern, *values = row
    return Respondent(
        str(office), int(batch), str(rtype), str(service), str(channel), bool(flagged), bool(straight),
        _date(day), _date(sent), dict(zip(codes, map(float, values), strict=True)), float(low), int(pattern),
    )  # fmt: skip


@functools.lru_cache(maxsize=16)
def _statement(questionnaire: Questionnaire, dialect: str) -> Select[*tuple[Any, ...]]:
    """One row per released response of the offices ``:offices`` in the cycle ``:cycle_id``: the columns
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
        Response.office_code, func.coalesce(Response.release_batch, 0), Response.respondent_type,
        Response.service, Response.channel, Response.flagged, Response.straight_lined, released.release_day(),
        Response.submitted_on,
    )  # fmt: skip
    chosen = (
        Response.cycle_id == bindparam("cycle_id"),
        Response.released == true(),
        Response.office_code.in_(bindparam("offices", expanding=True)),
    )
    if dialect == "postgresql":
        per_response = select(*values).where(Answer.response_id == Response.id).lateral("answers")
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
    (the auditor's columns follow it; an empty list for an office with none): one statement per
    :data:`OFFICES_PER_STATEMENT` offices, whose rows are all that is held in memory at a time."""
    codes = questionnaire.measure_codes
    dialect = session.get_bind().dialect.name
    ordered = sorted(set(offices))
    for start in range(0, len(ordered), OFFICES_PER_STATEMENT):
        chunk = ordered[start : start + OFFICES_PER_STATEMENT]
        found: dict[str, list[Respondent]] = {code: [] for code in chunk}
        for row in session.execute(
            _statement(questionnaire, dialect), {"cycle_id": cycle_id, "offices": chunk}
        ):
            found[row[0]].append(_respondent(row, codes))
        yield from found.items()
