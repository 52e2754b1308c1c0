"""The survey's language switch keeps the reader's place without JavaScript too (issue 22): the switch posts the
answers, and the page in the other language opens at the question after the furthest one answered, with the
answers kept; with nothing answered it opens at its top. Headless Chromium with JavaScript off, at 360×800 and
1366×768, Thai to English and back; screenshots under tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from survey_app.public.questions import resume_at
from tests import survey_helpers
from tests.integration.test_staff_browser import axe_violations
from tests.survey_helpers import poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle

browser = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

SIZES = {"360": {"width": 360, "height": 800}, "1366": {"width": 1366, "height": 768}}
SWITCH = {"th": "English", "en": "ภาษาไทย"}


@pytest.fixture(params=sorted(SIZES))
def no_js_page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = chromium.new_context(
        viewport=SIZES[request.param], is_mobile=request.param == "360", java_script_enabled=False
    )
    page = context.new_page()
    page.size_name = request.param  # type: ignore[attr-defined]
    yield page
    context.close()


def test_resume_at_is_the_question_after_the_furthest_answered(questionnaire) -> None:  # type: ignore[no-untyped-def]
    names = [f"{code}_{sub}" for code, sub in questionnaire.answer_keys]
    assert resume_at(questionnaire, {}) is None
    assert resume_at(questionnaire, {"service": "x"}) == names[0]
    # A skipped question before the furthest answer does not pull the reader back.
    assert resume_at(questionnaire, {names[0]: "1", names[3]: "2"}) == names[4]
    assert resume_at(questionnaire, {names[-1]: "1"}) == "suggestion"


@browser[0]
@browser[1]
def test_switching_language_without_javascript_opens_at_the_readers_question(
    app, live_server, no_js_page, store, open_cycle, questionnaire, artifacts
):  # type: ignore[no-untyped-def]
    page = no_js_page
    height = SIZES[page.size_name]["height"]
    page.goto(live_server.url + poster_path(app, poster_link(store, open_cycle)))
    keys = [f"{code}_{sub}" for code, sub in questionnaire.answer_keys]
    answered = ["service-0", *(f"{name}-1" for name in keys[:6])]
    for option in answered:
        page.locator(f"label[for='{option}']").click()
    expected = keys[6]
    for lang in ("th", "en"):  # Thai → English, then back
        page.get_by_role("button", name=SWITCH[lang]).click()
        page.wait_for_load_state()
        other = "en" if lang == "th" else "th"
        assert page.locator("html").get_attribute("lang") == other
        assert all(page.locator(f"#{option}").is_checked() for option in answered), "answers kept"
        # Locators and boxes work with the page's JavaScript off (page.evaluate does not).
        assert page.locator(":focus").get_attribute("id") == f"{expected}-0", (
            "the next question has the focus"
        )
        box = page.locator(f"#q-{expected}").bounding_box()
        assert box is not None and 0 <= box["y"] < height, f"question {expected} is in view: {box}"
        top = page.locator("h1").bounding_box()
        assert top is not None and top["y"] < 0, "not the top of the page"
        page.screenshot(path=str(artifacts / f"switch-nojs-{page.size_name}-{other}.png"))


@browser[0]
@browser[1]
def test_switching_language_before_answering_stays_at_the_top(
    app, live_server, no_js_page, store, open_cycle
):  # type: ignore[no-untyped-def]
    page = no_js_page
    page.goto(live_server.url + poster_path(app, poster_link(store, open_cycle)))
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    top = page.locator("h1").bounding_box()
    assert top is not None and top["y"] > 0, "the page opens at its top"


@browser[0]
@browser[1]
@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_switched_page_passes_axe(app, live_server, chromium, store, open_cycle, size):  # type: ignore[no-untyped-def]
    """The server's page after a switch (posted natively, as without JavaScript), where axe can run."""
    context = chromium.new_context(viewport=SIZES[size], is_mobile=size == "360")
    page = context.new_page()
    try:
        page.goto(live_server.url + poster_path(app, poster_link(store, open_cycle)))
        page.locator("label[for='service-0']").click()
        with page.expect_navigation():
            page.evaluate(
                "(() => { const f = document.getElementById('survey'); const i = document.createElement('input');"
                " i.type = 'hidden'; i.name = 'lang'; i.value = 'en'; f.appendChild(i);"
                " HTMLFormElement.prototype.submit.call(f); })()"
            )
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("input[autofocus]").count() == 1
        assert axe_violations(page) == [], f"switched survey page {size}"
    finally:
        context.close()
