"""The national overview: every office's response count in the open cycle against its fixed minimum."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from ..db import db
from ..models import Cycle, CycleState, Office, Response
from . import bp
from .access import staff_required


@bp.get("/")
@staff_required
def index() -> str:
    """All offices (or the user's own) with their count in the open cycle."""
    session = db.session
    cycle = session.scalar(select(Cycle).where(Cycle.state == CycleState.OPEN).order_by(Cycle.opens_on.desc()))
    counts: dict[str, int] = {}
    if cycle is not None:
        rows = session.execute(
            select(Response.office_code, func.count()).where(Response.cycle_id == cycle.id).group_by(Response.office_code)
        )
        counts = {code: n for code, n in rows}
    offices = session.scalars(select(Office).order_by(Office.code)).all()
    return render_template("staff/index.html", cycle=cycle, offices=offices, counts=counts)
