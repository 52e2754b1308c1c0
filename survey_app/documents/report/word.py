"""The office report as a Word document (python-docx) for offices to edit before they publish it: the same
content as the PDF (:mod:`survey_app.documents.report`), in Thai, with Buddhist-era dates."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.shared import Pt

from ...templating import format_date
from .pdf import OfficeReport, goal_sentence, sample_lines

THAI_FONT = (
    "Tahoma"  # present in every Windows and LibreOffice install; Word picks it for Thai (complex script)
)


def _thai_style(document: DocumentObject) -> None:
    for name in ("Normal", "Heading 1", "Heading 2", "Title"):
        style = document.styles[name]
        font = style.font
        font.name = THAI_FONT
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), THAI_FONT)
    document.styles["Normal"].font.size = Pt(11)


def _table(document: DocumentObject, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def render_docx(r: OfficeReport) -> bytes:
    """The report as a DOCX file."""
    document = Document()
    _thai_style(document)
    document.add_heading("รายงานการวิเคราะห์ผลการประเมิน EIT และมาตรการปรับปรุงการดำเนินงาน", level=0)
    document.add_paragraph(r.office_th)
    document.add_paragraph(
        f"รอบการประเมิน {r.cycle_code} ปีงบประมาณ พ.ศ. {r.fiscal_year} "
        f"({format_date(r.opens_on, 'th')} ถึง {format_date(r.closes_on, 'th')}) "
        f"ข้อมูล ณ วันที่ {format_date(r.generated_on, 'th')}"
    )
    document.add_heading("1. ผลคะแนน", level=1)
    for line in sample_lines(r):
        document.add_paragraph(line)
    if not r.hidden:
        _table(document, ["รายการ", "คะแนนถ่วงน้ำหนัก (95%)", "ระดับผล", "ไม่ถ่วงน้ำหนัก"], [
            [s.label, "–" if s.weighted is None else f"{s.weighted[0]:.2f} ({s.weighted[1]:.1f}–{s.weighted[2]:.1f})",
             s.band or "–", _fmt(s.unweighted)] for s in r.scores
        ])  # fmt: skip
    document.add_heading("2. ข้อคำถามที่ทำให้เสียคะแนนมากที่สุด", level=1)
    if r.gaps and r.eit is not None:
        document.add_paragraph(goal_sentence(r.eit))
        _table(document, ["ข้อคำถาม", "คะแนน", "เสียเทียบกับ 85", "เสียเทียบกับ 95", "EIT หากข้อนี้ได้ 95"], [
            [f"{g.item} {g.text}", f"{g.score:.2f}", f"{g.cost_85:.2f}", f"{g.cost_95:.2f}", f"{g.eit_if_95:.2f}"]
            for g in r.gaps
        ])  # fmt: skip
    else:
        document.add_paragraph("ยังไม่มีข้อมูลเพียงพอ" if r.hidden else "ทุกข้อคำถามได้ 95 คะแนนขึ้นไปแล้ว")
    document.add_heading("3. แนวโน้ม", level=1)
    _table(document, ["เดือน", "ผู้ตอบ", "คะแนน EIT"],
           [[label, f"{n:,}" if mean is not None else "ซ่อน", _fmt(mean)] for label, n, mean in r.months])  # fmt: skip
    document.add_heading("4. ข้อเสนอแนะจากผู้รับบริการ", level=1)
    if r.themes_hidden:
        document.add_paragraph(f"มีข้อเสนอแนะ {r.suggestions} ข้อ ซึ่งน้อยกว่า {r.k} ข้อ จึงยังไม่สรุปประเด็น")
    else:
        if r.theme_counts:
            _table(document, ["ประเด็น", "จำนวนข้อเสนอแนะ"],
                   [[name, "น้อยกว่า K" if n is None else f"{n:,}"] for name, n in r.theme_counts])  # fmt: skip
        document.add_paragraph("คำที่พบบ่อย: " + ", ".join(f"{w} ({n})" for w, n in r.words))
    document.add_heading("5. มาตรการปรับปรุง", level=1)
    if r.plan:
        _table(document, ["ข้อคำถาม", "สิ่งที่จะดำเนินการ", "ผู้รับผิดชอบ", "กำหนดแล้วเสร็จ", "สถานะ"],
               [[m.item, m.action, m.owner, format_date(m.due_on, "th"), m.status] for m in r.plan])  # fmt: skip
    else:
        document.add_paragraph("ยังไม่ได้บันทึกมาตรการ")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
