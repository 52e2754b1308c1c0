"""The one disclosure rule: what of the released results staff may see (design.md, "Who the system must protect
respondents from").

Every page, export and API that shows a group, a difference or a count of flagged responses goes through here:

* :func:`suppress`: a breakdown hides each group of 1 to K−1 responses; when exactly one group is hidden, the next
  smallest is hidden too (a lone hidden count would follow from the total), and a breakdown under K is hidden whole;
* :func:`part_count`: a count that splits a whole in two (flagged and not) is a two-group breakdown;
* :func:`difference_shown`: a comparison of scores with and without some responses is shown only when both sides
  hold at least K responses, since the difference would otherwise give away those few answers;
* :func:`weighted_shown`: weighted beside unweighted scores are two equations in each group's mean, so the weighted
  scores are withheld when a respondent type has 1 to K−1 respondents;
* :func:`office_result`: an office's result as staff may see it (no scores below K released responses, no weighted
  scores beside unweighted ones when a group is small).

The inputs are the released state (``services/release.py``): answers move what this module sees K at a time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..stats.scoring import MeasureScore
from .results import OfficeResult


@dataclass(frozen=True)
class Cell:
    """One row of a breakdown; ``count`` is None when it is hidden for covering fewer than K responses."""

    code: str
    count: int | None

    @property
    def hidden(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class Breakdown:
    """Counts by one attribute. ``hidden`` means the whole breakdown covers fewer than K responses."""

    total: int
    cells: tuple[Cell, ...]
    hidden: bool
    k: int

    @property
    def any_cell_hidden(self) -> bool:
        return any(cell.hidden for cell in self.cells)


def suppress(counts: Mapping[str, int], k: int, order: Iterable[str] | None = None) -> Breakdown:
    """The breakdown of ``counts`` with every cell of 1 to K−1 responses hidden.

    When exactly one cell is hidden its count would follow from the total and the others, so the next smallest
    non-empty cell is hidden too. A breakdown whose total is below K is hidden whole. ``order`` lists the codes
    to show (codes without responses show 0); by default the codes of ``counts``.
    """
    codes = list(order) if order is not None else list(counts)
    codes += [code for code in counts if code not in codes]
    total = sum(counts.values())
    hidden = {code for code in codes if 0 < counts.get(code, 0) < k}
    if len(hidden) == 1:
        visible = sorted((counts[c], c) for c in codes if counts.get(c, 0) > 0 and c not in hidden)
        if visible:
            hidden.add(visible[0][1])
    cells = tuple(Cell(code, None if code in hidden else counts.get(code, 0)) for code in codes)
    return Breakdown(total, cells, total < k, k)


def part_count(part: int, whole: int, k: int) -> int | None:
    """``part`` of ``whole`` responses (e.g. those flagged), or None when the split would show a group below K."""
    breakdown = suppress({"part": part, "rest": whole - part}, k)
    return None if breakdown.hidden else breakdown.cells[0].count


def difference_shown(part: int, whole: int, k: int) -> bool:
    """Whether scores of ``whole`` responses may be shown beside the scores without ``part`` of them."""
    return part > 0 and part_count(part, whole, k) is not None and whole - part >= k


def weighted_shown(type_counts: Mapping[str, int], k: int) -> bool:
    """Whether weighted scores may be shown beside unweighted ones: no respondent type has 1 to K−1 respondents.

    Sparse cells are merged within their type before weighting, so with K at most the merge threshold (5) the
    smallest weighting cell is a respondent type's.
    """
    return not any(0 < n < k for n in type_counts.values())


def _unweighted_only(score: MeasureScore) -> MeasureScore:
    return dataclasses.replace(score, weighted=None, weighted_band=None)


def office_result(result: OfficeResult, k: int) -> OfficeResult:
    """``result`` as staff may see it: no scores below ``k`` released responses, and only unweighted scores when
    :func:`weighted_shown` says the weighted ones would give a small group away."""
    if result.count < k:
        return dataclasses.replace(result, eit=None, indicators={}, items={})
    if weighted_shown(result.type_counts, k):
        return result
    return dataclasses.replace(
        result,
        eit=_unweighted_only(result.eit) if result.eit is not None else None,
        indicators={code: _unweighted_only(s) for code, s in result.indicators.items()},
        items={code: _unweighted_only(s) for code, s in result.items.items()},
    )
