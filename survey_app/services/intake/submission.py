"""Storing one questionnaire submission, exactly once and anonymously.

:func:`submit` runs inside the caller's transaction and returns an :class:`Outcome`; the caller commits on
``STORED`` and rolls back otherwise. In order, it

1. checks the answers against the questionnaire (:class:`SubmissionError` if any is missing or foreign);
2. spends the form nonce: ``INSERT ... ON CONFLICT DO NOTHING`` of its hash, so a replayed POST inserts nothing
   and gets ``REPLAYED`` (two concurrent inserts of one hash: the second waits for the first and then does nothing);
3. for an emailed link, spends the invitation: ``UPDATE invitation SET responded = true WHERE id = :id AND NOT
   responded``; no row updated means another submission got there first (``ALREADY_ANSWERED``);
4. inserts the response (random UUID, date only, no link, invitation, address or time) and its answers,
   *unreleased*: staff do not see its answers yet;
5. releases the office's batch when this response completes it: with ``batch_size`` (K) responses waiting, all
   of them join the per-cell rollup together (``services/intake/batches.py``).

Nothing is written on GET and nothing survives a refused submission.

On PostgreSQL, without an invitation (poster and kiosk links, most submissions), steps 2 and 4 are one statement
(:data:`_STORE_PG`: the nonce's ``INSERT ... ON CONFLICT DO NOTHING``, then the response and its answers inserted only
if the nonce was), one round trip instead of three; when the submission may release a batch (step 5), the same
statement takes the office's release lock, so step 5 needs one more statement, not two. An emailed link's submission
takes the steps one by one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, delete, false, insert, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ...db import dialect_insert
from ...models import Answer, Channel, Invitation, Response, SpentNonce
from ...models.responses import new_response_id
from ...questionnaire import Questionnaire
from . import batches as release

SUGGESTION_MAX = 1000


class Outcome(StrEnum):
    STORED = "stored"
    ALREADY_ANSWERED = "already_answered"  # the invitation was spent by an earlier submission
    REPLAYED = "replayed"  # this form nonce was already used


class SubmissionError(ValueError):
    """The answers do not fit the questionnaire (a forged or malformed form)."""


@dataclass(frozen=True)
class Submission:
    """One respondent's answers and where they come from; nothing here identifies the respondent."""

    cycle_id: int
    office_code: str
    channel: Channel
    invitation_id: str | None
    respondent_type: str
    service: str
    answers: Mapping[tuple[str, int], int]  # (item, sub) → raw option value
    suggestion: str | None
    too_fast: bool
    nonce_hash: str
    nonce_expires_on: dt.date
    burst: bool = (
        False  # more than the day's limit from one source (services/intake/bursts.py); the source is not kept
    )


def check(questionnaire: Questionnaire, submission: Submission) -> None:
    """Raise :class:`SubmissionError` unless every answer is present, known and within its options."""
    if submission.respondent_type not in questionnaire.respondent_type.codes:
        raise SubmissionError(f"unknown respondent type {submission.respondent_type!r}")
    if submission.service not in questionnaire.service.codes:
        raise SubmissionError(f"unknown service {submission.service!r}")
    expected = set(questionnaire.answer_keys)
    if set(submission.answers) != expected:
        raise SubmissionError("answers do not match the questionnaire's questions")
    for (item_code, _sub), value in submission.answers.items():
        if value not in questionnaire.item(item_code).answer_type.values:
            raise SubmissionError(f"{item_code}: {value!r} is not one of its options")
    if submission.suggestion is not None and len(submission.suggestion) > SUGGESTION_MAX:
        raise SubmissionError(f"the suggestion is longer than {SUGGESTION_MAX} characters")
    if (submission.channel == Channel.EMAIL) != (submission.invitation_id is not None):
        raise SubmissionError("an emailed submission needs its invitation, a poster one none")


