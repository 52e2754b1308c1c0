"""A citizen answers the whole survey in Thai on a 360×740 phone, from a poster link, in headless Chromium."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey_app.models import Answer, Response
from tests import survey_helpers
from tests.survey_helpers import poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def _choose(page, questionnaire, last_but_one_for=()):  # type: ignore[no-untyped-def]
    """Tap one option of every question: the highest, or the one below it for the listed items."""
    for item in questionnaire.items:
        for code, sub in item.keys:
            index = len(item.answer_type.options) - (2 if code in last_but_one_for else 1)
            page.locator(f"label[for='{code}_{sub}-{index}']").click()


def test_citizen_answers_in_thai_on_a_phone(
    app, live_server, phone_page, store, open_cycle, questionnaire, artifacts
):  # type: ignore[no-untyped-def]
    app.config["MIN_SECONDS"] = 0
    link = poster_link(store, open_cycle)
    page = phone_page
    page.goto(live_server.url + poster_path(app, link))

    assert page.locator("html").get_attribute("lang") == "th"
    assert page.locator("h1").inner_text() == "สำนักงานอุตสาหกรรมจังหวัดเชียงใหม่"
    # A first visit: the stylesheet is inline, and the page's CSP (its hash) lets Chromium apply it.
    assert page.locator("head style").count() == 1
    assert (
        page.evaluate("getComputedStyle(document.querySelector('header.site')).backgroundColor")
        == "rgb(11, 79, 138)"
    )
    # Nothing is wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The respondent type is asked, not chosen for the respondent: the poster's audience is only shown first.
    assert not page.locator("input[name='respondent_type']:checked").count()
    assert page.locator("#respondent_type-0").get_attribute("value") == "individual"
    page.locator("label[for='respondent_type-0']").click()
    page.get_by_label("การร้องเรียนและการตรวจสอบ").check()
    _choose(page, questionnaire, last_but_one_for=("E2", "E7", "E12"))
    page.get_by_label("มีสิ่งใดที่ท่านอยากให้สำนักงานรับทราบหรือปรับปรุงอีกหรือไม่ (ไม่บังคับ)").fill("เจ้าหน้าที่ให้บริการดีมาก")
    # Keyboard focus is visible: Tab from question 1.2 lands on question 2's chosen option and rings it.
    page.locator("#E1_2-3").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "E2_1-2"
    ring = page.evaluate("getComputedStyle(document.querySelector(\"label[for='E2_1-2']\")).outlineStyle")
    assert ring == "solid"
    page.screenshot(path=str(artifacts / "survey-form-th-360.png"), full_page=True)

    page.get_by_role("button", name="ส่งคำตอบ").click()
    page.wait_for_url("**/thanks")
    assert page.locator("h1").inner_text() == "ขอบคุณที่ตอบแบบสอบถาม"
    page.screenshot(path=str(artifacts / "survey-thanks-th-360.png"), full_page=True)

    stored = store.scalars(select(Response)).one()
    assert (stored.office_code, stored.channel, stored.respondent_type, stored.service) == (
        "50",
        "poster",
        "individual",
        "complaints",
    )
    assert stored.suggestion == "เจ้าหน้าที่ให้บริการดีมาก"
    assert not stored.straight_lined
    e2 = store.scalars(select(Answer.value).where(Answer.response_id == stored.id, Answer.item == "E2")).one()
    assert e2 == 2  # "มาก", the one below the top
    assert store.scalar(select(func.count()).select_from(Answer)) == len(questionnaire.answer_keys)


def test_language_switch_and_error_summary_keep_the_answers(
    app, live_server, phone_page, store, open_cycle, questionnaire, artifacts
):  # type: ignore[no-untyped-def]
    link = poster_link(store, open_cycle)
    page = phone_page
    page.goto(live_server.url + poster_path(app, link))
    page.locator("label[for='service-6']").click()
    page.locator("label[for='E1_1-3']").click()

    page.get_by_role("button", name="English").click()
    assert page.locator("h1").inner_text() == "Chiang Mai Provincial Industry Office"
    assert page.locator("#service-6").is_checked() and page.locator("#E1_1-3").is_checked()

    page.get_by_role("button", name="Send my answers").click()
    summary = page.locator(".error-summary")
    # Read out first, keyboard starts there. Autofocus is applied after the page loads, so wait for it.
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'error-summary'", timeout=5000
    )
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert summary.get_by_role("heading").inner_text() == "Please check these answers"
    assert page.locator("#service-6").is_checked()
    # One line per question in its own words, naming the unanswered part (the script checks before sending).
    summary.get_by_role(
        "link", name="1. Officials served you in the following respects — how much? (not answered: 1.2)"
    ).click()
    assert page.evaluate("location.hash") == "#E1_2-0"
    page.screenshot(path=str(artifacts / "survey-errors-en-360.png"), full_page=False)
    assert store.scalar(select(func.count()).select_from(Response)) == 0
