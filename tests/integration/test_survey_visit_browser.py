"""One answer per visit, and nothing lost on a weak line: the survey in headless Chromium, with and without
JavaScript, at 360×800 and 1366×768, in Thai and English. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from survey_app.models import Response
from tests import survey_helpers
from tests.integration.test_staff_browser import axe_violations
from tests.survey_helpers import poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

SIZES = {"phone": {"width": 360, "height": 800}, "desktop": {"width": 1366, "height": 768}}
SEND = {"th": "ส่งคำตอบ", "en": "Send my answers"}
THANKS = {"th": "ขอบคุณที่ตอบแบบสอบถาม", "en": "Thank you for your answers"}
JUST_ANSWERED = {"th": "ท่านตอบแบบสอบถามแล้ว ขอบคุณ", "en": "You have answered. Thank you"}


@pytest.fixture
def browser_page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh context at the size named by the test's ``size`` parameter, JavaScript as its ``javascript`` one."""
    size = request.node.callspec.params.get("size", "phone")
    javascript = request.node.callspec.params.get("javascript", True)
    context = chromium.new_context(
        viewport=SIZES[size], is_mobile=size == "phone", java_script_enabled=javascript
    )
    page = context.new_page()
    yield page
    context.close()


def _count(store) -> int:  # type: ignore[no-untyped-def]
    store.expire_all()
    return int(store.scalar(select(func.count()).select_from(Response)) or 0)


def _answer_all(page, questionnaire) -> None:  # type: ignore[no-untyped-def]
    """Tap the first option of every question (the respondent type and a service too)."""
    page.locator("label[for='respondent_type-0']").click()
    page.locator("label[for='service-0']").click()
    for item in questionnaire.items:
        for code, sub in item.keys:
            page.locator(f"label[for='{code}_{sub}-0']").click()


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["th", "en"])
def test_back_and_reload_after_sending_store_nothing_more(
    app, live_server, browser_page, store, open_cycle, questionnaire, artifacts, size, lang
):  # type: ignore[no-untyped-def]
    app.config["MIN_SECONDS"] = 0
    page = browser_page
    form_url = live_server.url + poster_path(app, poster_link(store, open_cycle))
    page.goto(form_url + f"?lang={lang}")
    # Progress counts questions as the intro does (17: an item's parts are one question); nothing is pre-chosen.
    progress = page.locator("#progress")
    assert progress.is_visible()
    assert progress.inner_text() == ("ตอบแล้ว 0 จาก 17 คำถาม" if lang == "th" else "0 of 17 answered")
    assert ("มี 17 ข้อ" if lang == "th" else "17 questions") in page.locator("main").inner_text()
    _answer_all(page, questionnaire)
    assert progress.inner_text() == ("ตอบแล้ว 17 จาก 17 คำถาม" if lang == "th" else "17 of 17 answered")
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    assert page.locator("#survey").get_attribute("autocomplete") == "off"
    page.screenshot(path=str(artifacts / f"visit-form-{lang}-{size}.png"), full_page=True)
    assert axe_violations(page) == [], "survey form"

    page.get_by_role("button", name=SEND[lang]).click()
    page.wait_for_url("**/thanks")
    assert page.locator("h1").inner_text() == THANKS[lang]
    assert _count(store) == 1
    page.screenshot(path=str(artifacts / f"visit-thanks-{lang}-{size}.png"), full_page=True)
    assert axe_violations(page) == [], "thank-you page"

    page.reload()  # a plain GET of the thank-you page
    assert page.locator("h1").inner_text() == THANKS[lang]
    page.go_back()  # the thank-you page replaced the form in history: Back leaves the survey
    assert page.url != form_url + f"?lang={lang}"
    page.goto(form_url)  # the link opened again on this device: no form, a short page
    assert page.locator("h1").inner_text() == JUST_ANSWERED[lang]
    assert page.locator("#survey").count() == 0
    page.screenshot(path=str(artifacts / f"visit-just-answered-{lang}-{size}.png"), full_page=True)
    assert axe_violations(page) == [], "just-answered page"
    page.reload()
    assert _count(store) == 1
    # Someone else at this device can still answer.
    page.get_by_role("link", name="เริ่มตอบแบบสอบถามใหม่" if lang == "th" else "Start a new response").click()
    page.wait_for_url("**?new=1")  # count() does not wait: read the new page, not the one being left
    page.locator("#survey").wait_for()
    assert page.locator("#survey").count() == 1
    assert _count(store) == 1


def test_a_lost_connection_keeps_the_answers_on_the_device_until_they_are_stored(
    app, live_server, browser_page, store, open_cycle, questionnaire, artifacts
):  # type: ignore[no-untyped-def]
    app.config["MIN_SECONDS"] = 0
    page = browser_page
    form_url = live_server.url + poster_path(app, poster_link(store, open_cycle))
    page.goto(form_url)
    _answer_all(page, questionnaire)
    page.fill("#suggestion", "ที่จอดรถไม่พอ")

    def offline(route: Any) -> None:
        route.abort("internetdisconnected") if route.request.method == "POST" else route.continue_()

    page.route("**/s/**", offline)
    page.get_by_role("button", name="ส่งคำตอบ").click()
    status = page.locator("#send-status")
    status.wait_for(state="visible")
    assert status.inner_text().startswith("ยังไม่ได้ส่ง: การเชื่อมต่อขาดหาย")
    assert page.get_by_role("button", name="ส่งคำตอบ").is_enabled()
    page.screenshot(path=str(artifacts / "visit-offline-th-phone.png"), full_page=False)
    assert _count(store) == 0

    page.unroute("**/s/**")
    page.goto(form_url)  # the person opens the link again later
    assert page.locator("#kept").is_visible()
    assert page.locator("#E15_1-0").is_checked() and page.locator("#service-0").is_checked()
    assert page.input_value("#suggestion") == "ที่จอดรถไม่พอ"
    page.get_by_role("button", name="ส่งคำตอบ").click()
    page.wait_for_url("**/thanks")
    assert _count(store) == 1
    assert store.scalar(select(Response.suggestion)) == "ที่จอดรถไม่พอ"
    assert page.evaluate("localStorage.length") == 0  # cleared once stored


