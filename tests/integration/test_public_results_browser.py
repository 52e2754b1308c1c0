"""The public results pages in Chromium, at 1366×768 and 360×800, in Thai and English: an office page with its
released EIT and measures, one below K, the national list and the embeddable view framed by another page; no
serious or critical axe-core violation and no sideways scroll on a phone. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import pytest

from .page_checks import SIZES, look, new_page
from .staff_data import OWN
from .test_public_results import OTHER_SMALL, closed  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


@pytest.mark.parametrize("size", SIZES)
def test_public_pages_read_well_and_are_accessible(  # type: ignore[no-untyped-def]
    live_server,
    chromium,
    closed,  # noqa: F811  (the fixture imported above)
    artifacts,
    size,
):
    context, page = new_page(chromium, size)
    width = SIZES[size][0]
    try:
        for lang in ("th", "en"):
            for name, path in (("office", f"/r/{OWN}"), ("below-k", f"/r/{OTHER_SMALL}"), ("national", "/r")):
                page.goto(f"{live_server.url}{path}?lang={lang}")
                look(page, artifacts, f"public-{name}-{size}-{lang}")
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
