"""Staff sign-in sessions kept on the server, so that they can end: sign-out ends the session wherever its cookie
was copied; a password, role or office change and "sign out everywhere" end all of a user's sessions; an idle
session ends after ``idle`` (default 8 hours) and any session after ``absolute`` (default 7 days).

The browser's cookie carries a random secret; the ``staff_session`` row holds only its SHA-256.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, select
from sqlalchemy.orm import Session

from ...models import StaffSession, StaffUser

# last_seen_at is written at most this often, not on every request.
TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Limits:
    """How long a session may stay idle, and live at all."""

    idle: dt.timedelta = dt.timedelta(hours=8)
    absolute: dt.timedelta = dt.timedelta(days=7)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        """The limits set by SESSION_IDLE_HOURS and SESSION_MAX_DAYS (SURVEY_SESSION_IDLE_HOURS, ..._MAX_DAYS)."""
        return cls(
            idle=dt.timedelta(hours=float(config.get("SESSION_IDLE_HOURS", 8))),
            absolute=dt.timedelta(days=float(config.get("SESSION_MAX_DAYS", 7))),
        )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)  # SQLite gives naive UTC


def start(session: Session, user: StaffUser, now: dt.datetime) -> str:
    """Open a session for ``user`` and return the secret for the cookie (the caller commits)."""
    secret = secrets.token_urlsafe(32)
    session.add(StaffSession(id=_digest(secret), user_id=user.id, created_at=now, last_seen_at=now))
    return secret


def resume(session: Session, user_id: int, secret: str, now: dt.datetime, limits: Limits) -> StaffUser | None:
    """The active user of a live session, or None. An expired session's row is deleted; a live one's last-seen
    time is moved on (at most once a minute). The caller commits."""
    found = session.execute(_session_and_user(), {"digest": _digest(secret)}).first()
    if found is None or found[0].user_id != user_id:
        return None
    row, user = found
    seen, created = _aware(row.last_seen_at), _aware(row.created_at)
    if now - seen > limits.idle or now - created > limits.absolute:
        session.delete(row)
        return None
    if not user.active:
        return None
    if now - seen >= TOUCH_EVERY:
        row.last_seen_at = now
    return user


@functools.cache
def _session_and_user() -> Select[StaffSession, StaffUser]:
    """:func:`resume`'s statement, built once: the session's row with its user's, one round trip on every staff
    request."""
    return (
        select(StaffSession, StaffUser)
        .join(StaffUser, StaffUser.id == StaffSession.user_id)
        .where(StaffSession.id == bindparam("digest"))
    )


def end(session: Session, secret: str) -> None:
    """End one session (sign-out): its cookie, wherever copied, opens nothing any more."""
    session.execute(delete(StaffSession).where(StaffSession.id == _digest(secret)))


def end_all(session: Session, user_id: int) -> int:
    """End every session of ``user_id``; returns how many there were."""
    result = session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def count(session: Session, user_id: int) -> int:
    """How many sessions ``user_id`` has open (expired ones included until they are next used or pruned)."""
    return int(session.scalar(select(func.count()).where(StaffSession.user_id == user_id)) or 0)


def prune(session: Session, now: dt.datetime, limits: Limits) -> int:
    """Delete sessions past either limit (``survey-app prune``)."""
    result = session.execute(
        delete(StaffSession).where(
            (StaffSession.last_seen_at < now - limits.idle)
            | (StaffSession.created_at < now - limits.absolute)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
