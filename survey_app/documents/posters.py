"""Printable A4 posters (PDF) with the QR code of an office's survey link.

Fonts and Thai shaping come from :mod:`survey_app.documents.fonts`. The QR code is drawn as vector rectangles,
8 cm wide, with its quiet zone. The two audiences look different at a glance (colour band, large heading, icon:
:data:`LOOKS`), a line says to open the phone's camera, and beneath the code people who cannot scan find a short
address and a six-character code (``/t``, see :mod:`survey_app.public.shortcode`).
This module knows nothing of the database: :mod:`survey_app.services.outreach.posters` gathers what goes on a page.
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
BAND_HEIGHT = 44.0
QR_WIDTH_MM = 80.0  # the issue asks for at least 60 mm; 8 cm scans from a couple of metres
INK = (26, 26, 26)
MUTED = (74, 74, 74)


@dataclass(frozen=True)
class Look:
    """How one audience's poster is told apart at a glance: colour band, heading, icon (also in grey print)."""

    colour: tuple[int, int, int]
    heading_th: str
    heading_en: str
    line_th: str
    icon: str


# Both colours keep white text above 4.5:1; the headings and icons differ, so grey prints differ too.
LOOKS = {
    Audience.CITIZEN: Look(
        (0, 105, 92), "ประชาชน", "For members of the public", "สำหรับประชาชนผู้มาติดต่อ", "person"
    ),
    Audience.BUSINESS: Look(
        (166, 59, 0),
        "ผู้ประกอบการ",
        "For businesses and juristic persons",
        "สำหรับผู้ประกอบการและนิติบุคคล",
        "factory",
    ),
}
CALL_TH = ("สแกนเพื่อบอกเราว่า", "เราให้บริการท่านเป็นอย่างไร")
CALL_TH_DETAIL = "ใช้เวลาไม่กี่นาที · ไม่ระบุตัวตน"  # no number: the survey page states its measured time
CALL_EN = "Scan to tell us how we served you: a few minutes, anonymous."
CAMERA_TH = "เปิดกล้องของโทรศัพท์มือถือ แล้วส่องที่คิวอาร์โค้ดนี้"
CAMERA_EN = "Open your phone's camera and point it at this code."
NO_SCAN_TH = "สแกนไม่ได้? พิมพ์ที่อยู่นี้ในเบราว์เซอร์ / Cannot scan? Type this address:"
CODE_TH = "สแกนไม่ได้? เปิด {url} แล้วพิมพ์รหัส"
CODE_EN = "Cannot scan? Open {url} and type the code:"
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
    short_code: str = ""  # six characters typed at ``code_url`` when the QR code cannot be scanned
    code_url: str = ""
    # The office's public results page ("you said, we did"), printed under the privacy notice.
    results_url: str = ""


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
    look = LOOKS[poster.audience]
    pdf.add_page()
    _band(pdf, look)
    _office(pdf, poster)
    _call_to_action(pdf)
    qr_top = pdf.get_y() + 6
    _qr(pdf, poster.url, qr_top, look)
    pdf.set_y(qr_top + QR_WIDTH_MM + 5)
    if poster.short_code:
        _code(pdf, poster)
    else:
        _url(pdf, poster.url)
    _dates(pdf, poster)
    _privacy(pdf, poster, look)


