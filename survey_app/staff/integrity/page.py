"""The integrity page ``/staff/integrity``: offices ranked by how manufactured or steered their responses look.

For admins and viewers (the ministry's anti-corruption centre). Office users get 404, not 403: the page's existence
and its signals are not confirmed to the offices they watch, so they cannot learn to dodge them. Ranked from the
aggregates each office's release snapshot holds (``services/results/snapshots/shown.integrity_report``; computed by
:mod:`..services.integrity.assessment` once per release); readable without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from ...clock import local_today
from ...db import db
from ...models import Role
from ...services.intake import kiosk
from ...services.results.snapshots import shown
from ...stats import kiosk as kiosk_stats
from ...stats.integrity import ALPHA, OfficeAssessment, Signal
from ...templating import BUDDHIST_ERA_OFFSET, THAI_MONTHS, current_lang, format_date
from .. import bp
from ..access import staff_required
from ..context import cycle_questionnaire, k_threshold, required_cycle

STRONG = 0.01


@dataclass(frozen=True)
class Finding:
    """One signal of one office, in words."""

    strength: str  # "very_strong", "strong" or "weak"
    label: str
    text: str
    p: float
    q: float


def _pct(value: object) -> str:
    return f"{100 * float(str(value)):.0f} %"


def _month(label: object) -> str:
    year, month = (int(x) for x in str(label).split("-"))
    if current_lang() == "th":
        return f"{THAI_MONTHS[month - 1]} {year + BUDDHIST_ERA_OFFSET}"
    return dt.date(year, month, 1).strftime("%b %Y")


def _describe(signal: Signal) -> tuple[str, str]:
    """A manager's label and sentence for ``signal``, with its figures."""
    f = signal.figures
    if signal.kind == "day_spike" and signal.days:
        first, last = (format_date(d) for d in signal.days)
        period = first if first == last else _("%(first)s to %(last)s", first=first, last=last)
        return _("Sudden rush of responses"), _(
            "%(period)s: %(count)s responses, where the office's own pace in the weeks before would give about "
            "%(expected)s.",
            period=period,
            count=f["count"],
            expected=f["expected"],
        )
    if signal.kind == "channel_gap":
        return _("Poster answers far better than emailed ones"), _(
            "Poster answers average %(poster)s points, emailed answers %(email)s: a gap of %(gap)s points, where "
            "the usual gap between the two across offices is %(national)s.",
            poster=f["poster_mean"],
            email=f["email_mean"],
            gap=f["gap"],
            national=f["national_gap"],
        )
    if signal.kind == "poster_top":
        return _("Top answer everywhere, mostly on posters"), _(
            "%(poster)s of poster answers give the top answer to every question, against %(email)s of emailed "
            "answers, which staff cannot steer.",
            poster=_pct(f["poster_share"]),
            email=_pct(f["email_share"]),
        )
    if signal.kind in ("all_highest", "flagged", "duplicated"):
        flagged = _("are flagged (too fast, one answer everywhere, or many from one phone or address)")
        labels = {
            "all_highest": (_("Many top answers everywhere"), _("give the top answer to every question")),
            "flagged": (_("Many flagged responses"), flagged),
            "duplicated": (_("Many identical responses"), _("repeat another response's answers exactly")),
        }
        label, what = labels[signal.kind]
        return label, _(
            "%(share)s of responses %(what)s; in the other offices %(national)s.",
            share=_pct(f["share"]),
            what=what,
            national=_pct(f["national_share"]),
        )
    return _("Sudden jump in the score"), _(
        "The average score rose from %(before)s in %(from)s to %(after)s in %(to)s, more than chance explains.",
        before=f["from_mean"],
        after=f["to_mean"],
        **{"from": _month(f["from_month"]), "to": _month(f["to_month"])},
    )


def findings(assessment: OfficeAssessment) -> list[Finding]:
    """The office's signals worth a look (unadjusted p below 0.05), strongest first."""
    out = []
    for signal in assessment.signals:
        if signal.p is None or signal.p >= ALPHA:
            continue
        q = assessment.q_by_kind.get(signal.kind, 1.0)
        strength = "very_strong" if q < STRONG else "strong" if q < ALPHA else "weak"
        label, text = _describe(signal)
        out.append(Finding(strength, label, text, signal.p, q))
    return sorted(out, key=lambda f: f.p)


@bp.get("/integrity")
@staff_required
def integrity_page() -> str:
    """Offices ranked by their adjusted signals (admins and viewers; 404 for office users)."""
    if current_user.role not in (Role.ADMIN, Role.VIEWER):
        abort(404)
    cycle = required_cycle()
    report = shown.integrity_report(
        db.session, cycle, cycle_questionnaire(cycle), local_today(), k=k_threshold()
    )
    return render_template(
        "staff/integrity.html",
        report=report,
        findings=findings,
        k=k_threshold(),
        alpha=ALPHA,
        named=[a for a in report.offices if a.alarm],
        kiosk=kiosk_stats.assess(kiosk.hourly(db.session, cycle.id)),
    )
