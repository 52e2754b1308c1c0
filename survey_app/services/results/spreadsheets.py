"""What goes into the XLSX exports: the national table and one office's results (rows for
:mod:`survey_app.documents.spreadsheets`). Suppression is inherited: rows come from the same views the pages
show (offices below K without scores)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...documents.spreadsheets import INTEGER, SCORE, Column, workbook
from ...stats.improvement import EXCELLENT, PASS
from ...stats.scoring import MeasureScore
from ..improvement.gaps import OfficeImprovement
from . import summary
from .exports import neutralise
from .national import OfficeRow
from .reasons import Labels, text
from .scores import OfficeResult

NATIONAL_COLUMNS: tuple[tuple[str, Column], ...] = (
    ("code", Column("รหัสสำนักงาน", "office_code")),
    ("name_th", Column("สำนักงาน", "office_th")),
    ("name_en", Column("สำนักงาน (อังกฤษ)", "office_en")),
    ("region", Column("ภาค", "region")),
    ("count", Column("จำนวนผู้ตอบ", "responses", INTEGER)),
    ("last7", Column("ผู้ตอบ 7 วันล่าสุด", "responses_last_7_days", INTEGER)),
    ("fixed_minimum", Column("จำนวนขั้นต่ำ", "fixed_minimum", INTEGER)),
    ("statistical", Column("ขนาดตัวอย่างทางสถิติ", "statistical_requirement", INTEGER)),
    ("required", Column("จำนวนที่ต้องการ", "required", INTEGER)),
    ("effective_n", Column("ขนาดตัวอย่างประสิทธิผล", "effective_sample", "0.0")),
    ("shortfall", Column("ยังขาด", "shortfall", INTEGER)),
    ("shortfall_reason_th", Column("ทำไมยังขาดเท่านี้", "shortfall_reason")),
    ("adequate", Column("ตัวอย่างเพียงพอ", "adequate")),
    ("progress", Column("ความคืบหน้า (%)", "progress_percent", "0.0")),
    ("eit", Column("คะแนน EIT (ถ่วงน้ำหนัก)", "eit_score", SCORE)),
    ("eit_low", Column("ขอบล่าง 95%", "eit_ci_low", SCORE)),
    ("eit_high", Column("ขอบบน 95%", "eit_ci_high", SCORE)),
    ("eit_unweighted", Column("คะแนน EIT (ไม่ถ่วงน้ำหนัก)", "eit_unweighted", SCORE)),
    ("weighting_reason_th", Column("ถ่วงน้ำหนักหรือไม่ เพราะอะไร", "weighting_reason")),
    ("band_th", Column("ระดับผล", "band_th")),
    ("hidden", Column("ซ่อนเพราะผู้ตอบน้อยกว่า K", "suppressed_below_k")),
)


def _safe(rows: Any) -> Any:
    """Rows with every text cell neutralised against spreadsheet formulas."""
    return ([neutralise(v) for v in row] for row in rows)


def national_xlsx(rows: Sequence[OfficeRow]) -> bytes:
    """The national table as shown on the page (its filters and order), one row per office."""
    columns = [c for _a, c in NATIONAL_COLUMNS]
    data = ([getattr(row, attr) for attr, _c in NATIONAL_COLUMNS] for row in rows)
    return workbook([("สำนักงานทั้งหมด", columns, _safe(data))])


SCORE_COLUMNS = (
    Column("รหัส", "measure"), Column("รายการ", "label"), Column("ประเภท", "kind"),
    Column("คะแนนถ่วงน้ำหนัก", "weighted", SCORE), Column("ขอบล่าง 95%", "weighted_low", SCORE),
    Column("ขอบบน 95%", "weighted_high", SCORE), Column("ระดับผล (ถ่วงน้ำหนัก)", "weighted_band"),
    Column("คะแนนไม่ถ่วงน้ำหนัก", "unweighted", SCORE), Column("ขอบล่าง 95% (ไม่ถ่วง)", "unweighted_low", SCORE),
    Column("ขอบบน 95% (ไม่ถ่วง)", "unweighted_high", SCORE), Column("จำนวนผู้ตอบ", "n", INTEGER),
)  # fmt: skip
GAP_COLUMNS = (
    Column("ข้อคำถาม", "item"), Column("ตัวชี้วัด", "indicator"), Column("น้ำหนักใน EIT", "weight", "0.0000"),
    Column("คะแนน", "score", SCORE), Column("คะแนนที่เสียเทียบกับ 85", "cost_85", SCORE),
    Column("คะแนนที่เสียเทียบกับ 95", "cost_95", SCORE), Column("EIT หากข้อนี้ได้ 95", "eit_if_95", SCORE),
)  # fmt: skip


def _score_row(code: str, label: str, kind: str, score: MeasureScore) -> list[Any]:
    w, u = score.weighted, score.unweighted
    return [
        code, label, kind,
        w.mean if w else None, w.low if w else None, w.high if w else None,
        score.weighted_band.label_th if score.weighted_band else None,
        u.mean, u.low, u.high, u.n,
    ]  # fmt: skip


SAMPLE_COLUMNS = (Column("รายการ", "figure"), Column("ค่า", "value", INTEGER), Column("เหตุผล", "reason"))


def sample_rows(result: OfficeResult, k: int, labels: Labels | None = None) -> list[list[Any]]:
    """The office's sample in three lines, each with its one sentence (``summary``, in Thai): responses,
    answers still needed and why, and whether the scores are weighted and why (or why they are hidden).
    ``labels`` (``reasons.labels_of``) names respondent types in the sentences."""
    needed = summary.office_needed(result, k)
    return [
        ["จำนวนผู้ตอบ", result.count, None],
        ["ยังขาด", needed.count, text(needed.note, "th", labels)],
        ["ถ่วงน้ำหนักหรือไม่", None, text(summary.weighting_note(result, k), "th", labels)],
    ]


def office_xlsx(
    lines: Sequence[tuple[str, str, str, MeasureScore]],
    gap: OfficeImprovement | None,
    sample: Sequence[Sequence[Any]] = (),
) -> bytes:
    """One office's scores (EIT, indicators, items), its sample (``sample_rows``) and, when shown, the points
    each item costs."""
    sheets: list[tuple[str, Sequence[Column], Any]] = [
        ("คะแนน", SCORE_COLUMNS, _safe(_score_row(*line) for line in lines))
    ]
    if sample:
        sheets.append(("ขนาดตัวอย่าง", SAMPLE_COLUMNS, _safe(sample)))
    if gap is not None:
        rows = [
            [g.item, g.indicator, g.weight, g.score, g.cost[PASS], g.cost[EXCELLENT], g.eit_if_excellent]
            for g in (line.gap for line in gap.lines)
        ]
        sheets.append(("สิ่งที่ฉุดคะแนน", GAP_COLUMNS, rows))
    return workbook(sheets)
