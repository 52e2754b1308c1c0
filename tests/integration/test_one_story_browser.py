"""Issue 22 in headless Chromium at 360 × 800 and 1366 × 768, in Thai and English: every "answers needed" figure a
reader sees on the office page (the first screen and the sample card), in the national table and in the report PDF
is the same number, worked out here by hand; the sentence saying why is the same on the page and in the table; and
axe-core finds no serious or critical violation on either page.

Screenshots go to tests/artifacts/story-<size>-<page>-<lang>.png for people to look at.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from typing import Any

import pytest

from .staff_browser_pages import signed_in_page
from .staff_data import OWN, TWO_TYPE_FRAME, Spec, add_frame, add_responses, make_user
from .test_staff_browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

SIZES = {"phone": (360, 800), "desktop": (1366, 768)}
# Frame 100 individuals and 900 businesses; 10 and 5 answered (type floor 1). Weights 10 and 180: Kish deff
# = 15 × (10 × 10² + 5 × 180²) / 1000² = 2.445; Krejcie & Morgan for 1,000 people asks 278, so 278 × 2.445
# = 679.7 → 680 answers in all, 665 more (where 278 − 15 would say 263).
DEFF = 15 * (10 * 10**2 + 5 * 180**2) / 1000**2
EXPECTED = math.ceil(278 * DEFF) - 15


@pytest.fixture
def arranged(session, cycle, questionnaire):  # type: ignore[no-untyped-def]
    cycle.type_floor = 1
    add_frame(session, cycle, OWN, TWO_TYPE_FRAME)
    specs = [Spec(days_ago=d % 9) for d in range(10)] + [Spec(rtype="business", days_ago=d) for d in range(5)]
    add_responses(session, cycle, questionnaire, OWN, specs)
    return make_user(session, "admin")


def _figure(text: str) -> int:
    """The first number in ``text`` (thousands separated by commas)."""
    found = re.search(r"\d[\d,]*", text)
    assert found, f"no number in {text!r}"
    return int(found.group(0).replace(",", ""))


def _pdf_figure(page: Any, url: str, tmp_path: Any) -> int:
    response = page.request.get(url)
    assert response.ok
    path = tmp_path / "report.pdf"
    path.write_bytes(response.body())
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, timeout=60)
    unspaced = "".join(text.stdout.decode("utf-8").split())
    found = re.search(r"ต้องการคำตอบอีก([\d,]+)ชุด", unspaced)
    assert found, "the report says how many more answers are needed"
    return int(found.group(1).replace(",", ""))


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_answers_needed_figure_is_the_same_number(
    live_server, chromium, arranged, artifacts, tmp_path, size
) -> None:  # type: ignore[no-untyped-def]
    assert EXPECTED == 665
    width, height = SIZES[size]
    with signed_in_page(chromium, live_server.url, arranged.email, width, height) as page:
        for lang, words in (("th", "ต้องการคำตอบอีก"), ("en", "more answers needed")):
            page.goto(f"{live_server.url}/staff/offices/{OWN}?lang={lang}")
            first = page.locator(".summary-sample .verdict-big").inner_text()
            card = page.locator(".cards [data-needed]").inner_text()
            why = page.locator(".summary-sample [data-story=needed]").inner_text()
            assert words in first and words in card
            assert _figure(first) == _figure(card) == EXPECTED, (first, card)
            assert "278" in why and "263" in why, (
                why
            )  # the why names required − received, not the cause's figure
            box = page.locator(".summary-sample .verdict-big").bounding_box()
            assert box is not None and box["y"] + box["height"] <= height, "the number is on the first screen"
            page.screenshot(path=str(artifacts / f"story-{size}-office-{lang}.png"))
            assert axe_violations(page) == [], f"office page {size} {lang}"

            page.goto(f"{live_server.url}/staff/?lang={lang}")
            cell = page.locator(f"tr:has(td:text-is('{OWN}')) td.adequacy")
            assert _figure(cell.inner_text()) == EXPECTED, cell.inner_text()
            assert why in cell.inner_text(), "the table gives the office page's sentence"
            cell.scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts / f"story-{size}-national-{lang}.png"))
            assert axe_violations(page) == [], f"national table {size} {lang}"
        assert _pdf_figure(page, f"{live_server.url}/staff/offices/{OWN}/report.pdf", tmp_path) == EXPECTED


BAD_FILE = (
    "\ufefffiscal_year,office_code,eit\n"
    "2569,11,88.5\n"
    "2024,12,80\n"  # Christian-era year
    "2569,13,90\n"
)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_official_results_import_their_valid_rows_without_choosing_the_file_again(
    live_server, chromium, arranged, artifacts, tmp_path, size
) -> None:  # type: ignore[no-untyped-def]
    upload = tmp_path / "official.csv"
    upload.write_text(BAD_FILE, encoding="utf-8")
    width, height = SIZES[size]
    with signed_in_page(chromium, live_server.url, arranged.email, width, height) as page:
        for lang, button, done in (
            ("th", "นำเข้า 2 แถวที่ถูกต้อง", "นำเข้าแล้ว 2 แถว ข้ามไป 1 แถว"),
            ("en", "Import the 2 valid rows", "2 rows imported. 1 rows were skipped."),
        ):
            page.goto(f"{live_server.url}/staff/official?lang={lang}")
            page.set_input_files("#file", str(upload))
            page.locator("form[enctype] button[type=submit]").click()
            page.wait_for_load_state()
            assert page.locator("#problems li").count() == 1
            page.screenshot(path=str(artifacts / f"story-{size}-official-report-{lang}.png"), full_page=True)
            assert axe_violations(page) == [], f"official report {size} {lang}"
            page.get_by_role("button", name=button).click()
            page.wait_for_load_state()
            assert done in page.locator("#import-result").inner_text()
            assert "2569" in page.locator("#official-years").inner_text()
            page.screenshot(
                path=str(artifacts / f"story-{size}-official-imported-{lang}.png"), full_page=True
            )
            assert axe_violations(page) == [], f"official imported {size} {lang}"
