"""The pages a survey link shows when it opens no form: each in Thai and in English at once, with its status.

A respondent who scanned an old poster or clicked an old email should understand what happened and what to do,
whatever language the page is set to, so both texts are always shown (Thai first). None of these pages writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import render_template

from ..services.intake.link_targets import CycleView, LinkProblemError, Problem
from ..templating import format_date


@dataclass(frozen=True)
class LinkPage:
    title_th: str
    advice_th: str
    title_en: str
    advice_en: str
    is_error: bool = True


PAGES: dict[str, LinkPage] = {
    Problem.TAMPERED: LinkPage(
        "ลิงก์ไม่ถูกต้อง",
        "ลิงก์นี้ไม่สมบูรณ์หรือถูกแก้ไข โปรดสแกนคิวอาร์โค้ดอีกครั้ง หรือคัดลอกลิงก์จากอีเมลให้ครบทั้งบรรทัด",
        "This link is not valid",
        "The link is incomplete or was altered. Scan the QR code again, or copy the whole link from your email.",
    ),
    Problem.UNKNOWN: LinkPage(
        "ไม่พบแบบสอบถามของลิงก์นี้",
        "ลิงก์นี้ไม่ตรงกับแบบสอบถามใดในระบบ โปรดขอลิงก์ใหม่จากสำนักงานอุตสาหกรรมจังหวัดที่ท่านติดต่อ",
        "No survey for this link",
        "This link does not match any survey. Ask the provincial industry office you dealt with for a new one.",
    ),
    Problem.REVOKED: LinkPage(
        "ลิงก์นี้ถูกยกเลิกแล้ว",
        "สำนักงานได้เปลี่ยนลิงก์ของแบบสอบถามนี้แล้ว โปรดสแกนคิวอาร์โค้ดบนโปสเตอร์ฉบับปัจจุบันที่สำนักงาน",
        "This link was withdrawn",
        "The office has replaced this survey link. Scan the QR code on the office's current poster.",
    ),
    Problem.NOT_YET_OPEN: LinkPage(
        "แบบสอบถามยังไม่เปิด",
        "แบบสอบถามรอบนี้ยังไม่เปิดให้ตอบ{when} โปรดกลับมาอีกครั้ง",
        "The survey is not open yet",
        "This survey round is not taking answers yet{when}. Please come back then.",
    ),
    Problem.CLOSED: LinkPage(
        "แบบสอบถามรอบนี้ปิดแล้ว",
        "แบบสอบถามรอบนี้ปิดรับคำตอบแล้ว{when} ขอบคุณที่สนใจ",
        "This survey round has closed",
        "This survey round is no longer taking answers{when}. Thank you for your interest.",
    ),
    "answered": LinkPage(
        "ท่านตอบแบบสอบถามนี้แล้ว ขอบคุณ",
        "เราได้รับคำตอบจากลิงก์นี้แล้ว ลิงก์ส่วนตัวนี้ใช้ตอบได้ครั้งเดียว ขอบคุณที่สละเวลาให้ความเห็น",
        "You have already answered. Thank you",
        "We have received the answers sent with this link. A personal link can be used once. "
        "Thank you for your time.",
        is_error=False,
    ),
    "replayed": LinkPage(
        "ได้รับคำตอบนี้แล้ว ขอบคุณ",
        "แบบฟอร์มนี้ถูกส่งไปแล้ว จึงไม่บันทึกซ้ำ หากท่านต้องการตอบอีกครั้งสำหรับการมาติดต่อครั้งใหม่ โปรดสแกนคิวอาร์โค้ดอีกครั้ง",
        "These answers were already received. Thank you",
        "This form was already sent, so it was not saved twice. To answer about another visit, scan the QR code "
        "again.",
        is_error=False,
    ),
}


def _when(problem: Problem, cycle: CycleView | None, today: dt.date) -> tuple[str, str]:
    """The date part of the not-yet-open and closed texts, when a date is meaningful."""
    if cycle is None:
        return "", ""
    if problem == Problem.NOT_YET_OPEN and cycle.opens_on > today:
        day = cycle.opens_on
        return f" จะเปิดในวันที่ {format_date(day, 'th')}", f": it opens on {format_date(day, 'en')}"
    if problem == Problem.CLOSED and cycle.closes_on < today:
        day = cycle.closes_on
        return f" เมื่อวันที่ {format_date(day, 'th')}", f" since {format_date(day, 'en')}"
    return "", ""


def link_problem_page(error: LinkProblemError, today: dt.date) -> tuple[str, int]:
    """The page and status for a link that opens no form."""
    page = PAGES[error.problem]
    when_th, when_en = _when(error.problem, error.cycle, today)
    page = LinkPage(
        page.title_th, page.advice_th.format(when=when_th), page.title_en, page.advice_en.format(when=when_en)
    )
    return render_template("public/link_error.html", page=page, code=error.status), error.status


def answered_page(kind: str, status: int) -> tuple[str, int]:
    """The "already answered, thank you" page (``kind`` is ``answered`` or ``replayed``); it writes nothing."""
    return render_template("public/link_error.html", page=PAGES[kind], code=status), status
