"""What the office page shows below its scores: what holds the office back (and, from other modules, the official
result, the improvement plan and the downloads). Gathers data for ``staff/_improvement.html``; no computation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...db import db
from ...models import Cycle, Office
from ...services.cycles import seeding
from ...services.improvement import gaps as improvement
from ...services.improvement import official, peers, plans, themes
from ...services.results import snapshots
from ...services.results.scores import OfficeResult
from ...services.results.snapshots import shown
from ...templating import current_lang, format_date
from .. import bp
from ..context import cycle_questionnaire, k_threshold, request_cycles
from ..results import trend_chart


def labels(cycle: Cycle, lang: str) -> dict[str, dict[str, str]]:
    """Display names of items, respondent types and services of the cycle's questionnaire."""
    questionnaire = cycle_questionnaire(cycle)
    return {
        "item": {item.code: item.text(lang) for item in questionnaire.items},
        "type": {c.code: c.label(lang) for c in questionnaire.respondent_type.choices},
        "service": {c.code: c.label(lang) for c in questionnaire.service.choices},
    }


def office_gap(cycle: Cycle, office: Office) -> improvement.OfficeImprovement | None:
    """The office's gap decomposition, or None while it is hidden (fewer than K responses)."""
    return improvement.office_gap(db.session, cycle, office.code, cycle_questionnaire(cycle), k_threshold())


def official_beside(cycle: Cycle, office: Office, result: OfficeResult) -> dict[str, Any] | None:
    """The official result for the cycle's fiscal year beside the survey's EIT (None when not imported).

    The survey's EIT is given only when the office has at least K responses; the difference is survey − official.
    """
    found = official.for_office(db.session, cycle.fiscal_year, office.code)
    if found is None:
        return None
    eit = result.eit if result.count >= k_threshold() else None
    weighted = eit.weighted if eit is not None and eit.weighted is not None else None
    plain = eit.unweighted if eit is not None else None
    estimate = weighted or plain
    return {
        "official": found,
        "weighted": weighted,
        "unweighted": plain,
        "difference": estimate.mean - found.eit if estimate is not None else None,
    }


def month_name(month: str, lang: str) -> str:
    """``2026-11`` as ``พ.ย. 2569`` or ``Nov 2026``."""
    day = dt.date(int(month[:4]), int(month[5:7]), 1)
    return " ".join(format_date(day, lang).split(" ")[1:])


def office_trends(cycle: Cycle, office: Office, lang: str) -> dict[str, Any]:
    """Monthly EIT, indicators and items of the cycle, and the EIT of every cycle up to this one."""
    questionnaire = cycle_questionnaire(cycle)
    series = snapshots.office_months(db.session, cycle, office.code, questionnaire, k=k_threshold())
    eit = series.get("EIT", [])
    earlier = [c for c in request_cycles() if c.opens_on <= cycle.opens_on]
    by_cycle = shown.office_by_cycle(db.session, earlier, office.code, cycle_questionnaire, k=k_threshold())
    indicators = [ind.measure for ind in questionnaire.indicators if ind.code in questionnaire.eit_indicators]
    items = [item.code for item in questionnaire.items]
    return {
        "months": [(p.label, month_name(p.label, lang)) for p in eit],
        "series": {m: {p.label: p for p in pts} for m, pts in series.items()},
        "indicators": indicators,
        "item_codes": items,
        "chart": trend_chart.layout([(month_name(p.label, lang), p.mean, p.low, p.high) for p in eit]),
        "cycles": by_cycle,
        "cycle_chart": trend_chart.layout([(c.cycle_code, c.mean, c.low, c.high) for c in by_cycle]),
    }


def office_peers(cycle: Cycle, office: Office) -> dict[str, Any]:
    """The office's national and regional rank with their ranges, and the anonymous plot of all offices."""
    found = peers.standing(db.session, cycle, office.code, cycle_questionnaire(cycle), k_threshold())
    plot = trend_chart.caterpillar(found.scores)
    return {"standing": found, "plot": plot[:2] if plot else None, "marks": plot[2] if plot else None}


@bp.app_template_global("improvement_national")
def national_distribution(cycle: Cycle) -> dict[str, Any]:
    """The national page's histogram of office scores (admins and viewers)."""
    bins = peers.distribution(db.session, cycle, cycle_questionnaire(cycle), k_threshold())
    return {"bars": trend_chart.bars(bins), "scored": sum(n for _s, n in bins)}


def national_changes(cycle: Cycle, region: str = "") -> dict[str, Any]:
    """Each office's change since the last cycle and since its first shown month (``/staff/changes``), for every
    office or those of one region (an unknown region shows every office)."""
    previous = peers.previous_cycle(db.session, cycle)
    changes, _bins = peers.changes(db.session, cycle, previous, cycle_questionnaire, k_threshold())
    offices = seeding.offices(db.session)
    regions = sorted({o.region for o in offices})
    region = region if region in regions else ""
    shown = {o.code for o in offices if not region or o.region == region}
    names = {o.code: o.name(current_lang()) for o in offices}
    return {
        "previous": previous,
        "changes": [changes[c] for c in sorted(changes) if c in shown],
        "names": names,
        "office_regions": {o.code: o.region for o in offices},
        "regions": regions,
        "region": region,
    }


def suggestion_themes(cycle: Cycle, office_code: str | None) -> dict[str, Any]:
    """Frequent words, phrases and theme counts of an office's (or every office's) suggestions, K obeyed."""
    k = k_threshold()
    texts = themes.suggestion_texts(db.session, cycle, office_code)
    if len(texts) < k:
        return {"total": len(texts), "hidden": True}
    words, phrases = themes.frequent_terms(texts, k)
    counts = themes.theme_counts(texts, themes.all_themes(db.session), k)
    return {"total": len(texts), "hidden": False, "words": words, "phrases": phrases, "counts": counts}


def office_extras(
    cycle: Cycle, office: Office, lang: str, result: OfficeResult, peers: dict[str, Any]
) -> dict[str, Any]:
    """Template variables of the improvement partials of the office page (``result``: the office's, as the page
    shows it; ``peers``: :func:`office_peers`)."""
    return {
        "themes": suggestion_themes(cycle, office.code),
        "peers": peers,
        "trend": office_trends(cycle, office, lang),
        "improvement": office_gap(cycle, office),
        "improvement_labels": labels(cycle, lang),
        "official_beside": official_beside(cycle, office, result),
        "plan_measures": plans.office_plan(db.session, cycle.id, office.code),
    }