def _band(pdf: _PosterPDF, look: Look) -> None:
    """The audience's colour across the top, its icon and its name in large letters."""
    pdf.set_fill_color(*look.colour)
    pdf.rect(0, 0, PAGE_WIDTH, BAND_HEIGHT, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Loma", "", 11)
    pdf.set_xy(MARGIN, 3)
    _line(pdf, "กระทรวงอุตสาหกรรม · Ministry of Industry", 6)
    pdf.set_fill_color(255, 255, 255)
    (_person if look.icon == "person" else _factory)(pdf, MARGIN + 2, 12.0)
    text_left = MARGIN + 38
    pdf.set_font("Loma", "B", 40)
    pdf.shape_for(look.heading_th)
    pdf.set_xy(text_left, 10)
    pdf.cell(PAGE_WIDTH - text_left - MARGIN, 20, look.heading_th, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Loma", "", 13)
    pdf.set_x(text_left)
    pdf.shape_for(look.line_th)
    pdf.cell(PAGE_WIDTH - text_left - MARGIN, 6, look.line_th, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(text_left)
    pdf.shape_for(look.heading_en)
    pdf.cell(PAGE_WIDTH - text_left - MARGIN, 6, look.heading_en, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)


def _person(pdf: _PosterPDF, left: float, top: float) -> None:
    """A person: a round head over rounded shoulders, 30 mm high."""
    pdf.ellipse(left + 9, top, 12, 12, style="F")
    pdf.rect(left + 3, top + 14, 24, 16, style="F", round_corners=True, corner_radius=7)


def _factory(pdf: _PosterPDF, left: float, top: float) -> None:
    """A factory: a saw-tooth roof over a wide hall, with a chimney, 30 mm high."""
    pdf.rect(left + 22, top, 5, 14, style="F")
    base = top + 30
    roof = [(left, base), (left, top + 14), (left + 9, top + 8), (left + 9, top + 14), (left + 18, top + 8),
            (left + 18, top + 14), (left + 30, top + 14), (left + 30, base)]  # fmt: skip
    pdf.polygon(roof, style="F")
    pdf.set_fill_color(*LOOKS[Audience.BUSINESS].colour)
    for window in range(3):
        pdf.rect(left + 3 + window * 9, top + 19, 5, 5, style="F")
    pdf.set_fill_color(255, 255, 255)


def _office(pdf: _PosterPDF, poster: Poster) -> None:
    pdf.set_xy(MARGIN, BAND_HEIGHT + 4)
    _fitted_line(pdf, poster.office_th, "B", 24, 12)
    _fitted_line(pdf, poster.office_en, "", 14, 9)


def _call_to_action(pdf: _PosterPDF) -> None:
    pdf.ln(1)
    pdf.set_font("Loma", "B", 24)
    for line in CALL_TH:
        _line(pdf, line, 10)
    pdf.set_font("Loma", "", 17)
    _line(pdf, CALL_TH_DETAIL, 8)
    pdf.set_font("Loma", "", 12)
    pdf.set_text_color(*MUTED)
    _line(pdf, CALL_EN, 6)
    pdf.set_text_color(*INK)
    pdf.ln(1)
    pdf.set_font("Loma", "B", 16)
    _line(pdf, CAMERA_TH, 7)
    pdf.set_font("Loma", "", 12)
    _line(pdf, CAMERA_EN, 6)


def _qr(pdf: _PosterPDF, url: str, top: float, look: Look) -> None:
    """Draw the code as one rectangle per horizontal run of dark modules (crisp at any printer resolution),
    framed in the audience's colour outside its quiet zone."""
    matrix = qr.modules(url)
    size = QR_WIDTH_MM / len(matrix)
    left = (PAGE_WIDTH - QR_WIDTH_MM) / 2
    pdf.set_draw_color(*look.colour)
    pdf.set_line_width(1.2)
    pdf.rect(left - 4, top - 4, QR_WIDTH_MM + 8, QR_WIDTH_MM + 8, style="D")
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


def _code(pdf: _PosterPDF, poster: Poster) -> None:
    """The typed fallback: a short address and a six-character code without look-alike characters."""
    url = poster.code_url.removeprefix("https://").removeprefix("http://")
    pdf.set_font("Loma", "B", 13)
    _line(pdf, CODE_TH.format(url=url), 7)
    pdf.set_font("Loma", "", 11)
    pdf.set_text_color(*MUTED)
    _line(pdf, CODE_EN.format(url=url), 5)
    pdf.set_text_color(*INK)
    pdf.set_font("TlwgMono", "", 30)
    _line(pdf, " ".join(poster.short_code), 13)


def _dates(pdf: _PosterPDF, poster: Poster) -> None:
    pdf.ln(2)
    th = f"ตอบได้ตั้งแต่ {format_date(poster.opens_on, 'th')} ถึง {format_date(poster.closes_on, 'th')}"
    en = f"Open from {format_date(poster.opens_on, 'en')} to {format_date(poster.closes_on, 'en')}"
    pdf.set_font("Loma", "B", 15)
    _line(pdf, th, 8)
    pdf.set_font("Loma", "", 12)
    _line(pdf, en, 6)


def _privacy(pdf: _PosterPDF, poster: Poster, look: Look) -> None:
    top = 252.0
    pdf.set_draw_color(*look.colour)
    pdf.set_line_width(0.6)
    pdf.line(MARGIN, top, PAGE_WIDTH - MARGIN, top)
    pdf.set_xy(MARGIN, top + 3)
    pdf.set_font("Loma", "", 11)
    for line in PRIVACY_TH:
        _line(pdf, line, 6)
    pdf.set_font("Loma", "", 9.5)
    pdf.set_text_color(*MUTED)
    for line in PRIVACY_EN:
        _line(pdf, line, 4.8)
    pdf.ln(1)
    _line(pdf, f"นโยบายความเป็นส่วนตัว / Privacy notice: {poster.privacy_url}", 5)
    if poster.results_url:
        _line(pdf, f"ผลการสำรวจของสำนักงาน / This office's results: {poster.results_url}", 5)
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
