"""Population frames of one office: a grid to type the numbers in, a CSV import and a CSV download."""

from __future__ import annotations

import csv
import io

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from ...db import db
from ...models import CycleState
from ...services.accounts.staff import audit
from ...services.cycles import frames
from ...templating import current_lang
from .. import bp
from ..access import staff_required, writer_required
from ..context import cycle_questionnaire, required_cycle, visible_office
from ..forms import ConfirmForm, FrameImportForm


def problem_text(problem: frames.Problem) -> str:
    """A sentence for people about one refused input."""
    texts = {
        "too_large": _("The file is too large (at most 64 KB)."),
        "not_text": _("The file is not a text CSV file."),
        "not_utf8": _("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."),
        "empty": _("The file has no rows."),
        "header": _("The first line must be: respondent_type,service,served"),
        "too_many_rows": _("The file has too many rows."),
        "malformed": _("The file is not valid CSV (check the quotes)."),
        "columns": _("A row must have exactly three columns."),
        "unknown_type": _("Unknown respondent type."),
        "unknown_service": _("Unknown service."),
        "not_a_number": _("Not a whole number between 0 and 10,000,000."),
        "duplicate": _("This respondent type and service appear twice."),
        "closed": _("The cycle is closed: its population frames can no longer change."),
        "locked": _(
            "The office already has released answers in this cycle, so its own staff can no longer change the"
            " frame: a frame changed after answers are released would let the scores give single answers away."
            " Ask the ministry's administrators to correct it."
        ),
    }
    text = texts.get(problem.reason, problem.reason)
    where = _("Line %(line)d", line=problem.line) + ": " if problem.line else ""
    return f"{where}{text}" + (f" ({problem.value})" if problem.value else "")


def _render(office_code: str, status: int = 200, problems: list[frames.Problem] | None = None,
            typed: dict[tuple[str, str], str] | None = None) -> tuple[str, int]:  # fmt: skip
    office = visible_office(office_code)
    cycle = required_cycle()
    questionnaire = cycle_questionnaire(cycle)
    frame = frames.load_frame(db.session, cycle.id, office.code)
    values = typed if typed is not None else {key: str(n) for key, n in frame.items()}
    locked = frames.locked_for(db.session, current_user, cycle, office.code)
    editable = current_user.can_write and cycle.state != CycleState.CLOSED and not locked
    html = render_template(
        "staff/frame.html", office=office, cycle=cycle, questionnaire=questionnaire, frame=frame, values=values,
        problems=[problem_text(p) for p in problems or []], editable=editable, locked=locked, form=ConfirmForm(),
        import_form=FrameImportForm(), total=sum(frame.values()),
    )  # fmt: skip
    return html, status


@bp.get("/offices/<code>/frame")
@staff_required
def office_frame(code: str) -> tuple[str, int]:
    """The office's population frame for the cycle, as a grid (editable by admins and the office's staff)."""
    return _render(code)


def _save(code: str, frame: dict[tuple[str, str], int], source: str) -> WerkzeugResponse | tuple[str, int]:
    cycle = required_cycle()
    try:
        changed = frames.save_frame(db.session, current_user, cycle, code, frame, source)
    except frames.FrameError as error:
        db.session.rollback()
        return _render(code, 409 if error.problems[0].reason in ("closed", "locked") else 400, error.problems)
    db.session.commit()
    flash(_("The population frame was saved.") if changed else _("Nothing changed."), "info")
    return redirect(url_for("staff.office_frame", code=code, cycle=cycle.code))


@bp.post("/offices/<code>/frame")
@writer_required
def office_frame_save(code: str) -> WerkzeugResponse | tuple[str, int]:
    """Save the grid. Every cell is checked first; one bad cell saves nothing."""
    visible_office(code)
    cycle = required_cycle()
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _render(code, 400)
    questionnaire = cycle_questionnaire(cycle)
    typed = {
        (t, s): request.form.get(f"served-{t}-{s}", "")[:40]
        for t in questionnaire.respondent_type.codes
        for s in questionnaire.service.codes
    }
    try:
        frame = frames.parse_grid(typed, questionnaire)
    except frames.FrameError as error:
        return _render(code, 400, error.problems, typed)
    return _save(code, frame, "form")


@bp.post("/offices/<code>/frame/import")
@writer_required
def office_frame_import(code: str) -> WerkzeugResponse | tuple[str, int]:
    """Replace the frame with a CSV file's; a file with any problem changes nothing and lists them all."""
    visible_office(code)
    cycle = required_cycle()
    form = FrameImportForm()
    if not form.validate_on_submit():
        problems = [frames.Problem(0, str(e)) for errors in form.errors.values() for e in errors]
        return _render(code, 400, problems)
    data = form.file.data.stream.read(frames.MAX_CSV_BYTES + 1)
    try:
        frame = frames.parse_csv(data, cycle_questionnaire(cycle))
    except frames.FrameError as error:
        return _render(code, 400, error.problems)
    return _save(code, frame, "csv")


@bp.get("/offices/<code>/frame.csv")
@staff_required
def office_frame_csv(code: str) -> Response:
    """The frame as a CSV file in the import format, every cell listed: a template to fill in (Thai headers and
    labels from a Thai page, codes from an English one; the import reads both)."""
    office = visible_office(code)
    cycle = required_cycle()
    questionnaire = cycle_questionnaire(cycle)
    frame = frames.load_frame(db.session, cycle.id, office.code)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    thai = (
        current_lang() == "th"
    )  # a Thai page's template is in Thai: headers and labels the import reads back
    writer.writerow(frames.COLUMNS_TH if thai else frames.COLUMNS)
    for rtype in questionnaire.respondent_type.choices:
        for service in questionnaire.service.choices:
            names = (rtype.label.th, service.label.th) if thai else (rtype.code, service.code)
            writer.writerow([*names, frame.get((rtype.code, service.code), "")])
    audit(db.session, current_user, "export", office.code, what="frame_csv", cycle=cycle.code)
    db.session.commit()
    filename = f"frame-{cycle.code}-{office.code}.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
