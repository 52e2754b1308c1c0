"""``/staff/official``: admins import the official ITA results (CSV) that office pages set beside the survey's
estimate for the same fiscal year; every bad row is reported with its line and reason."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from ...db import db
from ...services.cycles import seeding
from ...services.improvement import official
from .. import bp
from ..access import admin_required
from .forms import OfficialImportForm


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
    }
    where = _("Line %(line)d", line=problem.line) + ": " if problem.line else ""
    return f"{where}{texts.get(problem.reason, problem.reason)}" + (
        f" ({problem.value})" if problem.value else ""
    )


def _page(form: OfficialImportForm, report: official.ImportReport | None = None, stored: int | None = None,
          status: int = 200) -> tuple[str, int]:  # fmt: skip
    html = render_template(
        "staff/official.html", form=form, years=official.years(db.session), report=report, stored=stored,
        problems=[problem_text(p) for p in report.problems] if report else [],
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
