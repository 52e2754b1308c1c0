"""The per-cell rollup (``cell_stat``): kept current in the submission transaction, rebuildable from answers.

For each cycle × office × respondent type × service × flagged-state × measure it holds the count, the sum, the
sum of squares and the smallest and largest of the per-respondent values of the measure (see
``Questionnaire.measures``). Adding a response (or a batch) is one upsert statement, so two concurrent submissions
into the same cell both count.

The rollup is the *released* state (see ``services/intake/batches.py``): it holds only released responses. A batch joins
it through :func:`add_batch`; :func:`rebuild` recomputes it from the released responses; :func:`pending_sums`
gives the same sums of the responses still waiting, for operators who score everything stored.
"""

from __future__ import annotations

import typing
from typing import Protocol

from sqlalchemy import (
    ColumnElement,
    Float,
    Table,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ...models import Answer, CellStat, Response
from ...questionnaire import Questionnaire


def _extreme(dialect: str, current: typing.Any, new: typing.Any, smaller: bool) -> typing.Any:
    """The smaller (or larger) of the stored and the new value, by each database's two-argument function."""
    if dialect == "postgresql":
        return func.least(current, new) if smaller else func.greatest(current, new)
    return func.min(current, new) if smaller else func.max(current, new)  # SQLite's scalar min() and max()


_UPSERTS: dict[str, typing.Any] = {}


def _upsert_statement(dialect: str) -> typing.Any:
    """The cell upsert for ``dialect``, built once (building ``excluded`` costs more than running it)."""
    if dialect not in _UPSERTS:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = typing.cast(Table, CellStat.__table__)  # the table, not the entity: a plain Core statement
        stmt = insert(table)
        _UPSERTS[dialect] = stmt.on_conflict_do_update(
            index_elements=[c.name for c in table.primary_key.columns],
            set_={
                "n": table.c.n + stmt.excluded.n,
                "total": table.c.total + stmt.excluded.total,
                "total_sq": table.c.total_sq + stmt.excluded.total_sq,
                "low": _extreme(dialect, table.c.low, stmt.excluded.low, smaller=True),
                "high": _extreme(dialect, table.c.high, stmt.excluded.high, smaller=False),
            },
        )
    return _UPSERTS[dialect]


Executor = Session | Connection  # a session, or the connection of its transaction (cheaper per statement)


def _dialect(executor: Executor) -> str:
    return (executor if isinstance(executor, Connection) else executor.get_bind()).dialect.name


def _upsert(executor: Executor, rows: list[dict[str, object]]) -> None:
    executor.execute(_upsert_statement(_dialect(executor)), rows)


class CellOf(Protocol):
    """What places a response in its cells: a :class:`~survey_app.models.Response` or a plain row with these."""

    @property
    def cycle_id(self) -> int: ...
    @property
    def office_code(self) -> str: ...
    @property
    def respondent_type(self) -> str: ...
    @property
    def service(self) -> str: ...
    @property
    def flagged(self) -> bool: ...


def rebuild(session: Session, cycle_id: int, questionnaire: Questionnaire) -> int:
    """Recompute every cell of ``cycle_id`` from the released responses' raw answers in SQL; returns the number
    of cells written."""
    session.execute(delete(CellStat).where(CellStat.cycle_id == cycle_id))
    rows = released_sums(session, cycle_id, questionnaire)
    if rows:
        session.execute(typing.cast(Table, CellStat.__table__).insert(), rows)
    return len(rows)


def add_batch(
    executor: Executor, cycle_id: int, questionnaire: Questionnaire, response_ids: list[str]
) -> int:
    """Add the responses ``response_ids`` (a released batch of a few responses) to their cells in one upsert;
    returns the number of cells touched. Their raw answers are read in one query and scored with the
    questionnaire's map, as :func:`rebuild` scores them."""
    if not response_ids:
        return 0
    rows = executor.execute(
        select(
            Response.id,
            Response.office_code,
            Response.respondent_type,
            Response.service,
            Response.flagged,
            Answer.item,
            Answer.sub,
            Answer.value,
        )
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.cycle_id == cycle_id, Response.id.in_(response_ids))
    )
    raw: dict[tuple[str, str, str, str, bool], dict[tuple[str, int], int]] = {}
    for rid, office, rtype, service, flagged, item, sub, value in rows:
        raw.setdefault((rid, office, rtype, service, bool(flagged)), {})[(item, sub)] = value
    cells: dict[tuple[str, str, str, bool, str], list[float]] = {}
    for (_rid, *key), values in raw.items():
        for measure, v in questionnaire.measures(values).items():
            sums = cells.setdefault((*key, measure), [0, 0.0, 0.0, v, v])  # type: ignore[arg-type]
            sums[0] += 1
            sums[1] += v
            sums[2] += v * v
            sums[3] = min(sums[3], v)
            sums[4] = max(sums[4], v)
    _upsert(
        executor,
        [
            {
                "cycle_id": cycle_id, "office_code": office, "respondent_type": rtype, "service": service,
                "flagged": flagged, "measure": measure, "n": int(n), "total": total, "total_sq": total_sq,
                "low": low, "high": high,
            }
            for (office, rtype, service, flagged, measure), (n, total, total_sq, low, high) in cells.items()
        ],
    )  # fmt: skip
    return len(cells)


def released_sums(session: Session, cycle_id: int, questionnaire: Questionnaire) -> list[dict[str, object]]:
    """Cell sums (as rows of ``cell_stat``) of the released responses of ``cycle_id``: what the rollup should hold."""
    return _sums(session, cycle_id, questionnaire, Response.released == true())


def pending_sums(session: Session, cycle_id: int, questionnaire: Questionnaire) -> list[dict[str, object]]:
    """Cell sums (as rows of ``cell_stat``) of the responses of ``cycle_id`` not released yet."""
    return _sums(session, cycle_id, questionnaire, Response.released == false())


def _sums(
    session: Session, cycle_id: int, questionnaire: Questionnaire, which: ColumnElement[bool]
) -> list[dict[str, object]]:
    """Per-cell count, sum and sum of squares of every measure over the responses of ``cycle_id`` matching
    ``which``, computed in SQL from the raw answers under the questionnaire's current score map."""
    flagged = Response.flagged
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
        .where(Response.cycle_id == cycle_id, which)
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
    rows: list[dict[str, object]] = []
    for values in (per_item, per_indicator, per_eit):
        rows += _grouped_sums(session, cycle_id, values)
    return rows


def _rescored(questionnaire: Questionnaire) -> object:
    """The score of each raw answer under the questionnaire's current map (so a new map re-scores old data)."""
    whens = [
        (and_(Answer.item == item.code, Answer.value == option.value), literal(option.score))
        for item in questionnaire.items
        for option in item.answer_type.options
    ]
    return cast(case(*whens, else_=Answer.score), Float)


def _grouped_sums(session: Session, cycle_id: int, values: object) -> list[dict[str, object]]:
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
    return rows
