"""The attack harness (tests/disclosure_attack.py) itself: it recovers what a staff member could work out from
synthetic figures, and nothing more, so a product test asserting it recovers nothing can fail."""

from __future__ import annotations

import random
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.stats.audit import RowSpace
from tests.disclosure_attack import item_values, mean_figure, pinned, reconstruct, sum_figure

LEVEL4 = (0.0, 100 / 3, 200 / 3, 100.0)


def test_a_group_mean_seen_at_five_and_at_six_gives_the_sixth_answer() -> None:
    values = {f"b{i}": Fraction(v) for i, v in enumerate([0, 100, 50, 100, 0, 75])}
    first = [f"b{i}" for i in range(5)]
    figures = [
        mean_figure(first, float(sum(values[b] for b in first) / 5)),
        mean_figure([*first, "b5"], float(sum(values.values()) / 6)),
    ]
    found = reconstruct(figures, admissible=frozenset(Fraction(v) for v in (0, 25, 50, 75, 100)))
    assert found.determined == {"b5"}
    assert found.recovered == {"b5": Fraction(75)}


def test_a_month_shown_rounded_to_two_decimals_at_ten_and_eleven_gives_the_eleventh() -> None:
    rng = random.Random(3)
    grid = item_values(LEVEL4, 2)
    answers = {f"r{i}": rng.choice(sorted(grid)) for i in range(11)}
    before, after = [f"r{i}" for i in range(10)], list(answers)
    figures = [
        mean_figure(before, f"{float(sum(answers[r] for r in before) / 10):.2f}", decimals=2),
        mean_figure(after, f"{float(sum(answers.values()) / 11):.2f}", decimals=2),
    ]
    found = reconstruct(figures, admissible=grid)
    assert found.recovered == {"r10": answers["r10"]}
    # Rounded to whole points, the same two figures pin the response down but no longer its value.
    coarse = [
        mean_figure(before, f"{float(sum(answers[r] for r in before) / 10):.0f}", decimals=0),
        mean_figure(after, f"{float(sum(answers.values()) / 11):.0f}", decimals=0),
    ]
    found = reconstruct(coarse, admissible=grid)
    assert found.determined == {"r10"} and found.recovered == {}


def test_disjoint_groups_and_their_total_give_nobody_away() -> None:
    figures = [sum_figure(range(5), 300), sum_figure(range(5, 10), 250), sum_figure(range(10), 550)]
    found = reconstruct(figures)
    assert found.determined == set() and found.recovered == {}


def test_a_planted_batch_gives_the_one_unknown_answer_away() -> None:
    """The counter clerk's attack: a batch of the target and four answers the clerk sent, released together."""
    planted = {f"p{i}": Fraction(100) for i in range(4)}
    figures = [sum_figure(range(20), 1500), sum_figure([*range(20), "target", *planted], 1500 + 400 + 25)]
    found = reconstruct(figures, known=planted)
    assert found.recovered == {"target": Fraction(25)}
    assert pinned([range(20), [*range(20), "target", *planted]], known=planted) == {"target"}
    assert pinned([range(20), [*range(20), "target", *planted]]) == set()


def test_the_groups_of_one_one_and_fifty_give_only_the_pair_away() -> None:
    figures = [sum_figure(range(52), 5200), sum_figure(range(2, 52), 5000)]
    assert reconstruct(figures).determined == set()
    found = reconstruct([*figures, sum_figure([0], 60)])
    assert found.recovered == {0: Fraction(60), 1: Fraction(140)}


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=1, max_value=8).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.sets(st.integers(min_value=0, max_value=n - 1), min_size=1), max_size=10),
            st.lists(st.integers(min_value=0, max_value=100), min_size=n, max_size=n),
        )
    )
)
def test_harness_and_auditor_agree_and_the_values_are_right(
    case: tuple[int, list[set[int]], list[int]],
) -> None:
    """Two independent eliminations (the harness with fractions, the auditor with integers) find the same
    determined responses, and every value the harness works out from exact sums is the true one."""
    n, groups, values = case
    figures = [sum_figure(g, sum(values[i] for i in g)) for g in groups]
    found = reconstruct(figures)
    space = RowSpace(n)
    for g in groups:
        space.add(g)
    assert found.determined == set(space.determined())
    assert found.recovered == {i: Fraction(values[i]) for i in range(n) if i in found.determined}
