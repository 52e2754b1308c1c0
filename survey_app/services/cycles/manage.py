"""Assessment cycles: which one a page shows, and the admin's create, edit, open and close.

A cycle goes draft → open → closed and never back: closing erases the invitations' contact details (PDPA), so
reopening could not honour them. At most one cycle is open at a time, so commands and pages that default to "the
open cycle" never have to guess. Every change is audited. Errors are :class:`CycleError` with a ``reason`` key
that the caller turns into a message for people. The caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import event, exists, func, select
from sqlalchemy.orm import Session

from ...clock import local_today, plausible_date
from ...models import (
    Cycle,
    CycleState,
    Invitation,
    OutboxMessage,
    OutboxState,
    Response,
    SamplingMethod,
    StaffUser,
    SurveyLink,
)
from ..accounts.staff import audit
from ..outreach import invitations
from ..results import snapshots


class CycleError(ValueError):
    """A cycle change that is not allowed; ``reason`` says which rule refused it."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class CycleSettings:
    """What an admin sets on a cycle."""

    opens_on: dt.date
    closes_on: dt.date
    min_sample: int
    sampling_method: str
    confidence: float = 0.95
    margin: float = 0.05
    type_floor: int = 10


def all_cycles(session: Session) -> list[Cycle]:
    """Every cycle, newest first."""
    return list(session.scalars(select(Cycle).order_by(Cycle.opens_on.desc(), Cycle.id.desc())))


_MEMO = "cycles.listed"


def cycles_read_once(session: Session) -> list[Cycle]:
    """:func:`all_cycles`, read once per transaction: a staff page's cycle, its demo notice and the office page's
    trends all start from them. A flush or the transaction's end forgets them, so a cycle added or changed in the
    transaction is seen."""
    found: list[Cycle] | None = session.info.get(_MEMO)
    if found is None:
        found = session.info[_MEMO] = all_cycles(session)
    return found


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_MEMO, None)


def current_cycle(session: Session, code: str | None = None) -> Cycle | None:
    """The cycle named ``code``; without a code the open cycle, else the newest one; None when there is none.

    A code that names no cycle also gives None, so a page can answer 404.
    """
    if code:
        return session.scalar(select(Cycle).where(Cycle.code == code))
    open_cycle = session.scalar(
        select(Cycle).where(Cycle.state == CycleState.OPEN).order_by(Cycle.opens_on.desc()).limit(1)
    )
    return open_cycle or session.scalar(
        select(Cycle).order_by(Cycle.opens_on.desc(), Cycle.id.desc()).limit(1)
    )


def pick_cycle(listed: Sequence[Cycle], code: str | None = None) -> Cycle | None:
    """:func:`current_cycle`'s choice among ``listed`` (every cycle, newest first, as :func:`all_cycles` gives
    them), for a request that reads the cycles once."""
    if code:
        return next((c for c in listed if c.code == code), None)
    return next((c for c in listed if c.state == CycleState.OPEN), listed[0] if listed else None)


def _check_settings(settings: CycleSettings) -> None:
    today = local_today()
    if not (plausible_date(settings.opens_on, today) and plausible_date(settings.closes_on, today)):
        raise CycleError("dates_era")
    if settings.opens_on > settings.closes_on:
        raise CycleError("dates_order")
    if not 1 <= settings.min_sample <= 100_000 or not 0 <= settings.type_floor <= settings.min_sample:
        raise CycleError("min_sample")
    if settings.sampling_method not in set(SamplingMethod):
        raise CycleError("sampling_method")
    if not 0.5 <= settings.confidence < 1 or not 0 < settings.margin <= 0.2:
        raise CycleError("precision")


