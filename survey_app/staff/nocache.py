"""``Cache-Control: no-store`` on every response under ``/staff/``: pages, JSON, CSV and PDF downloads, redirects
and error pages alike. Staff pages carry contact lists (personal data under the PDPA) and results; no browser,
proxy or shared computer may keep a copy.
"""

from __future__ import annotations

from flask import Flask, request
from flask.wrappers import Response

NO_STORE = "no-store"


def _no_store(response: Response) -> Response:
    if request.path == "/staff" or request.path.startswith("/staff/"):
        response.headers["Cache-Control"] = NO_STORE
        response.headers.pop("Expires", None)
        response.headers.pop("Last-Modified", None)
        response.headers.pop("ETag", None)
    return response


def install(app: Flask) -> None:
    """Add the header to every response of a ``/staff`` path, whichever view (or error handler) made it."""
    app.after_request(_no_store)
