"""Thai staff pages in Thai: weighting notes in words with service names, statistical terms in Thai with the
English term in a glossary, and a demo notice without shell commands."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.staff.weighting_notes import in_words

from .staff_data import OWN, Spec, add_responses, isolate_requests, sign_in

LINES = (
    "business/mining (n=0, population 3, no respondents) merged into business/other",
    "no respondents of type agency: its population of 12 is left out of the weights",
    "weights trimmed at 3.5 x the mean, type and service margins re-matched",
    "something new the results service may say one day",
)


@pytest.fixture(autouse=True)
def _isolated(app) -> None:  # type: ignore[no-untyped-def]
    isolate_requests(app)


def test_weighting_notes_name_types_and_services_in_the_pages_language(app, questionnaire) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context("/?lang=th"):
        thai = in_words(LINES, questionnaire, "th")
    services = {c.code: c.label("th") for c in questionnaire.service.choices}
    types = {c.code: c.label("th") for c in questionnaire.respondent_type.choices}
    assert thai[0].text.startswith(types["business"]) and f"“{services['mining']}”" in thai[0].text
    assert f"“{services['other']}”" in thai[0].text and "ตอบ 0 ชุด จากผู้รับบริการ 3 ราย" in thai[0].text
    assert "business/mining" not in thai[0].text and "n=" not in thai[0].text  # no internal codes
    assert thai[1].text == f"ไม่มี{types['agency']}ตอบเลย จึงไม่นำผู้รับบริการประเภทนี้ 12 รายมาคิดน้ำหนัก"
    assert "3.5 เท่าของค่าเฉลี่ย" in thai[2].text
    assert all(note.lang is None for note in thai[:3])
    assert thai[3].text == LINES[3] and thai[3].lang == "en"  # an unknown shape is kept, marked as English
    with app.test_request_context("/?lang=en"):
        english = in_words(LINES[:1], questionnaire, "en")
    mining = next(c.label("en") for c in questionnaire.service.choices if c.code == "mining")
    assert f"who used “{mining}” (0 answers, 3 people served; nobody who used it answered)" in english[0].text


def test_glossary_gives_thai_terms_with_their_english_names(client, session, cycle) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "office", OWN)
    page = client.get("/staff/glossary").text
    assert "ผลของการถ่วงน้ำหนัก" in page and "design effect, Kish" in page
    assert "ตารางของเครจซีและมอร์แกน" in page
    office = client.get(f"/staff/offices/{OWN}").text
    assert 'href="/staff/glossary"' in office
    assert ">JSON<" not in office


def test_demo_notice_says_what_to_do_without_shell_commands(client, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    add_responses(session, cycle, questionnaire, OWN, [Spec()])
    session.execute(sa.text("UPDATE response SET is_demo = :t"), {"t": True})
    session.commit()
    sign_in(client, session, "office", OWN)
    page = client.get(f"/staff/offices/{OWN}").text
    assert "โปรดแจ้งผู้ดูแลระบบให้ลบข้อมูลสาธิตออก" in page
    notice = page[page.index("ข้อมูลสาธิต") :].split("</p>")[0]
    assert "`" not in notice and "--" not in notice and "survey-app" not in notice
