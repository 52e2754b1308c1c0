"""Staff accounts: creation, password checks with a temporary lock after repeated failures, audit events."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any, overload

from sqlalchemy import and_, case, delete, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ...models import AuditEvent, Office, Role, StaffSession, StaffUser

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
    if not created:  # a new password, role or office: every open session of the account ends
        session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    return user, created


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a password check. ``locked`` is for the audit trail and tests only: the sign-in page gives
    every failure the same answer, so that it cannot tell an attacker which emails are accounts."""

    user: StaffUser | None
    locked: bool = False


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt counted on the account (``user_id`` None when the email names no active account)."""

    email: str
    user_id: int | None
    number: int = 0
    locked_until: dt.datetime | None = None


def claim_attempt(session: Session, email: str, now: dt.datetime) -> Attempt:
    """Count a sign-in attempt on the account of ``email`` (first step of a sign-in; commit before
    :func:`check_attempt`, so the slot is taken before the slow password hash runs and no lock is held during it).
    """
    email = email.strip().lower()
    claimed = _claim_attempt(session, email, now)
    if claimed is None:
        return Attempt(email, None)
    return Attempt(email, *claimed)


def check_attempt(session: Session, attempt: Attempt, password: str, now: dt.datetime) -> LoginResult:
    """Second step of a sign-in: check the password unless the attempt came after the fifth failure in a row.

    However many attempts arrive at once, at most five passwords are checked before the lock (the attempt numbers
    come from one atomic UPDATE). Every path (unknown email, locked account, wrong or right password) computes
    exactly one password hash, so they take the same time. Every attempt is audited."""
    user = session.get(StaffUser, attempt.user_id) if attempt.user_id is not None else None
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        audit(session, None, "login_failed", email=attempt.email)
        return LoginResult(None)
    if attempt.number > MAX_FAILED_LOGINS:
        check_password_hash(_DUMMY_HASH, password)  # same work as a real check; the password is not tried
        audit(session, user, "login_locked")
        return LoginResult(None, locked=True)
    if not check_password_hash(user.password_hash, password):
        audit(session, user, "login_failed", attempt=attempt.number)
        return LoginResult(None, locked=attempt.locked_until is not None)
    session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(failed_logins=0, locked_until=None, last_login_at=now)
    )
    session.refresh(user)
    # "login" means signed in: with two-step sign-in that comes after the code (survey_app/staff/accounts/two_step.py).
    audit(session, user, "password_ok" if user.has_two_step else "login")
    return LoginResult(user)


def clear_failures(session: Session, user_id: int, now: dt.datetime) -> None:
    """A completed sign-in (second step included): the failure count starts again."""
    session.execute(
        update(StaffUser)
        .where(StaffUser.id == user_id)
        .values(failed_logins=0, locked_until=None, last_login_at=now)
        .execution_options(synchronize_session=False)
    )


def authenticate(session: Session, email: str, password: str, now: dt.datetime) -> LoginResult:
    """:func:`claim_attempt` then :func:`check_attempt` in one transaction, for callers without concurrency (the
    command line, tests); the sign-in view commits between the two."""
    return check_attempt(session, claim_attempt(session, email, now), password, now)


def _claim_attempt(
    session: Session, email: str, now: dt.datetime
) -> tuple[int, int, dt.datetime | None] | None:
    """Count one more attempt on the active account of ``email`` in a single statement and return (its id, the
    attempt number, the lock's end), or None when there is no such account.

    An expired lock starts a new count at 1. The attempt that reaches :data:`MAX_FAILED_LOGINS` sets the lock at
    once (a right password then lifts it), so attempts running at the same time see numbers above the maximum and
    are refused without a check: the row lock of the UPDATE puts them in a queue. Being the first statement of the
    transaction, it also takes SQLite's write lock before any read, so concurrent attempts wait instead of failing.
    """
    expired = and_(StaffUser.locked_until.is_not(None), StaffUser.locked_until <= now)
    count = case((expired, 1), else_=StaffUser.failed_logins + 1)
    lock = case(
        (and_(StaffUser.locked_until.is_not(None), StaffUser.locked_until > now), StaffUser.locked_until),
        (count >= MAX_FAILED_LOGINS, now + dt.timedelta(minutes=LOCK_MINUTES)),
        else_=None,
    )
    row = session.execute(
        update(StaffUser)
        .where(StaffUser.email == email, StaffUser.active.is_(True))
        .values(failed_logins=count, locked_until=lock)
        .returning(StaffUser.id, StaffUser.failed_logins, StaffUser.locked_until)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    return None if row is None else (int(row[0]), int(row[1]), _aware(row[2]))


@dataclass(frozen=True)
class AccountRow:
    """One staff account as the admins' account list shows it."""

    user: StaffUser
    open_sessions: int


def list_accounts(session: Session) -> list[AccountRow]:
    """Every staff account, by email, with how many sessions it has open."""
    grouped = session.execute(select(StaffSession.user_id, func.count()).group_by(StaffSession.user_id))
    counts = {int(user_id): int(n) for user_id, n in grouped}
    users = session.scalars(select(StaffUser).order_by(StaffUser.email))
    return [AccountRow(user, int(counts.get(user.id, 0))) for user in users]


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


def audit_events(
    session: Session,
    *,
    action: str = "",
    office: str = "",
    actor: str = "",
    before: int | None = None,
    limit: int,
) -> list[AuditEvent]:
    """Audit events, newest first: at most ``limit``, older than the event ``before``, filtered by ``action``,
    ``office`` and part of the actor's email (``actor``)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    if office:
        query = query.where(AuditEvent.office_code == office)
    if actor:
        query = query.where(AuditEvent.actor_email.contains(actor, autoescape=True))
    if before:
        query = query.where(AuditEvent.id < before)
    return list(session.scalars(query))


def audit_actions(session: Session) -> list[str]:
    """Every action the audit log holds, sorted."""
    return sorted(session.scalars(select(AuditEvent.action).distinct()))


@overload
def _aware(value: dt.datetime) -> dt.datetime: ...
@overload
def _aware(value: None) -> None: ...
def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; treat them as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
