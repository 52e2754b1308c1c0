"""Business invitations: importing contacts, per-office counts and the PDPA purge when a cycle closes.

Reading and checking the CSV lives in :mod:`survey_app.services.outreach.contacts`; queueing, sending and reminders in
:mod:`survey_app.services.outreach.outbox` and :mod:`survey_app.services.outreach.mailer`. Nothing here commits: the
view or command that owns the unit of work does."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Integer, Select, bindparam, case, func, select, update
from sqlalchemy.orm import Session

from ...db import dialect_insert
from ...models import Cycle, CycleState, Invitation, InvitationStatus, Office, OutboxMessage, OutboxState
from .contacts import ParsedFile, Problem, Reason


class ImportRefusedError(ValueError):
    """Contacts cannot be imported into this cycle or office; the message says why."""


@dataclass
class ImportResult:
    """What an import did: ``created`` invitations, or nothing when ``blocked`` by rows with errors."""

    created: int = 0
    problems: list[Problem] = field(default_factory=list)
    blocked: bool = False
    valid: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.reason.blocks_import]

    @property
    def skipped(self) -> list[Problem]:
        return [p for p in self.problems if not p.reason.blocks_import]


def import_contacts(
    session: Session, cycle: Cycle, office_code: str, parsed: ParsedFile, valid_rows_only: bool = False
) -> ImportResult:
    """Create one pending invitation per new contact of ``parsed`` in ``cycle`` and office ``office_code``.

    A contact already invited in this cycle and office is skipped (reported, not an error). When ``parsed`` has
    rows with errors nothing is created unless ``valid_rows_only``. Raises :class:`ImportRefusedError` for a closed
    cycle or an unknown office.
    """
    if cycle.state == CycleState.CLOSED:
        raise ImportRefusedError(
            f"cycle {cycle.code} is closed: its contacts were erased and it takes no new ones"
        )
    if session.get(Office, office_code) is None:
        raise ImportRefusedError(f"no office with code {office_code!r}")
    existing = set(
        session.scalars(
            select(Invitation.email).where(
                Invitation.cycle_id == cycle.id, Invitation.office_code == office_code
            )
        )
    )
    new = [c for c in parsed.contacts if c.email not in existing]
    known = [Problem(c.row, Reason.ALREADY_INVITED) for c in parsed.contacts if c.email in existing]
    result = ImportResult(problems=sorted([*parsed.problems, *known], key=lambda p: p.row), valid=len(new))
    if result.errors and not valid_rows_only:
        result.blocked = True
        return result
    if new:
        rows = [
            {
                "cycle_id": cycle.id,
                "office_code": office_code,
                "email": c.email,
                "name": c.name,
                "service": c.service,
            }
            for c in new
        ]
        result.created = _insert_ignoring_duplicates(session, rows)
    return result


def _insert_ignoring_duplicates(session: Session, rows: Sequence[Mapping[str, object]]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING (an import running at the same time may add the same contact)."""
    insert = dialect_insert(session.get_bind().dialect.name)
    statement = insert(Invitation).on_conflict_do_nothing(index_elements=["cycle_id", "office_code", "email"])
    return len(session.execute(statement.returning(Invitation.id), rows).all())


@dataclass(frozen=True)
class InvitationCounts:
    """How many invitations an office (or a cycle) has, and what became of them."""

    total: int = 0
    pending: int = 0
    sent: int = 0
    answered: int = 0
    failed: int = 0
    opted_out: int = 0
    with_contact: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def contacts_page(
    session: Session, cycle_id: int, office_code: str, page: int, size: int
) -> tuple[list[Invitation], int]:
    """One page (from 1) of an office's contacts in the cycle, by email, and how many there are in all."""
    query = select(Invitation).where(Invitation.cycle_id == cycle_id, Invitation.office_code == office_code)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(Invitation.email).offset((page - 1) * size).limit(size))
    return list(rows), total