def test_a_send_that_arrived_but_lost_its_reply_is_not_stored_twice(
    app, live_server, browser_page, store, open_cycle, questionnaire, artifacts
):  # type: ignore[no-untyped-def]
    app.config["MIN_SECONDS"] = 0
    page = browser_page
    form_url = live_server.url + poster_path(app, poster_link(store, open_cycle))
    page.goto(form_url)
    _answer_all(page, questionnaire)

    def reply_lost(route: Any) -> None:
        if route.request.method == "POST":
            route.fetch(max_redirects=0)  # the server stores the answers...
            route.abort("connectionreset")  # ...and the phone never hears back
        else:
            route.continue_()

    page.route("**/s/**", reply_lost)
    page.get_by_role("button", name="ส่งคำตอบ").click()
    page.locator("#send-status").wait_for(state="visible")
    assert _count(store) == 1
    page.unroute("**/s/**")
    page.goto(form_url + "?new=1")  # reopened (even past the just-answered page): the kept nonce goes along
    assert page.locator("#kept").is_visible()
    page.get_by_role("button", name="ส่งคำตอบ").click()
    page.get_by_role("heading", name="ได้รับคำตอบนี้แล้ว ขอบคุณ").wait_for()
    assert _count(store) == 1
    assert page.evaluate("localStorage.length") == 0


def test_a_refused_send_comes_back_in_place_and_reload_asks_nothing(
    app, live_server, browser_page, store, open_cycle, questionnaire
):  # type: ignore[no-untyped-def]
    app.config["MIN_SECONDS"] = 0
    page = browser_page
    form_url = live_server.url + poster_path(app, poster_link(store, open_cycle))
    page.goto(form_url)
    _answer_all(page, questionnaire)
    page.context.clear_cookies()  # the session (and its CSRF token) is gone: the server asks to send once more
    page.get_by_role("button", name="ส่งคำตอบ").click()
    page.locator(".notice.resend").wait_for()
    assert page.url == form_url  # shown in place: the history entry is still the GET of the form
    assert _count(store) == 0
    reloaded = page.reload()  # a GET, so no "Confirm Form Resubmission"
    assert reloaded is not None and reloaded.status == 200
    assert page.locator("#E10_1-0").is_checked()  # the answers came back from this device
    page.get_by_role("button", name="ส่งคำตอบ").click()
    page.wait_for_url("**/thanks")
    assert _count(store) == 1


@pytest.mark.parametrize("javascript", [False])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_without_javascript_the_form_shows_its_parts_and_back_shows_the_short_page(
    app, live_server, browser_page, store, open_cycle, questionnaire, artifacts, size, javascript
):  # type: ignore[no-untyped-def]
    app.config["MIN_SECONDS"] = 0
    page = browser_page
    form_url = live_server.url + poster_path(app, poster_link(store, open_cycle))
    page.goto(form_url)
    parts = page.locator("p.part").all_inner_texts()
    assert parts[0] == "ส่วนที่ 1 จาก 4"
    assert parts[1] == "ส่วนที่ 2 จาก 4 · ข้อ 1–5 จากทั้งหมด 15 ข้อ"
    assert not page.locator("#progress").is_visible()
    # Each later sub-question repeats its question's stem.
    assert page.locator("fieldset[data-part='4.2'] legend .stem").inner_text().startswith("4. ในระยะเวลา 1 ปี")
    _answer_all(page, questionnaire)
    page.screenshot(path=str(artifacts / f"visit-nojs-form-th-{size}.png"), full_page=True)
    page.get_by_role("button", name="ส่งคำตอบ").click()
    page.wait_for_url("**/thanks")
    assert _count(store) == 1
    page.go_back()  # no script: the form's entry is still in history, and it is fetched again (no-store)
    assert page.locator("h1").inner_text() == JUST_ANSWERED["th"]
    page.reload()
    assert _count(store) == 1


def test_too_many_sends_keep_the_answers_and_say_to_wait(
    app, live_server, browser_page, store, open_cycle, questionnaire, artifacts
):  # type: ignore[no-untyped-def]
    app.config.update(MIN_SECONDS=0, SUBMIT_RATE_LIMIT="1 per minute")
    page = browser_page
    form_url = live_server.url + poster_path(app, poster_link(store, open_cycle))
    page.goto(form_url)
    _answer_all(page, questionnaire)
    page.get_by_role("button", name="ส่งคำตอบ").click()
    page.wait_for_url("**/thanks")
    page.goto(form_url + "?new=1")  # someone else at this device, within the same minute
    _answer_all(page, questionnaire)
    page.get_by_role("button", name="ส่งคำตอบ").click()
    status = page.locator("#send-status")
    status.wait_for(state="visible")
    assert status.inner_text().startswith("มีการส่งคำตอบจากการเชื่อมต่อนี้มากเกินไป")
    assert page.url == form_url + "?new=1" and page.locator("#E15_1-0").is_checked()
    assert page.get_by_role("button", name="ส่งคำตอบ").is_enabled()
    page.screenshot(path=str(artifacts / "visit-too-many-th-phone.png"), full_page=False)
    assert _count(store) == 1
