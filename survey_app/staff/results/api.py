"""``/staff/api/results?cycle=CODE&office=CODE[&exclude_flagged=1]``: results as JSON for staff.

Admins and viewers may ask for one office or (without ``office``) every office with the national roll-up;
office users get their own office only (another office's code answers 404). Everything comes from the release
snapshots through ``services.results.disclosure``, as on the dashboard: offices with fewer than K released responses
come
without scores, weighted scores are withheld beside a small respondent type, respondent-type and flag counts are
suppressed, and with ``exclude_flagged=1`` an office's scores are given only when the dashboard would show the
comparison (at least K flagged and K unflagged responses; no flagged response: the same scores). Each office
carries ``improvement``: what holds it back (``services.improvement.gaps``), null below K or with ``exclude_flagged``.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_login import current_user

from ...clock import local_today
from ...db import db
from ...models import Role
from ...services.accounts.staff import audit
from ...services.improvement import gaps as improvement
from ...services.results.reasons import labels_of
from ...services.results.snapshots import shown
from .. import bp
from ..access import staff_required
from ..context import cycle_questionnaire, k_threshold, required_cycle, visible_office


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
        payload = shown.released_results(
            db.session,
            cycle,
            [office] if office else None,
            cycle_questionnaire(cycle),
            k=k_threshold(),
            exclude_flagged=exclude,
            today=local_today(),
            labels=labels_of(cycle_questionnaire(cycle)),
        )
    except LookupError:
        abort(404)
    # What holds each office back (the gap decomposition), with flagged responses as on the office page.
    improvement.with_improvement(
        payload, db.session, cycle, cycle_questionnaire(cycle), k_threshold(), exclude
    )
    audit(db.session, current_user, "export", office or None, what="results_json", cycle=cycle.code,
          exclude_flagged=exclude)  # fmt: skip
    db.session.commit()
    return payload, 200, {"Cache-Control": "no-store"}
