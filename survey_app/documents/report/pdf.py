"""The office's "analysis of assessment results and improvement measures" as a Thai A4 PDF.

This module lays out an :class:`OfficeReport` (gathered by :mod:`survey_app.services.improvement.reports`; it knows
nothing of the database). Fonts and shaping come from :mod:`survey_app.documents.fonts`. Thai has no spaces between
words, so long Thai text is cut into lines at word boundaries found by PyThaiNLP's ``newmm`` segmenter (its dictionary
ships in the package) before fpdf2 places it. Dates are in the Buddhist era."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from ...templating import format_date
from ..fonts import SANS, ThaiPDF

MARGIN = 18.0
WIDTH = 210.0 - 2 * MARGIN
BRAND = (11, 79, 138)
INK = (26, 26, 26)
HEAD_FILL = (230, 238, 246)


@dataclass(frozen=True)
class ScoreRow:
    """One line of the scores table (Thai label)."""

    label: str
    kind: str
    weighted: tuple[float, float, float] | None
    band: str | None
    unweighted: float | None


@dataclass(frozen=True)
class GapRow:
    """One of the items that cost the most points."""

    item: str
    text: str
    score: float
    cost_85: float
    cost_95: float
    eit_if_95: float


@dataclass(frozen=True)
class PlanRow:
    """One measure of the improvement plan (Thai status, Buddhist-era date)."""

    item: str
    action: str
    owner: str
    due_on: dt.date
    status: str


@dataclass(frozen=True)
class OfficeReport:
    """Everything the report shows, already suppressed below K by whoever gathered it."""

    office_code: str
    office_th: str
    cycle_code: str
    fiscal_year: int
    opens_on: dt.date
    closes_on: dt.date
    generated_on: dt.date
    k: int
    responses: int
    required: int
    adequate: bool
    hidden: bool
    scores: Sequence[ScoreRow] = ()
    eit: float | None = None
    gaps: Sequence[GapRow] = ()
    months: Sequence[tuple[str, int, float | None]] = ()
    cycles: Sequence[tuple[str, int, int, float | None]] = ()
    themes_hidden: bool = True
    suggestions: int = 0
    theme_counts: Sequence[tuple[str, int | None]] = ()
    words: Sequence[tuple[str, int]] = ()
    plan: Sequence[PlanRow] = field(default_factory=tuple)
    shortfall: int = 0  # answers still needed (services.results.summary.answers_needed)
    needed: str = ""  # the page's words for it: "ต้องการคำตอบอีก N ชุด" or "คำตอบเพียงพอแล้ว"
    needed_why: str = ""  # why that many, in one sentence
    weighting_why: str = ""  # weighted or not and why, or why the scores are hidden


def thai_words(text: str) -> list[str]:
    """``text`` cut into words (Thai by PyThaiNLP's newmm, spaces kept as their own tokens)."""
    from pythainlp.tokenize import word_tokenize

    return list(word_tokenize(text, engine="newmm", keep_whitespace=True))


def wrap(pdf: ThaiPDF, text: str, width: float) -> str:
    """``text`` with line breaks at word boundaries so that each line fits ``width`` mm in the current font.
    The minus sign (U+2212) becomes a hyphen-minus: Loma has no glyph for it, and the sign would vanish."""
    text = text.replace("\u2212", "-")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in thai_words(paragraph):
            if line and pdf.get_string_width(line + word) > width:
                lines.append(line.rstrip())
                line = word.lstrip()
            else:
                line += word
        lines.append(line.rstrip())
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


class _ReportPDF(ThaiPDF):
    def __init__(self, report: OfficeReport) -> None:
        super().__init__()
        self.report = report
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(SANS, "", 8)
        self.set_text_color(90, 90, 90)
        text = f"{self.report.office_th} · รอบ {self.report.cycle_code} · หน้า {self.page_no()}"
        self.shape_for(text)
        self.cell(WIDTH, 5, text, align="C")
        self.set_text_color(*INK)


def _para(pdf: _ReportPDF, text: str, size: float = 11, style: str = "", height: float = 6.0) -> None:
    pdf.set_font(SANS, style, size)
    pdf.shape_for(text)
    pdf.multi_cell(WIDTH, height, wrap(pdf, text, WIDTH - 1), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _heading(pdf: _ReportPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_text_color(*BRAND)
    _para(pdf, text, 14, "B", 8)
    pdf.set_text_color(*INK)


def _table(
    pdf: _ReportPDF, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]
) -> None:
    pdf.set_font(SANS, "", 9.5)
    pdf.set_text_shaping(True)
    scale = WIDTH / sum(widths)
    mm = [w * scale for w in widths]
    with pdf.table(
        col_widths=tuple(widths), width=WIDTH, line_height=5.2, text_align="LEFT", padding=1.2,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL), first_row_as_headings=True,
    ) as table:  # fmt: skip
        for line in [header, *rows]:
            row = table.row()
            for text, width in zip(line, mm, strict=True):
                row.cell(wrap(pdf, text, width - 3.2))
    pdf.ln(2)


def _title(pdf: _ReportPDF, r: OfficeReport) -> None:
    pdf.set_text_color(*BRAND)
    _para(pdf, "รายงานการวิเคราะห์ผลการประเมินการรับรู้ของผู้มีส่วนได้ส่วนเสียภายนอก (EIT)", 16, "B", 8)
    _para(pdf, "และมาตรการปรับปรุงการดำเนินงาน", 16, "B", 8)
    pdf.set_text_color(*INK)
    _para(pdf, r.office_th, 13, "B", 7)
    _para(pdf, f"รอบการประเมิน {r.cycle_code} ปีงบประมาณ พ.ศ. {r.fiscal_year} "
               f"({format_date(r.opens_on, 'th')} ถึง {format_date(r.closes_on, 'th')})")  # fmt: skip
    _para(pdf, f"ข้อมูล ณ วันที่ {format_date(r.generated_on, 'th')}")


def sample_lines(r: OfficeReport) -> list[str]:
    """The sample in the report's words: responses, the answers still needed with why (the office page's number
    and sentence), and whether the scores are weighted and why (or why they are hidden)."""
    verdict = "ขนาดตัวอย่างเพียงพอแล้ว" if r.adequate else "ขนาดตัวอย่างยังไม่เพียงพอ ผลจึงเป็นผลเบื้องต้น"
    lines = [f"มีผู้ตอบแบบสำรวจ {r.responses:,} ราย จากที่ต้องการ {r.required:,} ราย {verdict}"]
    if r.needed:
        lines.append(f"{r.needed}: {r.needed_why}" if r.shortfall else r.needed_why)
    if r.weighting_why:
        lines.append(r.weighting_why)
    elif r.hidden:
        lines.append(f"ยังไม่แสดงคะแนนเพราะมีผู้ตอบน้อยกว่า {r.k} ราย เพื่อไม่ให้ระบุตัวผู้ตอบได้")
    return lines


def _scores(pdf: _ReportPDF, r: OfficeReport) -> None:
    _heading(pdf, "1. ผลคะแนน")
    for line in sample_lines(r):
        _para(pdf, line)
    if r.hidden:
        return
    rows = [
        [s.label, "–" if s.weighted is None else f"{s.weighted[0]:.2f} ({s.weighted[1]:.1f}–{s.weighted[2]:.1f})",
         s.band or "–", _fmt(s.unweighted)]
        for s in r.scores
    ]  # fmt: skip
    _table(pdf, ["รายการ", "คะแนนถ่วงน้ำหนัก (ช่วงความเชื่อมั่น 95%)", "ระดับผล", "ไม่ถ่วงน้ำหนัก"], rows, [9, 5, 3, 3])


def goal_sentence(eit: float) -> str:
    """Where the EIT stands against the pass mark (85) and the goal (95), in Thai: a distance only to a mark not yet
    reached (a score above 85 is never "0.00 points from the pass mark")."""
    if eit >= 95:
        return f"คะแนน EIT {eit:.2f} ถึงระดับผ่านดีเยี่ยม 95 แล้ว"
    to_goal = f"ห่างจากระดับผ่านดีเยี่ยม 95 อยู่ {95 - eit:.2f} คะแนน"
    if eit >= 85:
        return f"คะแนน EIT {eit:.2f} ผ่านเกณฑ์ 85 แล้ว และ{to_goal}"
    return f"คะแนน EIT {eit:.2f} ห่างจากเกณฑ์ผ่าน 85 อยู่ {85 - eit:.2f} คะแนน และ{to_goal}"


def _gaps(pdf: _ReportPDF, r: OfficeReport) -> None:
    _heading(pdf, "2. ข้อคำถามที่ทำให้เสียคะแนนมากที่สุด")
    if not r.gaps or r.eit is None:
        _para(pdf, "ยังไม่มีข้อมูลเพียงพอ" if r.hidden else "ทุกข้อคำถามได้ 95 คะแนนขึ้นไปแล้ว")
        return
    _para(pdf, f"{goal_sentence(r.eit)} "
               "แต่ละข้อคำถามมีน้ำหนักใน EIT เท่ากับ 1/15 คะแนนที่เสียคือน้ำหนักคูณระยะที่ต่ำกว่าเป้าหมาย")  # fmt: skip
    rows = [[f"{g.item} {g.text}", f"{g.score:.2f}", f"{g.cost_85:.2f}", f"{g.cost_95:.2f}", f"{g.eit_if_95:.2f}"]
            for g in r.gaps]  # fmt: skip
    _table(pdf, ["ข้อคำถาม", "คะแนน", "เสียเทียบกับ 85", "เสียเทียบกับ 95", "EIT หากข้อนี้ได้ 95"], rows,
           [10, 2.4, 2.6, 2.6, 2.8])  # fmt: skip


def _trends(pdf: _ReportPDF, r: OfficeReport) -> None:
    _heading(pdf, "3. แนวโน้ม")
    if r.months:
        rows = [[label, f"{n:,}" if mean is not None else "ซ่อน", _fmt(mean)] for label, n, mean in r.months]
        _table(pdf, ["เดือน", "ผู้ตอบ", "คะแนน EIT"], rows, [4, 3, 3])
    else:
        _para(pdf, "ยังไม่มีผู้ตอบ")
    if len(r.cycles) > 1:
        rows = [[code, str(year), f"{n:,}", _fmt(mean)] for code, year, n, mean in r.cycles]
        _table(pdf, ["รอบการประเมิน", "ปีงบประมาณ", "ผู้ตอบ", "คะแนน EIT"], rows, [4, 3, 3, 3])
    _para(pdf, f"เดือนที่มีผู้ตอบน้อยกว่า {r.k} รายไม่แสดงคะแนน", 9)


def _themes(pdf: _ReportPDF, r: OfficeReport) -> None:
    _heading(pdf, "4. ข้อเสนอแนะจากผู้รับบริการ")
    if r.themes_hidden:
        _para(pdf, f"มีข้อเสนอแนะ {r.suggestions} ข้อ ซึ่งน้อยกว่า {r.k} ข้อ จึงยังไม่สรุปประเด็น")
        return
    _para(pdf, f"มีข้อเสนอแนะ {r.suggestions:,} ข้อ จัดกลุ่มตามประเด็นและคำที่พบบ่อย (แสดงเฉพาะที่พบอย่างน้อย {r.k} ข้อ)")
    if r.theme_counts:
        rows = [[name, "น้อยกว่า K" if n is None else f"{n:,}"] for name, n in r.theme_counts]
        _table(pdf, ["ประเด็น", "จำนวนข้อเสนอแนะ"], rows, [7, 3])
    if r.words:
        _para(pdf, "คำที่พบบ่อย: " + ", ".join(f"{w} ({n})" for w, n in r.words))


def _plan(pdf: _ReportPDF, r: OfficeReport) -> None:
    _heading(pdf, "5. มาตรการปรับปรุง")
    if not r.plan:
        _para(pdf, "ยังไม่ได้บันทึกมาตรการ")
        return
    rows = [[m.item, m.action, m.owner, format_date(m.due_on, "th"), m.status] for m in r.plan]
    _table(pdf, ["ข้อคำถาม", "สิ่งที่จะดำเนินการ", "ผู้รับผิดชอบ", "กำหนดแล้วเสร็จ", "สถานะ"], rows, [2, 8, 4, 3, 3])


def render_pdf(report: OfficeReport) -> bytes:
    """The report as an A4 PDF."""
    pdf = _ReportPDF(report)
    pdf.set_title(f"EIT analysis and improvement measures: {report.office_code} {report.cycle_code}")
    pdf.add_page()
    _title(pdf, report)
    for section in (_scores, _gaps, _trends, _themes, _plan):
        section(pdf, report)
    return bytes(pdf.output())
