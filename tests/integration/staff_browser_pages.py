"""A Chromium page signed in as a staff account through the real sign-in form, for the staff pages' browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .staff_data import PASSWORD


@contextmanager
def signed_in_page(chromium: Any, base_url: str, email: str, width: int, height: int) -> Iterator[Any]:
    """A page at ``width`` × ``height`` (a phone when narrow) signed in as ``email``; its context closes after."""
    context = chromium.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=1, is_mobile=width <= 400
    )
    page = context.new_page()
    try:
        sign_in(page, base_url, email)
        yield page
    finally:
        context.close()


def sign_in(page: Any, base_url: str, email: str) -> None:
    """Sign ``page`` in as ``email`` through the real sign-in form (the staff accounts' shared test password)."""
    page.goto(base_url + "/staff/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
