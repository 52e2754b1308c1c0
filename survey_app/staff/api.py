"""``/staff/api/results?cycle=CODE&office=CODE[&exclude_flagged=1]``: results as JSON for staff.

Admins and viewers may ask for one office or (without ``office``) every office with the national roll-up;
office users get their own office only (another office's code answers 404). Everything comes from the released
state through ``services.disclosure``, as on the dashboard: offices with fewer than K released responses come
without scores, weighted scores are withheld beside a small respondent type, respondent-type and flag counts are
suppressed, and with ``exclude_flagged=1`` an office's scores are given only when the dashboard would show the
comparison (at least K flagged and K unflagged responses; no flagged response: the same scores).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import abort, request
from flask_login import current_user

from ..clock import local_today
from ..db import db
from ..models import Role
from ..services import disclosure, results
from ..services.accounts import audit
from . import bp
from .access import staff_required
from .context import k_threshold, required_cycle, visible_office

SCORE_FIELDS = ("eit", "indicators", "items")


def suppressed_office(
    result: results.OfficeResult, k: int, whole: results.OfficeResult | None
) -> dict[str, Any]:
    """One office's result as staff may see it. ``whole`` is the office with its flagged responses when
    ``result`` leaves them out: when the difference may not be shown, the office is given as ``whole`` is,
    without scores (``without_flagged_hidden``)."""
    reference = whole or result
    hidden_difference = whole is not None and not (
        whole.flagged == 0 or disclosure.difference_shown(whole.flagged, whole.count, k)
    )
    shown = disclosure.office_result(reference if hidden_difference else result, k)
    if hidden_difference:
        shown = dataclasses.replace(shown, eit=None, indicators={}, items={})
    data = shown.to_dict()
    data["without_flagged_hidden"] = hidden_difference
    data["suppressed"] = reference.count < k
    data["flagged"] = disclosure.part_count(reference.flagged, reference.count, k)
    breakdown = disclosure.suppress(dict(reference.type_counts), k)
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
    try:
        computed = results.cycle_results(
            db.session, cycle, [office] if office else None, exclude_flagged=exclude, today=local_today()
        )
    except LookupError:
        abort(404)
    k = k_threshold()
    wholes: dict[str, results.OfficeResult] = {}
    if exclude:
        everything = results.cycle_results(
            db.session, cycle, [office] if office else None, today=local_today()
        )
        wholes = {r.office_code: r for r in everything.offices}
    payload = computed.to_dict()
    payload["suppress_below"] = k
    payload["offices"] = [suppressed_office(o, k, wholes.get(o.office_code)) for o in computed.offices]
    # No roll-up without flagged responses: its difference to the full one could isolate a few flagged answers.
    if office or exclude or (payload.get("national") and payload["national"]["responses"] < k):
        payload["national"] = None
    audit(db.session, current_user, "export", office or None, what="results_json", cycle=cycle.code,
          exclude_flagged=exclude)  # fmt: skip
    db.session.commit()
    return payload, 200, {"Cache-Control": "no-store"}
