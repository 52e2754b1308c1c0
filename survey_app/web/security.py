"""Security headers, set in one place for every response."""

from __future__ import annotations

from flask import Flask, Response

# Pages load nothing from other origins; inline scripts are not allowed, nor inline styles except one stylesheet
# named by its hash in that page's own policy (the survey form's first visit: web/static_files.py).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

_EVERY_RESPONSE = [
    # Survey URLs carry tokens: never leak them to another site through Referer.
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
]


def init_app(app: Flask) -> None:
    """Add the headers to every response (a header a view set itself is kept)."""

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        # One pass over the names: asking werkzeug's Headers for a missing name raises and catches a KeyError, and
        # this runs six times on every response.
        present = {key.lower(): value for key, value in headers.items()}
        policy = present.get("content-security-policy")
        if policy is None:
            policy = CONTENT_SECURITY_POLICY
            headers.add("Content-Security-Policy", policy)
        wanted = [("X-Content-Type-Options", "nosniff")]
        # A view that allows framing (an embed) says so in its own policy.
        if "frame-ancestors 'none'" in policy:
            wanted.append(("X-Frame-Options", "DENY"))
        wanted += _EVERY_RESPONSE
        if app.config.get("ENV_NAME") == "production":
            wanted.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
        for name, value in wanted:
            if name.lower() not in present:
                headers.add(name, value)
        return response
