"""Small helpers for HTTP tests."""

from __future__ import annotations

import re

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    match = CSRF_RE.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


def login(client, email: str, password: str, next_url: str | None = None):
    """Sign in through the real login form; returns the response to the POST."""
    page = client.get("/staff/login")
    url = "/staff/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": csrf_token(page.text)})
