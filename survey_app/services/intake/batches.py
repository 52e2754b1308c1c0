"""Releasing responses to staff in batches: answers move what staff see only K responses at a time.

The *released* state is what every staff page, export and API reads: the rollup ``cell_stat`` and the released
rows of ``response``. A submission stores its response unreleased (``response.released`` false, not in the
rollup). A release takes an office's unreleased responses when there are at least K (``SURVEY_SUPPRESS_BELOW``)
and releases all of them together: marked released one by one in a shuffled order, numbered as the office's next
batch and dated (``release_batch``, ``released_on``), their sums added to the rollup in one upsert, and the release
counted for the cycle (``snapshots.count_release``: the count names the snapshots' new state). So no two views of
the results differ by fewer than K respondents. K = 1 releases every response at once.

When it happens is set by ``SURVEY_RELEASE_SCHEDULE``. ``daily`` (the default): a submission only stores; once a
day, at a time of day drawn from the secret key that nobody can tell in advance (:func:`release_time`), every
office with at least K waiting releases them all (:func:`release_due`: the ``survey-app release`` job run by a
timer, and the first staff request after that time). ``at_k``: the submission that completes a batch releases it
(:func:`release_if_complete`, in its transaction).

The count and the release are serialised per office (a PostgreSQL transaction-level advisory lock; on SQLite the
transaction takes the one writer's lock before it counts), so two concurrent submissions can neither both release
nor release a batch below K.

On PostgreSQL, marking a row released rewrites it: its ``xmin`` becomes the id of the releasing transaction, which
all rows of the batch share. A released response can then be tied by ``xmin`` only to its batch, not to the
invitation it spent (see the README's anonymity section for what remains).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
import zlib
from collections.abc import Callable
from typing import cast

from sqlalchemy import Table, bindparam, false, func, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ...clock import BANGKOK, local_today
from ...models import Cycle, CycleState, Response
from ...monitoring import counters
from ...questionnaire import Questionnaire
from ..results import rollup, snapshots

_SHUFFLE = random.SystemRandom()
_TABLE = cast(Table, Response.__table__)  # a Core statement on the table: no ORM bulk-update bookkeeping
_RELEASE_ONE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("rid"))
    .values(released=True, release_batch=bindparam("batch"), released_on=bindparam("day"))
)


def lock_key(cycle_id: int, office_code: str) -> tuple[int, int]:
    """The two keys of the office's PostgreSQL advisory lock (a statement that stores a response may take it)."""
    return cycle_id, zlib.crc32(office_code.encode()) & 0x7FFFFFFF


def _lock_office(conn: Connection, cycle_id: int, office_code: str) -> None:
    """Serialise releases of one office until the transaction ends: a PostgreSQL advisory lock; on SQLite a write
    that changes nothing, so the transaction holds the one writer's lock before it reads what is waiting (the
    driver opens a transaction only at the first write)."""
    if conn.dialect.name == "sqlite":
        conn.execute(text("UPDATE response SET released = released WHERE 0"))
        return
    if conn.dialect.name != "postgresql":
        return
    a, b = lock_key(cycle_id, office_code)
    conn.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": a, "b": b})


def pending_total(session: Session, cycle_id: int) -> int:
    """How many responses of the cycle, all offices together, wait for their batch."""
    return int(
        session.scalar(
            select(func.count()).where(Response.cycle_id == cycle_id, Response.released == false())
        )
        or 0
    )


