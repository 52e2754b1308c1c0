"""Staff journeys in headless Chromium: an office user and an admin sign in, read their dashboards (numbers
checked against the database), watch a count refresh without reloading, and axe-core finds no serious or
critical accessibility violation on the sign-in page, both dashboards and the public survey page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from survey_app.clock import local_today
from survey_app.models import Response
from survey_app.services.outreach import links as link_service
from survey_app.tokens import poster_token

from .staff_browser_pages import sign_in
from .staff_data import OTHER, OWN, Spec, add_responses, make_user

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

AXE = Path(__file__).resolve().parents[1] / "browser" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Serious and critical axe-core violations on the page (axe is evaluated through the DevTools protocol,
    which the page's CSP does not govern)."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed: run `npm ci --prefix tests/browser` ({AXE} is missing)")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def arranged(session, cycle, questionnaire):  # type: ignore[no-untyped-def]
    """A month of responses in two offices, suggestions, a poster link, an office user and an admin."""
    specs = [
        Spec(days_ago=d % 30, level=2 + (d % 2), rtype=("individual", "business")[d % 3 == 0],
             service=("factory_licensing", "information", "mining")[d % 3], channel=("poster", "email")[d % 4 == 0],
             suggestion=f"ข้อเสนอแนะที่ {d}" if d % 5 == 0 else None)
        for d in range(46)
    ]  # fmt: skip
    add_responses(session, cycle, questionnaire, OWN, specs)
    add_responses(session, cycle, questionnaire, OTHER, [Spec(days_ago=d % 10) for d in range(12)])
    link, _created = link_service.create_poster_link(session, cycle, OWN, "citizen")
    session.commit()
    return {"office": make_user(session, "office", OWN), "admin": make_user(session, "admin"), "link": link}


def _db_counts(session, office: str | None = None) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    today = local_today()
    where = [Response.office_code == office] if office else []
    count = sa.select(sa.func.count()).select_from(Response).where(*where)
    return (
        session.scalar(count.where(Response.submitted_on == today)),
        session.scalar(count.where(Response.submitted_on >= today - dt.timedelta(days=6))),
        session.scalar(count),
    )


def test_office_user_reads_their_dashboard_and_it_matches_the_database(
    live_server, desktop_page, session, arranged, artifacts
) -> None:
    page = desktop_page
    page.goto(live_server.url + "/staff/login")
    assert axe_violations(page) == [], "sign-in page"
    sign_in(page, live_server.url, arranged["office"].email)
    assert page.url.endswith(f"/staff/offices/{OWN}")
    shown = tuple(int(page.locator(f'[data-live="{k}"]').inner_text().replace(",", "")) for k in
                  ("today", "last7", "total"))  # fmt: skip
    assert shown == _db_counts(session, OWN)
    assert page.locator("h1").inner_text() == "สำนักงานอุตสาหกรรมจังหวัดสมุทรปราการ"
    bars = page.locator(".chart-wide svg rect.bar")
    assert bars.count() == 60
    assert page.locator("tr.eit .score").first.inner_text()  # 46 responses: results are shown
    assert page.locator("ul.suggestions li").count() == 10
    page.screenshot(path=str(artifacts / "staff-office-dashboard.png"), full_page=True)
    assert axe_violations(page) == [], "office dashboard"


def test_admin_reads_the_national_view_and_it_matches_the_database(
    live_server, desktop_page, session, arranged, artifacts
) -> None:
    page = desktop_page
    sign_in(page, live_server.url, arranged["admin"].email)
    assert page.url.endswith("/staff/")
    _today, last7, total = _db_counts(session)
    assert int(page.locator('[data-live="all.count"]').inner_text().replace(",", "")) == total
    assert int(page.locator('[data-live="all.last7"]').inner_text().replace(",", "")) == last7
    assert page.locator("table.national tbody tr").count() == 76
    own = int(page.locator(f'[data-live="{OWN}.count"]').inner_text())
    assert own == _db_counts(session, OWN)[2]
    assert page.locator("ol.pchart li meter").count() == 76
    page.screenshot(path=str(artifacts / "staff-national.png"), full_page=True)
    assert axe_violations(page) == [], "national view"
    # Sorting without JavaScript: a plain link reloads the page sorted by responses.
    page.locator("table.national th a[href*='sort=count']").click()
    page.wait_for_load_state()
    first = page.locator("table.national tbody tr td").first.inner_text()
    assert first == OWN
    page.goto(live_server.url + f"/staff/offices/{OWN}")
    page.screenshot(path=str(artifacts / "staff-office-dashboard-admin.png"), full_page=True)
    assert axe_violations(page) == [], "office dashboard seen by an admin"


def test_counts_refresh_every_minute_without_reloading(live_server, desktop_page, session, arranged, questionnaire,
                                                       cycle) -> None:  # fmt: skip
    page = desktop_page
    page.clock.install()
    sign_in(page, live_server.url, arranged["office"].email)
    before = int(page.locator('[data-live="total"]').inner_text())
    page.evaluate("window.__not_reloaded = true")
    add_responses(session, cycle, questionnaire, OWN, [Spec(), Spec()])
    page.clock.fast_forward("01:01")
    expect(page.locator('[data-live="total"]')).to_have_text(str(before + 2))
    assert page.evaluate("window.__not_reloaded") is True
    assert page.locator("[data-live-updated]").inner_text() != "เมื่อเปิดหน้านี้"


def test_the_survey_page_has_no_serious_accessibility_violations(live_server, phone_page, arranged) -> None:
    with live_server.server.app.app_context():  # type: ignore[attr-defined]
        token = poster_token(arranged["link"].id, arranged["link"].version)
    phone_page.goto(live_server.url + "/s/" + token)
    assert phone_page.locator("html").get_attribute("lang") == "th"
    violations = axe_violations(phone_page)
    assert violations == [], json.dumps(violations, ensure_ascii=False)
