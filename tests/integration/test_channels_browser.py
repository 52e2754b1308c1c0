"""The share page of channel links in Chromium, at 1366×768 and 360×800, in Thai and English: every channel's card
with its QR image, message and links, no serious or critical axe-core violation, no page-wide sideways scroll on a
phone. The national table of channels is checked the same way. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import pytest

from survey_app.services.outreach import links as link_service

from .page_checks import SIZES, look, new_page
from .staff_browser_pages import sign_in
from .staff_data import OWN, Spec, add_responses, make_user
from .test_staff_browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


@pytest.mark.parametrize("size", SIZES)
def test_share_page_and_national_channels_read_well_and_are_accessible(  # type: ignore[no-untyped-def]
    live_server, chromium, session, cycle, questionnaire, artifacts, size
):
    for channel, label in (
        ("line", ""),
        ("facebook", ""),
        ("kiosk", ""),
        ("event", "งานแสดงสินค้าอุตสาหกรรม 2569"),
    ):
        link_service.create_channel_link(session, cycle, OWN, channel, label)
    website, _created = link_service.create_channel_link(session, cycle, OWN, "website")
    link_service.revoke_link(session, website)
    session.commit()
    add_responses(session, cycle, questionnaire, OWN, [Spec(channel="line")] * 6 + [Spec()] * 5)
    admin = make_user(session, "admin")
    context, page = new_page(chromium, size)
    try:
        sign_in(page, live_server.url, admin.email)
        for lang in ("th", "en"):
            page.goto(f"{live_server.url}/staff/offices/{OWN}/channels?lang={lang}")
            assert page.locator("article.share-card").count() == 5
            qr_loaded = page.evaluate(
                "Array.from(document.querySelectorAll('img.share-qr')).every(i => i.complete && i.naturalWidth > 100)"
            )
            assert qr_loaded, "a QR image did not load"
            look(page, artifacts, f"channels-{size}-{lang}")
            page.goto(f"{live_server.url}/staff/?lang={lang}")
            section = page.locator("section[aria-labelledby='channels-h']")
            section.screenshot(path=str(artifacts / f"national-channels-{size}-{lang}.png"))
            assert axe_violations(page) == [], f"national page, {size}, {lang}"
    finally:
        context.close()
