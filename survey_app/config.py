"""Settings from environment variables prefixed ``SURVEY_``, with safe defaults and a loud failure in production.

| variable | meaning | default |
| --- | --- | --- |
| SURVEY_ENV | ``development`` or ``production`` | development |
| SURVEY_DATABASE_URL | SQLAlchemy URL | SQLite file ``survey.db`` in the instance folder |
| SURVEY_SECRET_KEY | Flask session and CSRF key | generated once into the instance folder (development only) |
| SURVEY_BASE_URL | public origin printed on posters and emails | http://127.0.0.1:5000 (development only) |
| SURVEY_LINK_KEYS | comma-separated signing keys for survey links, newest first | the secret key |
| SURVEY_RATELIMIT_STORAGE_URI | Flask-Limiter storage, e.g. ``redis://host:6379/0`` | memory:// |
| SURVEY_SUBMIT_RATE_LIMIT | limit on survey POSTs per client address | 20 per minute |
| SURVEY_LOGIN_RATE_LIMIT | limit on staff login POSTs per client address | 10 per minute |
| SURVEY_SHORTCODE_RATE_LIMIT | limit on poster short-code lookups (``/t``) per client address | 20 per minute |
| SURVEY_MIN_SECONDS | fewer seconds than this between form and submission flags ``too_fast`` | 30 |
| SURVEY_PROXIES | how many reverse proxies set X-Forwarded-For/-Proto in front of the app | 0 |
| SURVEY_BURST_LIMIT | submissions per office and day from one address or device before ``burst`` is flagged | 10 |
| SURVEY_SUPPRESS_BELOW | staff views hide breakdowns covering fewer responses than this (K) | 5 |
| SURVEY_TWO_STEP_REQUIRED | roles that must use two-step sign-in (comma-separated) | admin in production |
| SURVEY_SESSION_IDLE_HOURS | a staff session unused this long ends | 8 |
| SURVEY_SESSION_MAX_DAYS | any staff session ends this long after sign-in | 7 |
| SURVEY_METRICS_BIND | address (``host:port``) where the gunicorn master serves Prometheus metrics | off |
| SURVEY_JSON_LOGS | ``1``: one JSON log line per request (route template, status, duration, request id) | 0 |
| SURVEY_MAIL_* | SMTP: HOST, PORT, SECURITY (none/starttls/tls), USER, PASSWORD, SENDER, RATE_PER_MINUTE | see README |

Any of them can instead be read from a file: ``SURVEY_SECRET_KEY_FILE=/run/credentials/survey-web.service/secret_key``
reads the key from that file (surrounding whitespace removed), as systemd credentials and container secrets provide.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PREFIX = "SURVEY_"
# One catalogue folder per area of the app (core, survey, staff, ...); Flask-Babel merges them.
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


class ConfigError(RuntimeError):
    """The configuration cannot start the application; the message says what to set."""


def _env(name: str, default: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """``SURVEY_<name>``, or the contents of the file named by ``SURVEY_<name>_FILE`` (systemd credentials,
    container secrets), or ``default``. Setting both is an error: one of them would be silently ignored."""
    source = os.environ if environ is None else environ
    value = source.get(PREFIX + name)
    path = source.get(PREFIX + name + "_FILE")
    if path:
        if value not in (None, ""):
            raise ConfigError(f"set {PREFIX}{name} or {PREFIX}{name}_FILE, not both")
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"{PREFIX}{name}_FILE names {path}, which cannot be read ({exc.strerror})"
            ) from exc
    return value if value not in (None, "") else default


def _dev_secret_key(instance_path: Path) -> str:
    """Read the development key from the instance folder, creating it on first start."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load(instance_path: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment.

    Raises ``ConfigError`` in production when ``SURVEY_SECRET_KEY`` or ``SURVEY_BASE_URL`` is missing.
    """

    def get(name: str, default: str | None = None) -> str | None:
        return _env(name, default, environ)

    env = get("ENV", "development")
    production = env == "production"
    instance = Path(instance_path)
    if production:
        missing = [PREFIX + n for n in ("SECRET_KEY", "BASE_URL") if not get(n)]
        if missing:
            raise ConfigError(
                f"SURVEY_ENV=production needs {' and '.join(missing)}: set them in the environment "
                "(a long random secret key, and the public https:// origin of the site)."
            )
    secret_key = get("SECRET_KEY") or _dev_secret_key(instance)
    link_keys = [k.strip() for k in (get("LINK_KEYS") or "").split(",") if k.strip()] or [secret_key]
    return {
        "ENV_NAME": env,
        "SECRET_KEY": secret_key,
        "LINK_KEYS": link_keys,
        "BASE_URL": (get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "DATABASE_URL": get("DATABASE_URL") or f"sqlite:///{instance / 'survey.db'}",
        "RATELIMIT_STORAGE_URI": get("RATELIMIT_STORAGE_URI", "memory://"),
        "SUBMIT_RATE_LIMIT": get("SUBMIT_RATE_LIMIT", "20 per minute"),
        "LOGIN_RATE_LIMIT": get("LOGIN_RATE_LIMIT", "10 per minute"),
        "SHORTCODE_RATE_LIMIT": get("SHORTCODE_RATE_LIMIT", "20 per minute"),
        "MIN_SECONDS": int(get("MIN_SECONDS", "30") or 30),
        "BURST_LIMIT": int(get("BURST_LIMIT", "10") or 10),
        "SUPPRESS_BELOW": int(get("SUPPRESS_BELOW", "5") or 5),
        # ``daily``: waiting responses are released once a day at a time drawn from the secret key (the
        # ``survey-app release`` job, or the first staff request after it); ``at_k``: by the K-th submission.
        "RELEASE_SCHEDULE": get("RELEASE_SCHEDULE", "daily"),
        "PROXIES": int(get("PROXIES", "0") or 0),
        # Prometheus metrics, served by the gunicorn master on this address (survey_app/monitoring/); off when unset.
        "METRICS_BIND": get("METRICS_BIND"),
        "METRICS": bool(get("METRICS_BIND")),
        "JSON_LOGS": get("JSON_LOGS", "0") == "1",
        "SURVEYS_DIR": get("SURVEYS_DIR") or str(Path(__file__).resolve().parent.parent / "surveys"),
        "MAIL_HOST": get("MAIL_HOST", "localhost"),
        "MAIL_PORT": int(get("MAIL_PORT", "25") or 25),
        "MAIL_SECURITY": get("MAIL_SECURITY", "none"),
        "MAIL_USER": get("MAIL_USER"),
        "MAIL_PASSWORD": get("MAIL_PASSWORD"),
        "MAIL_SENDER": get("MAIL_SENDER", "noreply@localhost"),
        "MAIL_RATE_PER_MINUTE": int(get("MAIL_RATE_PER_MINUTE", "60") or 60),
        "TWO_STEP_REQUIRED_ROLES": tuple(
            r.strip()
            for r in (get("TWO_STEP_REQUIRED", "admin" if production else "") or "").split(",")
            if r.strip()
        ),
        "SESSION_IDLE_HOURS": float(get("SESSION_IDLE_HOURS", "8") or 8),
        "SESSION_MAX_DAYS": float(get("SESSION_MAX_DAYS", "7") or 7),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": 3600,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "th",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Bangkok",
        "LANGUAGES": ("th", "en"),
        "BABEL_TRANSLATION_DIRECTORIES": ";".join(
            sorted(str(p) for p in TRANSLATIONS.iterdir() if (p / "th").is_dir())
        ),
    }
