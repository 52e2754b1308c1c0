"""Admins create, edit, open and close cycles and set the fixed minimum and sampling method."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ...db import db
from ...models import Cycle
from ...questionnaire import QuestionnaireError, load, questionnaire_files
from ...services.cycles import manage as cycles
from .. import bp
from ..access import admin_required
from ..forms import ConfirmForm, CycleCreateForm, CycleSettingsForm, choice


def error_text(error: cycles.CycleError) -> str:
    """A sentence for people about a refused cycle change."""
    texts: dict[str, str] = {
        "dates_order": _("The closing date must not be before the opening date."),
        "dates_era": _("A date is a century or more away: type its year in the Buddhist era, e.g. 2570."),
        "min_sample": _(
            "The fixed minimum must be between 1 and 100,000, and the minimum per respondent type not above it."
        ),
        "sampling_method": _("Unknown sampling method."),
        "precision": _("The confidence level or margin of error is out of range."),
        "code_taken": _("A cycle with this code already exists."),
        "fiscal_year": _("The fiscal year must be a Buddhist-era year such as 2570."),
        "closed": _("A closed cycle can no longer change."),
        "not_draft": _("Only a draft cycle can be opened."),
        "another_open": _(
            "Cycle %(code)s is open: close it before opening another.", code=error.params.get("code", "")
        ),
        "not_open": _("Only an open cycle can be closed."),
    }
    return texts.get(error.reason, error.reason)


def _cycle_or_404(code: str) -> Cycle:
    cycle = cycles.current_cycle(db.session, code) if code else None
    if cycle is None:
        abort(404)
    return cycle


def _questionnaire_choices() -> list[Any]:
    choices = []
    for path in questionnaire_files(current_app.config["SURVEYS_DIR"]):
        try:
            q = load(path)
        except QuestionnaireError:
            continue
        choices.append(choice(f"{q.id}:{q.version}", f"{q.title.th} ({q.id} {q.version})"))
    return choices


def _settings(form: CycleSettingsForm) -> cycles.CycleSettings:
    assert form.opens_on.data and form.closes_on.data  # validated
    return cycles.CycleSettings(
        opens_on=form.opens_on.data,
        closes_on=form.closes_on.data,
        min_sample=int(form.min_sample.data or 0),
        type_floor=int(form.type_floor.data or 0),
        sampling_method=str(form.sampling_method.data),
        confidence=float(form.confidence.data or 0.95),
        margin=float(Decimal(form.margin_percent.data or 0) / 100),
    )


@bp.get("/cycles")
@admin_required
def cycles_index() -> str:
    """Every cycle with its state and sampling policy, and the buttons to open and close them."""
    return render_template("staff/cycles.html", cycles=cycles.all_cycles(db.session), form=ConfirmForm())


@bp.route("/cycles/new", methods=["GET", "POST"])
@admin_required
def cycle_new() -> str | Response | tuple[str, int]:
    """Create a draft cycle."""
    form = CycleCreateForm()
    form.questionnaire.choices = _questionnaire_choices()
    if not form.is_submitted():
        return render_template("staff/cycle_form.html", form=form, cycle=None)
    if form.validate():
        qid, _sep, version = str(form.questionnaire.data).partition(":")
        try:
            cycle = cycles.create_cycle(
                db.session, current_user, code=str(form.code.data).strip(), fiscal_year=int(form.fiscal_year.data or 0),
                questionnaire_id=qid, questionnaire_version=version, settings=_settings(form),
            )  # fmt: skip
        except cycles.CycleError as error:
            db.session.rollback()
            flash(error_text(error), "error")
        else:
            db.session.commit()
            flash(_("Cycle %(code)s was created as a draft.", code=cycle.code), "info")
            return redirect(url_for("staff.cycles_index"))
    return render_template("staff/cycle_form.html", form=form, cycle=None), 400


@bp.route("/cycles/<code>/edit", methods=["GET", "POST"])
@admin_required
def cycle_edit(code: str) -> str | Response | tuple[str, int]:
    """Change the dates, fixed minimum and sampling method of a draft or open cycle."""
    cycle = _cycle_or_404(code)
    form = CycleSettingsForm(obj=cycle)
    if not form.is_submitted():
        form.confidence.data = f"{cycle.confidence:g}"
        form.margin_percent.data = Decimal(str(round(cycle.margin * 100, 1)))
        return render_template("staff/cycle_form.html", form=form, cycle=cycle)
    if form.validate():
        try:
            cycles.update_cycle(db.session, current_user, cycle, _settings(form))
        except cycles.CycleError as error:
            db.session.rollback()
            flash(error_text(error), "error")
            return render_template("staff/cycle_form.html", form=form, cycle=cycle), 409
        db.session.commit()
        flash(_("Cycle %(code)s was saved.", code=cycle.code), "info")
        return redirect(url_for("staff.cycles_index"))
    return render_template("staff/cycle_form.html", form=form, cycle=cycle), 400


def _transition(code: str, action: str) -> Response | tuple[str, int]:
    cycle = _cycle_or_404(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if action == "open":
            cycles.open_cycle(db.session, current_user, cycle)
            message = _("Cycle %(code)s is open: respondents can answer.", code=cycle.code)
        else:
            purged = cycles.close_cycle(db.session, current_user, cycle)
            message = _(
                "Cycle %(code)s is closed. Contact details erased: %(erased)d; unsent emails cancelled: %(cancelled)d.",
                code=cycle.code, erased=purged["erased"], cancelled=purged["cancelled"],
            )  # fmt: skip
    except cycles.CycleError as error:
        db.session.rollback()
        flash(error_text(error), "error")
        return render_template(
            "staff/cycles.html", cycles=cycles.all_cycles(db.session), form=ConfirmForm()
        ), 409
    db.session.commit()
    flash(message, "info")
    return redirect(url_for("staff.cycles_index"))


@bp.post("/cycles/<code>/open")
@admin_required
def cycle_open(code: str) -> Response | tuple[str, int]:
    """Open a draft cycle (only one cycle is open at a time)."""
    return _transition(code, "open")


def _close_page(cycle: Cycle, error: str | None = None) -> tuple[str, int]:
    """The page that says what closing will do and asks for the cycle's code to be typed."""
    effects = cycles.closing_effects(db.session, cycle)
    page = render_template(
        "staff/cycle_close.html", cycle=cycle, effects=effects, form=ConfirmForm(), error=error
    )
    return page, 400 if error else 200


@bp.get("/cycles/<code>/close")
@admin_required
def cycle_close_confirm(code: str) -> tuple[str, int]:
    """What closing the cycle keeps, erases and retires, and the typed confirmation it needs."""
    return _close_page(_cycle_or_404(code))


@bp.post("/cycles/<code>/close")
@admin_required
def cycle_close(code: str) -> Response | tuple[str, int]:
    """Close an open cycle and erase its invitations' contact details, once its code was typed to confirm."""
    cycle = _cycle_or_404(code)
    typed = request.form.get("confirm_code", "").strip()
    if cycle.state == "open" and typed.casefold() != cycle.code.casefold():
        if not ConfirmForm().validate_on_submit():
            abort(400)
        return _close_page(
            cycle, _("Type the cycle code %(code)s to confirm. Nothing was changed.", code=cycle.code)
        )
    return _transition(code, "close")
