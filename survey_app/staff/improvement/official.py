"""``/staff/official``: admins import the official ITA results (CSV) that office pages set beside the survey's
estimate for the same fiscal year; every bad row is reported with its line and reason, and the report's valid rows
can be imported with one button (``/staff/official/valid-rows``) without choosing the file again."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user

from ...db import db
from ...services.cycles import seeding
from ...services.improvement import official
from .. import bp
from ..access import admin_required
from .forms import OfficialImportForm, OfficialValidRowsForm


def problem_text(problem: official.RowProblem) -> str:
    """A sentence for people about one refused row (or the whole file)."""
    texts = {
        "too_large": _("The file is too large (at most 256 KB)."),
        "not_utf8": _("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."),
        "not_text": _("The file is not a text CSV file."),
        "header": _(
            "The first line must name the columns: fiscal_year, office_code, eit (and iit, oit, total)."
        ),
        "too_many_rows": _("The file has too many rows."),
        "too_many_problems": _("The file has too many bad rows: is it the right file?"),
        "malformed": _("The file is not valid CSV (check the quotes)."),
        "year": _("The fiscal year must be a Buddhist-era year such as 2568."),
        "office": _("Unknown office code."),
        "score": _("A score must be a number from 0 to 100 (EIT is required)."),
        "duplicate": _("This office appears twice for the year."),
        "expired": _("The list of valid rows is more than an hour old. Choose the file again."),
        "invalid": _("The list of valid rows was changed or is not yours. Choose the file again."),
    }
    where = _("Line %(line)d", line=problem.line) + ": " if problem.line else ""
    return f"{where}{texts.get(problem.reason, problem.reason)}" + (
        f" ({problem.value})" if problem.value else ""
    )


def _page(form: OfficialImportForm, report: official.ImportReport | None = None, stored: int | None = None,
          status: int = 200, skipped: int = 0) -> tuple[str, int]:  # fmt: skip
    preview = None
    if report and report.rows and report.problems and not stored and not report.file_problem:
        token = official.preview_token(report, current_app.config["SECRET_KEY"], current_user.id)
        preview = OfficialValidRowsForm(preview=token)
    html = render_template(
        "staff/official.html", form=form, years=official.years(db.session), report=report, stored=stored,
        problems=[problem_text(p) for p in report.problems] if report else [], preview=preview,
        skipped=skipped or (len(report.problems) if report else 0),
    )  # fmt: skip
    return html, status


@bp.get("/official")
@admin_required
def official_results() -> tuple[str, int]:
    """The import form and the years already imported."""
    return _page(OfficialImportForm())


@bp.post("/official")
@admin_required
def official_import() -> tuple[str, int]:
    """Read the file; store it when every row is valid, or only its valid rows when asked to."""
    form = OfficialImportForm()
    if not form.validate_on_submit():
        report = official.ImportReport(
            problems=[official.RowProblem(0, str(e)) for es in form.errors.values() for e in es]
        )
        return _page(form, report, None, 400)
    data = form.file.data.stream.read(official.MAX_BYTES + 1)
    report = official.parse(data, seeding.office_codes(db.session))
    stored = official.store(db.session, current_user, report, valid_only=bool(form.valid_only.data))
    db.session.commit()
    return _page(form, report, stored, 400 if report.problems and not stored else 200)


@bp.post("/official/valid-rows")
@admin_required
def official_import_valid_rows() -> tuple[str, int]:
    """Import the valid rows of the file just reported on, from its signed preview; a preview that was changed,
    has expired or is another account's imports nothing (400)."""
    form = OfficialValidRowsForm()
    if not form.validate_on_submit():
        problem = official.RowProblem(0, "invalid")
        return _page(OfficialImportForm(), official.ImportReport(problems=[problem]), None, 400)
    try:
        report, skipped = official.from_preview(
            form.preview.data,
            current_app.config["SECRET_KEY"],
            current_user.id,
            seeding.office_codes(db.session),
        )
    except official.PreviewError as error:
        return _page(OfficialImportForm(), official.ImportReport(problems=[official.RowProblem(0, error.reason)]),
                     None, 400)  # fmt: skip
    stored = official.store(db.session, current_user, report, valid_only=True, skipped=skipped)
    db.session.commit()
    return _page(OfficialImportForm(), report, stored, skipped=skipped)
