"""Results for the staff pages, read from ``services.results.scores`` and shaped for the templates (no computation).

Results are the office's release snapshot (``services.results.shown``), passed through ``services.results.disclosure``:
an office's scores are hidden below K released responses, weighted scores are withheld when a respondent type has
fewer than K, and the comparison without flagged responses is hidden when the flagged (or the unflagged) responses
number fewer than K, since the difference of the two scores would otherwise reveal those few answers. The flag count
itself obeys the same rule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ...db import db
from ...models import Cycle, Office
from ...questionnaire import Questionnaire
from ...services.results import disclosure, summary
from ...services.results import scores as results_service
from ...services.results.national import progress_percent
from ...services.results.reasons import Labels, Note, labels_of, text
from ...services.results.snapshots import shown
from ...services.results.summary import Summary
from ...stats.sampling import PACE_DAYS
from ...stats.scoring import MeasureScore
from ..context import cycle_questionnaire, k_threshold
from . import charts


def method_label(method: str) -> str:
    """The sample-size formula by name: in Thai on Thai pages, the English name kept in brackets."""
    return str({
        "cochran": _("Cochran's formula"),
        "yamane": _("Yamane's formula"),
    }.get(method, _("Krejcie and Morgan's table")))  # fmt: skip


def binding_label(binding: str) -> str:
    """Which rule sets what the office still needs, in words."""
    if binding == "withheld":
        return str(_("more may be needed: withheld to protect a respondent"))
    if binding.startswith("respondent_type:"):
        return str(_("too few respondents of one type: %(type)s", type=binding.split(":", 1)[1]))
    if binding == "statistical":
        return str(_("set by the statistical requirement"))
    return str(_("set by the fixed minimum"))


@dataclass(frozen=True)
class ScoreLine:
    """One row of the scores table."""

    code: str
    label: str
    kind: str
    score: MeasureScore


def score_lines(
    result: results_service.OfficeResult, questionnaire: Questionnaire, lang: str
) -> list[ScoreLine]:
    """EIT first, then each indicator followed by its items, in questionnaire order."""
    lines = []
    if result.eit is not None:
        lines.append(ScoreLine("EIT", _("EIT score"), "eit", result.eit))
    for indicator in questionnaire.indicators:
        if indicator.measure in result.indicators:
            label = _("Indicator %(code)s · %(name)s", code=indicator.code, name=indicator.name(lang))
            lines.append(
                ScoreLine(indicator.measure, label, "indicator", result.indicators[indicator.measure])
            )
        for item in indicator.items:
            if item.code in result.items:
                lines.append(
                    ScoreLine(item.code, f"{item.code} {item.text(lang)}", "item", result.items[item.code])
                )
    return lines


def result_notes(
    result: results_service.OfficeResult, lang: str, labels: Labels | None = None
) -> tuple[list[str], list[str]]:
    """The office's notes in ``lang``, frame errors apart: what was done and why figures are missing."""
    notes = list(result.notes) + list(result.merges)
    if result.eit is not None:
        for estimate in (result.eit.unweighted, result.eit.weighted):
            if estimate is not None and estimate.reason and Note(estimate.reason) not in notes:
                notes.append(Note(estimate.reason))
    errors = [text(n, lang, labels) for n in notes if n.code.startswith("frame_error")]
    return errors, [text(n, lang, labels) for n in notes if not n.code.startswith("frame_error")]


def summary_shown(summary: Summary, view: dict[str, Any]) -> Summary:
    """``summary`` without a "why more answers" figure that would give a hidden respondent type's count away: the
    effective sample while sizes are withheld, or a hidden type's distance to its floor (floor − n)."""
    if (summary.reason == "weighting" and view["deff_hidden"]) or (
        summary.reason == "respondent_type" and summary.short_type in view["hidden_types"]
    ):
        return dataclasses.replace(summary, reason=None, short_type=None, short_type_needed=0)
    return summary


def _pace(series: Sequence[tuple[dt.date, int]]) -> float:
    return sum(n for _day, n in series[-PACE_DAYS:]) / PACE_DAYS


def office_results(
    cycle: Cycle, office: Office, series: Sequence[tuple[dt.date, int]], today: dt.date, lang: str
) -> dict[str, Any]:
    """Adequacy, progress, forecast and scores of one office (with and without flagged responses)."""
    k = k_threshold()
    session = db.session
    questionnaire = cycle_questionnaire(cycle)
    daily = [n for _day, n in series]
    result = shown.office_result(session, cycle, office.code, questionnaire, k=k, today=today, daily=daily)
    adequacy = disclosure.adequacy_shown(result, k)
    view_hidden = result.count < k
    # With the frame, the design effect, the effective sample and the margin of error give the respondent types'
    # counts: withheld while one is hidden, by the rule the API follows (disclosure.sizes_withheld).
    sizes_hidden = disclosure.sizes_withheld(result, k)
    chart = (result.count, adequacy.effective_n, adequacy.fixed_minimum, adequacy.statistical)
    view: dict[str, Any] = {
        "result": result,
        "adequacy": adequacy,
        "margin": None if sizes_hidden else result.margin_of_error,
        "forecast": result.forecast,
        "pace": _pace(series),
        "deff": result.design_effect if result.weighting != "unweighted" and not sizes_hidden else None,
        "deff_hidden": sizes_hidden,
        "effective_n": None if sizes_hidden else adequacy.effective_n,
        "hidden_types": disclosure.hidden_types(result.type_counts, k),
        "population": result.population,
        "method_label": method_label(cycle.sampling_method),
        "binding_label": binding_label(adequacy.binding),
        "progress": charts.progress_chart(*chart, withheld=sizes_hidden),
        "progress_narrow": charts.progress_chart(*chart, width=360, withheld=sizes_hidden),
        "progress_percent": progress_percent(result.count, adequacy.required, adequacy.shortfall),
        "provisional": not adequacy.adequate,
        "hidden": result.count < k,
        "lines": score_lines(result, questionnaire, lang),
        "flagged": disclosure.part_count(result.flagged, result.count, k),
        "any_flagged": result.flagged > 0,
        "weighted_withheld": not view_hidden and not disclosure.weighted_shown(result.type_counts, k),
        "without_flagged": None,
        "without_flagged_hidden": False,
    }
    labels = labels_of(questionnaire)
    view["frame_errors"], view["notes"] = result_notes(result, lang, labels)
    # One number and one sentence per concept, the same as the national table, the report, XLSX and the API.
    needed = summary.office_needed(result, k)
    view["needed"] = needed.count
    view["needed_why"] = text(needed.note, lang, labels)
    view["weighting_why"] = text(summary.weighting_note(result, k), lang, labels)
    if result.flagged and not view["hidden"]:
        if not disclosure.difference_shown(result.flagged, result.count, k):
            view["without_flagged_hidden"] = True
        else:
            clean = shown.office_result(session, cycle, office.code, questionnaire, k=k, exclude_flagged=True)
            view["without_flagged"] = {
                line.code: line.score for line in score_lines(clean, questionnaire, lang)
            }
    return view
