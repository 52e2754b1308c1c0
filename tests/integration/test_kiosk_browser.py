"""The counter kiosk in headless Chromium, at 360×800 and 1366×768, in Thai and English: three people in a row
see no trace of each other; with the network cut two answers queue on the tablet, the page reloads offline (service
worker) and on reconnection exactly two responses are stored; kiosk answers are not flagged as a burst; idle and
"start again" clear the form; axe finds no serious or critical violation. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import request
from sqlalchemy import func, select

from survey_app.models import KioskHour, Response, SurveyLink
from survey_app.public import kiosk
from survey_app.tokens import poster_token
from tests import survey_helpers
from tests.integration.page_checks import look, new_page
from tests.integration.staff_browser_pages import sign_in
from tests.integration.staff_data import make_user
from tests.integration.test_staff_browser import axe_violations
from tests.integration.test_survey_visit_browser import SEND, SIZES, THANKS

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


@pytest.fixture
def served(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every request the server answered, as "METHOD path" (what reached it, not what a service worker served)."""
    seen: list[str] = []
    app.before_request(lambda: seen.append(f"{request.method} {request.path}") and None)
    return seen


@pytest.fixture
def kiosk_url(app, served, live_server, store, open_cycle, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    """The address of a kiosk link of office 50 (a shorter thank-you, so the tests run quickly)."""
    monkeypatch.setattr(kiosk, "THANKS_SECONDS", 1)
    app.config["BURST_LIMIT"] = (
        1  # any second answer from one device would be a burst, were kiosks not exempt
    )
    link = SurveyLink(
        cycle_id=open_cycle.id, office_code="50", channel="kiosk", audience=None, label="", version=1
    )
    store.add(link)
    store.commit()
    with app.app_context():
        return f"{live_server.url}/k/{poster_token(link.id, link.version)}"


@pytest.fixture
def browser(chromium: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any]]:
    """A fresh context and page at the size of the test's ``size`` parameter (phone by default)."""
    size = request.node.callspec.params.get("size", "phone")
    context = chromium.new_context(viewport=SIZES[size], is_mobile=size == "phone")
    page = context.new_page()
    yield context, page
    context.close()


def _count(store) -> int:  # type: ignore[no-untyped-def]
    store.expire_all()
    return int(store.scalar(select(func.count()).select_from(Response)) or 0)


def _wait(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


def _answer(page, questionnaire, option: int = 0, suggestion: str = "") -> None:  # type: ignore[no-untyped-def]
    page.locator(f"label[for='respondent_type-{option % 2}']").click()
    page.locator("label[for='service-0']").click()
    for item in questionnaire.items:
        index = min(option, len(item.answer_type.shown) - 1)
        for code, sub in item.keys:
            page.locator(f"label[for='{code}_{sub}-{index}']").click()
    if suggestion:
        page.fill("#suggestion", suggestion)


def _empty(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.querySelectorAll('#kiosk input:checked').length === 0"
                              " && document.getElementById('suggestion').value === ''"))  # fmt: skip


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["th", "en"])
def test_three_people_in_a_row_see_no_trace_of_each_other(  # type: ignore[no-untyped-def]
    kiosk_url, browser, store, questionnaire, artifacts, size, lang
):
    _context, page = browser
    page.goto(f"{kiosk_url}?lang={lang}")
    look(page, artifacts, f"kiosk-form-{size}-{lang}", full_page=size == "desktop")
    for person in range(3):
        assert _empty(page), f"person {person + 1} found answers of the previous one"
        _answer(page, questionnaire, option=person, suggestion=f"person {person + 1}")
        page.get_by_role("button", name=SEND[lang]).click()
        page.get_by_role("heading", name=THANKS[lang]).wait_for()
        if person == 0:
            page.screenshot(path=str(artifacts / f"kiosk-thanks-{size}-{lang}.png"))
            assert axe_violations(page) == [], f"kiosk thank-you {size} {lang}"
        page.locator("#kiosk").wait_for(state="visible")
    assert _empty(page)
    assert _wait(lambda: _count(store) == 3)
    assert page.evaluate("localStorage.length") == 0  # nothing of anyone stays on the tablet
    rows = store.scalars(select(Response)).all()
    assert sorted(r.suggestion or "" for r in rows) == ["person 1", "person 2", "person 3"]
    assert {(r.channel, r.burst) for r in rows} == {("kiosk", False)}  # three from one tablet: no burst


