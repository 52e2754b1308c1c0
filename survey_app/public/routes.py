"""Landing page and health check."""

from __future__ import annotations

from flask import current_app, render_template

from ..extensions import limiter
from ..web import health
from . import bp


@bp.get("/")
def index() -> str:
    """What this site is, for a citizen who typed the address by hand, and the way in for staff."""
    return render_template("public/index.html")


@bp.get("/healthz")
@limiter.exempt
def healthz() -> tuple[dict[str, str], int]:
    """Each dependency's state as JSON (``database``: ok/down, ``ratelimit``: ok/degraded); 503 only when the
    database is down, so load balancers keep a process whose rate limits merely fell back to memory."""
    return health.report(str(current_app.config.get("RATELIMIT_STORAGE_URI", "memory://")))


@bp.get("/privacy")
def privacy() -> str:
    """The full privacy notice: what a response stores and what is never stored."""
    return render_template("public/privacy.html")
