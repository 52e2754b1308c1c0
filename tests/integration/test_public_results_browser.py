"""The public results pages in Chromium, at 1366×768 and 360×800, in Thai and English: an office page with its
released EIT and measures, one below K, the national list and the embeddable view framed by another page; no
serious or critical axe-core violation and no sideways scroll on a phone. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import pytest

from .staff_data import OWN
from .test_public_results import OTHER_SMALL, closed  # noqa: F401  (fixture)
from .test_staff_browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

SIZES = {"desktop": (1366, 768), "phone": (360, 800)}


@pytest.mark.parametrize("size", SIZES)
def test_public_pages_read_well_and_are_accessible(  # type: ignore[no-untyped-def]
    live_server,
    chromium,
    closed,  # noqa: F811  (the fixture imported above)
    artifacts,
    size,
):
    width, height = SIZES[size]
    context = chromium.new_context(viewport={"width": width, "height": height}, is_mobile=size == "phone")
    page = context.new_page()
    try:
        for lang in ("th", "en"):
            for name, path in (("office", f"/r/{OWN}"), ("below-k", f"/r/{OTHER_SMALL}"), ("national", "/r")):
                page.goto(f"{live_server.url}{path}?lang={lang}")
                page.screenshot(path=str(artifacts / f"public-{name}-{size}-{lang}.png"), full_page=True)
                assert axe_violations(page) == [], f"public {name} page, {size}, {lang}"
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, f"the {name} page scrolls sideways by {overflow}px at {width}px"
            # The embed inside an <iframe> of another origin's page (a data: URL stands for the office website).
            embed = f"{live_server.url}/r/{OWN}/embed?lang={lang}"
            page.set_content(
                f'<iframe src="{embed}" title="results" width="{width - 40}" height="700"></iframe>'
            )
            frame = page.frame_locator("iframe")
            frame.locator("#eit-score").wait_for()
            page.screenshot(path=str(artifacts / f"public-embed-{size}-{lang}.png"))
    finally:
        context.close()
