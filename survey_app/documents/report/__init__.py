"""The office's analysis-and-improvement report: its contents (:class:`OfficeReport`), the Thai A4 PDF
(``pdf``) and the Word document offices edit before they publish it (``word``)."""

from .pdf import GapRow, OfficeReport, PlanRow, ScoreRow, render_pdf
from .word import render_docx

__all__ = ["GapRow", "OfficeReport", "PlanRow", "ScoreRow", "render_docx", "render_pdf"]
