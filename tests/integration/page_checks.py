"""What every new page's browser test checks: a screenshot to look at, no serious or critical axe-core violation,
and no page-wide sideways scroll (a phone at 360 pixels included)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .test_staff_browser import axe_violations

SIZES = {"desktop": (1366, 768), "phone": (360, 800)}


def new_page(chromium: Any, size: str) -> tuple[Any, Any]:
    """A fresh context and page at ``size`` (``desktop`` or ``phone``); the caller closes the context."""
    width, height = SIZES[size]
    context = chromium.new_context(viewport={"width": width, "height": height}, is_mobile=size == "phone")
    return context, context.new_page()


def look(page: Any, artifacts: Path, name: str, *, full_page: bool = True) -> None:
    """Save ``name``.png under ``artifacts``, then assert axe finds nothing serious and nothing scrolls sideways."""
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=full_page)
    assert axe_violations(page) == [], name
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"
