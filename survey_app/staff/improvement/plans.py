"""Improvement plans: ``/staff/offices/<code>/plan`` (an office's measures; its staff and admins write, viewers
read) and ``/staff/plans`` (every office's progress, for admins and viewers)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from ...clock import local_today
from ...db import db
from ...models import CycleState, Office, Role
from ...services.cycles import seeding
from ...services.improvement import plans
from ...templating import current_lang
from .. import bp
from ..access import roles_required, staff_required, writer_required
from ..context import required_cycle, visible_office
from ..forms import choice
from .forms import STATUS_LABELS, MeasureForm, StatusForm
from .sections import labels, office_gap

REASONS = {
    "item": lambda: _("Choose one of the questionnaire's items."),
    "action": lambda: _("Say what will be done (at most 1,000 characters)."),
    "owner": lambda: _("Say who is responsible (at most 200 characters)."),
    "due": lambda: _(
        "Give the date by which it will be done, its year in the Buddhist era (e.g. 31/03/2570)."
    ),
    "status": lambda: _("Unknown status."),
    "closed": lambda: _("The cycle is closed: its improvement plans can no longer change."),
}


def _item_choices(cycle_code: str, office: Office) -> list[object]:
    """Items of the questionnaire, those costing the most points toward 95 first, with what they cost."""
    cycle = required_cycle()
    names = labels(cycle, current_lang())["item"]
    gap = office_gap(cycle, office)
    order = [line.gap.item for line in gap.ranked] if gap else []
    order += [code for code in names if code not in order]
    cost = {line.gap.item: line.gap.cost_excellent for line in gap.lines} if gap else {}
    return [
        choice(code, f"{code} {names[code][:60]}" + (f" (−{cost[code]:.2f})" if cost.get(code) else ""))
        for code in order
    ]


def _render(
    code: str, form: MeasureForm | None = None, problem: str | None = None, status: int = 200
) -> tuple[str, int]:
    office = visible_office(code)
    cycle = required_cycle()
    form = form or MeasureForm()
    form.item.choices = _item_choices(cycle.code, office)
    editable = current_user.can_write and cycle.state != CycleState.CLOSED
    html = render_template(
        "staff/plan.html", office=office, cycle=cycle, measures=plans.office_plan(db.session, cycle.id, office.code),
        form=form, status_form=StatusForm(), status_labels=STATUS_LABELS, editable=editable, problem=problem,
        item_labels=labels(cycle, current_lang())["item"], today=local_today(),
    )  # fmt: skip
    return html, status


@bp.get("/offices/<code>/plan")
@staff_required
def office_plan(code: str) -> tuple[str, int]:
    """The office's improvement plan for the cycle."""
    return _render(code)


@bp.post("/offices/<code>/plan")
@writer_required
def office_plan_add(code: str) -> WerkzeugResponse | tuple[str, int]:
    """Add a measure; a bad form says what is wrong and stores nothing."""
    office = visible_office(code)
    cycle = required_cycle()
    form = MeasureForm()
    form.item.choices = _item_choices(cycle.code, office)
    if not form.validate_on_submit():
        return _render(code, form, _("Check the fields marked below: nothing was saved."), 400)
    try:
        plans.add_measure(
            db.session, current_user, cycle, office.code, item=form.item.data, action=form.action.data,
            owner=form.owner.data, due_on=form.due_on.data, items=labels(cycle, "en")["item"],
        )  # fmt: skip
    except plans.PlanError as error:
        db.session.rollback()
        return _render(code, form, REASONS[error.reason](), 409 if error.reason == "closed" else 400)
    db.session.commit()
    flash(_("The measure was added to the plan."), "info")
    return redirect(url_for("staff.office_plan", code=office.code, cycle=cycle.code))


@bp.post("/offices/<code>/plan/<int:measure_id>/status")
@writer_required
def office_plan_status(code: str, measure_id: int) -> WerkzeugResponse | tuple[str, int]:
    """Change a measure's status (another office's or cycle's measure is 404)."""
    office = visible_office(code)
    cycle = required_cycle()
    found = plans.measure(db.session, cycle.id, office.code, measure_id)
    if found is None:
        abort(404)
    form = StatusForm()
    if not form.validate_on_submit():
        return _render(code, problem=REASONS["status"](), status=400)
    try:
        changed = plans.set_status(db.session, current_user, cycle, found, form.status.data)
    except plans.PlanError as error:
        db.session.rollback()
        return _render(code, problem=REASONS[error.reason](), status=409 if error.reason == "closed" else 400)
    db.session.commit()
    flash(_("The status was changed.") if changed else _("Nothing changed."), "info")
    return redirect(url_for("staff.office_plan", code=office.code, cycle=cycle.code))


@bp.get("/plans")
@roles_required(Role.ADMIN, Role.VIEWER)
def all_plans() -> str:
    """Every office's improvement plan progress in the cycle."""
    cycle = required_cycle()
    progress = plans.progress(db.session, cycle.id, local_today())
    offices = seeding.offices(db.session)
    return render_template(
        "staff/plans.html", cycle=cycle, offices=offices, progress=progress, status_labels=STATUS_LABELS
    )
