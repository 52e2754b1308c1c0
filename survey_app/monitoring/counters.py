"""The metrics and the calls that count into them: requests, submissions, releases, rate-limit degradation,
database errors. No Flask here, so services may count too. Every label value is a fixed word or a route
template (see the package's docstring)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
