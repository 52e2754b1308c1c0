"""The browser machinery works: Chromium renders the landing page from the live server in Thai."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def test_landing_page_renders_thai_in_chromium(live_server, phone_page, artifacts) -> None:
    phone_page.goto(live_server.url + "/")
    heading = phone_page.locator("h1").inner_text()
    assert "สำนักงานอุตสาหกรรมจังหวัด" in heading
    phone_page.get_by_role("link", name="English").click()
    assert phone_page.locator("h1").inner_text() == "How did our provincial industry office serve you?"
    phone_page.screenshot(path=str(artifacts / "landing-en.png"), full_page=True)
