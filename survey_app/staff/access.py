"""Who may see what: every staff view is wrapped by one of these decorators.

``admin`` sees and changes everything; ``office`` users see and change only their own office; ``viewer`` reads
every office but changes nothing. An office user asking for another office gets 404, so office codes of other
offices' resources are not confirmed; a role that may not act at all gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, current_app, flash, g, session
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..clock import utc_now
from ..extensions import login_manager
from ..models import Role, StaffUser
from ..services.accounts import sessions as staff_sessions

F = TypeVar("F", bound=Callable[..., Any])


# The key of the staff session's secret in Flask's (signed) session cookie.
STAFF_SID = "staff_sid"


def session_limits() -> staff_sessions.Limits:
    """Idle and absolute limits of staff sessions (SURVEY_SESSION_IDLE_HOURS, SURVEY_SESSION_MAX_DAYS)."""
    return staff_sessions.Limits.from_config(current_app.config)


@login_manager.user_loader
def _load_user(user_id: str) -> StaffUser | None:
    """The user of this request's staff session, checked against the server on every request: a session that was
    ended (sign-out, password change, "sign out everywhere") or ran past its limits opens nothing."""
    from ..db import db

    if g.get("error_page"):  # an error page renders without the database
        return None
    secret = session.get(STAFF_SID)
    if not isinstance(secret, str) or not user_id.isdigit():
        return None
    user = staff_sessions.resume(db.session, int(user_id), secret, utc_now(), session_limits())
    # Commits the session row's last-seen time or its removal before the view does any work; when neither was
    # written (most requests: last-seen moves once a minute), the view goes on in the same transaction, which saves
    # its COMMIT, the pool's check-in and check-out with its ping, and the new BEGIN (three round trips on PostgreSQL).
    if db.session.dirty or db.session.deleted:
        db.session.commit()
    if user is None:
        session.pop(STAFF_SID, None)
        flash(_("Your session has ended. Please sign in again."), "info")
    return user


login_manager.login_view = "staff.login"
login_manager.login_message = None


def staff_required(view: F) -> F:
    """Any signed-in staff member."""
    return cast(F, login_required(view))


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Signed-in staff whose role is one of ``roles``; others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def writer_required(view: F) -> F:
    """Admins and office users (viewers are read-only)."""
    return roles_required(Role.ADMIN, Role.OFFICE)(view)


def admin_required(view: F) -> F:
    """Admins only."""
    return roles_required(Role.ADMIN)(view)


def check_office(office_code: str) -> None:
    """Abort with 404 unless the current user may see ``office_code``."""
    if not current_user.can_see_office(office_code):
        abort(404)
