"""The disclosure auditor (survey_app.stats.audit): hand-worked cases, then an independent check with fractions.

The brute force below knows nothing of the auditor's echelon form: e_i lies in the span of the shown rows exactly
when appending e_i to them does not raise the rank, and the rank is found by plain Gaussian elimination over
``fractions.Fraction``.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.stats.audit import RowSpace, clear


def _rank(rows: list[list[int]], n: int) -> int:
    matrix = [[Fraction(v) for v in row] for row in rows]
    rank = 0
    for column in range(n):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column] != 0:
                ratio = matrix[r][column] / matrix[rank][column]
                matrix[r] = [a - ratio * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


def _dense(members: set[int], n: int) -> list[int]:
    return [1 if c in members else 0 for c in range(n)]


def _brute_determined(figures: list[set[int]], n: int) -> frozenset[int]:
    rows = [_dense(f, n) for f in figures]
    base = _rank(rows, n)
    return frozenset(i for i in range(n) if _rank([*rows, _dense({i}, n)], n) == base)


def _space(n: int, *figures: range | set[int]) -> RowSpace:
    space = RowSpace(n)
    for members in figures:
        space.add(members)
    return space


def test_a_group_of_five_then_six_gives_the_sixth_member_away() -> None:
    space = _space(10, range(5))
    assert space.would_determine([range(6)]) == {5}
    space.add(range(6))
    assert space.determined() == {5}


def test_disjoint_groups_and_their_total_determine_nobody() -> None:
    space = _space(15, range(5), range(5, 10), range(10, 15), range(15))
    assert space.determined() == frozenset()
    assert space.rank == 3


def test_one_one_fifty_groups_with_their_total() -> None:
    """The issue's case: groups of 1, 1 and 50 with K = 5. Hiding the two small groups but showing the 50 and the
    total leaves their combined figure (two respondents) in the span but nobody determined alone; showing either
    small group then gives both away."""
    n = 52
    total, big = range(n), range(2, n)
    space = _space(n, total, big)
    assert space.determined() == frozenset()
    assert space.would_determine([{0}]) == {0, 1}
    assert clear(space, [{0}, {1}, range(2, 30), range(30, 52)]) == [False, False, True, True]
    assert space.determined() == frozenset()


def test_clear_accepts_figures_that_add_nothing_new() -> None:
    space = _space(6, range(3), range(3, 6))
    assert clear(space, [range(6), range(3)]) == [True, True]
    assert space.rank == 2


def test_clear_refuses_the_figure_that_would_isolate_one_and_keeps_going() -> None:
    space = RowSpace(12)
    verdicts = clear(space, [range(5), range(6), range(7), range(5, 12), range(12)])
    # range(6) isolates 5; range(7) alone with range(5) leaves {5, 6} together; range(5, 12) then leaves
    # {7..11} and {5, 6}; the total adds nothing.
    assert verdicts == [True, False, True, True, True]
    assert space.determined() == frozenset()


def test_would_determine_of_several_figures_together() -> None:
    space = _space(8, range(4))
    assert space.would_determine([range(5), range(6)]) == {4, 5}
    assert space.would_determine([range(4, 8)]) == frozenset()
    assert space.determined() == frozenset()
    assert space.rank == 1


def test_copy_is_independent() -> None:
    space = _space(6, range(3))
    other = space.copy()
    other.add(range(4))
    assert other.determined() == {3}
    assert space.determined() == frozenset()
    assert space.rank == 1


def test_a_column_outside_the_responses_is_refused() -> None:
    space = RowSpace(3)
    with pytest.raises(ValueError, match="outside"):
        space.add([0, 3])
    with pytest.raises(ValueError, match="negative"):
        RowSpace(-1)


def test_entries_beyond_one_are_handled_exactly() -> None:
    """Rows whose echelon form needs entries other than 0 and ±1 (pivot entries 2 and 3): {0,1},{1,2},{0,2}
    span everything over the rationals (rank 3) though no two of them do."""
    space = _space(3, {0, 1}, {1, 2})
    assert space.determined() == frozenset()
    assert space.would_determine([{0, 2}]) == {0, 1, 2}
    space.add({0, 2})
    assert space.determined() == {0, 1, 2}


figures_strategy = st.integers(min_value=1, max_value=8).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.sets(st.integers(min_value=0, max_value=n - 1), max_size=n), max_size=10),
    )
)


@settings(max_examples=300, deadline=None)
@given(figures_strategy)
def test_determined_matches_the_rank_test_with_fractions(case: tuple[int, list[set[int]]]) -> None:
    n, figures = case
    space = RowSpace(n)
    for k, members in enumerate(figures):
        before = space.determined()
        predicted = space.would_determine([members])
        space.add(members)
        expected = _brute_determined(figures[: k + 1], n)
        assert space.determined() == expected
        assert predicted == expected - before
        assert space.rank == _rank([_dense(f, n) for f in figures[: k + 1]], n)


@settings(max_examples=200, deadline=None)
@given(figures_strategy, st.integers(min_value=0, max_value=10))
def test_clear_matches_a_brute_force_gate(case: tuple[int, list[set[int]]], split: int) -> None:
    n, figures = case
    shown_before, proposed = figures[:split], figures[split:]
    space = _space(n, *shown_before)
    accepted = list(shown_before)
    expected = []
    for members in proposed:
        ok = _brute_determined([*accepted, members], n) <= _brute_determined(accepted, n)
        expected.append(ok)
        if ok:
            accepted.append(members)
    assert clear(space, proposed) == expected
    assert space.determined() == _brute_determined(accepted, n)
    assert (
        space.would_determine(proposed) == _brute_determined([*accepted, *proposed], n) - space.determined()
    )


def test_a_larger_random_space_matches_the_rank_test() -> None:
    """Thirty random groups over 24 responses: entries of the echelon form grow well beyond ±1 here."""
    rng = random.Random(20)
    n = 24
    figures = [{c for c in range(n) if rng.random() < 0.4} for _ in range(30)]
    space = RowSpace(n)
    for k, members in enumerate(figures):
        space.add(members)
        if k % 6 == 5 or k == len(figures) - 1:
            assert space.determined() == _brute_determined(figures[: k + 1], n)
            assert space.rank == _rank([_dense(f, n) for f in figures[: k + 1]], n)
