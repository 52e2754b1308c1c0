"""The survey as short as it can be (issue 22): one question count and one time on the page, the respondent type
asked and never chosen for the respondent, every unanswered question marked where it is and summarised once (with
JavaScript and without), the language switch back at the same question, and a one-line header on a phone. In
headless Chromium at 360×800 and 1366×768, Thai and English; screenshots under tests/artifacts/."""

from __future__ import annotations

import gzip
import re
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

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the database plays no part

SIZES = {"360": {"width": 360, "height": 800}, "1366": {"width": 1366, "height": 768}}
SEND = {"th": "ส่งคำตอบ", "en": "Send my answers"}
SWITCH = {"th": "English", "en": "ภาษาไทย"}


@pytest.fixture
def sized_page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh context at the test's ``size``, JavaScript as its ``javascript`` parameter (on by default)."""
    size = request.node.callspec.params["size"]
    javascript = request.node.callspec.params.get("javascript", True)
    context = chromium.new_context(
        viewport=SIZES[size], device_scale_factor=1, is_mobile=size == "360", java_script_enabled=javascript
    )
    yield context.new_page()
    context.close()


def _count(store) -> int:  # type: ignore[no-untyped-def]
    store.expire_all()
    return int(store.scalar(select(func.count()).select_from(Response)) or 0)


def test_an_empty_send_without_javascript_marks_every_question_and_summarises_once(
    app, store, open_cycle, questionnaire
):  # type: ignore[no-untyped-def]
    client = app.test_client()
    path = poster_path(app, poster_link(store, open_cycle))
    page = client.get(path).text
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    html = client.post(path, data={"csrf_token": csrf, "nonce": nonce}).text
    groups = 2 + len(questionnaire.answer_keys)
    names = re.findall(
        r'<fieldset class="q invalid" id="q-([^"]+)" data-q="\1"[^>]*aria-describedby="\1-error"', html
    )
    assert len(names) == groups == 21, "every unanswered group is marked and tied to its message"
    for name in names:
        assert f'<p class="field-error" id="{name}-error">' in html
        assert len(re.findall(rf'name="{name}" value="[^"]+" aria-invalid="true"', html)) >= 2
    assert html.count('class="error-summary"') == 1
    summary = html[html.index('class="error-summary"') : html.index("</ul>")]
    links = re.findall(r'<a href="#([^"]+)">', summary)
    assert len(links) == 2 + len(questionnaire.items) == 17, "one line per question, as the page counts them"
    assert all(f'id="{anchor}"' in html for anchor in links)
    assert _count(store) == 0


def test_the_survey_page_keeps_its_budget(app, store, open_cycle):  # type: ignore[no-untyped-def]
    client = app.test_client()
    html = client.get(poster_path(app, poster_link(store, open_cycle))).data
    script = client.get("/static/js/survey.js").data
    css = client.get("/static/site.css").data
    assert len(gzip.compress(html + script + css)) < 30_000
    assert not re.search(rb'(?:src|href|action)="(?:https?:)?//', html)


@pytest.mark.browser
@pytest.mark.parametrize("size", ["360", "1366"])
@pytest.mark.parametrize("lang", ["th", "en"])
def test_type_unchosen_empty_send_marked_switch_keeps_place_header_one_line(
    app, live_server, sized_page, store, open_cycle, questionnaire, artifacts, size, lang
):  # type: ignore[no-untyped-def]
    page = sized_page
    page.goto(
        live_server.url
        + poster_path(app, poster_link(store, open_cycle, audience="business"))
        + f"?lang={lang}"
    )
    # A one-line header: the brand and the language switch side by side, as tall as one line of the brand.
    brand = page.locator("header.site .brand").bounding_box()
    switch = page.locator("header.site .lang").bounding_box()
    assert (
        abs(brand["y"] - switch["y"]) < 24 and page.locator("header.site .bar").bounding_box()["height"] < 64
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    # The type is asked: unselected, the poster's audience shown first, until chosen.
    types = page.locator("input[name='respondent_type']")
    assert types.first.get_attribute("value") == "business"
    assert page.locator("input[name='respondent_type']:checked").count() == 0
    assert page.locator("#progress").inner_text().startswith("ตอบแล้ว 0 จาก 17" if lang == "th" else "0 of 17")
    page.screenshot(path=str(artifacts / f"short-form-{size}-{lang}.png"), full_page=False)
    assert axe_violations(page) == [], "fresh form"

    page.get_by_role("button", name=SEND[lang]).click()
    summary = page.locator("#error-summary")
    summary.wait_for(state="visible")
    assert page.locator(".error-summary").count() == 1
    assert summary.get_by_role("link").count() == 17
    groups = 2 + len(questionnaire.answer_keys)
    assert page.locator("fieldset.q.invalid").count() == groups
    assert page.locator("fieldset.q.invalid[aria-describedby] > p.field-error").count() == groups
    assert page.locator("input[aria-invalid='true']").count() > groups
    page.screenshot(path=str(artifacts / f"short-errors-{size}-{lang}.png"), full_page=False)
    page.locator("#q-E2_1").screenshot(path=str(artifacts / f"short-marked-question-{size}-{lang}.png"))
    assert axe_violations(page) == [], "after an empty send"
    assert _count(store) == 0
    page.locator("label[for='respondent_type-0']").click()
    assert page.locator("#q-respondent_type").get_attribute("class") == "q"
    assert page.locator("#respondent_type-error").count() == 0

    # The language switch (at the top of the page) comes back to the question the reader was on, answers kept.
    page.locator("label[for='E9_1-2']").click()
    page.get_by_role("button", name=SWITCH[lang]).click()
    page.wait_for_url(re.compile(r".*#q-E9_1$"))
    page.wait_for_load_state()
    assert page.locator("#respondent_type-0").is_checked() and page.locator("#E9_1-2").is_checked()
    box = page.locator("#q-E9_1").bounding_box()
    assert -2 <= box["y"] < SIZES[size]["height"], "the same question is in view after the switch"
    other = "en" if lang == "th" else "th"
    page.screenshot(path=str(artifacts / f"short-switched-{size}-{other}.png"), full_page=False)


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "native-submit"])
@pytest.mark.parametrize("size", ["360"])
def test_without_javascript_an_empty_send_marks_each_question_in_chromium(
    app, live_server, sized_page, store, open_cycle, questionnaire, artifacts, size, javascript
):  # type: ignore[no-untyped-def]
    page = sized_page
    page.goto(live_server.url + poster_path(app, poster_link(store, open_cycle)))
    if javascript:  # the server's answer to a plain send, in a page where axe can run
        with page.expect_navigation():
            page.evaluate("HTMLFormElement.prototype.submit.call(document.getElementById('survey'))")
    else:
        page.get_by_role("button", name=SEND["th"]).click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    assert page.locator("fieldset.q.invalid > p.field-error").count() == 2 + len(questionnaire.answer_keys)
    if javascript:
        assert axe_violations(page) == [], "the server's error page"
    else:
        page.screenshot(path=str(artifacts / f"short-errors-nojs-{size}-th.png"), full_page=False)
    assert _count(store) == 0
