"""Prometheus metrics that hold no personal data, and optional JSON request logs.

Off by default. ``SURVEY_METRICS_BIND=127.0.0.1:9464`` turns them on under gunicorn: every worker counts into
files in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode; ``gunicorn_conf.py`` makes a private
directory when the variable is unset and empties it at start), and the gunicorn master serves their sum at
``http://SURVEY_METRICS_BIND/metrics``, an address the operator chooses and keeps off the public site.

What is counted:

- ``survey_http_requests_total`` (route *template* such as ``/s/<token>``, never the URL; method; status) and
  ``survey_http_request_duration_seconds`` (route template);
- ``survey_submissions_total`` (outcome ``stored`` or ``refused``; reason, a fixed word);
- ``survey_batches_released_total`` and ``survey_responses_released_total``;
- ``survey_ratelimit_degraded`` (1 while a process counts limits in memory because Redis does not answer);
- ``survey_database_errors_total``;
- ``survey_mail_messages`` (state: ``queued``, ``sending``, ``sent``, ``failed``, ``cancelled``), counted in the
  database at each scrape.

No label or value is taken from what a person sent or from the database's rows: routes are the application's own
templates, reasons and states are fixed words, so no token, address, email or name can appear
(``tests/integration/test_metrics.py`` checks a real scrape).

``SURVEY_JSON_LOGS=1`` writes one JSON line per request to the ``survey_app.requests`` logger: route template,
method, status, duration and a request id (also sent back as ``X-Request-Id``); the log filter
(``logfilter.py``) redacts it like every other record.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger("survey_app.requests")

REQUESTS = Counter(
    "survey_http_requests", "HTTP requests answered, by route template", ["route", "method", "status"]
)
LATENCY = Histogram(
    "survey_http_request_duration_seconds",
    "Time to answer a request, by route template",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SUBMISSIONS = Counter("survey_submissions", "Survey submissions stored or refused", ["outcome", "reason"])
BATCHES = Counter("survey_batches_released", "Batches of K responses released to staff")
RELEASED = Counter("survey_responses_released", "Responses released to staff (in batches)")
RATELIMIT_DEGRADED = Gauge(
    "survey_ratelimit_degraded",
    "1 while rate limits are counted per process because the store does not answer",
    multiprocess_mode="livemax",
)
DATABASE_ERRORS = Counter(
    "survey_database_errors", "Requests that failed because the database did not answer"
)
UNMATCHED = "<unmatched>"
REFUSAL_REASONS = frozenset(
    {"already_answered", "replayed", "invalid_answers", "expired_form", "csrf", "malformed", "rate_limited"}
)


def submission_stored() -> None:
    """Count a stored submission."""
    SUBMISSIONS.labels("stored", "").inc()


def submission_refused(reason: str) -> None:
    """Count a refused submission under one of :data:`REFUSAL_REASONS` (anything else is a programming error)."""
    if reason not in REFUSAL_REASONS:
        raise ValueError(f"unknown refusal reason {reason!r}")
    SUBMISSIONS.labels("refused", reason).inc()


def batch_released(size: int) -> None:
    """Count a released batch of ``size`` responses."""
    BATCHES.inc()
    RELEASED.inc(size)


def database_error() -> None:
    """Count a request that failed because the database did not answer."""
    DATABASE_ERRORS.inc()


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


def init_app(app: Flask) -> None:
    """Time and count every request by route template when ``METRICS`` is on; log it as JSON when ``JSON_LOGS``
    is on. Neither adds a hook when off (the survey's intake is measured without them)."""
    count, as_json = bool(app.config.get("METRICS")), bool(app.config.get("JSON_LOGS"))
    if not (count or as_json):
        return
    from .health import ratelimit_degraded

    @app.before_request
    def _start() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        elapsed = time.perf_counter() - started if started is not None else 0.0
        route = _route()
        if count:
            REQUESTS.labels(route, request.method, str(response.status_code)).inc()
            LATENCY.labels(route).observe(elapsed)
            RATELIMIT_DEGRADED.set(1 if ratelimit_degraded() else 0)
            if request.endpoint == "public.survey_post" and response.status_code == 429:
                submission_refused("rate_limited")
        if as_json:
            request_id = uuid.uuid4().hex
            response.headers["X-Request-Id"] = request_id
            log.info(json.dumps(_log_line(route, response.status_code, elapsed, request_id)))
        return response


def _log_line(route: str, status: int, elapsed: float, request_id: str) -> dict[str, Any]:
    return {
        "route": route,
        "method": request.method,
        "status": status,
        "duration_ms": round(elapsed * 1000, 2),
        "request_id": request_id,
    }


class MailQueueCollector(Collector):
    """``survey_mail_messages{state}``: outbox messages per state, counted in the database at each scrape (so the
    figure is the same whichever host or worker sent them). A connection is opened per scrape and closed."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def collect(self) -> Iterator[GaugeMetricFamily]:
        import sqlalchemy as sa
        from sqlalchemy.pool import NullPool

        from .models import OutboxMessage
        from .models.enums import OutboxState

        family = GaugeMetricFamily("survey_mail_messages", "Outbox messages by state", labels=["state"])
        up = GaugeMetricFamily("survey_metrics_database_up", "1 when the scrape could read the database")
        engine = sa.create_engine(self.database_url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                counts = dict(
                    conn.execute(
                        sa.select(OutboxMessage.state, sa.func.count()).group_by(OutboxMessage.state)
                    ).all()
                )
        except sa.exc.SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        finally:
            engine.dispose()
        for state in OutboxState:
            family.add_metric([state.value], int(counts.get(state.value, 0)))
        up.add_metric([], 1)
        yield family
        yield up


def serve(bind: str, database_url: str) -> None:
    """Serve the workers' summed metrics (and the mail queue) on ``bind`` (``host:port``), in a thread of the
    gunicorn master. Needs ``PROMETHEUS_MULTIPROC_DIR``."""
    host, _, port = bind.rpartition(":")
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(MailQueueCollector(database_url))
    start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1", registry=registry)
