"""The integrity page in Chromium: at 1366×768 and 360×800, in Thai and English, with the planted offices named
first, no serious or critical axe-core violation, and no page-wide horizontal scroll on a phone. Screenshots go to
tests/artifacts/ for people to look at."""

from __future__ import annotations

import re

import pytest

from .staff_browser_pages import sign_in
from .staff_data import OWN, make_user
from .test_integrity_page import simulated  # noqa: F401  (fixture)
from .test_staff_browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

SIZES = {"desktop": (1366, 768), "phone": (360, 800)}


@pytest.mark.parametrize("size", SIZES)
def test_integrity_page_reads_well_and_is_accessible(  # type: ignore[no-untyped-def]
    live_server,
    chromium,
    session,
    simulated,  # noqa: F811  (the fixture imported above)
    artifacts,
    size,
):
    admin = make_user(session, "admin")
    width, height = SIZES[size]
    context = chromium.new_context(viewport={"width": width, "height": height}, is_mobile=size == "phone")
    page = context.new_page()
    try:
        sign_in(page, live_server.url, admin.email)
        for lang in ("th", "en"):
            page.goto(f"{live_server.url}/staff/integrity?cycle=sim-2569&lang={lang}")
            named = page.locator("article.office-signal h3").all_inner_texts()
            assert [re.match(r"\d+\. (\d\d)", t).group(1) for t in named][:2] in ([OWN, "12"], ["12", OWN])  # type: ignore[union-attr]
            page.screenshot(path=str(artifacts / f"integrity-{size}-{lang}.png"), full_page=True)
            assert axe_violations(page) == [], f"integrity page, {size}, {lang}"
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
    finally:
        context.close()
