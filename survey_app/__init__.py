"""The EIT survey application: ``create_app()`` wires configuration, extensions, blueprints and commands."""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import config
from .web.flask_app import SurveyFlask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application. Opens no connection and runs no migration: those are release steps."""
    app = SurveyFlask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.load(app.instance_path))
    if test_config:
        app.config.update(test_config)
    trust_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind SURVEY_PROXIES reverse proxies, take the client address and scheme from X-Forwarded-* so that
    rate limits count each client, not the proxy, and HTTPS is recognised."""
    proxies = int(app.config.get("PROXIES", 0))
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    from .db import db
    from .extensions import babel, csrf, limiter, login_manager, select_locale
    from .monitoring import requests as request_monitoring
    from .templating import init_templating
    from .web import health, inputs, logfilter, ratelimit, security, static_files

    inputs.init_app(app)
    db.init_app(app)
    csrf.init_app(app)
    # No X-RateLimit-* headers: they cost the store two round trips on every limited request; a 429 still says
    # Retry-After (errors.retry_after).
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # A store that does not answer must not hold a request up for long: fail fast and fall back to memory.
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", _storage_options(app.config["RATELIMIT_STORAGE_URI"]))
    limiter.init_app(app)
    if not app.config.get("RATELIMIT_DEFAULT") and not app.config.get("RATELIMIT_APPLICATION"):
        # Every limit here is a route's own, checked by its decorator; with no default or application-wide limit the
        # extension's before-request hook finds nothing to do, at a cost on every request (tests/integration/
        # test_survey_ratelimit.py checks that the route limits still hold).
        app.before_request_funcs[None].remove(limiter._check_request_limit)
    ratelimit.init_app(app)  # the extension's other hooks only after a request that evaluated a limit
    health.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    security.init_app(app)
    request_monitoring.init_app(app, health.ratelimit_degraded)
    init_templating(app)
    static_files.init_app(app)
    logfilter.install()


def _storage_options(uri: str) -> dict[str, float]:
    """Connection options of the rate-limit store: short timeouts for Redis, none for memory."""
    if uri.startswith(("redis://", "rediss://", "unix://")):
        return {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    return {}


def register_blueprints(app: Flask) -> None:
    from .public import bp as public_bp
    from .staff import bp as staff_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(staff_bp, url_prefix="/staff")


def register_errorhandlers(app: Flask) -> None:
    from .web.errors import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    from .cli import cli

    for command in cli.commands.values():
        app.cli.add_command(command)
