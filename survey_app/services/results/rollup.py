"""How answers become scores, and the per-cell rollup (``cell_stat``) kept current in the submission transaction.

**One scoring path.** An answer's score is the ``answer.score`` stored with it: the questionnaire's score map at
submission, rewritten under the current map by :func:`rebuild` (``survey-app stats rebuild``) in the same
transaction that recomputes the cells, after which the release snapshots are invalidated
(``snapshots.invalidate``) and recomputed by the command (``snapshots.renew``). So after a score-map change and a
rebuild, every reader of the stored score (the rollup and the scores, trends, microdata, integrity signals and
exports that come from it) agrees; ``survey-app verify`` reports answers whose stored score differs from the map
(:func:`stale_scores`). The averaging of sub-items into items, items into indicators and indicators into the EIT is
written twice, once per language, and nowhere else:

* in Python, :func:`survey_app.stats.scoring.respondent_measures` (through ``Questionnaire.measures`` and
  ``measures_of_scores``), used where a few responses are at hand (a released batch: :func:`add_batch`);
* in SQL, :func:`respondent_values`, one GROUP BY over the stored scores per level (an indicator's and the EIT's
  means of means as the weighted sums of answer scores they equal, :func:`answer_weights`), used by
  :func:`rebuild` and the microdata (``microdata.py``); :func:`measure_columns` gives the same weighted sums as
  one row per response, for a few offices' respondents read once (``respondents.py``: the monthly trends,
  ``services/improvement/trends.py``, and the integrity signals, ``services/integrity/assessment.py``).

The office scores, exports and reports read the rollup (through the release snapshots), so they score answers
this way too.

For each cycle × office × respondent type × service × flagged-state × measure the rollup holds the count, the sum,
the sum of squares and the smallest and largest of the per-respondent values of the measure (see
``Questionnaire.measures``). Adding a response (or a batch) is one upsert statement, so two concurrent submissions
into the same cell both count.

The rollup is the *released* state (see ``services/intake/batches.py``): it holds only released responses. A batch
joins it through :func:`add_batch`; :func:`rebuild` recomputes it from the released responses; :func:`pending_sums`
gives the same sums of the responses still waiting, for operators who score everything stored.
"""

from __future__ import annotations

