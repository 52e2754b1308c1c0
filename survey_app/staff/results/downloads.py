"""Downloads for analysts, each a plain GET link on the page it belongs to (bookmarkable, scriptable with a staff
session): the national table as XLSX (admins and viewers), an office's results as XLSX (that office's staff,
admins, viewers), and the anonymised microdata as CSV, SPSS and Stata files with a codebook (admins only).
Every download is audited."""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user

from ...clock import local_today
from ...db import db
from ...documents import microdata as microdata_files
from ...documents.report import OfficeReport, render_docx, render_pdf
from ...models import Role
from ...services.accounts.staff import audit
from ...services.cycles import manage as cycles
from ...services.improvement import reports
from ...services.results import microdata, national
from ...services.results import spreadsheets as spreadsheet_exports
from ...services.results.reasons import labels_of
from ...services.results.snapshots import shown
from ...templating import current_lang
from .. import bp
from ..access import admin_required, roles_required, staff_required
from ..context import cycle_questionnaire, k_threshold, required_cycle, visible_office
from ..improvement.sections import office_gap
from .shaping import score_lines

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(body: str | bytes, mimetype: str, filename: str) -> Response:
    """A download that is never cached (staff data)."""
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
    })  # fmt: skip


@bp.get("/export.xlsx")
@roles_required(Role.ADMIN, Role.VIEWER)
def export_xlsx() -> Response:
    """The national table as filtered and sorted on the page, as XLSX with Thai headers."""
    cycle = required_cycle()
    view = national.national_view(db.session, cycle, cycle_questionnaire(cycle), local_today(), k_threshold())
    filters = national.Filters.parse(request.args)
    rows = national.select_rows(view.rows, filters, current_lang())
    audit(db.session, current_user, "export", what="national_xlsx", cycle=cycle.code, rows=len(rows))
    db.session.commit()
    return attachment(spreadsheet_exports.national_xlsx(rows), XLSX, f"eit-{cycle.code}-offices.xlsx")


@bp.get("/offices/<code>/results.xlsx")
@staff_required
def office_xlsx(code: str) -> Response:
    """One office's scores and what holds it back, as XLSX (no scores below K responses)."""
    office = visible_office(code)
    cycle = required_cycle()
    result = shown.office_result(db.session, cycle, office.code, cycle_questionnaire(cycle), k=k_threshold())
    lines = []
    if result.count >= k_threshold():
        lines = [
            (x.code, str(x.label), x.kind, x.score)
            for x in score_lines(result, cycle_questionnaire(cycle), "th")
        ]
    sample = spreadsheet_exports.sample_rows(result, k_threshold(), labels_of(cycle_questionnaire(cycle)))
    body = spreadsheet_exports.office_xlsx(lines, office_gap(cycle, office), sample)
    audit(db.session, current_user, "export", office.code, what="office_xlsx", cycle=cycle.code)
    db.session.commit()
    return attachment(body, XLSX, f"eit-{cycle.code}-{office.code}.xlsx")


def _microdata() -> tuple[str, microdata.Microdata, dict[str, tuple[str, str, str]]]:
    cycle = required_cycle()
    questionnaire = cycle_questionnaire(cycle)
    data = microdata.build(db.session, cycle, questionnaire, k_threshold())
    texts = {item.code: (item.text("th"), item.text("en")) for item in questionnaire.items}
    return cycle.code, data, microdata_files.labels(data.columns, texts)


@bp.get("/microdata.<kind>")
@admin_required
def microdata_export(kind: str) -> Response:
    """The anonymised microdata as ``csv``, ``sav`` (SPSS) or ``dta`` (Stata); other kinds are 404."""
    if kind not in ("csv", "sav", "dta"):
        return Response("not found", status=404)
    cycle_code, data, described = _microdata()
    names = {column: th for column, (th, _en, _t) in described.items()}
    if kind == "csv":
        body: str | bytes = microdata.as_csv(data)
        mimetype = "text/csv; charset=utf-8"
    elif kind == "sav":
        body, mimetype = microdata_files.as_sav(data.columns, data.rows, names), "application/x-spss-sav"
    else:
        body, mimetype = microdata_files.as_dta(data.columns, data.rows, names), "application/x-stata-dta"
    audit(db.session, current_user, "export", what=f"microdata_{kind}", cycle=cycle_code, rows=len(data.rows),
          blanked=data.blanked, left_out=data.left_out)  # fmt: skip
    db.session.commit()
    return attachment(body, mimetype, f"eit-{cycle_code}-microdata.{kind}")


@bp.get("/microdata-codebook.csv")
@admin_required
def microdata_codebook() -> Response:
    """What every variable of the microdata means, and the disclosure control applied."""
    cycle_code, data, described = _microdata()
    k = k_threshold()
    notes = [
        f"K = {k}: offices with fewer than K responses are left out ({data.left_out} responses)",
        f"respondent type and service are blank in type x service cells below K ({data.blanked} rows)",
        "no response id, date, time, suggestion text or contact is exported; rows are sorted by office and month",
    ]
    audit(db.session, current_user, "export", what="microdata_codebook", cycle=cycle_code)
    db.session.commit()
    body = microdata.codebook(described, notes)
    return attachment(body, "text/csv; charset=utf-8", f"eit-{cycle_code}-codebook.csv")


def _report(code: str) -> tuple[str, str, OfficeReport]:
    office = visible_office(code)
    cycle = required_cycle()
    earlier = [c for c in cycles.all_cycles(db.session) if c.opens_on < cycle.opens_on]
    report = reports.office_report(
        db.session,
        cycle,
        office,
        cycle_questionnaire(cycle),
        k_threshold(),
        local_today(),
        earlier,
        cycle_questionnaire,
    )
    return office.code, cycle.code, report


@bp.get("/offices/<code>/report.<kind>")
@staff_required
def office_report(code: str, kind: str) -> Response:
    """The office's analysis-and-improvement report for the cycle as ``pdf`` or ``docx`` (other kinds 404)."""
    if kind not in ("pdf", "docx"):
        return Response("not found", status=404)
    office_code, cycle_code, report = _report(code)
    if kind == "pdf":
        body, mimetype = render_pdf(report), "application/pdf"
    else:
        body = render_docx(report)
        mimetype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    audit(db.session, current_user, "export", office_code, what=f"report_{kind}", cycle=cycle_code)
    db.session.commit()
    return attachment(body, mimetype, f"eit-report-{cycle_code}-{office_code}.{kind}")
