"""Sign in, sign out and change password."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from ...clock import utc_now
from ...db import db
from ...extensions import limiter
from ...models import StaffUser
from ...services.accounts import sessions as staff_sessions
from ...services.accounts import staff as accounts
from .. import bp
from ..access import STAFF_SID, staff_required
from ..forms import ConfirmForm, LoginForm, PasswordChangeForm


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a staff page of this site (``/staff...``), else None: no open redirects.

    Browsers drop tabs and newlines inside URLs and read ``\\`` as ``/``, so any of those (or a scheme, a host,
    or a leading ``//``) disqualifies the target.
    """
    if not target or len(target) > 2000:
        return None
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    if not (parts.path == "/staff" or parts.path.startswith("/staff/")):
        return None
    return target


# The password was right and the second step is still to come: {"uid": id, "at": timestamp}, read by two_step.
PENDING = "two_step_pending"


def start_second_step(user: StaffUser) -> Response:
    """After a right password: remember who is half signed in and ask for the code (``staff/accounts/two_step.py``)."""
    session[PENDING] = {"uid": user.id, "at": utc_now().timestamp()}
    return redirect(url_for("staff.sign_in_code", next=safe_next(request.args.get("next"))))


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> str | Response | tuple[str, int]:
    """The sign-in form; an unknown email, a wrong password and a locked account get the same answer (status, page
    and time)."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.index"))
    form = LoginForm()
    if form.validate_on_submit():
        attempt = accounts.claim_attempt(db.session, form.email.data or "", _now())
        db.session.commit()  # the attempt is counted before the password hash runs
        result = accounts.check_attempt(db.session, attempt, form.password.data or "", _now())
        db.session.commit()
        if result.user is not None and result.user.has_two_step:
            return start_second_step(result.user)
        if result.user is not None:
            return sign_in(result.user)
        # One answer for every failure (unknown email, wrong password, locked account): it must not tell anyone
        # which emails are accounts.
        flash(_("Wrong email or password. After five failed attempts in a row an account is locked for 15 minutes."),
              "error")  # fmt: skip
        return render_template("staff/login.html", form=form), 401
    if form.is_submitted():
        return render_template("staff/login.html", form=form), 400
    return render_template("staff/login.html", form=form)


def sign_in(user: StaffUser) -> Response:
    """Open a server-side session for ``user`` (password, and second step if any, checked) and go on to ``next``."""
    secret = staff_sessions.start(db.session, user, _now())
    db.session.commit()
    session.clear()  # nothing from before sign-in carries over (a fresh CSRF token too), except the language
    session[STAFF_SID] = secret
    login_user(user)
    return redirect(safe_next(request.args.get("next")) or url_for("staff.index"))


def _end_browser_session() -> None:
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang


@bp.post("/logout")
@staff_required
def logout() -> Response:
    """Sign out: the session ends on the server, so a copy of its cookie opens nothing either."""
    secret = session.get(STAFF_SID)
    if isinstance(secret, str):
        staff_sessions.end(db.session, secret)
    accounts.audit(db.session, current_user, "logout")
    db.session.commit()
    _end_browser_session()
    return redirect(url_for("staff.login"))


@bp.post("/sessions/end-all")
@staff_required
def sessions_end_all() -> Response:
    """Sign out everywhere: every session of the current user ends, this one included."""
    ended = staff_sessions.end_all(db.session, current_user.id)
    accounts.audit(db.session, current_user, "sessions_ended", sessions=ended)
    db.session.commit()
    _end_browser_session()
    flash(_("You were signed out on every device."), "info")
    return redirect(url_for("staff.login"))


@bp.route("/password", methods=["GET", "POST"])
@staff_required
def password() -> str | Response | tuple[str, int]:
    """Change one's own password; every other session of the user ends (this one goes on under a new secret)."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(db.session, current_user, form.current.data or "", form.new.data or "")
        except accounts.AccountError:
            db.session.rollback()
            flash(_("The current password is wrong."), "error")
            return _password_page(form), 400
        staff_sessions.end_all(db.session, current_user.id)
        secret = staff_sessions.start(db.session, current_user, _now())
        db.session.commit()
        session[STAFF_SID] = secret
        flash(_("Your password was changed. You were signed out on your other devices."), "info")
        return redirect(url_for("staff.index"))
    return _password_page(form), 400 if form.is_submitted() else 200


def _password_page(form: PasswordChangeForm) -> str:
    return render_template("staff/password.html", form=form, end_all=ConfirmForm())


def _now() -> dt.datetime:
    return utc_now()