import functools
import math
import operator
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import (
    ColumnElement,
    Float,
    SQLColumnExpression,
    Subquery,
    Table,
    case,
    cast,
    delete,
    false,
    func,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ...db import dialect_insert
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
        insert = dialect_insert(dialect)
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
    if rows:  # none when the ids named no response
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
    """Rescore every answer of ``cycle_id`` under the questionnaire's current map (:func:`rescore`), then recompute
    every cell from the released responses' scores in SQL; returns the number of cells written. The caller commits
    both in one transaction and invalidates the cycle's snapshots."""
    rescore(session, cycle_id, questionnaire)
    session.execute(delete(CellStat).where(CellStat.cycle_id == cycle_id))
    rows = released_sums(session, cycle_id, questionnaire)
    if rows:
        session.execute(typing.cast(Table, CellStat.__table__).insert(), rows)
    return len(rows)


def _cycle_answers(cycle_id: int) -> ColumnElement[bool]:
    return Answer.response_id.in_(select(Response.id).where(Response.cycle_id == cycle_id))


def rescore(session: Session, cycle_id: int, questionnaire: Questionnaire) -> int:
    """Rewrite the stored score of every answer of ``cycle_id`` (released or waiting) that differs from the
    questionnaire's current map; returns how many were rewritten."""
    current = _map_score(questionnaire)
    table = typing.cast(Table, Answer.__table__)
    result = session.execute(
        update(table).where(_cycle_answers(cycle_id), table.c.score != current).values(score=current)
    )
    return int(typing.cast(typing.Any, result).rowcount or 0)


def stale_scores(session: Session, cycle_id: int, questionnaire: Questionnaire) -> int:
    """How many answers of ``cycle_id`` hold a score other than the questionnaire's current map gives."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Answer)
            .where(_cycle_answers(cycle_id), Answer.score != _map_score(questionnaire))
        )
        or 0
    )


def add_batch(
    executor: Executor, cycle_id: int, questionnaire: Questionnaire, response_ids: list[str]
) -> int:
    """Add the responses ``response_ids`` (a released batch of a few responses) to their cells in one upsert;
    returns the number of cells touched. Their stored scores are read in one query and averaged by
    ``Questionnaire.measures_of_scores``, the Python twin of :func:`respondent_values`."""
    if not response_ids:
        return 0
    rows = executor.execute(
        select(
            Response.cycle_id,
            Response.id,
            Response.office_code,
            Response.respondent_type,
            Response.service,
            Response.flagged,
            Answer.item,
            Answer.sub,
            Answer.score,
        )
        .join(Answer, Answer.response_id == Response.id)
        # By id alone: with the cycle in the WHERE too, SQLite (no statistics) searched the cycle's every
        # response by a cycle index instead of the few ids (2 s at 500,000 responses). The cycle is checked below.
        .where(Response.id.in_(response_ids))
    )
    raw: dict[tuple[str, str, str, str, bool], dict[tuple[str, int], float]] = {}
    for cycle, rid, office, rtype, service, flagged, item, sub, score in rows:
        if cycle != cycle_id:
            raise ValueError(f"response {rid} is not of cycle {cycle_id}")
        raw.setdefault((rid, office, rtype, service, bool(flagged)), {})[(item, sub)] = score
    cells: dict[tuple[str, str, str, bool, str], list[float]] = {}
    for (_rid, *key), scores in raw.items():
        for measure, v in questionnaire.measures_of_scores(scores).items():
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


@dataclass(frozen=True)
class RespondentValues:
    """Subqueries of each chosen response's values, one row per response and measure, with columns ``rid``, the
    carried columns, ``measure``, ``v`` (the value) and ``low`` (the lowest answer score beneath it)."""

    items: Subquery
    indicators: Subquery
    eit: Subquery


def respondent_values(
    questionnaire: Questionnaire,
    where: Sequence[ColumnElement[bool]],
    carry: Mapping[str, SQLColumnExpression[typing.Any]] | None = None,
) -> RespondentValues:
    """The one SQL statement of the scoring hierarchy, over the stored scores of the responses matching ``where``:
    item value = mean of its sub-item scores, indicator value = mean of its items' values, ``EIT`` = mean of the
    questionnaire's EIT indicators (as :func:`survey_app.stats.scoring.respondent_measures` computes it).

    An indicator's and the EIT's means of means are computed as what they equal, one weighted sum of the
    response's answer scores (:func:`answer_weights`: whole-number weights over one divisor), in one GROUP BY
    over the answers each: nesting the means would sort every item value twice. The two are the same because
    every sub-item of every item is answered (the survey stores only complete responses, and the rollup's Python
    path refuses any other).

    ``carry`` names columns of the response (office, day …) to give beside each value: they are joined to each
    level's result, since grouping the answers by them too would sort every answer. Only the levels a caller
    selects from are run.
    """
    chosen = Answer.response_id.in_(select(Response.id).where(*where))
    in_indicator, in_eit = answer_weights(questionnaire)
    indicators_of, _eit = questionnaire.hierarchy
    owner = {item: code for code, item_codes in indicators_of.items() for item in item_codes}
    indicator = case(owner, value=Answer.item, else_=literal("?"))
    items = (
        select(Answer.response_id.label("rid"), Answer.item.label("measure"), func.avg(Answer.score).label("v"),
               func.min(Answer.score).label("low"))
        .where(chosen)
        .group_by(Answer.response_id, Answer.item)
        .subquery("item_scores")
    )  # fmt: skip
    indicators = (
        select(Answer.response_id.label("rid"), indicator.label("measure"),
               _weighted_mean(in_indicator).label("v"), func.min(Answer.score).label("low"))
        .where(chosen)
        .group_by(Answer.response_id, indicator)
        .subquery("indicator_scores")
    )  # fmt: skip
    eit = (
        select(Answer.response_id.label("rid"), literal("EIT").label("measure"),
               _weighted_mean(in_eit).label("v"), func.min(Answer.score).label("low"))
        .where(chosen, Answer.item.in_(in_eit.weights))
        .group_by(Answer.response_id)
        .subquery("eit_scores")
    )  # fmt: skip
    levels = (items, indicators, eit)
    if not carry:
        return RespondentValues(*levels)
    return RespondentValues(*(_with_columns(level, carry) for level in levels))


@dataclass(frozen=True)
class Weights:
    """Each item's sub-item scores weigh ``weights[item] / divisor`` in a measure (whole numbers, so a value
    whose answers all score the same is that score exactly, never a rounding step above 100)."""

    weights: Mapping[str, int]
    divisor: int


def answer_weights(questionnaire: Questionnaire) -> tuple[Weights, Weights]:
    """The weight of each item's sub-item scores in its indicator's value, 1 / (items of the indicator × sub-items
    of the item), and in the EIT, that divided by the number of EIT indicators (EIT items only)."""
    indicators_of, eit_members = questionnaire.hierarchy
    share = {
        item: len(items) * len(questionnaire.item(item).keys)
        for items in indicators_of.values()
        for item in items
    }
    eit_share = {item: share[item] * len(eit_members) for code in eit_members for item in indicators_of[code]}
    common, eit_common = math.lcm(*share.values()), math.lcm(*eit_share.values())
    return (
        Weights({item: common // n for item, n in share.items()}, common),
        Weights({item: eit_common // n for item, n in eit_share.items()}, eit_common),
    )


def measure_columns(questionnaire: Questionnaire) -> dict[str, ColumnElement[float]]:
    """Every measure's value of one response, as aggregates over its answers (select them grouped by the response):
    the sums :func:`respondent_values` computes per level, in one row per response, so one scan of a few
    responses' answers gives all their measures. Each item's sum of sub-item scores is the one aggregate per item;
    an item's value is that sum over its sub-items, an indicator's and the EIT's the item sums weighted by
    :func:`answer_weights` over its divisor (the database computes an aggregate repeated in an expression once).
    Keyed by measure code, in ``Questionnaire.measure_codes`` order."""
    in_indicator, in_eit = answer_weights(questionnaire)
    indicators_of, _eit = questionnaire.hierarchy
    sums = {
        item.code: func.sum(Answer.score * case({item.code: literal(1)}, value=Answer.item, else_=literal(0)))
        for item in questionnaire.items
    }

    def weighted(weights: Weights, items: Sequence[str]) -> ColumnElement[float]:
        terms = [sums[item] * literal(weights.weights[item]) for item in items]
        return functools.reduce(operator.add, terms) / literal(float(weights.divisor))

    columns = {item.code: sums[item.code] / literal(float(len(item.keys))) for item in questionnaire.items}
    columns |= {code: weighted(in_indicator, items) for code, items in indicators_of.items()}
    columns["EIT"] = weighted(in_eit, list(in_eit.weights))
    return columns


def _weighted_mean(weights: Weights) -> ColumnElement[float]:
    weight = case(
        {item: literal(w) for item, w in weights.weights.items()}, value=Answer.item, else_=literal(0)
    )
    return func.sum(Answer.score * weight) / literal(float(weights.divisor))


def _with_columns(level: Subquery, carry: Mapping[str, SQLColumnExpression[typing.Any]]) -> Subquery:
    """``level``'s rows with the response's columns named in ``carry`` beside them."""
    return (
        select(level.c.rid, *(column.label(name) for name, column in carry.items()), level.c.measure,
               level.c.v, level.c.low)
        .join(Response, Response.id == level.c.rid)
        .subquery(f"{level.name}_of")
    )  # fmt: skip


CELL = ("office_code", "respondent_type", "service", "flagged")


def _sums(
    session: Session, cycle_id: int, questionnaire: Questionnaire, which: ColumnElement[bool]
) -> list[dict[str, object]]:
    """Per-cell count, sum and sum of squares of every measure over the responses of ``cycle_id`` matching
    ``which``, computed in SQL from the stored scores by :func:`respondent_values`."""
    carry = {name: getattr(Response, name) for name in CELL}
    values = respondent_values(questionnaire, [Response.cycle_id == cycle_id, which], carry)
    rows: list[dict[str, object]] = []
    for level in (values.items, values.indicators, values.eit):
        rows += _grouped_sums(session, cycle_id, level)
    return rows


def _map_score(questionnaire: Questionnaire) -> ColumnElement[float]:
    """The score of each answer under the questionnaire's current map (its stored score where the map has no
    such option), as one nested CASE: by item, then by value."""
    by_item = {
        item.code: case(
            {option.value: literal(option.score) for option in item.answer_type.options},
            value=Answer.value,
            else_=Answer.score,
        )
        for item in questionnaire.items
    }
    return cast(case(by_item, value=Answer.item, else_=Answer.score), Float)


def _grouped_sums(session: Session, cycle_id: int, values: Subquery) -> list[dict[str, object]]:
    c = values.c
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
