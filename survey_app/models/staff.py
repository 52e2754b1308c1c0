"""Staff accounts and the audit trail of what staff did (staff actions are not anonymous)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utc_now
from ..db import Base
from .enums import Role, check_in


class StaffUser(UserMixin, Base):
    """A person who logs in to the staff pages. Office users see only their own office."""

    __tablename__ = "staff_user"
    __table_args__ = (
        check_in("role", Role),
        CheckConstraint("role <> 'office' OR office_code IS NOT NULL", name="office_role_has_office"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_non_negative"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))
    office_code: Mapped[str | None] = mapped_column(ForeignKey("office.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Two-step sign-in (RFC 6238): the base32 secret once enrolled, and the last time step accepted, so a code is
    # accepted once only.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    totp_enrolled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def has_two_step(self) -> bool:
        """Whether sign-in asks for an authenticator code after the password."""
        return self.totp_secret is not None

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active

    def can_see_office(self, office_code: str) -> bool:
        """Admins and viewers see every office; office users only their own."""
        return self.role != Role.OFFICE or self.office_code == office_code

    @property
    def can_write(self) -> bool:
        """Viewers are read-only."""
        return self.role != Role.VIEWER


class AuditEvent(Base):
    """Who did what, when: logins, link changes, exports, sends, frame and cycle changes."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, server_default=func.now(), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    actor_email: Mapped[str | None] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(60), index=True)
    office_code: Mapped[str | None] = mapped_column(ForeignKey("office.code"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class StaffSession(Base):
    """One signed-in browser. The cookie holds a random secret; this row holds only its SHA-256, so the table alone
    opens no session. Deleting the row ends the session wherever its cookie was copied."""

    __tablename__ = "staff_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 hex of the cookie's secret
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class RecoveryCode(Base):
    """A single-use code that replaces an authenticator code once (lost phone); stored as a SHA-256 hash."""

    __tablename__ = "staff_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
