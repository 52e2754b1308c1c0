"""Closing a cycle erases contacts (PDPA) but keeps the counts sent, answered, failed and opted out."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from survey_app.models import Invitation, InvitationStatus, OutboxMessage, OutboxState
from survey_app.services.outreach.invitations import counts, counts_by_office, purge_contacts


def _invite(session, cycle, office, email, status, responded=False, sent=False):  # type: ignore[no-untyped-def]
    inv = Invitation(
        cycle_id=cycle.id,
        office_code=office,
        email=email,
        name="Somchai " + email[:3],
        status=status,
        responded=responded,
        sent_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC) if sent else None,
    )
    session.add(inv)
    session.flush()
    return inv


def test_purge_erases_emails_and_names_cancels_queued_mail_and_keeps_counts(session, cycle) -> None:
    a = _invite(session, cycle, "11", "a@example.co.th", InvitationStatus.SENT, responded=True, sent=True)
    b = _invite(session, cycle, "11", "b@example.co.th", InvitationStatus.SENT, sent=True)
    c = _invite(session, cycle, "11", "c@example.co.th", InvitationStatus.FAILED)
    _invite(session, cycle, "12", "d@example.co.th", InvitationStatus.OPTED_OUT, sent=True)
    e = _invite(session, cycle, "12", "e@example.co.th", InvitationStatus.PENDING)
    session.add_all(
        [
            OutboxMessage(invitation_id=a.id, kind="invitation", state=OutboxState.SENT.value),
            OutboxMessage(invitation_id=b.id, kind="reminder", state=OutboxState.QUEUED.value),
            OutboxMessage(
                invitation_id=c.id,
                kind="invitation",
                state=OutboxState.FAILED.value,
                last_error="550 5.1.1 <c@example.co.th> unknown",
            ),
            OutboxMessage(
                invitation_id=e.id, kind="invitation", state=OutboxState.SENDING.value, claimed_by="w1"
            ),
        ]
    )
    session.commit()

    result = purge_contacts(session, cycle)
    session.commit()

    assert result == {
        "total": 5,
        "pending": 1,
        "sent": 3,
        "answered": 1,
        "failed": 1,
        "opted_out": 1,
        "with_contact": 0,
        "erased": 5,
        "cancelled": 2,
    }
    rows = session.scalars(select(Invitation)).all()
    assert all(r.email is None and r.name is None for r in rows)
    states = sorted(session.scalars(select(OutboxMessage.state)).all())
    assert states == ["cancelled", "cancelled", "failed", "sent"]
    assert (
        session.scalars(select(OutboxMessage.last_error).where(OutboxMessage.last_error.is_not(None))).all()
        == []
    )
    # The counts survive the purge, per office too.
    by_office = counts_by_office(session, cycle.id)
    assert (by_office["11"].total, by_office["11"].answered, by_office["11"].failed) == (3, 1, 1)
    assert (by_office["12"].total, by_office["12"].opted_out, by_office["12"].sent) == (2, 1, 1)


def test_purge_is_idempotent_and_leaves_other_cycles_alone(session, cycle) -> None:
    from survey_app.models import Cycle

    other = Cycle(
        code="EIT-OTHER",
        fiscal_year=2560,
        questionnaire_id="eit",
        questionnaire_version="2568",
        opens_on=dt.date(2016, 10, 1),
        closes_on=dt.date(2017, 9, 30),
        state="closed",
    )
    session.add(other)
    session.flush()
    _invite(session, cycle, "11", "a@example.co.th", InvitationStatus.PENDING)
    _invite(session, other, "11", "keep@example.co.th", InvitationStatus.PENDING)
    session.commit()

    first = purge_contacts(session, cycle)
    second = purge_contacts(session, cycle)
    session.commit()

    assert (first["erased"], second["erased"]) == (1, 0)
    assert counts(session, other.id).with_contact == 1
    kept = session.scalar(select(Invitation.email).where(Invitation.cycle_id == other.id))
    assert kept == "keep@example.co.th"
