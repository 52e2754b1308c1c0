"""What the disclosure rule changes on the staff pages, in headless Chromium: the office dashboard (results cover
the released responses; hidden flag counts; weighted scores withheld beside a small respondent type) and the
invitations page (reminder rounds, no per-contact reminders), in Thai and English, on a phone (360×800) and a
desktop (1366×768), screenshots saved under tests/artifacts/ and no serious or critical axe-core violation."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from survey_app.clock import local_today
from survey_app.models import Invitation, PopulationFrame, Response
from survey_app.services.results import rollup

from .staff_browser_pages import sign_in
from .staff_data import OWN, Spec, add_responses, make_user
from .test_staff_browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

VIEWPORTS = {"phone": {"width": 360, "height": 800}, "desktop": {"width": 1366, "height": 768}}


@pytest.fixture
def arranged(session, cycle, questionnaire):  # type: ignore[no-untyped-def]
    """14 released responses (2 agency respondents, 1 flagged), a frame, 2 responses waiting, 3 contacts."""
    specs = [Spec(level=3)] * 8 + [Spec(level=2, rtype="business", service="mining")] * 3
    specs += [Spec(level=1, rtype="agency", service="other")] * 2 + [Spec(level=2, too_fast=True)]
    add_responses(session, cycle, questionnaire, OWN, specs)
    for rtype, service, served in (("individual", "factory_licensing", 300), ("business", "mining", 80),
                                   ("agency", "other", 20)):  # fmt: skip
        session.add(PopulationFrame(cycle_id=cycle.id, office_code=OWN, respondent_type=rtype, service=service,
                                    served=served))  # fmt: skip
    # Two responses waiting for their batch: stored, counted, not in the rollup.
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=0, channel="email")] * 2)
    session.execute(update(Response).where(Response.channel == "email").values(released=False))
    rollup.rebuild(session, cycle.id, questionnaire)  # the rollup holds the released responses only
    for n, reminders in enumerate((0, 1, 1)):
        session.add(Invitation(cycle_id=cycle.id, office_code=OWN, email=f"owner{n}@factory.example",
                               name=f"บริษัท {n}", status="sent", reminders_sent=reminders,
                               responded=reminders == 0))  # fmt: skip
    session.commit()
    make_user(session, "office", OWN)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_office_and_invitations_pages_show_only_what_the_rule_allows(
    live_server, chromium, arranged, artifacts, viewport
) -> None:  # type: ignore[no-untyped-def]
    context = chromium.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    try:
        sign_in(page, live_server.url, f"office{OWN}@industry.test")
        for lang in ("th", "en"):
            page.goto(f"{live_server.url}/staff/offices/{OWN}?lang={lang}")
            note = page.locator("#released-note").inner_text()
            if lang == "en":
                assert "cover the 14 responses released so far" in note
                assert "2 responses received since then join them together once 5 have arrived" in note
                # The first screen and the scores table say it in the same words (services/results/summary).
                withheld = page.get_by_text("Weighted scores withheld: a respondent type has fewer than 5")
                assert withheld.count() == 2
            else:
                assert "แบบตอบ 14 ชุดที่รวมเข้าผลแล้ว" in note
            # One flagged (too fast) of 14: both counts hidden; "same answer to every item" is 0, no small group.
            assert page.locator(".facts .suppressed").count() == 2
            page.screenshot(path=str(artifacts / f"disclosure-office-{viewport}-{lang}.png"), full_page=True)
            assert axe_violations(page) == [], f"office page {viewport} {lang}"

            page.goto(f"{live_server.url}/staff/offices/{OWN}/invitations?lang={lang}")
            contacts = page.locator("#list-h + p + .table-scroll table, #list-h ~ .table-scroll table").first
            assert contacts.locator("thead th").count() == 3  # email, name, delivery: no reminders column
            assert "1" in page.locator("#reminder-rounds").inner_text()
            page.screenshot(
                path=str(artifacts / f"disclosure-invitations-{viewport}-{lang}.png"), full_page=True
            )
            assert axe_violations(page) == [], f"invitations page {viewport} {lang}"
    finally:
        context.close()
    assert local_today()  # the pages were read on today's Bangkok date (nothing here depends on the hour)
