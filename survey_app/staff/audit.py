"""The audit log for admins: who did what, when — newest first, filterable, paged by id."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request
from sqlalchemy import select

from ..clock import BANGKOK
from ..db import db
from ..inputs import int_arg
from ..models import AuditEvent, Office
from . import bp
from .access import admin_required

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
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)
    if action:
        query = query.where(AuditEvent.action == action)
    if office:
        query = query.where(AuditEvent.office_code == office)
    if actor:
        query = query.where(AuditEvent.actor_email.contains(actor, autoescape=True))
    if before:
        query = query.where(AuditEvent.id < before)
    events = list(db.session.scalars(query))
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    actions = sorted(db.session.scalars(select(AuditEvent.action).distinct()))
    offices = db.session.scalars(select(Office).order_by(Office.code)).all()
    return render_template(
        "staff/audit.html", events=events, more=more, actions=actions, offices=offices,
        filters={"action": action, "office": office, "actor": actor}, local_time=local_time,
    )  # fmt: skip
