"""Staff accounts: creation, password checks with a temporary lock after repeated failures, audit events."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any, overload

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import AuditEvent, Office, Role, StaffUser

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 12
# Compared against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-password", method="scrypt")


class AccountError(ValueError):
    """The account cannot be created or changed; the message says why."""


def hash_password(password: str) -> str:
    """An scrypt hash of ``password``."""
    return generate_password_hash(password, method="scrypt")


def generate_password() -> str:
    """A strong random password (about 120 bits), easy to copy."""
    return secrets.token_urlsafe(15)


def check_new_password(password: str) -> None:
    """Raise ``AccountError`` unless ``password`` is long enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def create_staff(
    session: Session, email: str, role: str, password: str, office_code: str | None = None
) -> tuple[StaffUser, bool]:
    """Create the account, or update role, office and password of an existing one. Returns (user, created)."""
    email = email.strip().lower()
    if "@" not in email:
        raise AccountError(f"not an email address: {email!r}")
    if role not in set(Role):
        raise AccountError(f"role must be one of {', '.join(Role)}")
    if role == Role.OFFICE and not office_code:
        raise AccountError("an office user needs --office CODE")
    if office_code and session.get(Office, office_code) is None:
        raise AccountError(f"no office with code {office_code!r}")
    check_new_password(password)
    user = session.scalar(select(StaffUser).where(StaffUser.email == email))
    created = user is None
    if user is None:
        user = StaffUser(email=email, failed_logins=0, active=True)
        session.add(user)
    user.role = role
    user.office_code = office_code if role == Role.OFFICE else office_code or None
    user.password_hash = hash_password(password)
    return user, created


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | None
    locked: bool = False


def authenticate(session: Session, email: str, password: str, now: dt.datetime) -> LoginResult:
    """Check a login. Five failures in a row lock the account for 15 minutes; every attempt is audited."""
    email = email.strip().lower()
    user = session.scalar(select(StaffUser).where(StaffUser.email == email))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        audit(session, None, "login_failed", email=email)
        return LoginResult(None)
    locked_until = _aware(user.locked_until)
    if locked_until and locked_until > now:
        audit(session, user, "login_locked")
        return LoginResult(None, locked=True)
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
        audit(session, user, "login_failed")
        return LoginResult(None, locked=user.locked_until is not None and _aware(user.locked_until) > now)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit(session, user, "login")
    return LoginResult(user)


def change_password(session: Session, user: StaffUser, current: str, new: str) -> None:
    """Replace the password after checking the current one; raises ``AccountError``."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError("the current password is wrong")
    check_new_password(new)
    user.password_hash = hash_password(new)
    audit(session, user, "password_changed")


def audit(
    session: Session, actor: StaffUser | None, action: str, office_code: str | None = None, **detail: Any
) -> AuditEvent:
    """Record a staff action. Never pass respondents' data or tokens here."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else detail.pop("email", None),
        action=action,
        office_code=office_code,
        detail=detail,
    )
    session.add(event)
    return event


@overload
def _aware(value: dt.datetime) -> dt.datetime: ...
@overload
def _aware(value: None) -> None: ...
def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; treat them as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
