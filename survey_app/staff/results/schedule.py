"""The daily release on the first staff request after its time (``services/intake/batches.py``): pages never wait
for the ``survey-app release`` timer. Checked at most once a minute of the application's clock per process."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from ...clock import utc_now
from ...db import db
from ...services.intake import batches as release
from .. import bp
from ..context import cycle_questionnaire, k_threshold

CHECK_EVERY = dt.timedelta(minutes=1)


@bp.before_request
def release_when_due() -> None:
    """Release what is due before the page reads the results (daily schedule only)."""
    if current_app.config["RELEASE_SCHEDULE"] != "daily":
        return
    now = utc_now()
    state = current_app.extensions.setdefault("release_schedule", {})
    last = state.get("checked")
    if last is not None and now - last < CHECK_EVERY and now >= last:
        return
    state["checked"] = now
    key = str(current_app.config["SECRET_KEY"]).encode()
    release.release_open_cycles(db.session, cycle_questionnaire, k_threshold(), key, now)
    db.session.commit()
