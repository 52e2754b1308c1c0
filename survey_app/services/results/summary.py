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
from typing import Any

from ...stats.bands import Band
from ...stats.sampling import Adequacy
from ...stats.scoring import MeasureScore
from . import disclosure
from .reasons import Labels, Note, describe
from .scores import OfficeResult

TREND_DAYS = 7


# --- one story per number: every page, export and the API take these, so each says the same thing -------------


@dataclass(frozen=True)
class Needed:
    """How many more answers an office needs (the adequacy shortfall) and, in one sentence, why that many."""

    count: int
    note: Note


def answers_needed(adequacy: Adequacy) -> Needed:
    """The one "answers still needed" figure and its reason. It is ``adequacy.shortfall``, which exceeds
    required − received only because of weighting (the effective sample is below the count) or a respondent type
    below its own floor; the note names whichever rule asks for the most. Staff see it through
    :func:`office_needed`."""
    count, required, short = adequacy.count, adequacy.required, adequacy.shortfall
    gap = max(0, required - count)
    params: dict[str, object] = {"count": f"{count:,}", "required": f"{required:,}"}
    if short == 0:
        return Needed(0, Note("needed_none", params))
    if short == gap:
        return Needed(short, Note("needed_gap", params))
    params["gap"] = f"{gap:,}"
    if adequacy.binding.startswith("respondent_type:"):
        below = [t for t, n in adequacy.type_shortfalls.items() if n > 0]
        if len(below) == 1:
            return Needed(short, Note("needed_type", {**params, "type": below[0]}))
        return Needed(short, Note("needed_types", {**params, "types": len(below)}))
    params["effective"] = f"{adequacy.effective_n:,.0f}"
    return Needed(short, Note("needed_weighting", params))


def office_needed(result: OfficeResult, k: int) -> Needed:
    """:func:`answers_needed` of an office's result as staff may see it (:func:`disclosure.adequacy_shown`):
    while a respondent type is hidden, required − received, said to be a lower bound, with why the rest is
    withheld."""
    adequacy = disclosure.adequacy_shown(result, k)
    if adequacy.binding == "withheld":
        params = {
            "count": f"{adequacy.count:,}", "required": f"{adequacy.required:,}",
            "gap": f"{adequacy.shortfall:,}", "k": k,
        }  # fmt: skip
        return Needed(adequacy.shortfall, Note("needed_withheld", params))
    return answers_needed(adequacy)


def hidden_note(result: OfficeResult, k: int) -> Note | None:
    """Why an office's scores are hidden (``result`` as staff may see it), or None when they are shown."""
    if result.count < k:
        return Note("scores_hidden_below_k", {"k": k})
    if result.eit is None and any(n.code == "withheld_protect" for n in result.notes):
        return Note("withheld_protect")
    return None


def with_stories(data: dict[str, Any], result: OfficeResult, k: int, labels: Labels | None = None) -> None:
    """Add the office's stories to its JSON (``data``, from ``disclosure.office_payload`` of ``result``):
    ``answers_needed`` (the number and its reason) and ``weighting_reason`` (weighted or not and why, or why the
    scores are hidden), each reason with its sentence in Thai and English."""
    shown = disclosure.office_result(result, k)
    needed = office_needed(shown, k)
    data["answers_needed"] = {"count": needed.count, "reason": describe(needed.note, labels)}
    data["weighting_reason"] = describe(weighting_note(shown, k), labels)


def weighting_note(result: OfficeResult, k: int) -> Note:
    """Whether the office's headline score is weighted and why, in one note (``result`` as staff may see it):
    hidden scores say why they are hidden; a plain mean says why it is not weighted."""
    hidden = hidden_note(result, k)
    if hidden is not None:
        return hidden
    if result.count == 0:
        return Note("no_responses")
    weighted = result.eit.weighted if result.eit is not None else None
    if weighted is not None and math.isfinite(weighted.mean):
        return Note("weighted_to_frame", {"population": f"{result.population or 0:,}"})
    if result.weighting == "unweighted":
        return Note("no_frame")
    if any(n.code == "weighted_withheld_protect" for n in result.notes):
        return Note("weighted_withheld_protect")
    if not disclosure.weighted_shown(result.type_counts, k):
        return Note("weighted_withheld_small", {"k": k})
    return Note("no_weighted_respondents")


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
