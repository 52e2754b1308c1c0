"""Security headers, set in one place for every response."""

from __future__ import annotations

from flask import Flask, Response

# Pages load nothing from other origins; inline scripts are not allowed, nor inline styles except one stylesheet
# named by its hash in that page's own policy (the survey form's first visit: web/static_files.py).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def init_app(app: Flask) -> None:
    """Add the headers to every response."""

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        policy = headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if (
            "frame-ancestors 'none'" in policy
        ):  # a view that allows framing (an embed) says so in its own policy
            headers.setdefault("X-Frame-Options", "DENY")
        # Survey URLs carry tokens: never leak them to another site through Referer.
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("ENV_NAME") == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
