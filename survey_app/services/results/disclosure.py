"""The one disclosure rule: what of the released results staff may see (docs/design.md, "Who the system must protect
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
  scores beside unweighted ones when a group is small);
* :func:`released_results`: a cycle's results exactly as the staff API gives them (and ``score --released``).

The inputs are the released state (``services/intake/batches.py``): answers move what this module sees K at a time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ...models import Cycle
from ...stats.scoring import MeasureScore
from . import scores as results
from .reasons import Labels, Note
from .scores import OfficeResult


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


def _small_count_hidden(note: Note, k: int) -> Note:
    """A weighting note with its cell's response count replaced by "< K" when it is 1 to K−1 (a small type ×
    service group)."""
    n = note.params.get("n")
    if isinstance(n, int | float) and 0 < n < k:
        return dataclasses.replace(note, params={**note.params, "n": f"< {k}"})
    return note


def office_result(result: OfficeResult, k: int) -> OfficeResult:
    """``result`` as staff may see it: no scores below ``k`` released responses, no count of a merged weighting
    cell below ``k``, and only unweighted scores when :func:`weighted_shown` says the weighted ones would give a
    small group away."""
    result = dataclasses.replace(
        result,
        notes=tuple(_small_count_hidden(n, k) for n in result.notes),
        merges=tuple(_small_count_hidden(m, k) for m in result.merges),
    )
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


def office_payload(
    result: OfficeResult, k: int, whole: OfficeResult | None = None, labels: Labels | None = None
) -> dict[str, Any]:
    """One office's result as a JSON-ready dictionary staff may see. ``whole`` is the office with its flagged
    responses when ``result`` leaves them out: when that difference may not be shown, the office is given as
    ``whole`` is, without scores (``without_flagged_hidden``)."""
    reference = whole or result
    hidden_difference = whole is not None and not (
        whole.flagged == 0 or difference_shown(whole.flagged, whole.count, k)
    )
    shown = office_result(reference if hidden_difference else result, k)
    if hidden_difference:
        shown = dataclasses.replace(shown, eit=None, indicators={}, items={})
    data = shown.to_dict(labels)
    data["without_flagged_hidden"] = hidden_difference
    data["suppressed"] = reference.count < k
    data["flagged"] = part_count(reference.flagged, reference.count, k)
    breakdown = suppress(dict(reference.type_counts), k)
    data["type_counts"] = None if breakdown.hidden else {cell.code: cell.count for cell in breakdown.cells}
    return data


def released_results(
    session: Session,
    cycle: Cycle,
    offices: Sequence[str] | None,
    *,
    k: int,
    exclude_flagged: bool = False,
    today: dt.date | None = None,
    labels: Labels | None = None,
) -> dict[str, Any]:
    """Results of ``cycle`` (or of ``offices``) from the released state, through this module's rule, as a
    JSON-ready dictionary: what staff see. The national roll-up is given only for the whole country, with
    flagged responses, and over at least K responses. Raises ``LookupError`` for an unknown office code."""
    computed = results.cycle_results(
        session, cycle, offices, exclude_flagged=exclude_flagged, today=today, k=k
    )
    wholes: dict[str, OfficeResult] = {}
    if exclude_flagged:
        everything = results.cycle_results(session, cycle, offices, today=today, k=k)
        wholes = {r.office_code: r for r in everything.offices}
    payload = computed.to_dict(labels)
    payload["suppress_below"] = k
    payload["offices"] = [office_payload(o, k, wholes.get(o.office_code), labels) for o in computed.offices]
    # No roll-up without flagged responses: its difference to the full one could isolate a few flagged answers.
    national = payload.get("national")
    if offices or exclude_flagged or (national and national["responses"] < k):
        payload["national"] = None
    return payload
