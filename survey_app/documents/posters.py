"""Printable A4 posters (PDF) with the QR code of an office's survey link.

Fonts and Thai shaping come from :mod:`survey_app.documents.fonts`. The QR code is drawn as vector rectangles,
10 cm wide, with its quiet zone; the URL it holds is printed beneath it for people who cannot scan.
This module knows nothing of the database: :mod:`survey_app.services.posters` gathers what goes on a page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from fpdf.enums import XPos, YPos

from ..models import Audience
from ..templating import format_date
from . import qr
from .fonts import ThaiPDF

PAGE_WIDTH = 210.0
MARGIN = 15.0
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
QR_WIDTH_MM = 100.0  # the issue asks for at least 60 mm; 10 cm scans from a couple of metres
BRAND = (11, 79, 138)
INK = (26, 26, 26)
MUTED = (74, 74, 74)

AUDIENCE_TEXT = {
    Audience.CITIZEN: ("สำหรับประชาชนผู้มาติดต่อ", "For members of the public"),
    Audience.BUSINESS: ("สำหรับผู้ประกอบการและนิติบุคคล", "For businesses and juristic persons"),
}
CALL_TH = ("สแกนเพื่อบอกเราว่า", "เราให้บริการท่านเป็นอย่างไร")
CALL_TH_DETAIL = "ใช้เวลาประมาณ 2 นาที · ไม่ระบุตัวตน"
CALL_EN = "Scan to tell us how we served you: about two minutes, anonymous."
NO_SCAN_TH = "สแกนไม่ได้? พิมพ์ที่อยู่นี้ในเบราว์เซอร์ / Cannot scan? Type this address:"
# Lines are broken by hand: Thai has no spaces between words to break at, and explicit lines render fast.
PRIVACY_TH = (
    "เราไม่ถามชื่อ และไม่เก็บชื่อ อีเมล หมายเลขโทรศัพท์ หรือที่อยู่ IP ของท่านไว้กับคำตอบ",
    "สำนักงานเห็นเฉพาะผลรวม ไม่เห็นคำตอบของผู้ใดเป็นรายบุคคล",
)
PRIVACY_EN = (
    "We do not ask your name, and never store your name, email, phone number or IP address with your answers.",
    "The office sees only totals, never one person's answers.",
)


@dataclass(frozen=True)
class Poster:
    """What one poster page shows."""

    office_code: str
    office_th: str
    office_en: str
    audience: Audience
    url: str
    opens_on: dt.date
    closes_on: dt.date
    privacy_url: str


class _PosterPDF(ThaiPDF):
    def __init__(self) -> None:
        super().__init__()
        self.set_auto_page_break(False)
        self.set_margins(MARGIN, MARGIN, MARGIN)


def render(posters: Iterable[Poster], title: str = "EIT survey posters") -> bytes:
    """One PDF with a page per poster; raises ``ValueError`` when there is none."""
    pdf = _PosterPDF()
    pdf.set_title(title)
    for poster in posters:
        _page(pdf, poster)
    if pdf.page == 0:
        raise ValueError("no poster to print")
    return bytes(pdf.output())


def _page(pdf: _PosterPDF, poster: Poster) -> None:
    pdf.add_page()
    _header(pdf)
    _office(pdf, poster)
    _call_to_action(pdf, poster)
    qr_top = pdf.get_y() + 3
    _qr(pdf, poster.url, qr_top)
    pdf.set_y(qr_top + QR_WIDTH_MM + 2)
    _url(pdf, poster.url)
    _dates(pdf, poster)
    _privacy(pdf, poster)


def _header(pdf: _PosterPDF) -> None:
    pdf.set_fill_color(*BRAND)
    pdf.rect(0, 0, PAGE_WIDTH, 18, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Loma", "B", 14)
    pdf.set_xy(MARGIN, 5)
    _line(pdf, "กระทรวงอุตสาหกรรม · Ministry of Industry", 8)
    pdf.set_text_color(*INK)


def _office(pdf: _PosterPDF, poster: Poster) -> None:
    pdf.set_xy(MARGIN, 24)
    _fitted_line(pdf, poster.office_th, "B", 26, 12)
    _fitted_line(pdf, poster.office_en, "", 15, 9)
    th, en = AUDIENCE_TEXT[poster.audience]
    pdf.set_text_color(*BRAND)
    pdf.set_font("Loma", "B", 15)
    _line(pdf, f"{th} / {en}", 9)
    pdf.set_text_color(*INK)


def _call_to_action(pdf: _PosterPDF, poster: Poster) -> None:
    pdf.ln(2)
    pdf.set_font("Loma", "B", 26)
    for line in CALL_TH:
        _line(pdf, line, 12)
    pdf.set_font("Loma", "", 19)
    _line(pdf, CALL_TH_DETAIL, 10)
    pdf.set_font("Loma", "", 13)
    pdf.set_text_color(*MUTED)
    _line(pdf, CALL_EN, 7)
    pdf.set_text_color(*INK)


def _qr(pdf: _PosterPDF, url: str, top: float) -> None:
    """Draw the code as one rectangle per horizontal run of dark modules (crisp at any printer resolution)."""
    matrix = qr.modules(url)
    size = QR_WIDTH_MM / len(matrix)
    left = (PAGE_WIDTH - QR_WIDTH_MM) / 2
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(left, top, QR_WIDTH_MM, QR_WIDTH_MM, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for start, length in _dark_runs(row):
            pdf.rect(left + start * size, top + row_index * size, length * size, size, style="F")


def _dark_runs(row: list[bool]) -> list[tuple[int, int]]:
    """(start, length) of every run of dark modules in ``row``."""
    runs: list[tuple[int, int]] = []
    start = None
    for index, dark in enumerate([*row, False]):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            runs.append((start, index - start))
            start = None
    return runs


def _url(pdf: _PosterPDF, url: str) -> None:
    pdf.set_font("Loma", "", 11)
    pdf.set_text_color(*MUTED)
    _line(pdf, NO_SCAN_TH, 6)
    pdf.set_text_color(*INK)
    pdf.set_font("TlwgMono", "", 12)
    per_line = max(10, int(TEXT_WIDTH // pdf.get_string_width("M")))
    for start in range(0, len(url), per_line):  # a monospaced font: cut the URL by characters
        _line(pdf, url[start : start + per_line], 6)


def _dates(pdf: _PosterPDF, poster: Poster) -> None:
    pdf.ln(2)
    th = f"ตอบได้ตั้งแต่ {format_date(poster.opens_on, 'th')} ถึง {format_date(poster.closes_on, 'th')}"
    en = f"Open from {format_date(poster.opens_on, 'en')} to {format_date(poster.closes_on, 'en')}"
    pdf.set_font("Loma", "B", 15)
    _line(pdf, th, 8)
    pdf.set_font("Loma", "", 12)
    _line(pdf, en, 6)


def _privacy(pdf: _PosterPDF, poster: Poster) -> None:
    top = 250.0
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(0.6)
    pdf.line(MARGIN, top, PAGE_WIDTH - MARGIN, top)
    pdf.set_xy(MARGIN, top + 3)
    pdf.set_font("Loma", "", 11.5)
    for line in PRIVACY_TH:
        _line(pdf, line, 6)
    pdf.set_font("Loma", "", 9.5)
    pdf.set_text_color(*MUTED)
    for line in PRIVACY_EN:
        _line(pdf, line, 4.8)
    pdf.ln(1)
    _line(pdf, f"นโยบายความเป็นส่วนตัว / Privacy notice: {poster.privacy_url}", 5)
    pdf.set_text_color(*INK)


def _line(pdf: _PosterPDF, text: str, height: float) -> None:
    """One centred line; HarfBuzz shaping (slow) only when the line has Thai in it."""
    pdf.shape_for(text)
    pdf.cell(TEXT_WIDTH, height, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _fitted_line(pdf: _PosterPDF, text: str, style: str, size: float, minimum: float) -> None:
    """One centred line, its font shrunk until it fits the text width (office names have no spaces to wrap)."""
    while size > minimum:
        pdf.set_font("Loma", style, size)
        if pdf.get_string_width(text) <= TEXT_WIDTH:
            break
        size -= 0.5
    _line(pdf, text, size * 0.5)
