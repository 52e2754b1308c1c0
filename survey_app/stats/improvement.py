"""What holds a score below a target: the exact share of each item in the EIT, and the points each item costs.

The EIT is the mean of its indicators and an indicator the mean of its items, so the EIT is a weighted sum of the
item scores: item i of indicator j weighs ``1 / (J · I_j)`` (J indicators, I_j items in indicator j), and the
weights sum to 1. Hence, for a target T (85 to pass, 95 for excellent),

    T − EIT = Σ_i w_i · (T − x_i)

exactly: each item's term ``w_i (T − x_i)`` is what it costs (positive) or gives (negative) on the way to T.
Raising item i alone to T changes the EIT by ``w_i (T − x_i)``.

What this module reports as an item's *cost* is that term clipped at zero, ``w_i · max(0, T − x_i)``: an item
already at or above T costs nothing (lowering it is no plan). So the costs add up to the gap only when no item
is above T; otherwise they add up to the gap *plus* what the items above T give,

    Σ_i cost_i = (T − EIT) + Σ_i w_i · max(0, x_i − T),

and the costs are each item's own shortfall, not shares of the gap. Pure: no Flask, no database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from .scoring import EIT, respondent_measures

PASS: Final = 85.0
EXCELLENT: Final = 95.0
TARGETS: Final = (PASS, EXCELLENT)


COST_DIGITS = 2  # the office page prints costs with two decimals
GROUP_DIGITS = 1  # and group means with one


def item_weights(indicators: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """Each item's exact weight in the EIT: 1 / (number of indicators × items of its indicator).

    ``indicators`` maps an indicator code to its item codes, in questionnaire order. Raises ``ValueError`` when
    there is no indicator, an indicator has no item, or an item belongs to two indicators.
    """
    if not indicators:
        raise ValueError("the EIT needs at least one indicator")
    weights: dict[str, float] = {}
    for code, items in indicators.items():
        if not items:
            raise ValueError(f"indicator {code} has no item")
        for item in items:
            if item in weights:
                raise ValueError(f"item {item} belongs to more than one indicator")
            weights[item] = 1.0 / (len(indicators) * len(items))
    return weights


def eit_from_items(item_scores: Mapping[str, float], indicators: Mapping[str, Sequence[str]]) -> float:
    """The EIT as the questionnaire defines it: mean over indicators of the mean of their items' scores, by
    :func:`.scoring.respondent_measures` (exact sums, so the result does not depend on the order of the items)."""
    return respondent_measures({item: [item_scores[item]] for items in indicators.values() for item in items},
                               indicators)[EIT]  # fmt: skip


@dataclass(frozen=True)
class ItemGap:
    """One item: its score (and interval), weight, the points it costs toward each target, and the what-if."""

    item: str
    indicator: str
    weight: float
    score: float
    low: float
    high: float
    cost: Mapping[float, float]
    cost_low: Mapping[float, float]
    cost_high: Mapping[float, float]
    eit_if_excellent: float

    @property
    def cost_pass(self) -> float:
        return self.cost[PASS]

    @property
    def cost_excellent(self) -> float:
        return self.cost[EXCELLENT]


@dataclass(frozen=True)
class GapDecomposition:
    """The EIT, its gap to each target and each item's part in it, items ranked by points they cost toward 95."""

    eit: float
    gap: Mapping[float, float]
    items: tuple[ItemGap, ...]

    @property
    def ranked(self) -> tuple[ItemGap, ...]:
        """Items costing the most points toward 95 first, compared as shown (``COST_DIGITS`` decimals) so that two
        costs printed alike tie, and ties in questionnaire order; none that costs nothing as shown. The order then
        depends only on what the page prints, never on the last bits of a sum."""
        shown = [round(gap.cost_excellent, COST_DIGITS) for gap in self.items]
        order = sorted(range(len(self.items)), key=lambda i: (-shown[i], i))
        return tuple(self.items[i] for i in order if shown[i] > 0)


def _cost(weight: float, target: float, score: float) -> float:
    """Points short of ``target`` that an item scoring ``score`` costs the EIT (never negative)."""
    return weight * max(0.0, target - score)


def decompose(
    item_scores: Mapping[str, float],
    indicators: Mapping[str, Sequence[str]],
    intervals: Mapping[str, tuple[float, float]] | None = None,
    targets: Sequence[float] = TARGETS,
) -> GapDecomposition:
    """Each item's cost toward each target and the EIT were it raised to 95 (see the module docstring).

    ``intervals`` gives an item's (low, high) confidence limits; a cost's interval is the cost at those limits
    (a higher score costs less). Raises ``KeyError`` when an item of ``indicators`` has no score and
    ``ValueError`` when a score is not finite.
    """
    weights = item_weights(indicators)
    for item in weights:
        if not math.isfinite(item_scores[item]):
            raise ValueError(f"item {item} has no finite score")
    eit = eit_from_items(item_scores, indicators)
    owner = {item: code for code, items in indicators.items() for item in items}
    gaps = []
    for item, weight in weights.items():
        score = item_scores[item]
        low, high = (intervals or {}).get(item, (score, score))
        low = score if not math.isfinite(low) else low
        high = score if not math.isfinite(high) else high
        gaps.append(
            ItemGap(
                item,
                owner[item],
                weight,
                score,
                low,
                high,
                {t: _cost(weight, t, score) for t in targets},
                {t: _cost(weight, t, high) for t in targets},
                {t: _cost(weight, t, low) for t in targets},
                eit + _cost(weight, EXCELLENT, score),
            )
        )
    return GapDecomposition(eit, {t: t - eit for t in targets}, tuple(gaps))


@dataclass(frozen=True)
class GroupScore:
    """An item's mean among one respondent type or service (shown only for groups of at least K)."""

    group: str
    count: int
    score: float


def lowest_groups(
    groups: Mapping[str, tuple[int, float]], visible: set[str], limit: int = 2
) -> tuple[GroupScore, ...]:
    """The ``limit`` lowest-scoring groups among ``visible`` ones; ``groups`` maps a code to (count, sum)."""
    shown = [
        GroupScore(code, count, total / count)
        for code, (count, total) in groups.items()
        if code in visible and count > 0
    ]
    # Compared as the page prints them (one decimal): two groups printed alike tie, and ties go by code.
    return tuple(sorted(shown, key=lambda g: (round(g.score, GROUP_DIGITS), g.group))[:limit])
