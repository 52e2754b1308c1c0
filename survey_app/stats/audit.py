"""The disclosure auditor: does what staff have seen pin down one response's value?

Every figure staff see about answers (a group's count, sum or mean over some set of responses) is, for each
answered item, a linear function of the responses' values: the sum over the group's members. A mean shown with
its count is the same information as the sum. So each figure is one 0/1 *membership row* over the office's
responses, and everything ever shown is the row space those rows span. One response's value is *determined*
(recoverable exactly by combining shown figures) when its unit vector e_i lies in that row space over the
rationals; nothing else is, whatever the values, because any vector of the null space can be added to the values
without changing a single shown figure.

:class:`RowSpace` keeps that row space in *reduced echelon form* with exact integers: each kept row has one pivot
column, holds zero in every other row's pivot column, and is primitive (its entries share no factor). In such a
form e_i is in the span exactly when some row is a multiple of e_i (write e_i = sum of λ_r·row_r; reading the
pivot columns gives λ_r = 0 for every row but the one whose pivot is i). Rows are sparse dictionaries; pivots are
chosen among the new row's columns as the one fewest kept rows touch, which keeps rows short for the nested and
disjoint groups a survey shows. No floating point anywhere: the answer is exact, not "almost certainly".

:func:`clear` is the gate a new snapshot passes: proposed figures, in order, are accepted unless adding one would
determine a response not determined before; accepted ones join the shown space. Values never enter: only who
belongs to which figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

Row = dict[int, int]


class RowSpace:
    """The exact row space of 0/1 membership vectors over response columns ``0 .. n-1``."""

    def __init__(self, n: int) -> None:
        """An empty space over ``n`` responses; raises ValueError for a negative ``n``."""
        if n < 0:
            raise ValueError("the number of responses cannot be negative")
        self.n = n
        self._rows: dict[int, Row] = {}  # pivot column → row (pivot entry > 0, primitive)
        self._touching: dict[int, set[int]] = {}  # non-pivot column → pivots of the rows with an entry there
        self._determined: set[int] = set()

    @property
    def rank(self) -> int:
        """The dimension of the space: how many independent figures it holds."""
        return len(self._rows)

    def add(self, members: Iterable[int]) -> None:
        """Add the figure over the responses ``members`` (repeats count once); raises ValueError for a column
        outside ``0 .. n-1``."""
        row = self._reduce(members)
        if row:
            self._insert(row)

    def determined(self) -> frozenset[int]:
        """The responses whose value the space determines."""
        return frozenset(self._determined)

    def would_determine(self, members_list: Sequence[Iterable[int]]) -> frozenset[int]:
        """The responses that adding all of ``members_list`` would newly determine; ``self`` is unchanged."""
        if len(members_list) == 1:
            return self._would_determine_one(members_list[0])
        trial = self.copy()
        for members in members_list:
            trial.add(members)
        return frozenset(trial._determined - self._determined)

    def copy(self) -> RowSpace:
        """An independent copy."""
        other = RowSpace(self.n)
        other._rows = {p: dict(row) for p, row in self._rows.items()}
        other._touching = {c: set(pivots) for c, pivots in self._touching.items()}
        other._determined = set(self._determined)
        return other

    def _reduce(self, members: Iterable[int]) -> Row:
        """The membership row with every kept pivot eliminated, primitive with integer entries (empty when the
        figure adds nothing new)."""
        row: Row = {}
        for column in members:
            if not 0 <= column < self.n:
                raise ValueError(f"response column {column} is outside 0..{self.n - 1}")
            row[column] = 1
        pivots = [c for c in row if c in self._rows]
        if not pivots:
            return row
        # Kept rows are zero in each other's pivot columns, so eliminating one pivot leaves the row's entries in
        # the other pivot columns at 1: row·L − Σ (L / a_p)·kept_p with L the lcm of the pivot entries a_p.
        scale = math.lcm(*(self._rows[p][p] for p in pivots))
        if scale != 1:
            row = {c: scale for c in row}
        for p in pivots:
            kept = self._rows[p]
            _subtract(row, kept, scale // kept[p])
        return _primitive(row)

    def _pivot_of(self, row: Row) -> int:
        """The column of ``row`` that the fewest kept rows touch (ties: the lowest column)."""
        return min(row, key=lambda c: (len(self._touching.get(c, ())), c))

    def _insert(self, row: Row) -> None:
        """Add a reduced, non-empty row and eliminate its pivot from every kept row."""
        pivot = self._pivot_of(row)
        if row[pivot] < 0:
            row = {c: -v for c, v in row.items()}
        lead = row[pivot]
        for p in self._touching.pop(pivot, set()):
            old = self._rows[p]
            factor = old[pivot]
            updated = {c: lead * v for c, v in old.items()}
            _subtract(updated, row, factor)
            updated = _primitive(updated)
            for c in old.keys() - updated.keys() - {p, pivot}:
                self._touching[c].discard(p)
            for c in updated.keys() - old.keys():
                self._touching.setdefault(c, set()).add(p)
            self._rows[p] = updated
            if len(updated) == 1:
                self._determined.add(p)
        for c in row:
            if c != pivot:
                self._touching.setdefault(c, set()).add(pivot)
        self._rows[pivot] = row
        if len(row) == 1:
            self._determined.add(pivot)

    def _would_determine_one(self, members: Iterable[int]) -> frozenset[int]:
        """What adding one figure would newly determine, without changing the space."""
        return self._newly_determined(self._reduce(members))

    def _newly_determined(self, v: Row) -> frozenset[int]:
        """What adding the reduced row ``v`` would newly determine.

        ``v`` is zero in every kept pivot column, so a kept row with pivot ``p`` becomes a multiple of e_p exactly
        when its entries outside ``p`` are proportional to ``v``; ``v`` itself stays in the form, a unit row when
        it has one entry."""
        if not v:
            return frozenset()
        anchor = self._pivot_of(v)
        newly = {anchor} if len(v) == 1 else set()
        for p in self._touching.get(anchor, ()):
            kept = self._rows[p]
            if len(kept) != len(v) + 1:
                continue
            ratio_num, ratio_den = kept[anchor], v[anchor]
            if all(kept.get(c, 0) * ratio_den == value * ratio_num for c, value in v.items()):
                newly.add(p)
        return frozenset(newly)

    def _admit(self, members: Iterable[int]) -> bool:
        """Add the figure unless it would newly determine a response; whether it was added."""
        row = self._reduce(members)
        if self._newly_determined(row):
            return False
        if row:
            self._insert(row)
        return True


def _subtract(row: Row, other: Row, factor: int) -> None:
    """``row`` −= ``factor`` × ``other`` in place, dropping the entries that become zero."""
    for c, value in other.items():
        new = row.get(c, 0) - factor * value
        if new:
            row[c] = new
        else:
            row.pop(c, None)


def _primitive(row: Row) -> Row:
    """``row`` divided by the greatest common divisor of its entries."""
    if not row:
        return row
    divisor = math.gcd(*row.values())
    if divisor == 1:
        return row
    return {c: v // divisor for c, v in row.items()}


def clear(shown: RowSpace, proposed: Sequence[Iterable[int]]) -> list[bool]:
    """For each proposed figure in order, whether it may be shown: accepted unless adding it (after the ones
    accepted before it) would newly determine some response. Accepted figures are added to ``shown``."""
    return [shown._admit(members) for members in proposed]