def submit(
    session: Session | Connection,
    questionnaire: Questionnaire,
    submission: Submission,
    today: dt.date,
    *,
    batch_size: int | None,
) -> Outcome:
    """Store ``submission`` in the transaction of ``session`` (an ORM session, or a Core connection such as the survey
    POST's ``db.connection()``); see the module docstring for the steps. A poster submission on PostgreSQL that
    releases nothing (``batch_size`` None) writes with one statement, so the caller may run it in autocommit.

    ``batch_size`` is K (``SURVEY_SUPPRESS_BELOW``) when the submission that completes a batch releases it; None
    on the daily release schedule, where the release job does (``release.release_due``).
    """
    check(questionnaire, submission)
    # Core statements on the transaction's connection: no ORM work per statement.
    conn = session.connection() if isinstance(session, Session) else session
    response, answers = _rows(questionnaire, submission, today)
    locked = False
    if conn.dialect.name == "postgresql" and submission.invitation_id is None:
        locked = batch_size is not None  # the office's release lock, taken by the same statement
        if not _store_pg(conn, submission, response, answers, lock=locked):
            return Outcome.REPLAYED
    else:
        if not _spend_nonce(conn, submission.nonce_hash, submission.nonce_expires_on):
            return Outcome.REPLAYED
        if submission.invitation_id is not None and not _spend_invitation(conn, submission):
            return Outcome.ALREADY_ANSWERED
        conn.execute(_INSERT_RESPONSE, [response.params()])  # unreleased: see services/intake/batches.py
        conn.execute(_INSERT_ANSWERS, answers)
    if batch_size is not None:
        release.release_if_complete(
            conn, submission.cycle_id, submission.office_code, questionnaire, batch_size, locked=locked
        )
    return Outcome.STORED


_SPEND_NONCE: dict[str, Any] = {}

# The nonce spent, the response and its answers stored, in one PostgreSQL statement: each data-modifying CTE runs
# exactly once; the response is inserted only from the nonce's RETURNING row (none when the nonce was spent before),
# the answers only from the response's. The answers travel as four parallel arrays. With ``lock`` true, a stored
# response's statement also takes the office's advisory lock (services/intake/batches.py), held until the commit.
# The result is 1 when stored.
_STORE_PG = text(
    """
WITH spent AS (
    INSERT INTO spent_nonce (nonce_hash, expires_on) VALUES (:nonce_hash, :expires_on)
    ON CONFLICT DO NOTHING RETURNING nonce_hash
), stored AS (
    INSERT INTO response (id, cycle_id, office_code, channel, respondent_type, service, questionnaire_version,
        too_fast, straight_lined, burst, is_demo, released, suggestion, submitted_on)
    SELECT :id, :cycle_id, :office_code, :channel, :respondent_type, :service, :questionnaire_version,
        :too_fast, :straight_lined, :burst, :is_demo, :released, CAST(:suggestion AS text), :submitted_on
    FROM spent
    RETURNING id
), answered AS (
    INSERT INTO answer (response_id, item, sub, value, score)
    SELECT stored.id, a.item, a.sub, a.value, a.score
    FROM stored CROSS JOIN unnest(CAST(:items AS varchar[]), CAST(:subs AS smallint[]),
        CAST(:answer_values AS smallint[]), CAST(:scores AS float8[])) AS a(item, sub, value, score)
), locked AS (
    SELECT pg_advisory_xact_lock(:lock_a, :lock_b) FROM stored WHERE CAST(:lock AS boolean)
)
SELECT count(*) FROM stored LEFT JOIN locked ON true
"""
)


def _store_pg(
    conn: Connection,
    submission: Submission,
    response: _ResponseRow,
    answers: list[dict[str, Any]],
    *,
    lock: bool,
) -> bool:
    """Spend the nonce and store the response and its answers with :data:`_STORE_PG` (and, with ``lock``, take the
    office's release lock); False when the nonce was spent before (nothing is stored then)."""
    lock_a, lock_b = release.lock_key(submission.cycle_id, submission.office_code)
    params = {
        "lock": lock,
        "lock_a": lock_a,
        "lock_b": lock_b,
        **response.params(),
        "nonce_hash": submission.nonce_hash,
        "expires_on": submission.nonce_expires_on,
        "items": [a["item"] for a in answers],
        "subs": [a["sub"] for a in answers],
        "answer_values": [a["value"] for a in answers],
        "scores": [float(a["score"]) for a in answers],
    }
    return bool(conn.execute(_STORE_PG, params).scalar())


