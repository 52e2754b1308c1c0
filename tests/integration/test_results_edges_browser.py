"""The office page's scores at the edges in headless Chromium: a frame error and the notes on how the weights were
made, read in Thai and English on a phone (360×800) and a desktop (1366×768), with no serious or critical axe-core
violation. Screenshots go to tests/artifacts/ for people to look at."""

from __future__ import annotations

import pytest

from survey_app.models import PopulationFrame

from .staff_data import OWN, PASSWORD, Spec, add_responses, make_user
from .test_staff_browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

WORDS = {
    "th": ("กรอบประชากรผิดพลาด", "โปรดแก้ไขกรอบประชากร", "วิธีคำนวณน้ำหนัก", "ถ่วงน้ำหนักแบบ post-stratification"),
    "en": ("Frame error", "correct the frame", "How the weights were made", "Post-stratified to the frame"),
}


@pytest.fixture
def arranged(session, cycle, questionnaire):  # type: ignore[no-untyped-def]
    """An office whose frame counts 8 individuals though 12 have answered, and 6 businesses of 400."""
    for rtype, service, served in (("individual", "factory_licensing", 8), ("business", "mining", 400)):
        session.add(PopulationFrame(
            cycle_id=cycle.id, office_code=OWN, respondent_type=rtype, service=service, served=served,
        ))  # fmt: skip
    session.commit()
    specs = [Spec(level=1 + i % 3) for i in range(12)] + [
        Spec(rtype="business", service="mining", level=2)
    ] * 6
    add_responses(session, cycle, questionnaire, OWN, specs)
    return make_user(session, "admin")


@pytest.mark.parametrize("size", [(360, 800), (1366, 768)], ids=["phone", "desktop"])
def test_office_scores_show_the_frame_error_and_the_notes_in_both_languages(
    live_server, chromium, arranged, artifacts, size
) -> None:
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(live_server.url + "/staff/login")
    page.fill("#email", arranged.email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    page.wait_for_load_state()
    for lang, (error, fix, summary, method) in WORDS.items():
        page.goto(f"{live_server.url}/staff/offices/{OWN}?lang={lang}")
        notice = page.locator("p.notice", has_text=error)
        assert notice.count() == 1 and fix in notice.inner_text()
        page.locator("details summary", has_text=summary).click()
        assert page.locator("details li", has_text=method).is_visible()
        page.locator("table.scores").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / f"scores-edges-{lang}-{size[0]}.png"), full_page=True)
        results = page.locator('section[aria-labelledby="results-h"]')
        results.screenshot(path=str(artifacts / f"scores-edges-{lang}-{size[0]}-section.png"))
        assert axe_violations(page) == [], f"office page {lang} {size}"
    context.close()
