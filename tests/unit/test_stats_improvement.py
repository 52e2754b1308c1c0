"""Gap decomposition checked against a hand-worked example (numbers worked on paper, in the comments)."""

from __future__ import annotations

import math

import pytest

from survey_app.stats.improvement import (
    EXCELLENT,
    PASS,
    decompose,
    eit_from_items,
    item_weights,
    lowest_groups,
)

# Two indicators of unequal size, so the weights differ: A = (a1, a2), B = (b1, b2, b3).
# Weights: a1, a2 = 1/(2·2) = 0.25; b1, b2, b3 = 1/(2·3) = 1/6.
# Scores: a1 80, a2 90, b1 60, b2 90, b3 99 → A = 85, B = 249/3 = 83, EIT = (85 + 83)/2 = 84.
INDICATORS = {"A": ["a1", "a2"], "B": ["b1", "b2", "b3"]}
SCORES = {"a1": 80.0, "a2": 90.0, "b1": 60.0, "b2": 90.0, "b3": 99.0}


def test_item_weights_are_exact_and_sum_to_one() -> None:
    weights = item_weights(INDICATORS)
    assert weights == pytest.approx({"a1": 0.25, "a2": 0.25, "b1": 1 / 6, "b2": 1 / 6, "b3": 1 / 6})
    assert math.fsum(weights.values()) == pytest.approx(1.0, abs=1e-15)
    eit15 = item_weights({f"IND{k}": [f"E{5 * (k - 6) + i}" for i in range(1, 6)] for k in (6, 7, 8)})
    assert all(w == pytest.approx(1 / 15) for w in eit15.values())
    assert len(eit15) == 15 and math.fsum(eit15.values()) == pytest.approx(1.0)


def test_costs_toward_85_and_95_match_the_hand_worked_example() -> None:
    gap = decompose(SCORES, INDICATORS)
    assert gap.eit == pytest.approx(84.0)
    costs = {g.item: (g.cost_pass, g.cost_excellent) for g in gap.items}
    # Toward 95: a1 0.25·15 = 3.75, a2 0.25·5 = 1.25, b1 35/6 = 5.8333, b2 5/6 = 0.8333, b3 above 95 → 0.
    # Toward 85: a1 0.25·5 = 1.25, b1 25/6 = 4.1667, the others are at or above 85 → 0.
    assert costs == {
        "a1": pytest.approx((1.25, 3.75)),
        "a2": pytest.approx((0.0, 1.25)),
        "b1": pytest.approx((25 / 6, 35 / 6)),
        "b2": pytest.approx((0.0, 5 / 6)),
        "b3": pytest.approx((0.0, 0.0)),
    }
    assert [g.item for g in gap.ranked] == ["b1", "a1", "a2", "b2"]
    # The signed terms add up to the gap exactly: 11.6667 − b3's surplus 4/6 = 11 = 95 − 84.
    signed = sum(g.weight * (EXCELLENT - g.score) for g in gap.items)
    assert signed == pytest.approx(gap.gap[EXCELLENT]) == pytest.approx(11.0)
    assert gap.gap[PASS] == pytest.approx(1.0)


@pytest.mark.parametrize("item", sorted(SCORES))
def test_eit_if_an_item_reached_95_equals_recomputing_the_eit(item: str) -> None:
    gap = next(g for g in decompose(SCORES, INDICATORS).items if g.item == item)
    raised = {**SCORES, item: max(SCORES[item], 95.0)}
    assert gap.eit_if_excellent == pytest.approx(eit_from_items(raised, INDICATORS))
    if item == "b1":  # B = (95 + 90 + 99)/3 = 94.6667, EIT = (85 + 94.6667)/2 = 89.8333
        assert gap.eit_if_excellent == pytest.approx(89.8333333)


def test_cost_interval_follows_the_score_interval_and_never_goes_below_zero() -> None:
    gap = decompose(SCORES, INDICATORS, intervals={"a2": (82.0, 98.0)})
    a2 = next(g for g in gap.items if g.item == "a2")
    # Cost toward 95 at the upper limit 98 is 0; at the lower limit 82 it is 0.25·13 = 3.25.
    assert (a2.cost_low[EXCELLENT], a2.cost_high[EXCELLENT]) == pytest.approx((0.0, 3.25))
    assert (a2.cost_low[PASS], a2.cost_high[PASS]) == pytest.approx((0.0, 0.75))


def test_bad_questionnaire_shapes_and_missing_scores_are_refused() -> None:
    with pytest.raises(ValueError, match="no item"):
        item_weights({"A": []})
    with pytest.raises(ValueError, match="more than one"):
        item_weights({"A": ["x"], "B": ["x"]})
    with pytest.raises(KeyError):
        decompose({"a1": 1.0}, INDICATORS)
    with pytest.raises(ValueError, match="finite"):
        decompose({**SCORES, "a1": math.nan}, INDICATORS)


def test_lowest_groups_lists_only_visible_groups_lowest_first() -> None:
    groups = {"individual": (10, 700.0), "business": (6, 300.0), "agency": (3, 0.0)}
    lowest = lowest_groups(groups, visible={"individual", "business"})
    assert [(g.group, g.score) for g in lowest] == [("business", 50.0), ("individual", 70.0)]


def test_costs_add_up_to_the_gap_plus_what_items_above_the_target_give_as_the_docstring_says() -> None:
    gap = decompose(SCORES, INDICATORS)
    # Toward 95: costs 3.75 + 1.25 + 35/6 + 5/6 + 0 = 11.6667; the gap is 11; b3 (99) gives (99 − 95)/6 = 4/6.
    costs = math.fsum(g.cost_excellent for g in gap.items)
    assert costs == pytest.approx(35 / 3)
    assert costs == pytest.approx(gap.gap[EXCELLENT] + 4 / 6)
    # Toward 85: costs 1.25 + 25/6 = 5.4167; the gap is 1; a2 gives 1.25, b2 5/6, b3 14/6.
    costs = math.fsum(g.cost_pass for g in gap.items)
    assert costs == pytest.approx(gap.gap[PASS] + 1.25 + 5 / 6 + 14 / 6) == pytest.approx(65 / 12)
