"""Extension singletons, created once here so that blueprints never import the factory."""

from __future__ import annotations

from flask import request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
# Counters are held in memory or Redis (RATELIMIT_STORAGE_URI) and never written to the database.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def select_locale() -> str:
    """Thai unless the visitor chose English with ``?lang=en`` (kept in the session) or a form field."""
    chosen = request.args.get("lang") or request.form.get("lang")
    if chosen in ("th", "en"):
        session["lang"] = chosen
        return chosen
    stored = session.get("lang")
    return stored if stored in ("th", "en") else "th"


babel = Babel()
