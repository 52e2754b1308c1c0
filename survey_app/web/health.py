"""The state of the parts the application depends on: the database (required) and the rate-limit store (Redis when
configured; without it limits are counted per process, which is degraded but safe).

``/healthz`` reports both; while the rate-limit store is unreachable, a warning is logged at most once a minute.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask
from sqlalchemy import text

from ..clock import utc_now
from ..db import db
from ..extensions import limiter
from .errors import DATABASE_UNAVAILABLE

log = logging.getLogger(__name__)

WARN_EVERY_SECONDS = 60.0
_lock = threading.Lock()
_last_warning = 0.0


def ratelimit_degraded() -> bool:
    """Whether the limiter has fallen back to per-process counters because its store did not answer.

    Flask-Limiter keeps that state in ``_storage_dead`` (no public accessor); it returns to False by itself once
    the store answers again."""
    return bool(getattr(limiter, "_storage_dead", False))


def database_state() -> str:
    """``ok`` when the database answers a query, ``down`` otherwise (the session is rolled back)."""
    try:
        db.session.execute(text("SELECT 1"))
    except DATABASE_UNAVAILABLE:
        db.session.rollback()
        return "down"
    return "ok"


def ratelimit_state(storage_uri: str) -> str:
    """``ok`` (memory, or a store that answers) or ``degraded`` (the store does not answer: per-process limits)."""
    if storage_uri.startswith("memory://"):
        return "ok"
    try:
        answers = bool(limiter.storage.check())
    except Exception:
        answers = False
    return "ok" if answers else "degraded"  # the limiter itself returns to the store at its next check


def report(storage_uri: str) -> tuple[dict[str, str], int]:
    """The ``/healthz`` body and status: 503 only when the database is down."""
    parts = {"database": database_state(), "ratelimit": ratelimit_state(storage_uri)}
    if parts["database"] != "ok":
        status = "down"
    elif parts["ratelimit"] != "ok":
        status = "degraded"
    else:
        status = "ok"
    return {"status": status, **parts}, 503 if status == "down" else 200


def warn_when_degraded() -> None:
    """Log a warning, at most once a minute per process, while limits are counted per process."""
    global _last_warning
    if not ratelimit_degraded():
        return
    now = utc_now().timestamp()
    with _lock:
        if now - _last_warning < WARN_EVERY_SECONDS:
            return
        _last_warning = now
    log.warning("rate-limit store unreachable: rate limits are counted per process until it answers again")


def init_app(app: Flask) -> None:
    """Check the limiter's state after every request (it changes inside Flask-Limiter's own hooks)."""
    app.teardown_request(lambda _exc: warn_when_degraded())
