"""Where the improvement features read results from: the *released* state (``services/intake/batches.py``: answers
reach staff only in batches of K) through the one disclosure rule (``services/results/disclosure.py``), in one place.

Scores and cell tables come from the rollup ``cell_stat``, which holds only released responses; every office's
result passes :func:`survey_app.services.results.disclosure.office_result` (no scores below K, no weighted scores beside
a small respondent type). Queries of raw rows (trends, microdata, suggestions) take :func:`response_filter`,
which keeps released responses only. :func:`hidden_groups` is ``disclosure.hidden_groups``, the one suppression
rule. Staff pages read what the release snapshots hold (``services/shown.py``); :func:`cycle_results` here scores
the rollup afresh through the disclosure rule (earlier, closed cycles, and the snapshots' own computation).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import BindParameter, ColumnElement, func, literal_column, select, true
from sqlalchemy.orm import Session

from ...models import CellStat, Cycle, Response
from . import disclosure
from . import scores as results
from .cell_tables import OfficeTables, load_tables


def cycle_results(
    session: Session,
    cycle: Cycle,
    offices: Sequence[str] | None = None,
    *,
    k: int,
    today: dt.date | None = None,
) -> results.CycleResults:
    """Scores of ``offices`` (default: all) in ``cycle`` as staff may see them (the disclosure rule, K = ``k``)."""
    computed = results.cycle_results(session, cycle, offices, today=today, k=k)
    shown = [disclosure.office_result(r, k) for r in computed.offices]
    return dataclasses.replace(computed, offices=shown)


def office_tables(
    session: Session, cycle: Cycle, offices: Sequence[str] | None = None
) -> dict[str, OfficeTables]:
    """Per-office cell tables (type × service × measure sums) of ``cycle`` as staff may see them."""
    return load_tables(session, cycle.id, offices)


def response_filter(cycle: Cycle | BindParameter[int]) -> list[ColumnElement[bool]]:
    """WHERE clauses choosing the responses of ``cycle`` that staff exports may read (the microdata); ``cycle`` may
    be a bound parameter for a statement built once."""
    cycle_id = cycle if isinstance(cycle, BindParameter) else cycle.id
    return [Response.cycle_id == cycle_id, Response.released == true()]


def release_day() -> ColumnElement[dt.date]:
    """The date a response became visible to staff (its release; rows released when written: their submission).

    Every breakdown by period uses it, never the submission date: a response sent on the 30th and released in the
    next month's first batch belongs to the next month, so a month, once past, never changes.
    """
    return func.coalesce(Response.released_on, Response.submitted_on)


hidden_groups = disclosure.hidden_groups  # the one suppression rule, named here for the readers of raw rows


def office_eit_sums(session: Session, cycle: Cycle) -> dict[str, tuple[int, float, float]]:
    """Per office: count, sum and sum of squares of each respondent's EIT (one GROUP BY over the rollup)."""
    c = CellStat.__table__.c
    rows = session.execute(
        select(c.office_code, func.sum(c.n), func.sum(c.total), func.sum(c.total_sq))
        .where(
            c.cycle_id == cycle.id, c.measure == literal_column("'EIT'")
        )  # the partial index ix_cell_stat_eit
        .group_by(c.office_code)
    )
    return {str(code): (int(n or 0), float(t or 0), float(q or 0)) for code, n, t, q in rows}
