"""The admins' list of staff accounts: who has two-step sign-in and open sessions, and the two remedies for a lost
laptop or phone, "sign out everywhere" and "reset two-step sign-in" (both audited)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ...db import db
from ...models import StaffUser
from ...services.accounts import sessions as staff_sessions
from ...services.accounts import staff as accounts
from ...services.accounts import two_step
from .. import bp
from ..access import admin_required
from ..forms import ConfirmForm
from .audit import local_time


@bp.get("/accounts")
@admin_required
def accounts_index() -> str:
    """Every account with its role, office, two-step state, open sessions and last sign-in."""
    rows = accounts.list_accounts(db.session)
    return render_template("staff/accounts.html", rows=rows, form=ConfirmForm(), local_time=local_time)


def _target(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/accounts/<int:user_id>/sign-out")
@admin_required
def accounts_sign_out(user_id: int) -> Response:
    """End every session of the account."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = _target(user_id)
    ended = staff_sessions.end_all(db.session, user.id)
    accounts.audit(db.session, current_user, "sessions_ended", target=user.email, sessions=ended)
    db.session.commit()
    flash(_("%(email)s was signed out on every device.", email=user.email), "info")
    if user.id == current_user.id:
        return redirect(url_for("staff.login"))
    return redirect(url_for("staff.accounts_index"))


@bp.post("/accounts/<int:user_id>/reset-two-step")
@admin_required
def accounts_reset_two_step(user_id: int) -> Response:
    """Turn the account's two-step sign-in off (its sessions end too)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = _target(user_id)
    two_step.reset(db.session, user, current_user)
    db.session.commit()
    flash(_("Two-step sign-in of %(email)s was reset.", email=user.email), "info")
    if user.id == current_user.id:
        return redirect(url_for("staff.login"))
    return redirect(url_for("staff.accounts_index"))
