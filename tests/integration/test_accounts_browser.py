"""The sign-in pages in headless Chromium, on a phone (360×800) and a desktop (1366×768), in Thai and English: the
refused sign-in, two-step enrolment (key read from the page), the recovery codes, the code step, the password and
devices page, and our 400 and 503 error pages. Screenshots go to tests/artifacts/accounts-*.png; axe-core finds no
serious or critical violation on any of them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from survey_app.tokens import poster_token
from tests.live import LiveServer

from .staff_data import PASSWORD, make_user
from .test_staff_browser import axe_violations
from .test_two_step import totp

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

VIEWPORTS = {"phone": {"width": 360, "height": 800}, "desktop": {"width": 1366, "height": 768}}
T0 = dt.datetime(2026, 11, 29, 23, 30, 5, tzinfo=dt.UTC)


def _shoot(page, url: str, artifacts: Path, name: str, shots: list[str], status: int = 200) -> None:  # type: ignore[no-untyped-def]
    """Open ``url`` in Thai and in English, check the status, screenshot each and check it with axe."""
    for lang in ("th", "en"):
        response = page.goto(url + ("&" if "?" in url else "?") + f"lang={lang}")
        assert response.status == status, f"{name} ({lang}): {response.status}"
        assert page.locator("html").get_attribute("lang") == lang
        path = artifacts / f"accounts-{name}-{lang}.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(path.name)
        assert axe_violations(page) == [], f"{name} ({lang})"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_sign_in_pages_read_well_and_pass_axe(  # type: ignore[no-untyped-def]
    app, live_server, chromium, session, artifacts, app_clock, make_app, tmp_path, viewport: str
) -> None:
    app_clock.set(T0)
    app_clock.stop()
    make_user(session, "admin")
    context = chromium.new_context(viewport=VIEWPORTS[viewport])
    page: Any = context.new_page()
    base = live_server.url
    shots: list[str] = []

    page.goto(base + "/staff/login")
    page.fill("#email", "admin@industry.test")
    page.fill("#password", "not the password")
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    assert "อีเมลหรือรหัสผ่านไม่ถูกต้อง" in page.content()
    page.screenshot(path=str(artifacts / f"accounts-{viewport}-login-refused-th.png"), full_page=True)
    assert axe_violations(page) == [], "refused sign-in"

    page.fill("#email", "admin@industry.test")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    _shoot(page, base + "/staff/two-step", artifacts, f"{viewport}-enrol", shots)
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.fill("#code", totp(secret, app_clock()))
    page.locator("form button[type=submit]").last.click()
    assert len(page.locator(".recovery-codes li").all()) == 10
    page.screenshot(path=str(artifacts / f"accounts-{viewport}-recovery-codes-en.png"), full_page=True)
    assert axe_violations(page) == [], "recovery codes"

    _shoot(page, base + "/staff/password", artifacts, f"{viewport}-password", shots)
    _shoot(page, base + "/staff/accounts", artifacts, f"{viewport}-accounts", shots)
    page.get_by_role("button", name="Sign out everywhere").click()
    app_clock.advance(seconds=30)

    page.goto(base + "/staff/login?lang=th")
    page.fill("#email", "admin@industry.test")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    assert "/staff/login/code" in page.url
    _shoot(page, base + "/staff/login/code", artifacts, f"{viewport}-code", shots)
    page.fill("#code", totp(secret, app_clock()))
    page.locator("main form button[type=submit]").click()
    assert page.url.split("?")[0] == base + "/staff/"

    _shoot(
        page,
        base + "/staff/audit?before=99999999999999999999",
        artifacts,
        f"{viewport}-error-400",
        shots,
        400,
    )

    down = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'gone' / 'x.db'}", PROPAGATE_EXCEPTIONS=False)
    with down.app_context():
        survey = "/s/" + poster_token(1, 1)  # a well-signed link: only the database can say more
    with LiveServer(down) as dead:
        _shoot(page, dead.url + survey, artifacts, f"{viewport}-error-503", shots, 503)
    context.close()
    assert len(shots) == 12
