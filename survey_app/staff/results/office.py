"""The office dashboard ``/staff/offices/<code>``: counts, progress toward the required sample, results.

Counts come from ``services.results.counts``, scores and adequacy from ``services.results.scores``; this module only
gathers them for the template. ``/staff/offices/<code>/live.json`` feeds the 60-second refresh of the counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, render_template, url_for
from flask_login import current_user

from ...clock import local_today
from ...db import db
from ...models import Cycle, CycleState
from ...services.outreach import invitations, links
from ...services.results import counts, disclosure
from ...services.results.summary import GOAL, office_focus, office_summary
from ...templating import current_lang, format_date
from .. import bp
from ..access import staff_required
from ..context import cycle_questionnaire, k_threshold, requested_cycle, visible_office
from ..improvement.sections import office_extras, office_peers
from ..outreach.channels import channel_labels
from . import cells, charts  # noqa: F401  (cells: the score cells' template globals)
from .shaping import office_results, summary_shown


def endpoint_url(endpoint: str, **values: Any) -> str | None:
    """The URL of ``endpoint`` when a view is registered for it (other features add theirs), else None."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def live_payload(live: counts.LiveCounts) -> dict[str, Any]:
    """The numbers the page refreshes every minute."""
    return {"today": live.today, "last7": live.last7, "total": live.total}


def _breakdowns(cycle: Cycle, counted: counts.OfficeCounts, lang: str) -> list[dict[str, Any]]:
    questionnaire = cycle_questionnaire(cycle)
    labels = {
        "channel": channel_labels(),
        "respondent_type": {c.code: c.label(lang) for c in questionnaire.respondent_type.choices},
        "service": {c.code: c.label(lang) for c in questionnaire.service.choices},
    }
    result = []
    for column in ("channel", "respondent_type", "service"):
        found: dict[str, int] = getattr(counted, column)
        order = list(labels[column])
        if column == "channel":  # the two first channels always, the others once they bring answers
            order = [c for c in order if c in found or c in ("poster", "email")]
        result.append({
            "key": column,
            "labels": labels[column],
            "data": disclosure.suppress(found, k_threshold(), order=order),
        })  # fmt: skip
    return result


def needed_per_day(cycle: Cycle, shortfall: int, today: dt.date) -> float | None:
    """Responses a day that would close the shortfall by the cycle's closing date (None when not applicable)."""
    days_left = (cycle.closes_on - today).days + 1
    if cycle.state != CycleState.OPEN or shortfall <= 0 or days_left <= 0:
        return None
    return shortfall / days_left


def _short_date(day: dt.date, lang: str) -> str:
    """``25 พ.ย.`` / ``25 Nov``: the year is in the chart's caption."""
    return " ".join(format_date(day, lang).split(" ")[:2])


@bp.get("/offices/<code>")
@staff_required
def office_dashboard(code: str) -> str:
    """Everything an office's staff check in the morning, on one page that works without JavaScript."""
    office = visible_office(code)
    cycle = requested_cycle()
    if cycle is None:
        return render_template("staff/office.html", office=office, cycle=None)
    lang = current_lang()
    today = local_today()
    first = today - dt.timedelta(days=counts.CHART_DAYS - 1)
    series = counts.daily_counts(db.session, cycle.id, office.code, first, today)
    peers = office_peers(cycle, office)
    results = office_results(cycle, office, series, today, lang)
    needed = needed_per_day(cycle, results["adequacy"].shortfall, today)
    daily_chart = charts.daily_chart(series, lambda d: _short_date(d, lang), needed_per_day=needed)
    daily_narrow = charts.daily_chart(
        series, lambda d: _short_date(d, lang), width=360, height=200, needed_per_day=needed, label_every=21
    )
    summary = office_summary(
        results["adequacy"],
        results["result"].eit,
        results["hidden"],
        results["forecast"],
        results["pace"],
        series,
    )
    summary = summary_shown(summary, results)
    questionnaire = cycle_questionnaire(cycle)
    extras = office_extras(cycle, office, lang, results["result"], peers)
    found = counts.office_counts(db.session, cycle.id, office.code, today, k_threshold())
    return render_template(
        "staff/office.html",
        office=office,
        cycle=cycle,
        today=today,
        live=live_payload(found.live),
        live_url=url_for("staff.office_live", code=office.code, cycle=cycle.code),
        refresh=cycle.state == CycleState.OPEN,
        breakdowns=_breakdowns(cycle, found, lang),
        flags=found.flags,
        series=series,
        # The table's 60 dates in the page's language, newest first (a filter per row asked for the language 60 times).
        daily_rows=[(format_date(day, lang), n) for day, n in reversed(series)],
        daily_chart=daily_chart,
        daily_narrow=daily_narrow,
        needed_per_day=needed,
        invitations=invitations.counts(db.session, cycle.id, office.code),
        poster_links=links.list_links(db.session, cycle.id, office.code),
        links_url=endpoint_url("staff.office_links", code=office.code),
        channels_url=endpoint_url("staff.office_channels", code=office.code, cycle=cycle.code),
        invitations_url=endpoint_url("staff.office_invitations", code=office.code),
        results=results,
        summary=summary,
        type_labels={c.code: c.label(lang) for c in questionnaire.respondent_type.choices},
        suggestions=counts.suggestions(db.session, cycle.id, office.code, found.suggestions, k_threshold()),
        can_write=current_user.can_write,
        k=k_threshold(),
        release_daily=current_app.config["RELEASE_SCHEDULE"] == "daily",
        focus=_focus(summary.score, extras),
        item_labels={item.code: item.text(lang) for item in questionnaire.items},
        **extras,
    )


def _focus(score: float | None, extras: dict[str, Any]) -> Any:
    """The first screen's goal, first item and score trend, from what the improvement sections already hold."""
    improvement = extras["improvement"]
    costs = [(line.gap.item, line.gap.cost[GOAL]) for line in improvement.ranked] if improvement else []
    trend = extras["trend"]
    eit = trend["series"].get("EIT", {})
    months = [(name, eit[label].mean if label in eit else None) for label, name in trend["months"]]
    return office_focus(score, costs, months)


@bp.get("/offices/<code>/live.json")
@staff_required
def office_live(code: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Today's, this week's and the cycle's count for the page's refresh (no caching)."""
    office = visible_office(code)
    cycle = requested_cycle()
    payload: dict[str, Any] = {"office": office.code, "cycle": cycle.code if cycle else None}
    if cycle is not None:
        payload.update(live_payload(counts.live_counts(db.session, cycle.id, office.code, local_today())))
    return payload, 200, {"Cache-Control": "no-store"}
