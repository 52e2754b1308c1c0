"""Two-step sign-in: time-based one-time codes (RFC 6238, any authenticator app) and single-use recovery codes.

A code is accepted for the current 30-second step or the one either side (phones drift), and each step only once
per account: the last accepted step is recorded with a conditional UPDATE, so a code seen over someone's shoulder,
or sent twice at the same moment, opens nothing the second time. Recovery codes are random, shown once, stored as
SHA-256 hashes and spent by a conditional UPDATE too. Enrolment, recovery-code use and reset are audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import pyotp
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ...models import RecoveryCode, StaffSession, StaffUser
from .staff import audit

ISSUER = "EIT survey, Ministry of Industry"
STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class TwoStepError(ValueError):
    """The code does not fit; the message says why."""


def new_secret() -> str:
    """A fresh base32 secret (160 bits) for an authenticator app."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the enrolment QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def _digits(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())


def _matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step (current, or one either side) whose code is ``code``, or None."""
    code = _digits(code)
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify(session: Session, user: StaffUser, code: str, now: dt.datetime) -> bool:
    """Whether ``code`` is the user's code for now and was not accepted before (the step is then spent)."""
    if user.totp_secret is None:
        return False
    step = _matching_step(user.totp_secret, code, now)
    if step is None:
        return False
    result = session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .where((StaffUser.totp_last_step.is_(None)) | (StaffUser.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def _hash(code: str) -> str:
    normal = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def _recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def enrol(session: Session, user: StaffUser, secret: str, code: str, now: dt.datetime) -> list[str]:
    """Turn two-step sign-in on with ``secret`` once ``code`` proves the app has it; returns the recovery codes
    (shown once, stored hashed). Raises ``TwoStepError`` when the code does not fit."""
    step = _matching_step(secret, code, now)
    if step is None:
        raise TwoStepError("the code does not match")
    user.totp_secret = secret
    user.totp_last_step = step
    user.totp_enrolled_at = now
    codes = new_recovery_codes(session, user)
    audit(session, user, "two_step_enrolled")
    return codes


def new_recovery_codes(session: Session, user: StaffUser) -> list[str]:
    """Replace the user's recovery codes with :data:`RECOVERY_CODES` new ones and return them (shown once)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c)) for c in codes)
    return codes


def use_recovery_code(session: Session, user: StaffUser, code: str, now: dt.datetime) -> bool:
    """Spend one of the user's recovery codes; False when it is unknown or already used."""
    if not any(ch.isalpha() for ch in code):
        return False  # an authenticator code, not a recovery code
    result = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    used = int(getattr(result, "rowcount", 0) or 0) == 1
    if used:
        audit(session, user, "recovery_code_used", left=remaining_codes(session, user.id))
    return used


def remaining_codes(session: Session, user_id: int) -> int:
    """How many unused recovery codes the user has."""
    return int(
        session.scalar(
            select(func.count()).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def reset(session: Session, user: StaffUser, actor: StaffUser | None, actor_name: str | None = None) -> None:
    """Turn two-step sign-in off (a lost phone and no recovery code left): the secret and recovery codes go and
    every session of the user ends. Audited with who did it."""
    user.totp_secret = None
    user.totp_last_step = None
    user.totp_enrolled_at = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    detail = {"target": user.email}
    if actor is None and actor_name:
        detail["email"] = actor_name
    audit(session, actor, "two_step_reset", **detail)
