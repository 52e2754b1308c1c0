"""The outbox: which emails are due, who is sending each, and what became of it.

Emails are rows in ``outbox_message`` (kind invitation or reminder). A worker *claims* one row at a time with a
conditional UPDATE (``... WHERE id = :id AND state = 'queued'``), after a ``SELECT ... FOR UPDATE SKIP LOCKED`` on
PostgreSQL (SQLite serialises writers and ignores the clause). Only the worker whose UPDATE changed the row sends
it, so two workers never send the same message. Results are written with ``claimed_by`` in the WHERE clause, so a
worker never records over a row it no longer owns (for instance one cancelled by the PDPA purge meanwhile).

A worker that dies mid-send leaves its row ``sending``; :func:`release_stale` puts such rows back in the queue after
``STALE_AFTER``. That is the only case where a message can go out twice (the process died after the SMTP server
accepted it and before the database heard so), and every retry carries the same Message-ID so mail systems
can drop the copy. Nothing here commits: the worker owns its transactions.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from sqlalchemy import CursorResult, DateTime, Table, exists, func, literal, select, update
from sqlalchemy.orm import Session

from ...models import Cycle, CycleState, Invitation, InvitationStatus, OutboxKind, OutboxMessage, OutboxState

RETRY_BASE = dt.timedelta(minutes=1)
RETRY_CAP = dt.timedelta(hours=6)
MAX_ATTEMPTS = 8  # retries after 1, 2, 4 ... 64 minutes: about two hours in all
STALE_AFTER = dt.timedelta(minutes=15)
EMAIL_LIKE = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")
ACTIVE = (OutboxState.QUEUED.value, OutboxState.SENDING.value)


class QueueRefusedError(ValueError):
    """Emails cannot be queued for this cycle; the message says why."""


def scrub(reason: str, limit: int = 500) -> str:
    """An SMTP reply fit to store and log: email addresses removed, one line, at most ``limit`` characters."""
    text = " ".join(EMAIL_LIKE.sub("<address>", reason).split())
    return text[:limit]


def _has_active_or_sent(kind: OutboxKind, states: tuple[str, ...]):  # type: ignore[no-untyped-def]
    return exists().where(
        OutboxMessage.invitation_id == Invitation.id,
        OutboxMessage.kind == kind.value,
        OutboxMessage.state.in_(states),
    )


def queue_invitations(session: Session, cycle: Cycle, office_code: str | None, now: dt.datetime) -> int:
    """Queue one invitation email per pending invitation with an address that has none queued or sent yet.

    Raises :class:`QueueRefusedError` unless the cycle is open and not past its closing date. Idempotent.
    """
    if cycle.state != CycleState.OPEN or cycle.closes_on < now.date():
        raise QueueRefusedError(f"cycle {cycle.code} is not open: its links would not work")
    taken = (*ACTIVE, OutboxState.SENT.value)
    pending = select(
        Invitation.id,
        literal(OutboxKind.INVITATION.value),
        literal(OutboxState.QUEUED.value),
        literal(0),
        literal(now, DateTime(timezone=True)),
    ).where(
        Invitation.cycle_id == cycle.id,
        Invitation.status == InvitationStatus.PENDING.value,
        Invitation.email.is_not(None),
        ~_has_active_or_sent(OutboxKind.INVITATION, taken),
    )
    if office_code is not None:
        pending = pending.where(Invitation.office_code == office_code)
    return _insert_from(session, pending)


def remind(
    session: Session, now: dt.datetime, after_days: int, max_reminders: int, cycle_id: int | None = None
) -> int:
    """Queue a reminder to every invitation that was sent, is neither answered nor opted out nor failed, was last
    emailed at least ``after_days`` ago, has had fewer than ``max_reminders`` reminders and has nothing queued.

    Only open cycles not past their closing date are considered. Returns the number of reminders queued.
    """
    if after_days < 0 or max_reminders < 0:
        raise ValueError("--after-days and --max must not be negative")
    last_emailed = func.coalesce(Invitation.last_reminded_at, Invitation.sent_at)
    due = (
        select(
            Invitation.id,
            literal(OutboxKind.REMINDER.value),
            literal(OutboxState.QUEUED.value),
            literal(0),
            literal(now, DateTime(timezone=True)),
        )
        .join(Cycle, Cycle.id == Invitation.cycle_id)
        .where(
            Cycle.state == CycleState.OPEN.value,
            Cycle.closes_on >= now.date(),
            Invitation.status == InvitationStatus.SENT.value,
            Invitation.responded.is_(False),
            Invitation.email.is_not(None),
            Invitation.reminders_sent < max_reminders,
            last_emailed <= now - dt.timedelta(days=after_days),
            ~exists().where(OutboxMessage.invitation_id == Invitation.id, OutboxMessage.state.in_(ACTIVE)),
        )
    )
    if cycle_id is not None:
        due = due.where(Invitation.cycle_id == cycle_id)
    return _insert_from(session, due)


def _insert_from(session: Session, rows) -> int:  # type: ignore[no-untyped-def]
    columns = ["invitation_id", "kind", "state", "attempts", "next_attempt_at"]
    table = cast(Table, OutboxMessage.__table__)
    statement = table.insert().from_select(columns, rows)
    # rowcount of an INSERT is kept only on request (SQLAlchemy 2.x).
    result = session.execute(statement.execution_options(preserve_rowcount=True))
    return int(cast(CursorResult[Any], result).rowcount or 0)


def release_stale(session: Session, now: dt.datetime) -> int:
    """Put back in the queue the messages claimed longer than ``STALE_AFTER`` ago by a worker that never
    reported (it crashed). Returns how many."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == OutboxState.SENDING.value, OutboxMessage.claimed_at < now - STALE_AFTER)
        .values(state=OutboxState.QUEUED.value, claimed_by=None, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


def claim_next(session: Session, worker: str, now: dt.datetime) -> int | None:
    """Claim the oldest due message for ``worker``; returns its id, or None when nothing is due."""
    candidates = session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.state == OutboxState.QUEUED.value, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(5)
        .with_for_update(skip_locked=True)
    ).all()
    for message_id in candidates:
        claimed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.state == OutboxState.QUEUED.value)
            .values(
                state=OutboxState.SENDING.value,
                claimed_by=worker,
                claimed_at=now,
                attempts=OutboxMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if cast(CursorResult[Any], claimed).rowcount == 1:
            return message_id
    return None


def _owned(message_id: int, worker: str):  # type: ignore[no-untyped-def]
    return update(OutboxMessage).where(
        OutboxMessage.id == message_id,
        OutboxMessage.state == OutboxState.SENDING.value,
        OutboxMessage.claimed_by == worker,
    )


def mark_sent(session: Session, message: OutboxMessage, worker: str, now: dt.datetime) -> bool:
    """Record delivery of ``message`` and update its invitation. False when the worker no longer owned it."""
    done = session.execute(
        _owned(message.id, worker).values(state=OutboxState.SENT.value, sent_at=now, last_error=None)
    )
    if cast(CursorResult[Any], done).rowcount != 1:
        return False
    invitation = session.get_one(Invitation, message.invitation_id)
    if message.kind == OutboxKind.REMINDER:
        invitation.reminders_sent += 1
        invitation.last_reminded_at = now
    else:
        invitation.sent_at = invitation.sent_at or now
        if invitation.status == InvitationStatus.PENDING:
            invitation.status = InvitationStatus.SENT.value
    return True


def mark_retry(session: Session, message: OutboxMessage, worker: str, now: dt.datetime, reason: str) -> bool:
    """A temporary failure: queue ``message`` again after an exponential backoff, or fail it for good after
    ``MAX_ATTEMPTS``. Returns True when it will be retried."""
    if message.attempts >= MAX_ATTEMPTS:
        mark_failed(session, message, worker, f"gave up after {message.attempts} attempts: {reason}")
        return False
    delay = min(RETRY_BASE * 2 ** (message.attempts - 1), RETRY_CAP)
    session.execute(
        _owned(message.id, worker).values(
            state=OutboxState.QUEUED.value,
            claimed_by=None,
            next_attempt_at=now + delay,
            last_error=scrub(reason),
        )
    )
    return True


def release(session: Session, message: OutboxMessage, worker: str) -> None:
    """Undo the claim of ``message`` (the attempt does not count): the fault was not the message's, e.g. the mail
    server refused the configured account."""
    session.execute(
        _owned(message.id, worker).values(
            state=OutboxState.QUEUED.value, claimed_by=None, attempts=OutboxMessage.attempts - 1
        )
    )


def mark_failed(session: Session, message: OutboxMessage, worker: str, reason: str) -> None:
    """A permanent failure: the message fails, its invitation is marked failed with the reason and nothing
    else queued for it goes out."""
    reason = scrub(reason)
    failed = session.execute(
        _owned(message.id, worker).values(state=OutboxState.FAILED.value, last_error=reason)
    )
    if cast(CursorResult[Any], failed).rowcount:
        invitation = session.get_one(Invitation, message.invitation_id)
        invitation.status = InvitationStatus.FAILED.value
        invitation.failure_reason = reason
        _cancel_queued(session, invitation.id)


def cancel(session: Session, message: OutboxMessage, worker: str, reason: str) -> None:
    """Drop a claimed message that must not go out any more (answered, opted out, erased, cycle closed)."""
    session.execute(_owned(message.id, worker).values(state=OutboxState.CANCELLED.value, last_error=reason))


def _cancel_queued(session: Session, invitation_id: str) -> int:
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.invitation_id == invitation_id, OutboxMessage.state == OutboxState.QUEUED.value)
        .values(state=OutboxState.CANCELLED.value)
        .execution_options(synchronize_session=False)
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


