"""Thai staff pages in Thai: statistical terms in Thai with the English term in a glossary, and a demo notice
without shell commands. (Weighting notes in words: services/results/reasons.py and its tests.)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from .staff_data import OWN, Spec, add_responses, isolate_requests, sign_in


@pytest.fixture(autouse=True)
def _isolated(app) -> None:  # type: ignore[no-untyped-def]
    isolate_requests(app)


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
