"""The attacker's side of the disclosure tests: what a staff member can work out from every figure ever shown.

A member of staff who keeps what they saw holds, for each item, a list of *figures*: a group of responses they can
name (by what they know: "the five businesses released last week", "November's responses", "the one that came
at the counter at ten") and the group's total, read off a mean and its count (total = mean × count). Each figure
is one linear equation in the responses' values. :func:`reconstruct` solves that system exactly, with
``fractions.Fraction`` and plain Gauss–Jordan elimination (deliberately not the product's auditor,
``survey_app.stats.audit``: the attacker is an independent check of it), and reports:

* ``determined``: the responses whose value the equations pin down whatever the values are (the unit vector of
  the response lies in the span of the figures' membership rows). This needs no value at all, so it is the
  strongest attacker: a test of the guarantee asserts it is empty.
* ``values``: for the determined responses, the value worked out. Figures shown rounded carry an error bound
  (:func:`mean_figure` with ``decimals``); the bound is carried through the elimination (each pinned value is a
  combination Σ c_j·figure_j, off by at most Σ |c_j|·error_j), and with ``admissible`` (the values an answer
  can take, e.g. :func:`item_values`) a value is *recovered exactly* when one admissible value alone lies within
  the bound. :func:`Reconstruction.recovered` is that set.

``known`` lets the attacker substitute the answers they know (their own planted answers, a colleague's).

Use it per item: build the figures of one item from everything shown over time, call :func:`reconstruct`, count
the items where the target is recovered. Which responses are determined depends only on the groups, not on the
values, so for a guarantee over many items one call of :func:`pinned` with every group ever shown suffices (the
reconstruction test of issue 20: 300 responses over 90 days, every view after every submission, each figure's
members being the responses the test knows it to cover; with the auditor and the model switched off it must pin
some down, with them on none). ``tests/unit/test_disclosure_attack.py`` checks the machinery on
synthetic figures (it recovers what it should and nothing it should not); the product tests
(``tests/integration/test_disclosure_attacks.py``) play the issue's attacks through HTTP. For a large system
(hundreds of responses, thousands of figures) pass exact figures (``error`` 0): the bound bookkeeping is then
skipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeVar

Label = Hashable
Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class Figure:
    """One shown figure: the total over ``members`` of one item's values, known to within ``error``."""

    members: frozenset[Label]
    total: Fraction
    error: Fraction = Fraction(0)


def sum_figure(
    members: Iterable[Label], total: float | Fraction | str, error: Fraction = Fraction(0)
) -> Figure:
    """A figure shown as a sum (a float is taken at its exact binary value)."""
    return Figure(frozenset(members), Fraction(total), error)


def mean_figure(members: Iterable[Label], mean: float | str, decimals: int | None = None) -> Figure:
    """A figure shown as a mean over ``len(members)`` responses: total = mean × count. ``decimals``: the mean was
    shown rounded to that many places (error ½·10⁻ᵈ per response); without it the mean is a float of the
    program's, exact to a few units in its last place (error 10⁻⁹ × count, far above float rounding and far
    below any difference between answers)."""
    group = frozenset(members)
    count = len(group)
    value = Fraction(mean) if isinstance(mean, str) else Fraction(repr(mean))
    per_response = Fraction(1, 10**9) if decimals is None else Fraction(1, 2 * 10**decimals)
    error = per_response * count
    return Figure(group, value * count, error)


@dataclass
class Reconstruction:
    """What the figures give away: see the module docstring."""

    determined: set[Label] = field(default_factory=set)
    values: dict[Label, Fraction] = field(default_factory=dict)
    bounds: dict[Label, Fraction] = field(default_factory=dict)
    admissible: Collection[Fraction] | None = None

    def value_of(self, label: Label) -> Fraction | None:
        """The one admissible value within the bound of ``label``'s worked-out value (the value itself when
        figures were exact and no admissible set was given); None when not determined or ambiguous."""
        if label not in self.determined:
            return None
        estimate, bound = self.values[label], self.bounds[label]
        if self.admissible is None:
            return estimate if bound == 0 else None
        fits = [v for v in self.admissible if abs(v - estimate) <= bound]
        return fits[0] if len(fits) == 1 else None

    @property
    def recovered(self) -> dict[Label, Fraction]:
        """The responses whose value is recovered exactly, with that value."""
        found = {label: self.value_of(label) for label in self.determined}
        return {label: value for label, value in found.items() if value is not None}