def release_if_complete(
    conn: Connection,
    cycle_id: int,
    office_code: str,
    questionnaire: Questionnaire,
    batch_size: int,
    *,
    locked: bool = False,
) -> int:
    """Release the office's unreleased responses when at least ``batch_size`` wait; returns how many were released.

    Runs on the connection of the caller's transaction (the submission's); the caller commits. ``locked``: the
    transaction already holds the office's lock (a PostgreSQL submission takes it in the statement that stores the
    response, ``services/intake/submission.py``), so the count, a later statement, sees every earlier release.
    """
    if not locked:
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
    # The batch's number among the office's releases, and its Bangkok date: breakdowns by period are dated by the
    # release that made a response visible, never by its submission (the snapshot auditor reads the number).
    batch = 1 + int(
        conn.scalar(
            select(func.coalesce(func.max(Response.release_batch), 0)).where(
                Response.cycle_id == cycle_id, Response.office_code == office_code
            )
        )
        or 0
    )
    day = local_today()
    # One statement per row, in shuffled order: the rewritten rows' physical order says nothing of arrival. They go
    # as one executemany, which psycopg sends in a single pipeline (one round trip), still in this order.
    conn.execute(_RELEASE_ONE, [{"rid": rid, "batch": batch, "day": day} for rid in waiting])
    rollup.add_batch(conn, cycle_id, questionnaire, waiting)
    snapshots.count_release(conn, cycle_id)
    counters.batch_released(
        len(waiting)
    )  # counted in this process even if the caller rolls back: rare, a count
    return len(waiting)


# --- the daily schedule ------------------------------------------------------------------------------------------


def release_time(key: bytes, cycle_id: int, day: dt.date) -> dt.datetime:
    """The instant of ``day``'s release (Bangkok): a time of day drawn from an HMAC of the cycle and the day under
    the secret ``key``. Every host computes the same; nobody without the key can tell it in advance, so a clerk
    who plants K−1 answers cannot time them to a batch or know whether other answers joined it."""
    digest = hmac.new(key, f"release:{cycle_id}:{day.isoformat()}".encode(), hashlib.sha256).digest()
    seconds = int.from_bytes(digest[:8], "big") % 86_400
    return dt.datetime.combine(day, dt.time(), tzinfo=BANGKOK) + dt.timedelta(seconds=seconds)


def _waiting_offices(conn: Connection, cycle_id: int, k: int) -> list[str]:
    """Offices of the cycle with at least ``k`` responses waiting (the partial index holds only those)."""
    query = (
        select(Response.office_code)
        .where(Response.cycle_id == cycle_id, Response.released == false())
        .group_by(Response.office_code)
        .having(func.count() >= max(1, k))
        .order_by(Response.office_code)
    )
    return [str(code) for code in conn.scalars(query)]


def release_due(
    conn: Connection, cycle_id: int, questionnaire: Questionnaire, k: int, key: bytes, now: dt.datetime
) -> dict[str, int]:
    """The daily release: once ``now`` is past today's :func:`release_time`, every office of the cycle with at
    least ``k`` responses waiting and no release yet today releases them all; returns how many per office.

    Each office is checked and released under its lock, so two hosts (the job on one, a staff page on another)
    release an office at most once a day. Runs in the caller's transaction; the caller commits.
    """
    today = local_today(now)
    if now < release_time(key, cycle_id, today):
        return {}
    done = {}
    for office in _waiting_offices(conn, cycle_id, k):
        _lock_office(conn, cycle_id, office)
        last = conn.scalar(
            select(func.max(Response.released_on)).where(
                Response.cycle_id == cycle_id, Response.office_code == office
            )
        )
        if last is not None and last >= today:
            continue
        released = release_if_complete(conn, cycle_id, office, questionnaire, k)
        if released:
            done[office] = released
    return done


def release_open_cycles(
    session: Session, questionnaire_of: Callable[[Cycle], Questionnaire], k: int, key: bytes, now: dt.datetime
) -> dict[str, dict[str, int]]:
    """:func:`release_due` for every open cycle; per cycle code, the responses released per office. The caller
    commits."""
    done = {}
    for cycle in session.scalars(
        select(Cycle).where(Cycle.state == CycleState.OPEN.value).order_by(Cycle.id)
    ):
        done[cycle.code] = release_due(session.connection(), cycle.id, questionnaire_of(cycle), k, key, now)
    return done