def opt_out(session: Session, invitation_id: str) -> bool:
    """Stop every further email to invitation ``invitation_id``; False when there is no such invitation.

    The invitation keeps its answered flag and counts as opted out. Idempotent.
    """
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        return False
    invitation.status = InvitationStatus.OPTED_OUT.value
    _cancel_queued(session, invitation_id)
    return True


def why_not_deliverable(
    message: OutboxMessage, invitation: Invitation, cycle: Cycle, now: dt.datetime
) -> str | None:
    """Why a claimed message must not go out now, or None when it may."""
    if invitation.email is None:
        return "contact erased"
    if invitation.status in (InvitationStatus.OPTED_OUT, InvitationStatus.FAILED):
        return f"invitation {invitation.status}"
    if invitation.responded:
        return "already answered"
    if cycle.state != CycleState.OPEN or cycle.closes_on < now.date():
        return "cycle not open"
    if message.kind == OutboxKind.INVITATION and invitation.sent_at is not None:
        return "invitation already sent"
    return None


def sent_since(session: Session, since: dt.datetime) -> int:
    """How many messages all workers together delivered since ``since`` (the shared rate limit)."""
    query = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.state == OutboxState.SENT.value, OutboxMessage.sent_at >= since
    )
    return int(session.scalar(query) or 0)