def test_answers_queue_offline_survive_an_offline_reload_and_are_stored_once_each(  # type: ignore[no-untyped-def]
    kiosk_url, served, browser, store, questionnaire, artifacts
):
    context, page = browser
    page.goto(kiosk_url)
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    assert _wait(
        lambda: page.evaluate("caches.open('kiosk-v1').then(c => c.match(location.href)).then(r => !!r)")
    )
    context.set_offline(True)
    reached = len(served)
    for person in range(2):
        _answer(page, questionnaire, option=person + 1)
        page.get_by_role("button", name=SEND["th"]).click()
        page.get_by_role("heading", name=THANKS["th"]).wait_for()
        page.locator("#kiosk").wait_for(state="visible")
    assert page.locator("#queue-line").inner_text().startswith("มี 2 คำตอบรอส่ง")
    assert _count(store) == 0

    page.reload()  # the network is still down: the service worker serves the kept page
    assert page.locator("#kiosk").is_visible() and _empty(page)
    assert page.locator("#queue-line").inner_text().startswith("มี 2 คำตอบรอส่ง")
    page.screenshot(path=str(artifacts / "kiosk-offline-queue-phone-th.png"))
    assert _count(store) == 0
    assert served[reached:] == [], "requests reached the server while the tablet was offline"

    context.set_offline(False)
    assert _wait(lambda: _count(store) == 2), "the queued answers were not delivered"
    page.locator("#queue-line").wait_for(state="hidden")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # another delivery round finds nothing to send
    time.sleep(1.5)
    assert _count(store) == 2
    assert {r.channel for r in store.scalars(select(Response))} == {"kiosk"}


def test_idle_minutes_and_start_again_clear_the_form(  # type: ignore[no-untyped-def]
    kiosk_url, browser, questionnaire, monkeypatch
):
    monkeypatch.setattr(kiosk, "IDLE_SECONDS", 2)
    _context, page = browser
    page.goto(kiosk_url + "?lang=en")
    _answer(page, questionnaire, suggestion="left half way")
    page.get_by_role("button", name="Start again").first.click()
    assert _empty(page)
    page.locator("label[for='respondent_type-0']").click()
    assert not _empty(page)
    assert _wait(lambda: _empty(page), seconds=6), "an idle form was not cleared"


def test_an_incomplete_answer_is_not_sent_and_says_what_is_missing(  # type: ignore[no-untyped-def]
    kiosk_url, browser, store
):
    _context, page = browser
    page.goto(kiosk_url + "?lang=en")
    page.locator("label[for='respondent_type-0']").click()
    page.get_by_role("button", name=SEND["en"]).click()
    summary = page.locator("#kiosk-errors")
    assert summary.is_visible() and "not answered yet" in summary.inner_text()
    assert page.evaluate("localStorage.length") == 0 and _count(store) == 0


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_integrity_page_names_a_kiosk_flood_readably(  # type: ignore[no-untyped-def]
    live_server, chromium, store, open_cycle, artifacts, size
):
    for office, flood in (("50", 30), ("11", 2)):
        for d in range(6):
            for h in range(9, 17):
                day = dt.date(2026, 11, 20) + dt.timedelta(days=d)
                store.add(KioskHour(cycle_id=open_cycle.id, office_code=office, day=day, hour=h, answers=2))
        store.add(KioskHour(cycle_id=open_cycle.id, office_code=office, day=dt.date(2026, 11, 27), hour=10,
                            answers=flood))  # fmt: skip
    store.commit()
    admin = make_user(store, "admin")
    context, page = new_page(chromium, size)
    try:
        sign_in(page, live_server.url, admin.email)
        for lang in ("th", "en"):
            page.goto(f"{live_server.url}/staff/integrity?cycle={open_cycle.code}&lang={lang}")
            section = page.locator("section[aria-labelledby='kiosk-h']")
            assert section.locator("tr.named").count() == 1
            section.screenshot(path=str(artifacts / f"integrity-kiosk-{size}-{lang}.png"))
            look(page, artifacts, f"integrity-with-kiosk-{size}-{lang}")
    finally:
        context.close()
