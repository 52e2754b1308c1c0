"""Releasing responses to staff in batches: answers move what staff see only K responses at a time.

The *released* state is what every staff page, export and API reads: the rollup ``cell_stat`` and the released
rows of ``response``. A submission stores its response unreleased (``response.released`` false, not in the
rollup). In the same transaction it counts its office's unreleased responses; when there are at least K
(``SURVEY_SUPPRESS_BELOW``), all of them are released together: marked released one by one in a shuffled order
and their sums added to the rollup in one upsert. So no two views of the results differ by fewer than K
respondents, and no scheduled job is needed for results to move. K = 1 releases every response at once.

The count and the release are serialised per office (a PostgreSQL transaction-level advisory lock; SQLite has one
writer at a time anyway), so two concurrent submissions can neither both release nor release a batch below K.

On PostgreSQL, marking a row released rewrites it: its ``xmin`` becomes the id of the releasing transaction, which
all rows of the batch share. A released response can then be tied by ``xmin`` only to its batch, not to the
invitation it spent (see the README's anonymity section for what remains).
"""

from __future__ import annotations

import random
import zlib
from typing import cast

from sqlalchemy import Table, bindparam, false, func, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ...models import Response
from ...questionnaire import Questionnaire
from ..results import rollup

_SHUFFLE = random.SystemRandom()
_TABLE = cast(Table, Response.__table__)  # a Core statement on the table: no ORM bulk-update bookkeeping
_RELEASE_ONE = update(_TABLE).where(_TABLE.c.id == bindparam("rid")).values(released=True)


def _lock_office(conn: Connection, cycle_id: int, office_code: str) -> None:
    """Serialise releases of one office until the transaction ends (PostgreSQL; SQLite serialises writers)."""
    if conn.dialect.name != "postgresql":
        return
    key = zlib.crc32(office_code.encode()) & 0x7FFFFFFF
    conn.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": cycle_id, "b": key})


def pending_total(session: Session, cycle_id: int) -> int:
    """How many responses of the cycle, all offices together, wait for their batch."""
    return int(
        session.scalar(
            select(func.count()).where(Response.cycle_id == cycle_id, Response.released == false())
        )
        or 0
    )


def release_if_complete(
    conn: Connection, cycle_id: int, office_code: str, questionnaire: Questionnaire, batch_size: int
) -> int:
    """Release the office's unreleased responses when at least ``batch_size`` wait; returns how many were released.

    Runs on the connection of the caller's transaction (the submission's); the caller commits.
    """
    _lock_office(conn, cycle_id, office_code)
    waiting = list(
        conn.scalars(
            select(Response.id).where(
                Response.cycle_id == cycle_id,
                Response.office_code == office_code,
                Response.released == false(),
            )
        )
    )
    if len(waiting) < max(1, batch_size):
        return 0
    _SHUFFLE.shuffle(waiting)
    # One statement per row, in shuffled order: the rewritten rows' physical order says nothing of arrival. They go
    # as one executemany, which psycopg sends in a single pipeline (one round trip), still in this order.
    conn.execute(_RELEASE_ONE, [{"rid": response_id} for response_id in waiting])
    rollup.add_batch(conn, cycle_id, questionnaire, waiting)
    return len(waiting)
