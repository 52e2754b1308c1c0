"""Per-request hooks: each request timed and counted by route template (``METRICS``), and logged as one JSON line
(``JSON_LOGS``). Neither adds a hook when off: the survey's intake is measured without them."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, request

from . import counters

log = logging.getLogger("survey_app.requests")
UNMATCHED = "<unmatched>"


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


def init_app(app: Flask, ratelimit_degraded: Callable[[], bool]) -> None:
    """Time and count every request by route template when ``METRICS`` is on (and whether
    ``ratelimit_degraded()``); log it as JSON when ``JSON_LOGS`` is on."""
    count, as_json = bool(app.config.get("METRICS")), bool(app.config.get("JSON_LOGS"))
    if not (count or as_json):
        return

    @app.before_request
    def _start() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        elapsed = time.perf_counter() - started if started is not None else 0.0
        route = _route()
        if count:
            counters.REQUESTS.labels(route, request.method, str(response.status_code)).inc()
            counters.LATENCY.labels(route).observe(elapsed)
            counters.RATELIMIT_DEGRADED.set(1 if ratelimit_degraded() else 0)
            if request.endpoint == "public.survey_post" and response.status_code == 429:
                counters.submission_refused("rate_limited")
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