def _apply(cycle: Cycle, settings: CycleSettings) -> dict[str, Any]:
    """Set the settings on ``cycle``; returns what changed as {field: [old, new]} (JSON-ready)."""
    changed: dict[str, Any] = {}
    for name, value in vars(settings).items():
        old = getattr(cycle, name)
        if old != value:
            changed[name] = [_plain(old), _plain(value)]
            setattr(cycle, name, value)
    return changed


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def create_cycle(
    session: Session,
    actor: StaffUser,
    *,
    code: str,
    fiscal_year: int,
    questionnaire_id: str,
    questionnaire_version: str,
    settings: CycleSettings,
) -> Cycle:
    """A new draft cycle. Raises ``CycleError`` for a taken code or settings out of range."""
    _check_settings(settings)
    if session.scalar(select(exists().where(Cycle.code == code))):
        raise CycleError("code_taken", code=code)
    if not 2500 <= fiscal_year <= 2700:
        raise CycleError("fiscal_year")
    cycle = Cycle(
        code=code,
        fiscal_year=fiscal_year,
        questionnaire_id=questionnaire_id,
        questionnaire_version=questionnaire_version,
        state=CycleState.DRAFT.value,
    )
    _apply(cycle, settings)
    session.add(cycle)
    session.flush()
    audit(session, actor, "cycle_created", cycle=code, questionnaire=f"{questionnaire_id}:{questionnaire_version}",
          **{k: _plain(v) for k, v in vars(settings).items()})  # fmt: skip
    return cycle


def update_cycle(session: Session, actor: StaffUser, cycle: Cycle, settings: CycleSettings) -> dict[str, Any]:
    """Change a draft or open cycle's dates and sampling policy; returns what changed.

    Raises ``CycleError`` when the cycle is closed or a setting is out of range.
    """
    if cycle.state == CycleState.CLOSED:
        raise CycleError("closed")
    _check_settings(settings)
    changed = _apply(cycle, settings)
    if changed:
        audit(session, actor, "cycle_updated", cycle=cycle.code, changed=changed)
    return changed


def open_cycle(session: Session, actor: StaffUser, cycle: Cycle) -> None:
    """Open a draft cycle. Raises ``CycleError`` unless it is a draft and no other cycle is open."""
    if cycle.state != CycleState.DRAFT:
        raise CycleError("not_draft")
    other = session.scalar(select(Cycle).where(Cycle.state == CycleState.OPEN, Cycle.id != cycle.id))
    if other is not None:
        raise CycleError("another_open", code=other.code)
    cycle.state = CycleState.OPEN.value
    audit(session, actor, "cycle_opened", cycle=cycle.code)


def close_cycle(session: Session, actor: StaffUser, cycle: Cycle) -> dict[str, int]:
    """Close an open cycle and erase its invitations' contact details; returns the purge's counts.

    From then on the cycle accepts no response (``Cycle.is_accepting``), whatever its planned closing date.
    Raises ``CycleError`` unless the cycle is open.
    """
    if cycle.state != CycleState.OPEN:
        raise CycleError("not_open")
    cycle.state = CycleState.CLOSED.value
    purged = invitations.purge_contacts(session, cycle)
    snapshots.invalidate(session, cycle.id)  # the cycle's final snapshots: `survey-app release` computes them
    # The purge's counts are details only: none of them is named office_code.
    audit(session, actor, "cycle_closed", cycle=cycle.code, **cast(dict[str, Any], purged))
    return purged


@dataclass(frozen=True)
class ClosingEffects:
    """What closing a cycle would do, counted before it is done, for the confirmation page."""

    responses: int  # kept
    contacts: int  # invitations whose email and name would be erased
    unsent: int  # queued emails that would be cancelled
    live_links: int  # active poster links whose posters would stop opening the survey


def closing_effects(session: Session, cycle: Cycle) -> ClosingEffects:
    """Count what :func:`close_cycle` would keep, erase, cancel and retire in ``cycle`` (reads only)."""
    in_cycle = select(Invitation.id).where(Invitation.cycle_id == cycle.id)
    unsent = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.invitation_id.in_(in_cycle),
            OutboxMessage.state.in_([OutboxState.QUEUED.value, OutboxState.SENDING.value]),
        )
    )
    links = session.scalar(
        select(func.count()).select_from(SurveyLink).where(SurveyLink.cycle_id == cycle.id, SurveyLink.active)
    )
    responses = session.scalar(
        select(func.count()).select_from(Response).where(Response.cycle_id == cycle.id)
    )
    contacts = invitations.counts(session, cycle.id).with_contact
    return ClosingEffects(int(responses or 0), contacts, int(unsent or 0), int(links or 0))


def has_responses(session: Session, cycle: Cycle) -> bool:
    """Whether any response was stored in ``cycle``."""
    return bool(session.scalar(select(exists().where(Response.cycle_id == cycle.id))))
