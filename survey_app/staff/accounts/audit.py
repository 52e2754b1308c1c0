"""The audit log for admins: who did what, when — newest first, filterable, paged by id."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request

from ...clock import BANGKOK
from ...db import db
from ...services.accounts import staff as accounts
from ...services.cycles import seeding
from ...web.inputs import int_arg
from .. import bp
from ..access import admin_required

PAGE_SIZE = 100


def local_time(value: dt.datetime) -> dt.datetime:
    """``value`` in Bangkok time (SQLite gives naive UTC datetimes)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(BANGKOK)


@bp.get("/audit")
@admin_required
def audit_log() -> str:
    """Events filtered by ``action``, ``office`` and ``actor`` (part of an email); ``before`` pages back."""
    action = (request.args.get("action") or "").strip()[:60]
    office = (request.args.get("office") or "").strip()[:2]
    actor = (request.args.get("actor") or "").strip().lower()[:320]
    before = int_arg("before")
    events = accounts.audit_events(
        db.session, action=action, office=office, actor=actor, before=before, limit=PAGE_SIZE + 1
    )
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    actions = accounts.audit_actions(db.session)
    offices = seeding.offices(db.session)
    return render_template(
        "staff/audit.html", events=events, more=more, actions=actions, offices=offices,
        filters={"action": action, "office": office, "actor": actor}, local_time=local_time,
    )  # fmt: skip
