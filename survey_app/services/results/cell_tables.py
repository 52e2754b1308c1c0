"""Reading a cycle's cell rollup and population frames into per-office tables for the statistics engine.

Two GROUP BY queries over ``cell_stat`` (sums over the rollup, never individual responses) and one select of
``population_frame`` give, for every office, arrays of respondent type × service × measure counts, sums, sums
of squares and smallest and largest values (NaN where empty), and its frame as a type × service
table.

``cell_stat`` is the released state (``services/intake/batches.py``): what staff see. Operators who score every stored
response pass the unreleased responses' sums too (``rollup.pending_sums``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session

from ...models import CellStat, PopulationFrame, Response
from ...stats.sampling import PACE_DAYS

EIT = "EIT"
SUM_DIGITS = 9  # decimals kept of a cell's sum (and three fewer of its sum of squares)


@dataclass(frozen=True)
class OfficeTables:
    """One office's cell tables: n, total and total_sq of shape types × services × measures, and its frame."""

    office_code: str
    types: tuple[str, ...]
    services: tuple[str, ...]
    measures: tuple[str, ...]
    n: np.ndarray
    total: np.ndarray
    total_sq: np.ndarray
    population: np.ndarray | None
    flagged: int
    low: np.ndarray | None = None
    high: np.ndarray | None = None

    @property
    def counts(self) -> np.ndarray:
        """Respondents per cell (the EIT measure's count: every respondent has one)."""
        if EIT in self.measures:
            return self.n[..., self.measures.index(EIT)]
        return self.n.max(axis=-1) if self.measures else np.zeros(self.n.shape[:-1])


def _natural(code: str) -> tuple[int, str, int]:
    rank = 2 if code == EIT else (1 if code.startswith("IND") else 0)
    digits = re.sub(r"\D", "", code)
    return rank, re.sub(r"\d", "", code), int(digits) if digits else 0


def _cell_rows(
    session: Session, cycle_id: int, offices: Sequence[str] | None, exclude_flagged: bool
) -> list[Any]:
    """Sums over the flagged states per office, type, service and measure (the primary key's order)."""
    c = CellStat.__table__.c
    key = (c.office_code, c.respondent_type, c.service, c.measure)
    extremes = (func.min(c.low), func.max(c.high))
    query = (
        select(*key, func.sum(c.n), func.sum(c.total), func.sum(c.total_sq), *extremes)
        .where(c.cycle_id == cycle_id)
        .group_by(*key)
    )
    if offices is not None:
        query = query.where(c.office_code.in_(offices))
    if exclude_flagged:
        query = query.where(c.flagged == false())
    return _fetch_tuples(session, query)


def _fetch_tuples(session: Session, query: Select[Any]) -> list[Any]:
    """Run ``query`` on the session's connection through the driver's cursor: plain tuples.

    The rollup of a large cycle is tens of thousands of rows; building SQLAlchemy rows for them costs more than
    the query itself, and the sums need no type processing (SUM of integers and of floats).
    """
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _frame_rows(session: Session, cycle_id: int, offices: Sequence[str] | None) -> list[Any]:
    query = select(
        PopulationFrame.office_code,
        PopulationFrame.respondent_type,
        PopulationFrame.service,
        PopulationFrame.served,
    ).where(PopulationFrame.cycle_id == cycle_id)
    if offices is not None:
        query = query.where(PopulationFrame.office_code.in_(offices))
    return list(session.execute(query))


def _flagged_counts(
    session: Session, cycle_id: int, offices: Sequence[str] | None, pending: Sequence[Mapping[str, Any]]
) -> dict[str, int]:
    c = CellStat.__table__.c
    query = (
        select(c.office_code, func.sum(c.n))
        .where(c.cycle_id == cycle_id, c.measure == EIT, c.flagged)
        .group_by(c.office_code)
    )
    if offices is not None:
        query = query.where(c.office_code.in_(offices))
    rows = session.connection().execute(query)
    counts = {code: int(n or 0) for code, n in rows}
    for row in pending:
        if row["measure"] == EIT and row["flagged"]:
            code = str(row["office_code"])
            counts[code] = counts.get(code, 0) + int(row["n"])
    return counts


