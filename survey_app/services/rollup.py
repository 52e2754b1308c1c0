"""The per-cell rollup (``cell_stat``): kept current in the submission transaction, rebuildable from answers.

For each cycle × office × respondent type × service × flagged-state × measure it holds the count, the sum, the
sum of squares and the smallest and largest of the per-respondent values of the measure (see
``Questionnaire.measures``). Adding a response is one upsert statement, so two concurrent submissions into the
same cell both count.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping

from sqlalchemy import Float, Table, and_, case, cast, delete, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import Answer, CellStat, Response
from ..questionnaire import Questionnaire


def _extreme(session: Session, current: typing.Any, new: typing.Any, smaller: bool) -> typing.Any:
    """The smaller (or larger) of the stored and the new value, by each database's two-argument function."""
    if session.get_bind().dialect.name == "postgresql":
        return func.least(current, new) if smaller else func.greatest(current, new)
    return func.min(current, new) if smaller else func.max(current, new)  # SQLite's scalar min() and max()


def _upsert(session: Session, rows: list[dict[str, object]]) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(CellStat)
    stmt = stmt.on_conflict_do_update(
        index_elements=[c.name for c in typing.cast(Table, CellStat.__table__).primary_key.columns],
        set_={
            "n": CellStat.n + stmt.excluded.n,
            "total": CellStat.total + stmt.excluded.total,
            "total_sq": CellStat.total_sq + stmt.excluded.total_sq,
            "low": _extreme(session, CellStat.low, stmt.excluded.low, smaller=True),
            "high": _extreme(session, CellStat.high, stmt.excluded.high, smaller=False),
        },
    )
    session.execute(stmt, rows)


def add_response(session: Session, response: Response, measures: Mapping[str, float]) -> None:
    """Add one response's measure values to its cells (one executemany upsert)."""
    key = {
        "cycle_id": response.cycle_id,
        "office_code": response.office_code,
        "respondent_type": response.respondent_type,
        "service": response.service,
        "flagged": bool(response.too_fast or response.straight_lined),
    }
    _upsert(
        session,
        [
            {**key, "measure": m, "n": 1, "total": v, "total_sq": v * v, "low": v, "high": v}
            for m, v in measures.items()
        ],
    )


def rebuild(session: Session, cycle_id: int, questionnaire: Questionnaire) -> int:
    """Recompute every cell of ``cycle_id`` from the raw answers in SQL; returns the number of cells written."""
    session.execute(delete(CellStat).where(CellStat.cycle_id == cycle_id))
    flagged = or_(Response.too_fast, Response.straight_lined)
    cell = (Response.office_code, Response.respondent_type, Response.service)
    scored = _rescored(questionnaire)
    per_item = (
        select(
            Response.id.label("rid"),
            *cell,
            flagged.label("flagged"),
            Answer.item.label("measure"),
            func.avg(scored).label("v"),
        )
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.cycle_id == cycle_id)
        .group_by(Response.id, *cell, flagged, Answer.item)
        .subquery()
    )
    indicator_of = case(
        *((per_item.c.measure == item.code, literal(f"IND{item.indicator}")) for item in questionnaire.items),
        else_=literal("?"),
    )
    per_indicator = (
        select(
            per_item.c.rid,
            per_item.c.office_code,
            per_item.c.respondent_type,
            per_item.c.service,
            per_item.c.flagged,
            indicator_of.label("measure"),
            func.avg(per_item.c.v).label("v"),
        )
        .group_by(
            per_item.c.rid,
            per_item.c.office_code,
            per_item.c.respondent_type,
            per_item.c.service,
            per_item.c.flagged,
            indicator_of,
        )
        .subquery()
    )
    eit_members = [f"IND{code}" for code in questionnaire.eit_indicators]
    per_eit = (
        select(
            per_indicator.c.rid,
            per_indicator.c.office_code,
            per_indicator.c.respondent_type,
            per_indicator.c.service,
            per_indicator.c.flagged,
            literal("EIT").label("measure"),
            func.avg(per_indicator.c.v).label("v"),
        )
        .where(per_indicator.c.measure.in_(eit_members))
        .group_by(
            per_indicator.c.rid,
            per_indicator.c.office_code,
            per_indicator.c.respondent_type,
            per_indicator.c.service,
            per_indicator.c.flagged,
        )
        .subquery()
    )
    written = 0
    for values in (per_item, per_indicator, per_eit):
        written += _insert_sums(session, cycle_id, values)
    return written


def _rescored(questionnaire: Questionnaire) -> object:
    """The score of each raw answer under the questionnaire's current map (so a new map re-scores old data)."""
    whens = [
        (and_(Answer.item == item.code, Answer.value == option.value), literal(option.score))
        for item in questionnaire.items
        for option in item.answer_type.options
    ]
    return cast(case(*whens, else_=Answer.score), Float)


def _insert_sums(session: Session, cycle_id: int, values: object) -> int:
    c = values.c  # type: ignore[attr-defined]
    grouped = select(
        c.office_code,
        c.respondent_type,
        c.service,
        c.flagged,
        c.measure,
        func.count().label("n"),
        func.sum(c.v).label("total"),
        func.sum(c.v * c.v).label("total_sq"),
        func.min(c.v).label("low"),
        func.max(c.v).label("high"),
    ).group_by(c.office_code, c.respondent_type, c.service, c.flagged, c.measure)
    rows = [
        {
            "cycle_id": cycle_id,
            "office_code": r.office_code,
            "respondent_type": r.respondent_type,
            "service": r.service,
            "flagged": bool(r.flagged),
            "measure": r.measure,
            "n": r.n,
            "total": float(r.total),
            "total_sq": float(r.total_sq),
            "low": float(r.low),
            "high": float(r.high),
        }
        for r in session.execute(grouped)
    ]
    if rows:
        session.execute(typing.cast(Table, CellStat.__table__).insert(), rows)
    return len(rows)
