"""An office's staff, in headless Chromium: upload a contact file with a bad row, read the report, import the valid
rows, queue the emails; then create a poster link and download its poster. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from survey_app.models import Invitation, OutboxMessage, SurveyLink
from tests.qrtools import decode, pdf_to_png

from .staff_browser_pages import sign_in
from .staff_data import OWN, make_user

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

CSV = "\ufeffอีเมล,ชื่อ,บริการ\nsomchai@factory.example,บริษัท สมชาย จำกัด,การอนุญาตประกอบกิจการโรงงาน\nnot-an-email,X,\n"


def test_office_staff_import_contacts_queue_invitations_and_print_a_poster(
    live_server, desktop_page, session, cycle, artifacts, tmp_path: Path
) -> None:
    user = make_user(session, "office", OWN)
    page = desktop_page
    sign_in(page, live_server.url, user.email)

    page.goto(f"{live_server.url}/staff/offices/{OWN}/invitations")
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(CSV, encoding="utf-8")
    page.set_input_files("#file", str(contacts))
    page.get_by_role("button", name="ตรวจสอบและนำเข้า").click()
    page.wait_for_load_state()
    assert "มี 1 แถวที่ผิดพลาด" in page.locator("main").inner_text()
    assert "อีเมลไม่ถูกต้อง" in page.locator(".import-report table").inner_text()
    page.screenshot(path=str(artifacts / "staff-invitations-report-th.png"), full_page=True)
    assert session.scalars(select(Invitation)).all() == []

    page.get_by_role("button", name="นำเข้าเฉพาะแถวที่ถูกต้อง").click()
    page.wait_for_load_state()
    assert "นำเข้ารายชื่อใหม่ 1 รายการ" in page.locator("main").inner_text()
    page.get_by_role("button", name="ส่งคำเชิญ 1 รายการ").click()
    page.wait_for_load_state()
    assert "จัดคิวอีเมลเชิญ 1 ฉบับเพื่อส่งแล้ว" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "staff-invitations-queued-th.png"), full_page=True)
    session.expire_all()
    assert len(session.scalars(select(OutboxMessage)).all()) == 1

    page.goto(f"{live_server.url}/staff/offices/{OWN}/links")
    page.get_by_role("button", name="สร้างลิงก์").first.click()
    page.wait_for_load_state()
    url = page.locator("code.url").inner_text()
    page.screenshot(path=str(artifacts / "staff-links-th.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="โปสเตอร์ A4 (PDF)").click()
    pdf = tmp_path / "poster.pdf"
    download.value.save_as(pdf)
    (png,) = pdf_to_png(pdf, tmp_path / "poster", dpi=150)
    assert decode(png) == [url]
    (poster_png,) = pdf_to_png(pdf, artifacts / "poster-citizen-th", dpi=80)
    assert poster_png.exists()
    session.expire_all()
    assert session.scalars(select(SurveyLink.audience)).all() == ["citizen"]