def _pending_tuples(
    pending: Sequence[Mapping[str, Any]], offices: Sequence[str] | None, exclude_flagged: bool
) -> list[tuple[Any, ...]]:
    """Unreleased sums as rows shaped like :func:`_cell_rows`' (duplicate keys are added up later)."""
    wanted = None if offices is None else set(offices)
    return [
        (r["office_code"], r["respondent_type"], r["service"], r["measure"], r["n"], r["total"], r["total_sq"],
         r["low"], r["high"])
        for r in pending
        if (wanted is None or r["office_code"] in wanted) and not (exclude_flagged and r["flagged"])
    ]  # fmt: skip


def _positions(values: Sequence[str], index: dict[str, int]) -> np.ndarray:
    """The index of each value, looking up each distinct value once."""
    distinct, inverse = np.unique(np.asarray(values, dtype=str), return_inverse=True)
    return np.array([index[v] for v in distinct.tolist()], dtype=np.intp)[inverse]


def load_tables(
    session: Session,
    cycle_id: int,
    offices: Sequence[str] | None = None,
    *,
    exclude_flagged: bool = False,
    pending: Sequence[Mapping[str, Any]] = (),
) -> dict[str, OfficeTables]:
    """Per-office cell tables of a cycle from the rollup and the frames (two GROUP BY queries, one select).

    ``pending``: sums of unreleased responses (``rollup.pending_sums``) to add; empty for what staff see.
    """
    cells, frames = (
        list(_cell_rows(session, cycle_id, offices, exclude_flagged))
        + _pending_tuples(pending, offices, exclude_flagged),
        _frame_rows(session, cycle_id, offices),
    )
    columns = list(zip(*cells, strict=True)) if cells else [()] * 9
    types = tuple(sorted(set(columns[1]) | {r[1] for r in frames}))
    services = tuple(sorted(set(columns[2]) | {r[2] for r in frames}))
    measures = tuple(sorted(set(columns[3]), key=_natural))
    codes = sorted(set(columns[0]) | {r[0] for r in frames} | set(offices or ()))
    shape = (len(codes), len(types), len(services), len(measures))
    index = [{c: i for i, c in enumerate(labels)} for labels in (codes, types, services, measures)]
    stats = np.zeros((3, *shape))
    low, high = np.full(shape, np.inf), np.full(shape, -np.inf)
    if cells:
        where = tuple(_positions(columns[k], index[k]) for k in range(4))
        for k in range(3):
            np.add.at(stats[k], where, np.asarray(columns[4 + k], dtype=np.float64))
        np.minimum.at(
            low, where, np.array([np.nan if v is None else v for v in columns[7]], dtype=np.float64)
        )
        np.maximum.at(
            high, where, np.array([np.nan if v is None else v for v in columns[8]], dtype=np.float64)
        )
    low[stats[0] == 0], high[stats[0] == 0] = np.nan, np.nan
    # The database adds floats in whatever order it stores rows, so two databases holding the same responses may
    # differ in the last bits (49.99999999999999 against 50); rounding far below anything shown makes the sums,
    # and so every page, the same.
    stats[1], stats[2] = np.round(stats[1], SUM_DIGITS), np.round(stats[2], SUM_DIGITS - 3)
    population = np.zeros(shape[:3])
    for office, rtype, service, served in frames:
        population[index[0][office], index[1][rtype], index[2][service]] += served
    has_frame = {r[0] for r in frames}
    flagged = _flagged_counts(session, cycle_id, offices, pending)
    return {
        code: OfficeTables(
            code,
            types,
            services,
            measures,
            stats[0, i],
            stats[1, i],
            stats[2, i],
            population[i] if code in has_frame else None,
            flagged.get(code, 0),
            low[i],
            high[i],
        )
        for i, code in enumerate(codes)
    }


def recent_daily_counts(
    session: Session, cycle_id: int, today: dt.date, offices: Sequence[str] | None = None
) -> dict[str, list[int]]:
    first = today - dt.timedelta(days=PACE_DAYS - 1)
    query = (
        select(Response.office_code, Response.submitted_on, func.count())
        .where(Response.cycle_id == cycle_id, Response.submitted_on.between(first, today))
        .group_by(Response.office_code, Response.submitted_on)
    )
    if offices is not None:
        query = query.where(Response.office_code.in_(offices))
    rows = session.execute(query)
    counts: dict[str, list[int]] = {}
    for office, day, n in rows:
        counts.setdefault(office, [0] * PACE_DAYS)[(day - first).days] += int(n)
    return counts
