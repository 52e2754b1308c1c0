"""Extension singletons, created once here so that blueprints never import the factory."""

from __future__ import annotations

from flask import request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge

from .clientkeys import client_key

csrf = CSRFProtect()
login_manager = LoginManager()
# Counters are held in memory or Redis (RATELIMIT_STORAGE_URI) and never written to the database; they are keyed by
# a daily-keyed hash of the client address, never the address itself. When the store (Redis) does not answer, limits
# are counted in each process's memory instead and nothing fails (survey_app/web/health.py reports and logs it).
limiter = Limiter(
    key_func=client_key, default_limits=[], in_memory_fallback_enabled=True, swallow_errors=True
)


def select_locale() -> str:
    """Thai unless the visitor chose English with ``?lang=en`` (kept in the session) or a form field."""
    chosen = request.args.get("lang") or _form_lang()
    if chosen in ("th", "en"):
        session["lang"] = chosen
        return chosen
    stored = session.get("lang")
    return stored if stored in ("th", "en") else "th"


def _form_lang() -> str | None:
    """The form's ``lang`` field; None when the body cannot be read (the 413 page for an oversized upload is
    rendered through here, and reading the form again would raise inside the error handler). A request without a
    body type (every GET) has no form: werkzeug would build an empty one."""
    if not request.want_form_data_parsed:
        return None
    try:
        return request.form.get("lang")
    except RequestEntityTooLarge:
        return None


babel = Babel()
