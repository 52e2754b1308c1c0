"""Two-step sign-in pages: the code asked for after the password, and enrolment (QR code, recovery codes).

Roles listed in TWO_STEP_REQUIRED_ROLES (admins in production) are sent to enrolment from every staff page until
they have set it up.
"""

from __future__ import annotations

import base64

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ...clock import utc_now
from ...db import db
from ...documents import qr
from ...extensions import limiter
from ...models import StaffUser
from ...services.accounts import staff as accounts
from ...services.accounts import two_step
from .. import bp
from ..access import staff_required
from ..forms import CodeForm
from .auth import PENDING, sign_in

ENROLLING = "two_step_enrolling"  # the secret being enrolled, until a code proves the app holds it
PENDING_SECONDS = 300
# Pages a user who must enrol may still open.
OPEN_WHILE_ENROLLING = {
    "staff.two_step_page",
    "staff.logout",
    "staff.login",
    "staff.sign_in_code",
    "staff.static",
}


def _pending_user() -> StaffUser | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("uid"), int):
        return None
    if utc_now().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    user = db.session.get(StaffUser, pending["uid"])
    return user if user is not None and user.active and user.has_two_step else None


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def sign_in_code() -> str | Response | tuple[str, int]:
    """The second step: an authenticator code, or a recovery code. Wrong codes count toward the account's lock."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("staff.login"))
    form = CodeForm()
    if form.validate_on_submit():
        now = utc_now()
        attempt = accounts.claim_attempt(db.session, user.email, now)
        db.session.commit()
        code = form.code.data or ""
        ok = attempt.number <= accounts.MAX_FAILED_LOGINS and (
            two_step.verify(db.session, user, code, now)
            or two_step.use_recovery_code(db.session, user, code, now)
        )
        if ok:
            accounts.clear_failures(db.session, user.id, now)
            accounts.audit(db.session, user, "login", second_step=True)
            db.session.commit()
            return sign_in(user)
        accounts.audit(db.session, user, "second_step_failed")
        db.session.commit()
        flash(_("The code is wrong, too old or already used. After five failed attempts in a row the account is "
                "locked for 15 minutes."), "error")  # fmt: skip
        return render_template("staff/login_code.html", form=form), 401
    return render_template("staff/login_code.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/two-step", methods=["GET", "POST"])
@staff_required
def two_step_page() -> str | tuple[str, int]:
    """Set up two-step sign-in (scan the QR code, type a code, keep the recovery codes), or see that it is on."""
    user: StaffUser = current_user
    if user.has_two_step:
        left = two_step.remaining_codes(db.session, user.id)
        return render_template("staff/two_step.html", enrolled=True, left=left)
    secret = session.get(ENROLLING)
    if not isinstance(secret, str):
        secret = session[ENROLLING] = two_step.new_secret()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = two_step.enrol(db.session, user, secret, form.code.data or "", utc_now())
        except two_step.TwoStepError:
            db.session.rollback()
            flash(_("That code does not match. Check the phone's time and type the code shown now."), "error")
            return _enrol_page(user, secret, form), 400
        db.session.commit()
        session.pop(ENROLLING, None)
        return render_template("staff/two_step.html", enrolled=True, codes=codes, left=len(codes))
    return _enrol_page(user, secret, form), 400 if form.is_submitted() else 200


def _enrol_page(user: StaffUser, secret: str, form: CodeForm) -> str:
    uri = two_step.provisioning_uri(secret, user.email)
    image = base64.b64encode(qr.png(uri, box_pixels=5)).decode()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render_template("staff/two_step.html", enrolled=False, form=form, qr_png=image, secret=grouped)


@bp.before_request
def _require_two_step() -> Response | None:
    """Send users whose role must use two-step sign-in to enrolment until they have."""
    if request.endpoint in OPEN_WHILE_ENROLLING or not current_user.is_authenticated:
        return None
    required = current_app.config.get("TWO_STEP_REQUIRED_ROLES", ())
    if current_user.role in required and not current_user.has_two_step:
        flash(_("Your role must use two-step sign-in. Please set it up now."), "info")
        return redirect(url_for("staff.two_step_page"))
    return None


@bp.after_request
def _no_store(response: Response) -> Response:
    """Pages with secrets (the enrolment QR code, recovery codes) are never cached."""
    if request.endpoint == "staff.two_step_page":
        response.headers["Cache-Control"] = "no-store"
    return response
