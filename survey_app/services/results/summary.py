"""The five-second view of an office: its score and band, the verdict on its sample in words, and the trend.

Everything is read from what the results service and the daily counts already computed; nothing here queries or
computes a statistic. The one number for "how many more answers" is the adequacy shortfall, which can exceed
"required − received" for two reasons this module names so the page can explain them in plain words:

- ``weighting``: the answers' mix differs from the population served, so after weighting they count as fewer
  (the effective sample is below the count, by the design effect);
- ``respondent_type``: some respondent type has fewer answers than its floor.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ...stats.bands import Band
from ...stats.sampling import Adequacy
from ...stats.scoring import MeasureScore

TREND_DAYS = 7


@dataclass(frozen=True)
class Summary:
    """What the top of an office page says. ``state`` is ``hidden`` (fewer than K answers: no score shown),
    ``provisional`` (a score, the sample not yet adequate) or ``final``."""

    state: str
    score: float | None
    band: Band | None
    weighted: bool
    count: int
    required: int
    effective_n: float
    more_needed: int
    simple_gap: int  # required − received, never below 0
    reason: str | None  # why more_needed differs from simple_gap: "weighting", "respondent_type" or None
    short_type: str | None  # the respondent type furthest below its floor
    short_type_needed: int
    forecast: dt.date | None  # when more_needed arrives at the current pace (None: not by the closing date)
    pace: float  # responses a day over the last 14 days
    this_week: int  # responses in the last 7 days, today included
    previous_week: int  # the 7 days before those

    @property
    def trend(self) -> str:
        """``up``, ``down`` or ``flat``: this week's responses against the week before."""
        if self.this_week == self.previous_week:
            return "flat"
        return "up" if self.this_week > self.previous_week else "down"


GOAL = 95.0  # the ITA's "excellent": what an office works toward
PASS_MARK = 85.0
TREND_MONTHS = 3
FLAT_POINTS = 0.1  # a change of the monthly score smaller than this is "steady"


@dataclass(frozen=True)
class Focus:
    """What the first screen leads with besides the score: the goal (95) and the distance to it, the pass mark's
    distance when below it, the one item to work on first with the EIT points it costs on the way to 95, and the
    score's own trend over the last shown months (not the count of answers)."""

    goal: float
    gap: float | None  # goal − score, never below 0; None without a score
    below_pass: float | None  # pass mark − score when below it, else 0; None without a score
    item: str | None  # the item that costs the most points toward the goal
    item_points: float | None
    months: tuple[tuple[str, float], ...]  # (month, EIT) of the last shown months, oldest first
    trend: str | None  # "up", "down" or "flat" from the first to the last of ``months``; None below two

    @property
    def change(self) -> float | None:
        """Points the monthly score moved over :attr:`months` (None below two months)."""
        return self.months[-1][1] - self.months[0][1] if len(self.months) > 1 else None


def office_focus(
    score: float | None, item_costs: Sequence[tuple[str, float]], months: Sequence[tuple[str, float | None]]
) -> Focus:
    """The focus of an office whose headline score is ``score``, from its items ranked by the points they cost
    toward 95 (most first; ties already broken by questionnaire order) and its monthly EIT (oldest first)."""
    scored = [(label, mean) for label, mean in months if mean is not None and math.isfinite(mean)]
    shown = tuple(scored[-TREND_MONTHS:])
    trend = None
    if len(shown) > 1:
        change = shown[-1][1] - shown[0][1]
        trend = "flat" if abs(change) < FLAT_POINTS else ("up" if change > 0 else "down")
    first = next(((code, points) for code, points in item_costs if points > 0), None)
    return Focus(
        goal=GOAL,
        gap=None if score is None else max(0.0, GOAL - score),
        below_pass=None if score is None else max(0.0, PASS_MARK - score),
        item=first[0] if first and score is not None else None,
        item_points=first[1] if first and score is not None else None,
        months=shown,
        trend=trend,
    )


def _headline(eit: MeasureScore | None) -> tuple[float | None, Band | None, bool]:
    if eit is None:
        return None, None, False
    if eit.weighted is not None and math.isfinite(eit.weighted.mean):
        return eit.weighted.mean, eit.weighted_band, True
    if math.isfinite(eit.unweighted.mean):
        return eit.unweighted.mean, eit.unweighted_band, False
    return None, None, False


def office_summary(
    adequacy: Adequacy,
    eit: MeasureScore | None,
    hidden: bool,
    forecast: dt.date | None,
    pace: float,
    daily: Sequence[tuple[dt.date, int]],
) -> Summary:
    """The summary of one office from its adequacy, EIT score, K-suppression, forecast and daily counts
    (oldest first, ending today)."""
    score, band, weighted = (None, None, False) if hidden else _headline(eit)
    simple_gap = max(0, adequacy.required - adequacy.count)
    types = dict(adequacy.type_shortfalls)
    short_type = max(types, key=lambda t: (types[t], t)) if any(types.values()) else None
    reason = None
    if adequacy.shortfall != simple_gap:
        reason = "respondent_type" if adequacy.binding.startswith("respondent_type:") else "weighting"
    counts = [n for _day, n in daily]
    state = "hidden" if hidden or score is None else ("final" if adequacy.adequate else "provisional")
    return Summary(
        state=state,
        score=score,
        band=band,
        weighted=weighted,
        count=adequacy.count,
        required=adequacy.required,
        effective_n=adequacy.effective_n,
        more_needed=adequacy.shortfall,
        simple_gap=simple_gap,
        reason=reason,
        short_type=short_type,
        short_type_needed=types.get(short_type, 0) if short_type else 0,
        forecast=None if adequacy.adequate else forecast,
        pace=pace,
        this_week=sum(counts[-TREND_DAYS:]),
        previous_week=sum(counts[-2 * TREND_DAYS : -TREND_DAYS]),
    )
