"""The one disclosure rule, case by case, with the expected outcome worked out by hand in each case."""

from __future__ import annotations

import pytest

from survey_app.services.results import disclosure
from survey_app.services.results.reasons import Note


def _shown(breakdown: disclosure.Breakdown) -> dict[str, int | None]:
    return {cell.code: cell.count for cell in breakdown.cells}


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # Nothing under K: all shown.
        ({"a": 9, "b": 5}, {"a": 9, "b": 5}),
        # One group under K would follow from the total: the next smallest (b, 6) is hidden too, a stays.
        ({"a": 9, "b": 6, "c": 2}, {"a": 9, "b": None, "c": None}),
        # Two groups under K already protect each other: the large one stays.
        ({"a": 9, "b": 4, "c": 1}, {"a": 9, "b": None, "c": None}),
        # Zero is not a small group: it is shown, and it is not picked as "the next smallest".
        ({"a": 9, "b": 0, "c": 3, "d": 7}, {"a": 9, "b": 0, "c": None, "d": None}),
    ],
)
def test_a_group_under_k_is_hidden_and_a_lone_one_hides_the_next_smallest(counts, expected) -> None:  # type: ignore[no-untyped-def]
    assert _shown(disclosure.suppress(counts, 5)) == expected


def test_a_breakdown_under_k_in_all_is_hidden_whole() -> None:
    assert disclosure.suppress({"a": 3, "b": 1}, 5).hidden
    assert not disclosure.suppress({"a": 3, "b": 2}, 5).hidden


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (0, 20, 0),  # nothing flagged: say so
        (2, 20, None),  # 2 flagged
        (17, 20, None),  # 3 not flagged: 17 would give them away
        (5, 20, 5),
        (5, 9, None),  # 4 not flagged
        (3, 3, None),  # under K in all
    ],
)
def test_a_part_of_a_whole_is_a_two_group_breakdown(part: int, whole: int, expected: int | None) -> None:
    assert disclosure.part_count(part, whole, 5) == expected


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(0, 30, False), (4, 30, False), (5, 30, True), (26, 30, False), (25, 30, True), (5, 9, False)],
)
def test_a_difference_needs_k_responses_on_each_side(part: int, whole: int, expected: bool) -> None:
    assert disclosure.difference_shown(part, whole, 5) is expected


def test_weighted_scores_are_withheld_beside_a_small_respondent_type() -> None:
    # Weighted = 0.5 x mean(A) + 0.5 x b and unweighted = (20 x mean(A) + b) / 21 are two equations in mean(A) and
    # the lone B respondent's b: with both shown, b follows. So one type of 1 to K-1 withholds the weighted scores.
    assert not disclosure.weighted_shown({"individual": 20, "business": 1}, 5)
    assert disclosure.weighted_shown({"individual": 20, "business": 5, "agency": 0}, 5)


def test_weighting_notes_hide_small_cell_counts_only() -> None:
    sparse = Note(
        "merged_sparse", {"type": "business", "service": "mining", "n": 2, "population": 80, "into": "other"}
    )
    assert disclosure._small_count_hidden(sparse, 5).params == {**sparse.params, "n": "< 5"}
    empty = Note(
        "merged_sparse", {"type": "agency", "service": "other", "n": 0, "population": 20, "into": "x"}
    )
    assert disclosure._small_count_hidden(empty, 5) == empty
    assert disclosure._small_count_hidden(sparse, 1) == sparse  # K = 1: suppression off
    assert disclosure._small_count_hidden(Note("poststratified"), 5) == Note("poststratified")


def test_settle_makes_last_bit_differences_of_the_same_data_equal_and_keeps_what_people_read() -> None:
    from survey_app.services.results.disclosure import settle

    # Seen on two PostgreSQL databases holding the same answers, released in different shuffled orders.
    a = {"se": 5.9628479399994365, "low": [68.3082958552619], "n": 12, "band": "pass", "nan": float("nan")}
    b = {"se": 5.96284793999944, "low": [68.30829585526187], "n": 12, "band": "pass", "nan": float("nan")}
    assert a != b
    settle(a), settle(b)
    assert a["se"] == b["se"] == 5.96284794 and a["low"] == b["low"] == [68.30829586]
    assert a["n"] == 12 and a["band"] == "pass" and a["nan"] != a["nan"]  # ints, text and NaN untouched