_INSERT_RESPONSE = insert(cast(Table, Response.__table__))
_INSERT_ANSWERS = insert(cast(Table, Answer.__table__))


def _spend_nonce_statement(dialect: str) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING`` of a nonce hash, built once per dialect."""
    if dialect not in _SPEND_NONCE:
        insert_ = dialect_insert(dialect)
        table = cast(
            Table, SpentNonce.__table__
        )  # the table, not the entity: a plain Core statement is cheaper
        _SPEND_NONCE[dialect] = (
            insert_(table)
            .values(nonce_hash=bindparam("nonce_hash"), expires_on=bindparam("expires_on"))
            .on_conflict_do_nothing()
            .returning(table.c.nonce_hash)
        )
    return _SPEND_NONCE[dialect]


def _spend_nonce(conn: Connection, nonce_hash: str, expires_on: dt.date) -> bool:
    """Record the nonce as spent; False when it already was."""
    stmt = _spend_nonce_statement(conn.dialect.name)
    # RETURNING rather than rowcount: drivers need not report a row count for INSERT ... ON CONFLICT.
    return conn.execute(stmt, {"nonce_hash": nonce_hash, "expires_on": expires_on}).first() is not None


def _spend_invitation(conn: Connection, submission: Submission) -> bool:
    """Mark the invitation answered if nobody did yet; False when it already was (or is not of this office)."""
    stmt = (
        update(Invitation)
        .where(
            Invitation.id == submission.invitation_id,
            Invitation.cycle_id == submission.cycle_id,
            Invitation.office_code == submission.office_code,
            Invitation.responded == false(),
        )
        .values(responded=True)
        .returning(Invitation.id)
    )
    return conn.execute(stmt).first() is not None


@dataclass(frozen=True)
class _ResponseRow:
    """The ``response`` row, written with a Core INSERT (no ORM object: this runs on every submission)."""

    id: str
    cycle_id: int
    office_code: str
    channel: str
    respondent_type: str
    service: str
    questionnaire_version: str
    too_fast: bool
    straight_lined: bool
    burst: bool
    is_demo: bool
    released: bool
    suggestion: str | None
    submitted_on: dt.date

    def params(self) -> dict[str, Any]:
        """The row as statement parameters (its fields are plain values: no deep copy as ``asdict`` makes)."""
        return dict(self.__dict__)


def _rows(
    questionnaire: Questionnaire, submission: Submission, today: dt.date
) -> tuple[_ResponseRow, list[dict[str, Any]]]:
    """The response row (random UUID, a date and no time) and its answer rows."""
    response = _ResponseRow(
        id=new_response_id(),
        cycle_id=submission.cycle_id,
        office_code=submission.office_code,
        channel=submission.channel.value,
        respondent_type=submission.respondent_type,
        service=submission.service,
        questionnaire_version=questionnaire.version,
        too_fast=submission.too_fast,
        straight_lined=questionnaire.is_straight_lined(submission.answers),
        burst=submission.burst,
        is_demo=False,
        released=False,
        suggestion=submission.suggestion or None,
        submitted_on=today,
    )
    answers = [
        {
            "response_id": response.id,
            "item": item,
            "sub": sub,
            "value": value,
            "score": questionnaire.item(item).answer_type.score(value),
        }
        for (item, sub), value in sorted(submission.answers.items())
    ]
    return response, answers


def prune_spent_nonces(session: Session, today: dt.date) -> int:
    """Delete spent-nonce records past their day (their forms can no longer be submitted); returns how many."""
    result = session.execute(delete(SpentNonce).where(SpentNonce.expires_on < today))
    return int(cast(CursorResult[Any], result).rowcount)
