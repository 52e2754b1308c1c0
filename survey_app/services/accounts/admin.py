"""What admins do to staff accounts in the browser: create one, change its role or office, disable or enable it.

Each change is audited the way the ``survey-app staff`` command audits it (``staff_created``, ``staff_updated``,
and ``staff_disabled`` / ``staff_enabled``), with the admin as actor instead of ``cli``; a change of role or office
and a disabling end every open session of the account. The caller commits.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...models import Office, Role, StaffSession, StaffUser
from .staff import AccountError, audit, create_staff, generate_password


def offices(session: Session) -> list[Office]:
    """The offices an account may belong to, by code."""
    return list(session.scalars(select(Office).order_by(Office.code)))


def _check_role(session: Session, role: str, office_code: str | None) -> None:
    if role not in set(Role):
        raise AccountError("role")
    if role == Role.OFFICE and not office_code:
        raise AccountError("office_needed")
    if office_code and session.get(Office, office_code) is None:
        raise AccountError("office")


def create_account(
    session: Session, actor: StaffUser, email: str, role: str, office_code: str | None
) -> tuple[StaffUser, str]:
    """A new account with a generated password (returned, to be shown once). Raises ``AccountError`` when the
    email already has an account, or for a bad email, role or office."""
    email = email.strip().lower()
    _check_role(session, role, office_code or None)
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise AccountError("taken")
    password = generate_password()
    user, _created = create_staff(session, email, role, password, office_code or None)
    session.flush()
    audit(session, actor, "staff_created", office_code or None, target=email, role=role)
    return user, password


def change_role(
    session: Session, actor: StaffUser, user: StaffUser, role: str, office_code: str | None
) -> bool:
    """Give the account ``role`` (and ``office_code``, which the office role needs); False when nothing changes.
    Raises ``AccountError`` for an unknown role or office, an office role without an office, or an admin taking
    away their own admin role (an office without admins cannot be repaired from the browser)."""
    office_code = office_code or None
    _check_role(session, role, office_code)
    if user.id == actor.id and role != Role.ADMIN:
        raise AccountError("self")
    office_code = office_code if role == Role.OFFICE else None
    if (user.role, user.office_code) == (role, office_code):
        return False
    before = {"role": user.role, "office": user.office_code}
    user.role, user.office_code = role, office_code
    session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    audit(session, actor, "staff_updated", office_code, target=user.email, role=role, before=before)
    return True


def set_active(session: Session, actor: StaffUser, user: StaffUser, active: bool) -> bool:
    """Disable (every session ends, sign-in refused) or enable the account; False when it already was. Raises
    ``AccountError`` when admins would disable themselves."""
    if user.id == actor.id and not active:
        raise AccountError("self")
    if user.active == active:
        return False
    user.active = active
    if not active:
        session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    audit(
        session, actor, "staff_enabled" if active else "staff_disabled", user.office_code, target=user.email
    )
    return True
