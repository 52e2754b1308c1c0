"""Personal, single-use invitations for businesses and the outbox that delivers them.

An invitation's id is the random value carried in its link; it never appears on a response. Emails and names are
personal data (PDPA) and are set to NULL when the cycle closes; the counts survive.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .enums import InvitationStatus, OutboxKind, OutboxState, check_in


def new_invitation_id() -> str:
    """A random, URL-safe invitation id of 128 bits (22 characters)."""
    return secrets.token_urlsafe(16)


class Invitation(Base):
    """One business contact invited to answer once in a cycle."""

    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("cycle_id", "office_code", "email"),
        check_in("status", InvitationStatus),
        CheckConstraint("reminders_sent >= 0", name="reminders_non_negative"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_invitation_id)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"))
    office_code: Mapped[str] = mapped_column(ForeignKey("office.code"), index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    service: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default=InvitationStatus.PENDING.value)
    responded: Mapped[bool] = mapped_column(Boolean, default=False)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxMessage(Base):
    """An email waiting to be delivered, claimed by one worker at a time."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        check_in("kind", OutboxKind),
        check_in("state", OutboxState),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        Index("ix_outbox_message_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[str] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(12), default=OutboxState.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
