"""The national view ``/staff/``: all 76 offices, sortable and filterable through query parameters, a summary
per region, a chart of progress, and CSV and JSON exports of exactly what the table shows.

Office users have no national view: ``/staff/`` takes them to their own office and the exports refuse them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from ...clock import local_today, utc_now
from ...db import db
from ...models import Cycle, Role
from ...services.accounts.staff import audit
from ...services.results import exports, national
from ...services.results.counts import channel_counts, national_live_counts
from ...templating import current_lang
from .. import bp
from ..access import roles_required, staff_required
from ..context import cycle_questionnaire, k_threshold, request_cycles, requested_cycle, required_cycle
from ..outreach.channels import channel_labels

national_roles = roles_required(Role.ADMIN, Role.VIEWER)


def _progress_kind(row: national.OfficeRow) -> str:
    if row.adequate:
        return "adequate"
    return "low" if row.progress < 50 else "half"


@dataclass(frozen=True)
class ProgressBar:
    """One province in the national progress chart (an HTML meter, so its label keeps the page's font size)."""

    code: str
    province: str
    progress: float
    more: int
    kind: str


def progress_chart(rows: list[national.OfficeRow], lang: str) -> list[ProgressBar]:
    """Every office's progress, lowest first, named by its province."""
    ordered = sorted(rows, key=lambda r: (r.progress, r.code))
    return [
        ProgressBar(r.code, r.province_en if lang == "en" else r.province_th, r.progress, r.shortfall,
                    _progress_kind(r))
        for r in ordered
    ]  # fmt: skip


def _table(cycle: Cycle) -> tuple[national.NationalView, national.Filters, list[national.OfficeRow]]:
    view = national.national_view(db.session, cycle, cycle_questionnaire(cycle), local_today(), k_threshold())
    filters = national.Filters.parse(request.args)
    return view, filters, national.select_rows(view.rows, filters, current_lang())


@bp.get("/")
@staff_required
def index() -> str | WerkzeugResponse:
    """The national table; office users are taken to their own office's dashboard."""
    if current_user.role == Role.OFFICE:
        # Only the chosen cycle and language travel along: other names could be url_for's own (_external...).
        kept: dict[str, Any] = {k: v for k, v in request.args.items() if k in ("cycle", "lang")}
        return redirect(url_for("staff.office_dashboard", code=current_user.office_code, **kept))
    cycle = requested_cycle()
    if cycle is None:
        return render_template("staff/index.html", cycle=None, cycles=[])
    view, filters, rows = _table(cycle)
    lang = current_lang()
    regions = national.region_summaries(view.rows, view.national)
    return render_template(
        "staff/index.html", cycle=cycle, cycles=request_cycles(), view=view, rows=rows,
        filters=filters, regions=regions, chart=progress_chart(view.rows, lang),
        live_url=url_for("staff.national_live", cycle=cycle.code), k=k_threshold(),
        channels=channel_counts(db.session, cycle.id, local_today()), channel_names=channel_labels(),
    )  # fmt: skip


@bp.get("/live.json")
@national_roles
def national_live() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Counts per office (``<code>.today``, ``<code>.last7``, ``<code>.count``) and the national totals."""
    cycle = required_cycle()
    counts = national_live_counts(db.session, cycle.id, local_today())
    payload: dict[str, Any] = {}
    for code, live in counts.items():
        payload.update(
            {f"{code}.today": live.today, f"{code}.last7": live.last7, f"{code}.count": live.total}
        )
    payload["all.today"] = sum(c.today for c in counts.values())
    payload["all.last7"] = sum(c.last7 for c in counts.values())
    payload["all.count"] = sum(c.total for c in counts.values())
    return payload, 200, {"Cache-Control": "no-store"}


def _attachment(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
    })  # fmt: skip


@bp.get("/export.csv")
@national_roles
def export_csv() -> Response:
    """The table as filtered and sorted on the page, as CSV (UTF-8 with BOM; formulas neutralised)."""
    cycle = required_cycle()
    _view, filters, rows = _table(cycle)
    audit(db.session, current_user, "export", what="national_csv", cycle=cycle.code, rows=len(rows),
          filters=filters.as_args())  # fmt: skip
    db.session.commit()
    return _attachment(exports.national_csv(rows), "text/csv; charset=utf-8", f"eit-{cycle.code}-offices.csv")


@bp.get("/export.json")
@national_roles
def export_json() -> Response:
    """The table as filtered and sorted on the page, with the region summaries and the national roll-up."""
    cycle = required_cycle()
    view, filters, rows = _table(cycle)
    audit(db.session, current_user, "export", what="national_json", cycle=cycle.code, rows=len(rows),
          filters=filters.as_args())  # fmt: skip
    db.session.commit()
    regions = national.region_summaries(view.rows, view.national)
    payload = exports.national_json(cycle.code, view, rows, regions, k_threshold(), utc_now())
    body = json.dumps(payload, ensure_ascii=False, indent=1)
    return _attachment(body, "application/json", f"eit-{cycle.code}-offices.json")
