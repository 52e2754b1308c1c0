"""The improvement sections in headless Chromium at 1366 and 360 px, in Thai and English: what holds the office
back, trends, peers, themes, the plan page and the national distribution; screenshots saved under
tests/artifacts/ for people to look at, and axe-core finds no serious or critical violation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from survey_app.clock import local_today
from survey_app.models import ImprovementMeasure, OfficialResult, SuggestionTheme

from .staff_browser_pages import sign_in
from .staff_data import OTHER, OWN, Spec, add_responses, make_user
from .test_staff_browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

SIZES = {"1366": {"width": 1366, "height": 768}, "360": {"width": 360, "height": 800}}
SECTIONS = ("improvement", "trends", "peers", "themes")


@pytest.fixture
def arranged(session, cycle, questionnaire):  # type: ignore[no-untyped-def]
    texts = ["ห้องน้ำสกปรก", "รอคิวนานมาก", "เจ้าหน้าที่บริการดี", "ห้องน้ำไม่สะอาด", "ควรเพิ่มที่จอดรถ"]
    specs = [
        Spec(days_ago=d, level=1 + (d % 3), rtype=("individual", "business")[d % 4 == 0],
             service=("factory_licensing", "information")[d % 2], suggestion=texts[d % 5] if d % 2 == 0 else None)
        for d in range(45)
    ]  # fmt: skip
    add_responses(session, cycle, questionnaire, OWN, specs)
    add_responses(session, cycle, questionnaire, OTHER, [Spec(level=2 + d % 2) for d in range(12)])
    add_responses(session, cycle, questionnaire, "13", [Spec(level=3) for _ in range(8)])
    session.add_all([
        SuggestionTheme(name="สถานที่", keywords="ห้องน้ำ, ที่จอดรถ"),
        ImprovementMeasure(cycle_id=cycle.id, office_code=OWN, item="E4", action="ติดป้ายช่องทางร้องเรียน",
                           owner="ฝ่ายบริหาร", due_on=local_today(), status="planned"),
        OfficialResult(fiscal_year=cycle.fiscal_year, office_code=OWN, eit=84.5),
    ])  # fmt: skip
    session.commit()
    return {"office": make_user(session, "office", OWN), "admin": make_user(session, "admin")}


def _page(chromium: Any, size: str) -> Any:
    context = chromium.new_context(viewport=SIZES[size], device_scale_factor=1, is_mobile=size == "360")
    return context, context.new_page()


@pytest.mark.parametrize("size", ["1366", "360"])
def test_office_improvement_sections_read_well_and_pass_axe(
    live_server, chromium, arranged, artifacts, size
) -> None:  # type: ignore[no-untyped-def]
    context, page = _page(chromium, size)
    # The responses' 45 Bangkok days span two months, or three when "today" is the first of a month (as when the
    # clock is frozen at 23:30 UTC on the 30th).
    months = {(local_today() - dt.timedelta(days=d)).replace(day=1) for d in range(45)}
    try:
        sign_in(page, live_server.url, arranged["office"].email)
        for lang in ("th", "en"):
            page.goto(f"{live_server.url}/staff/offices/{OWN}?lang={lang}")
            assert page.locator("#gap-table tbody tr").count() >= 1
            assert page.locator("#trend-table tbody tr").count() == len(months), (
                "a row per month of the 45 days"
            )
            assert page.locator("#rank-national").inner_text()
            assert page.locator("#theme-counts").inner_text()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= SIZES[size]["width"] + 1, "no sideways scroll of the whole page"
            for section in SECTIONS:
                page.locator(f"#{section}").screenshot(
                    path=str(artifacts / f"improvement-{section}-{size}-{lang}.png")
                )
            assert axe_violations(page) == [], f"office page ({lang}, {size} px)"
            page.goto(f"{live_server.url}/staff/offices/{OWN}/plan?lang={lang}")
            page.screenshot(path=str(artifacts / f"improvement-plan-{size}-{lang}.png"), full_page=True)
            assert axe_violations(page) == [], f"plan page ({lang}, {size} px)"
    finally:
        context.close()


@pytest.mark.parametrize("size", ["1366", "360"])
def test_national_distribution_and_admin_pages_pass_axe(
    live_server, chromium, arranged, artifacts, size
) -> None:  # type: ignore[no-untyped-def]
    context, page = _page(chromium, size)
    try:
        sign_in(page, live_server.url, arranged["admin"].email)
        for lang in ("th", "en"):
            page.goto(f"{live_server.url}/staff/?lang={lang}")
            assert page.locator("#distribution svg rect.hist-bar").count() == 10
            page.locator("#distribution").screenshot(
                path=str(artifacts / f"improvement-distribution-{size}-{lang}.png")
            )
            assert axe_violations(page) == [], f"national page ({lang}, {size} px)"
            for path, name in (
                ("/staff/plans", "plans"),
                ("/staff/official", "official"),
                ("/staff/themes", "themes"),
            ):
                page.goto(f"{live_server.url}{path}?lang={lang}")
                page.screenshot(
                    path=str(artifacts / f"improvement-{name}-page-{size}-{lang}.png"), full_page=True
                )
                assert axe_violations(page) == [], f"{path} ({lang}, {size} px)"
    finally:
        context.close()
