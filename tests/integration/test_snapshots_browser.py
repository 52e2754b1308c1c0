"""What the release snapshots and the daily release change on the staff pages, in headless Chromium: the office page
says responses wait for the daily release, labels a group hidden to protect a smaller one as such, withholds the
weighting effect beside a hidden respondent type, and the themes page offers no form to office staff; in Thai and
English, on a phone (360×800) and a desktop (1366×768), screenshots under tests/artifacts/, no serious or critical
axe-core violation."""

from __future__ import annotations

import pytest

from survey_app.models import PopulationFrame

from .staff_browser_pages import sign_in
from .staff_data import OWN, Spec, add_responses, make_user, raw_answers, response_row
from .test_disclosure_browser import VIEWPORTS
from .test_staff_browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


@pytest.fixture
def app(make_app):  # type: ignore[no-untyped-def]
    return make_app(RELEASE_SCHEDULE="daily")


@pytest.fixture
def arranged(session, cycle, questionnaire):  # type: ignore[no-untyped-def]
    """12 released (10 by poster, 2 by email; 2 agency respondents, a frame) and 3 waiting for the daily release."""
    specs = [Spec(level=3)] * 7 + [Spec(level=2, rtype="business", service="mining")] * 3
    specs += [Spec(level=1, rtype="agency", service="other", channel="email")] * 2
    add_responses(session, cycle, questionnaire, OWN, specs)
    for rtype, service, served in (("individual", "factory_licensing", 300), ("business", "mining", 80),
                                   ("agency", "other", 20)):  # fmt: skip
        session.add(PopulationFrame(cycle_id=cycle.id, office_code=OWN, respondent_type=rtype, service=service,
                                    served=served))  # fmt: skip
    for _ in range(3):
        raw = raw_answers(questionnaire, 2)
        session.add(response_row(cycle, questionnaire, OWN, raw, cycle.opens_on, released=False))
    session.commit()
    make_user(session, "office", OWN)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_office_and_themes_pages_under_snapshots_and_the_daily_release(
    live_server, chromium, arranged, artifacts, viewport
) -> None:  # type: ignore[no-untyped-def]
    context = chromium.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    try:
        sign_in(page, live_server.url, f"office{OWN}@industry.test")
        for lang in ("th", "en"):
            page.goto(f"{live_server.url}/staff/offices/{OWN}?lang={lang}")
            note = page.locator("#released-note").inner_text()
            channel_poster = page.locator("#bd-channel-poster").inner_text()
            if lang == "en":
                assert "cover the 12 responses released so far" in note
                assert "3 responses received since then join them at the first daily release" in note
                assert channel_poster == "hidden to protect a smaller group", (
                    "10 poster answers: not fewer than 5"
                )
                assert page.get_by_text("weighting effect withheld").count() == 1
                withheld = page.get_by_text("Weighted scores withheld: a respondent type has fewer than 5")
                assert withheld.count() == 2, "the first screen and the scores table, in the same words"
            else:
                assert "รอบรวมผลประจำวัน" in note and "ซ่อนไว้เพื่อปกป้องกลุ่มที่เล็กกว่า" in channel_poster
            page.screenshot(path=str(artifacts / f"snapshots-office-{viewport}-{lang}.png"), full_page=True)
            assert axe_violations(page) == [], f"office page {viewport} {lang}"

            page.goto(f"{live_server.url}/staff/themes?lang={lang}")
            assert page.locator("form#theme-form, textarea[name=keywords]").count() == 0
            page.screenshot(path=str(artifacts / f"snapshots-themes-{viewport}-{lang}.png"), full_page=True)
            assert axe_violations(page) == [], f"themes page {viewport} {lang}"
    finally:
        context.close()
