"""The admins' list of staff accounts: who has two-step sign-in and open sessions, the two remedies for a lost
laptop or phone, "sign out everywhere" and "reset two-step sign-in", and the chores that needed a shell: create an
account (its password shown once), change its role or office, disable or enable it. Every action is audited as the
command line audits it (``services/accounts/admin.py``)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ...db import db
from ...models import StaffUser
from ...services.accounts import admin as account_admin
from ...services.accounts import sessions as staff_sessions
from ...services.accounts import staff as accounts
from ...services.accounts import two_step
from ...templating import current_lang
from .. import bp
from ..access import admin_required
from ..forms import ConfirmForm, choice
from .audit import local_time
from .forms import ROLE_LABELS, AccountForm, RoleForm, role_choices

REFUSALS = {
    "taken": lambda: _("An account with this email already exists: change its role or office in the list."),
    "role": lambda: _("Unknown role."),
    "office": lambda: _("No office has this code."),
    "office_needed": lambda: _("Office staff need an office."),
    "self": lambda: _("You cannot take away your own admin role or disable your own account."),
}


@bp.get("/accounts")
@admin_required
def accounts_index() -> str:
    """Every account with its role, office, two-step state, open sessions and last sign-in."""
    rows = accounts.list_accounts(db.session)
    return render_template(
        "staff/accounts.html", rows=rows, form=ConfirmForm(), local_time=local_time, role_labels=ROLE_LABELS
    )


def _with_choices(form: RoleForm) -> RoleForm:
    lang = current_lang()
    offices = account_admin.offices(db.session)
    form.role.choices = role_choices()
    form.office.choices = [
        choice("", _("none")),
        *(choice(o.code, f"{o.code} {o.name(lang)}") for o in offices),
    ]
    return form


def _refusal(error: accounts.AccountError) -> str:
    text = REFUSALS.get(str(error))
    return str(text()) if text else str(_("Check the fields marked below: nothing was saved."))


@bp.route("/accounts/new", methods=["GET", "POST"])
@admin_required
def accounts_new() -> str | tuple[str, int]:
    """Create an account; its generated password is shown once, on the page that answers the form."""
    form = _with_choices(AccountForm())
    if not form.is_submitted():
        return render_template("staff/account_form.html", form=form, user=None)
    problem = None
    if form.validate():
        try:
            user, password = account_admin.create_account(
                db.session,
                current_user,
                str(form.email.data),
                str(form.role.data),
                str(form.office.data or ""),
            )
        except accounts.AccountError as error:
            db.session.rollback()
            problem = _refusal(error)
        else:
            db.session.commit()
            return render_template(
                "staff/account_created.html", user=user, password=password, role_labels=ROLE_LABELS
            )
    return render_template("staff/account_form.html", form=form, user=None, problem=problem), 400


@bp.route("/accounts/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def accounts_edit(user_id: int) -> str | Response | tuple[str, int]:
    """Change an account's role or office (its sessions end)."""
    user = _target(user_id)
    form = _with_choices(RoleForm(data={"role": user.role, "office": user.office_code or ""}))
    if not form.is_submitted():
        return render_template("staff/account_form.html", form=form, user=user)
    problem = None
    if form.validate():
        try:
            changed = account_admin.change_role(
                db.session, current_user, user, str(form.role.data), str(form.office.data or "")
            )
        except accounts.AccountError as error:
            db.session.rollback()
            problem = _refusal(error)
        else:
            db.session.commit()
            flash(
                _("The role of %(email)s was changed.", email=user.email)
                if changed
                else _("Nothing changed."),
                "info",
            )
            return redirect(url_for("staff.accounts_index"))
    return render_template("staff/account_form.html", form=form, user=user, problem=problem), 400


@bp.post("/accounts/<int:user_id>/active")
@admin_required
def accounts_active(user_id: int) -> Response | tuple[str, int]:
    """Disable (``active=0``) or enable (``active=1``) an account."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    user = _target(user_id)
    wanted = request.form.get("active") == "1"
    try:
        account_admin.set_active(db.session, current_user, user, wanted)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(_refusal(error), "error")
        return redirect(url_for("staff.accounts_index"))
    db.session.commit()
    flash(
        _("%(email)s can sign in again.", email=user.email) if wanted
        else _("%(email)s is disabled: signed out everywhere and cannot sign in.", email=user.email), "info",
    )  # fmt: skip
    return redirect(url_for("staff.accounts_index"))


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