def reconstruct(
    figures: Sequence[Figure],
    known: Mapping[Any, Fraction] | None = None,
    admissible: Collection[Fraction] | None = None,
) -> Reconstruction:
    """Solve the figures for the responses' values (see the module docstring)."""
    known = known or {}
    tracked = any(f.error for f in figures)
    # A row: (coefficients by label, right-hand side, combination of figures by index).
    pivots: dict[Label, tuple[dict[Label, Fraction], Fraction, dict[int, Fraction]]] = {}
    for index, figure in enumerate(figures):
        coefficients = {label: Fraction(1) for label in figure.members if label not in known}
        rhs = figure.total - sum((known[label] for label in figure.members if label in known), Fraction(0))
        combination = {index: Fraction(1)} if tracked else {}
        for label in [c for c in coefficients if c in pivots]:
            factor = coefficients.get(label, Fraction(0))
            if factor:
                row, row_rhs, row_combination = pivots[label]
                _subtract(coefficients, row, factor)
                rhs -= factor * row_rhs
                _subtract(combination, row_combination, factor)
        if not coefficients:
            continue  # nothing new (or, with rounded figures, a small inconsistency)
        lead_label = next(iter(coefficients))
        lead = coefficients[lead_label]
        coefficients = {c: v / lead for c, v in coefficients.items()}
        rhs /= lead
        combination = {j: v / lead for j, v in combination.items()}
        for other, (row, row_rhs, row_combination) in list(pivots.items()):
            factor = row.get(lead_label, Fraction(0))
            if factor:
                _subtract(row, coefficients, factor)
                _subtract(row_combination, combination, factor)
                pivots[other] = (row, row_rhs - factor * rhs, row_combination)
        pivots[lead_label] = (coefficients, rhs, combination)
    found = Reconstruction(admissible=admissible)
    for label, (row, rhs, combination) in pivots.items():
        if len(row) == 1:
            found.determined.add(label)
            found.values[label] = rhs
            found.bounds[label] = sum(
                (abs(c) * figures[j].error for j, c in combination.items()), Fraction(0)
            )
    return found


def _subtract(target: dict[Key, Fraction], source: Mapping[Key, Fraction], factor: Fraction) -> None:
    """target −= factor × source, dropping zeros."""
    for key, value in source.items():
        new = target.get(key, Fraction(0)) - factor * value
        if new:
            target[key] = new
        else:
            target.pop(key, None)


def item_values(sub_scores: Sequence[float], subs: int) -> frozenset[Fraction]:
    """Every value an item's score can take: the mean over ``subs`` sub-items of scores from ``sub_scores``
    (scores such as 100/3 are read back as the nearest fraction with a small denominator)."""
    exact = [Fraction(s).limit_denominator(1000) for s in sub_scores]
    return frozenset(sum(c, Fraction(0)) / subs for c in itertools.combinations_with_replacement(exact, subs))


def pinned(groups: Iterable[Iterable[Label]], known: Iterable[Label] = ()) -> set[Label]:
    """The responses that the groups of shown figures pin down, whatever the values (``known``: responses whose
    values the attacker has, e.g. their own planted answers)."""
    knowledge = dict.fromkeys(known, Fraction(0))
    distinct = dict.fromkeys(frozenset(g) for g in groups)  # a figure shown again adds nothing
    return reconstruct([Figure(g, Fraction(0)) for g in distinct], known=knowledge).determined
