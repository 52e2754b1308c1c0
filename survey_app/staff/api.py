"""``/staff/api/results?cycle=CODE&office=CODE[&exclude_flagged=1]``: results as JSON for staff.

Admins and viewers may ask for one office or (without ``office``) every office with the national roll-up;
office users get their own office only (another office's code answers 404). Offices with fewer than K responses
come without scores, and their respondent-type counts are suppressed as on the dashboard.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_login import current_user

from ..clock import local_today
from ..db import db
from ..models import Role
from ..services import results
from ..services.accounts import audit
from ..services.dashboard import suppress
from ..services.reasons import labels_of
from . import bp
from .access import staff_required
from .context import cycle_questionnaire, k_threshold, required_cycle, visible_office

SCORE_FIELDS = ("eit", "indicators", "items")


def suppressed_office(data: dict[str, Any], k: int) -> dict[str, Any]:
    """One office's result dictionary with scores removed below K and small type counts hidden."""
    if data["count"] < k:
        data.update(eit=None, indicators={}, items={}, suppressed=True)
    else:
        data["suppressed"] = False
    breakdown = suppress(data.get("type_counts") or {}, k)
    data["type_counts"] = None if breakdown.hidden else {cell.code: cell.count for cell in breakdown.cells}
    return data


@bp.get("/api/results")
@staff_required
def api_results() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Results of the cycle for one office or all, as the dashboards show them."""
    cycle = required_cycle()
    office = (request.args.get("office") or "").strip()
    if not office and current_user.role == Role.OFFICE:
        office = str(current_user.office_code)
    if office:
        visible_office(office)
    exclude = request.args.get("exclude_flagged") in ("1", "true", "yes")
    k = k_threshold()
    try:
        computed = results.cycle_results(
            db.session, cycle, [office] if office else None, exclude_flagged=exclude, today=local_today(), k=k
        )
    except LookupError:
        abort(404)
    payload = computed.to_dict(labels_of(cycle_questionnaire(cycle)))
    payload["suppress_below"] = k
    payload["offices"] = [suppressed_office(o, k) for o in payload["offices"]]
    if office or (payload.get("national") and payload["national"]["responses"] < k):
        payload["national"] = None
    audit(db.session, current_user, "export", office or None, what="results_json", cycle=cycle.code,
          exclude_flagged=exclude)  # fmt: skip
    db.session.commit()
    return payload, 200, {"Cache-Control": "no-store"}
