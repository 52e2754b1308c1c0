"""Landing page and health check."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..db import db
from ..errors import render_error
from ..extensions import limiter
from . import bp


@bp.get("/")
def index() -> str:
    """What this site is, for a citizen who typed the address by hand, and the way in for staff."""
    return render_template("public/index.html")


@bp.get("/healthz")
@limiter.exempt
def healthz() -> tuple[dict[str, str], int] | tuple[str, int]:
    """200 when the database answers a query, 503 otherwise (for load balancers and monitoring)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return render_error(503)
    return {"status": "ok", "database": "ok"}, 200


@bp.get("/privacy")
def privacy() -> str:
    """The full privacy notice: what a response stores and what is never stored."""
    return render_template("public/privacy.html")