def _count_columns() -> tuple[ColumnElement[int], ...]:
    def when(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)

    return (
        func.count(Invitation.id),
        when(Invitation.status == InvitationStatus.PENDING.value),
        when(Invitation.sent_at.is_not(None)),
        when(Invitation.responded.is_(True)),
        when(Invitation.status == InvitationStatus.FAILED.value),
        when(Invitation.status == InvitationStatus.OPTED_OUT.value),
        when(Invitation.email.is_not(None)),
    )


@functools.cache
def _office_counts_query() -> Select[*tuple[Any, ...]]:
    """:func:`counts`' statement for one office, the cycle and office bound per call: built once (the office page
    asks on every request, and building it cost about as much CPU as running it)."""
    return select(*_count_columns()).where(
        Invitation.cycle_id == bindparam("cycle_id"), Invitation.office_code == bindparam("office_code")
    )


def counts(session: Session, cycle_id: int, office_code: str | None = None) -> InvitationCounts:
    """Counts for one cycle, all offices or one. ``sent`` counts invitations delivered at least once."""
    if office_code is None:
        row = session.execute(select(*_count_columns()).where(Invitation.cycle_id == cycle_id)).one()
    else:
        row = session.execute(
            _office_counts_query(), {"cycle_id": cycle_id, "office_code": office_code}
        ).one()
    return InvitationCounts(*(int(v or 0) for v in row))


def reminder_rounds(session: Session, cycle_id: int, office_code: str) -> int:
    """How many reminder rounds reached the office's contacts: the most reminders any one contact received.

    An office-wide figure: per contact, reminder counts would differ between those who answered and those who
    did not (reminders skip answered invitations), so no page shows them.
    """
    query = select(func.max(Invitation.reminders_sent)).where(
        Invitation.cycle_id == cycle_id, Invitation.office_code == office_code
    )
    return int(session.scalar(query) or 0)


def counts_by_office(session: Session, cycle_id: int) -> dict[str, InvitationCounts]:
    """Counts per office code for one cycle (offices without invitations are absent)."""
    query = (
        select(Invitation.office_code, *_count_columns())
        .where(Invitation.cycle_id == cycle_id)
        .group_by(Invitation.office_code)
    )
    return {code: InvitationCounts(*(int(v or 0) for v in rest)) for code, *rest in session.execute(query)}


def purge_contacts(session: Session, cycle: Cycle) -> dict[str, int]:
    """Erase every invitation's email and name in ``cycle`` and cancel its undelivered emails (PDPA).

    The invitations themselves stay, so the counts sent, answered, failed and opted out survive; they are
    returned together with ``erased`` (contacts erased now) and ``cancelled`` (outbox messages cancelled now).
    Idempotent. Messages a worker is sending at this moment are cancelled too; the worker finds no address.
    """
    ids = select(Invitation.id).where(Invitation.cycle_id == cycle.id)
    # Session.execute is typed as returning Result; an UPDATE's is a CursorResult, which has rowcount.
    cancelled = cast(
        CursorResult[Any],
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.invitation_id.in_(ids),
                OutboxMessage.state.in_([OutboxState.QUEUED.value, OutboxState.SENDING.value]),
            )
            .values(state=OutboxState.CANCELLED.value, claimed_by=None, last_error=None)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.invitation_id.in_(ids), OutboxMessage.last_error.is_not(None))
        .values(last_error=None)
        .execution_options(synchronize_session=False)
    )
    erased = cast(
        CursorResult[Any],
        session.execute(
            update(Invitation)
            .where(
                Invitation.cycle_id == cycle.id,
                (Invitation.email.is_not(None)) | (Invitation.name.is_not(None)),
            )
            .values(email=None, name=None)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Invitation | OutboxMessage):
            session.expire(obj)
    result = counts(session, cycle.id).as_dict()
    result.update(erased=int(erased or 0), cancelled=int(cancelled or 0))
    return result
