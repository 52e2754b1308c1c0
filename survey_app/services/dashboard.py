"""What the staff dashboards count: responses per day and per breakdown, flags, suggestions, poster links.

Counts only: scores and adequacy come from ``services.results``, invitation counts from ``services.invitations``.
Every breakdown goes through :func:`suppress`, which hides cells of fewer than K responses (and one more cell when
a single hidden cell could be worked out from the total), so no view reveals a group small enough to point at a
person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from ..models import CellStat, Response, SurveyLink

CHART_DAYS = 60
MAX_SUGGESTIONS = 200


@dataclass(frozen=True)
class Cell:
    """One row of a breakdown; ``count`` is None when it is hidden for covering fewer than K responses."""

    code: str
    count: int | None

    @property
    def hidden(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class Breakdown:
    """Counts by one attribute. ``hidden`` means the whole breakdown covers fewer than K responses."""

    total: int
    cells: tuple[Cell, ...]
    hidden: bool
    k: int

    @property
    def any_cell_hidden(self) -> bool:
        return any(cell.hidden for cell in self.cells)


def suppress(counts: Mapping[str, int], k: int, order: Iterable[str] | None = None) -> Breakdown:
    """The breakdown of ``counts`` with every cell of 1 to K−1 responses hidden.

    When exactly one cell is hidden its count would follow from the total and the others, so the next smallest
    non-empty cell is hidden too. A breakdown whose total is below K is hidden whole. ``order`` lists the codes
    to show (codes without responses show 0); by default the codes of ``counts``.
    """
    codes = list(order) if order is not None else list(counts)
    codes += [code for code in counts if code not in codes]
    total = sum(counts.values())
    hidden = {code for code in codes if 0 < counts.get(code, 0) < k}
    if len(hidden) == 1:
        visible = sorted((counts[c], c) for c in codes if counts.get(c, 0) > 0 and c not in hidden)
        if visible:
            hidden.add(visible[0][1])
    cells = tuple(Cell(code, None if code in hidden else counts.get(code, 0)) for code in codes)
    return Breakdown(total, cells, total < k, k)


@dataclass(frozen=True)
class LiveCounts:
    """Responses today, in the last 7 days (today included) and in the whole cycle."""

    today: int
    last7: int
    total: int


def _live_columns(today: dt.date) -> tuple[ColumnElement[int], ColumnElement[int], ColumnElement[int]]:
    week_start = today - dt.timedelta(days=6)
    return (
        func.coalesce(func.sum(case((Response.submitted_on == today, 1), else_=0)), 0),
        func.coalesce(func.sum(case((Response.submitted_on >= week_start, 1), else_=0)), 0),
        func.count(),
    )


def live_counts(session: Session, cycle_id: int, office_code: str, today: dt.date) -> LiveCounts:
    """The three headline counts of one office (one indexed query)."""
    row = session.execute(
        select(*_live_columns(today)).where(
            Response.cycle_id == cycle_id, Response.office_code == office_code
        )
    ).one()
    return LiveCounts(int(row[0]), int(row[1]), int(row[2]))


def national_live_counts(session: Session, cycle_id: int, today: dt.date) -> dict[str, LiveCounts]:
    """Headline counts of every office that has responses, keyed by office code (one query)."""
    rows = session.execute(
        select(Response.office_code, *_live_columns(today))
        .where(Response.cycle_id == cycle_id)
        .group_by(Response.office_code)
    )
    return {code: LiveCounts(int(t), int(w), int(n)) for code, t, w, n in rows}


def rollup_counts(session: Session, cycle_id: int) -> dict[str, int]:
    """Responses per office read from the cell rollup (tiny, whatever the number of responses)."""
    rows = session.execute(
        select(CellStat.office_code, func.sum(CellStat.n))
        .where(CellStat.cycle_id == cycle_id, CellStat.measure == "EIT")
        .group_by(CellStat.office_code)
    )
    return {code: int(n or 0) for code, n in rows}


def daily_counts(
    session: Session, cycle_id: int, office_code: str | None, first: dt.date, last: dt.date
) -> list[tuple[dt.date, int]]:
    """Responses per day from ``first`` to ``last`` inclusive, days without responses as 0, oldest first.

    ``office_code`` None counts every office.
    """
    query = (
        select(Response.submitted_on, func.count())
        .where(Response.cycle_id == cycle_id, Response.submitted_on.between(first, last))
        .group_by(Response.submitted_on)
    )
    if office_code is not None:
        query = query.where(Response.office_code == office_code)
    by_day = {day: int(n) for day, n in session.execute(query)}
    days = (last - first).days + 1
    return [(first + dt.timedelta(days=d), by_day.get(first + dt.timedelta(days=d), 0)) for d in range(days)]


def count_by(session: Session, cycle_id: int, office_code: str, column: str) -> dict[str, int]:
    """Responses of one office grouped by ``channel``, ``respondent_type`` or ``service``."""
    attribute = {
        "channel": Response.channel,
        "respondent_type": Response.respondent_type,
        "service": Response.service,
    }[column]
    rows = session.execute(
        select(attribute, func.count())
        .where(Response.cycle_id == cycle_id, Response.office_code == office_code)
        .group_by(attribute)
    )
    return {str(code): int(n) for code, n in rows}


@dataclass(frozen=True)
class FlagCounts:
    """Responses flagged as too fast, as straight-lined, as part of a burst from one source, and with any flag."""

    too_fast: int
    straight_lined: int
    flagged: int
    burst: int = 0


def flag_counts(session: Session, cycle_id: int, office_code: str) -> FlagCounts:
    """How many of the office's responses carry each data-quality flag."""
    flagged = or_(Response.too_fast, Response.straight_lined, Response.burst)
    row = session.execute(
        select(
            func.coalesce(func.sum(case((Response.too_fast, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Response.straight_lined, 1), else_=0)), 0),
            func.coalesce(func.sum(case((flagged, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Response.burst, 1), else_=0)), 0),
        ).where(Response.cycle_id == cycle_id, Response.office_code == office_code)
    ).one()
    return FlagCounts(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


@dataclass(frozen=True)
class Suggestions:
    """Respondents' suggestions in random order; ``texts`` is empty when fewer than K exist (``hidden``)."""

    total: int
    texts: tuple[str, ...]
    hidden: bool
    k: int


def suggestions(session: Session, cycle_id: int, office_code: str, k: int) -> Suggestions:
    """Up to ``MAX_SUGGESTIONS`` suggestions as bare text in a fresh random order, or none below K."""
    present = (
        Response.cycle_id == cycle_id,
        Response.office_code == office_code,
        Response.suggestion.is_not(None),
        func.length(func.trim(Response.suggestion)) > 0,
    )
    total = int(session.scalar(select(func.count()).select_from(Response).where(*present)) or 0)
    if total < k:
        return Suggestions(total, (), True, k)
    texts = session.scalars(
        select(func.trim(Response.suggestion)).where(*present).order_by(func.random()).limit(MAX_SUGGESTIONS)
    ).all()
    return Suggestions(total, tuple(texts), False, k)


def poster_links(session: Session, cycle_id: int, office_code: str) -> list[SurveyLink]:
    """The office's poster links in this cycle (one per audience)."""
    return list(
        session.scalars(
            select(SurveyLink)
            .where(SurveyLink.cycle_id == cycle_id, SurveyLink.office_code == office_code)
            .order_by(SurveyLink.audience)
        )
    )
