"""What goes into an office's report (:mod:`survey_app.documents.report`): scores, the items that cost the most,
trends, suggestion themes and the improvement plan, each read through the same services (and the same K rule) as
the office page. Used by the staff download and by ``survey-app reports``."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from sqlalchemy.orm import Session

from ...documents.report import GapRow, OfficeReport, PlanRow, ScoreRow
from ...models import Cycle, Office
from ...questionnaire import Questionnaire
from ...stats.scoring import MeasureScore
from ...templating import BUDDHIST_ERA_OFFSET, THAI_MONTHS, translate
from ..results import snapshots, summary
from ..results.reasons import labels_of, text
from ..results.scores import OfficeResult
from ..results.snapshots import shown
from . import gaps as improvement
from . import plans, themes

STATUS_TH = {"planned": "วางแผนแล้ว", "in_progress": "กำลังดำเนินการ", "done": "เสร็จแล้ว", "dropped": "ยกเลิก"}
TOP_GAPS = 5


def _score_row(label: str, kind: str, score: MeasureScore) -> ScoreRow:
    w = score.weighted
    weighted = (w.mean, w.low, w.high) if w is not None and math.isfinite(w.mean) else None
    band = score.weighted_band or score.unweighted_band
    plain = score.unweighted.mean if math.isfinite(score.unweighted.mean) else None
    return ScoreRow(label, kind, weighted, band.label_th if band else None, plain)


def _scores(result: OfficeResult, questionnaire: Questionnaire) -> list[ScoreRow]:
    rows = []
    if result.eit is not None:
        rows.append(_score_row("คะแนน EIT", "eit", result.eit))
    for indicator in questionnaire.indicators:
        if indicator.measure in result.indicators:
            label = f"ตัวชี้วัดที่ {indicator.code} {indicator.name('th')}"
            rows.append(_score_row(label, "indicator", result.indicators[indicator.measure]))
        for item in indicator.items:
            if item.code in result.items:
                rows.append(_score_row(f"{item.code} {item.text('th')}", "item", result.items[item.code]))
    return rows


def _month_th(month: str) -> str:
    return f"{THAI_MONTHS[int(month[5:7]) - 1]} {int(month[:4]) + BUDDHIST_ERA_OFFSET}"


def office_report(
    session: Session, cycle: Cycle, office: Office, questionnaire: Questionnaire, k: int, today: dt.date,
    earlier: list[Cycle] | None = None, questionnaire_of: Callable[[Cycle], Questionnaire] | None = None,
) -> OfficeReport:  # fmt: skip
    """Everything the report of ``office`` for ``cycle`` shows, suppressed below K as on the page
    (``questionnaire_of``: the questionnaire an ``earlier`` cycle uses; this cycle's when not given)."""
    result = shown.office_result(session, cycle, office.code, questionnaire, k=k)
    hidden = result.count < k
    labels = labels_of(questionnaire)
    needed = summary.office_needed(result, k)
    lower_bound = needed.note.code == "needed_withheld"
    more = "At least %(n)s more answers needed" if lower_bound else "%(n)s more answers needed"
    words_needed = (
        translate(more, "th", n=f"{needed.count:,}")
        if needed.count or lower_bound
        else translate("Enough answers", "th")
    )
    gap = None if hidden else improvement.office_gap(session, cycle, office.code, questionnaire, k)
    texts = {item.code: item.text("th") for item in questionnaire.items}
    gaps = [
        GapRow(g.item, texts.get(g.item, ""), g.score, g.cost_pass, g.cost_excellent, g.eit_if_excellent)
        for g in (line.gap for line in gap.ranked[:TOP_GAPS])
    ] if gap else []  # fmt: skip
    monthly = snapshots.office_months(session, cycle, office.code, questionnaire, k=k).get("EIT", [])
    by_cycle = shown.office_by_cycle(
        session, [*(earlier or []), cycle], office.code, questionnaire_of or (lambda _c: questionnaire), k=k
    )
    suggestions = themes.suggestion_texts(session, cycle, office.code)
    themes_hidden = len(suggestions) < k
    words, counts = [], []
    if not themes_hidden:
        found, _phrases = themes.frequent_terms(suggestions, k, top=12)
        words = [(t.text, t.suggestions) for t in found]
        counts = [(c.name, c.count) for c in themes.theme_counts(suggestions, themes.all_themes(session), k)]
    plan = [
        PlanRow(m.item, m.action, m.owner, m.due_on, STATUS_TH.get(m.status, m.status))
        for m in plans.office_plan(session, cycle.id, office.code)
    ]
    return OfficeReport(
        office_code=office.code, office_th=office.name_th, cycle_code=cycle.code, fiscal_year=cycle.fiscal_year,
        opens_on=cycle.opens_on, closes_on=cycle.closes_on, generated_on=today, k=k, responses=result.count,
        required=result.adequacy.required, adequate=result.adequacy.adequate, hidden=hidden,
        scores=[] if hidden else _scores(result, questionnaire),
        eit=gap.decomposition.eit if gap else None, gaps=gaps,
        months=[(_month_th(p.label), p.n, p.mean) for p in monthly],
        cycles=[(c.cycle_code, c.fiscal_year, c.n, c.mean) for c in by_cycle],
        themes_hidden=themes_hidden, suggestions=len(suggestions), theme_counts=counts, words=words, plan=plan,
        shortfall=needed.count, needed=words_needed, needed_why=text(needed.note, "th", labels),
        weighting_why=text(summary.weighting_note(result, k), "th", labels),
    )  # fmt: skip
