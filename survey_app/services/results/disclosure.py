"""The one disclosure rule: what of the released results staff may see (docs/design.md, "Who the system must protect
respondents from").

Every page, export and API that shows a group, a difference or a count of flagged responses goes through here:

* :func:`hidden_groups`: the one suppression rule. Every group of 1 to K−1 responses is hidden, and while the hidden
  groups together hold fewer than K the smallest shown group joins them (so the hidden groups together hold at
  least K, or all are hidden); :func:`suppress` applies it to a breakdown of counts, and every breakdown of means
  (months, respondent types, services, microdata cells) uses it too;
* :func:`part_count`: a count that splits a whole in two (flagged and not) is a two-group breakdown;
* :func:`difference_shown`: a comparison of scores with and without some responses is shown only when both sides
  hold at least K responses, since the difference would otherwise give away those few answers;
* :func:`weighted_shown`: weighted beside unweighted scores are two equations in each group's mean, so the weighted
  scores are withheld when a respondent type has 1 to K−1 respondents;
* :func:`office_result`: an office's result as staff may see it (no scores below K released responses, no weighted
  scores beside unweighted ones when a group is small);

The inputs are the released state (``services/intake/batches.py``) as the release snapshots hold it
(``services/results/snapshots.py``, which states the guarantee over time): answers move what this module sees K at
a time, and K is always passed explicitly.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...stats.sampling import Adequacy
from ...stats.scoring import MeasureScore
from .reasons import Labels, Note, describe
from .scores import OfficeResult


@dataclass(frozen=True)
class Cell:
    """One row of a breakdown; ``count`` is None when it is hidden: ``small`` when it covers 1 to K−1 responses,
    else (``small`` false) to protect a smaller hidden group, whose count would otherwise follow from the total."""

    code: str
    count: int | None
    small: bool = False

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


def hidden_groups(counts: Mapping[str, int], k: int) -> set[str]:
    """The one suppression rule: groups to hide so that no group, and no difference the others reveal, covers
    fewer than ``k`` responses.

    Every non-empty group below ``k`` is hidden; while the hidden groups together hold fewer than ``k`` responses
    (their total would follow from the whole and isolate a few people), the smallest shown group joins them. So
    the hidden groups together hold at least ``k``, or every group is hidden.
    """
    hidden = {g for g, n in counts.items() if 0 < n < k}
    shown = sorted((n, g) for g, n in counts.items() if n > 0 and g not in hidden)
    while hidden and sum(counts[g] for g in hidden) < k and shown:
        hidden.add(shown.pop(0)[1])
    return hidden


def suppress(counts: Mapping[str, int], k: int, order: Iterable[str] | None = None) -> Breakdown:
    """The breakdown of ``counts`` under :func:`hidden_groups` (a breakdown whose total is below ``k`` is hidden
    whole). ``order`` lists the codes to show (codes without responses show 0); by default the codes of
    ``counts``.
    """
    codes = list(order) if order is not None else list(counts)
    codes += [code for code in counts if code not in codes]
    total = sum(counts.values())
    hidden = hidden_groups(counts, k)
    cells = tuple(
        Cell(code, None, 0 < counts.get(code, 0) < k) if code in hidden else Cell(code, counts.get(code, 0))
        for code in codes
    )
    return Breakdown(total, cells, total < k, k)


SETTLED_DIGITS = 10  # significant digits of a number in JSON that staff or scripts read


def settle(data: Any, digits: int = SETTLED_DIGITS) -> Any:
    """``data`` (JSON-ready dicts and lists) with every float rounded to ``digits`` significant digits, in place.

    Two databases holding the same released answers add them in different orders (a batch is released in a shuffled
    order), so their intervals can differ in the last bits (5.9628479399994365 against 5.96284793999944); figures
    shown to people have two decimals, but a JSON answer would still tell two such databases apart. Ten
    significant digits keep every figure far beyond any use while a last-bit difference straddles a rounding
    boundary about once in 10^5 values.
    """
    if isinstance(data, dict):
        for key, value in data.items():
            data[key] = settle(value, digits)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            data[i] = settle(value, digits)
    elif isinstance(data, float) and math.isfinite(data):
        return float(f"{data:.{digits}g}")
    return data


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
    _derived_counts_hidden(data, shown, hidden_types(reference.type_counts, k), k)
    return data


def hidden_types(type_counts: Mapping[str, int], k: int) -> set[str]:
    """The respondent types whose count staff may not see: those :func:`hidden_groups` hides, or every type while
    the office has fewer than ``k`` responses."""
    types = suppress(dict(type_counts), k)
    return set(type_counts) if types.hidden else {cell.code for cell in types.cells if cell.hidden}


def adequacy_shown(result: OfficeResult, k: int) -> Adequacy:
    """The office's adequacy as staff may see it. While a respondent type is hidden (:func:`hidden_types`), a
    shortfall above required − received would give its count away (the design effect the overall rule reads,
    or floor − n of the type rule), and so would the forecast and progress made from it: the shortfall shown is
    then required − received and ``binding`` is ``"withheld"`` (the sentence says it is a lower bound, and why).
    The hidden types' own shortfalls stay for the readers that withhold them each with its reason (the API's
    :func:`_derived_counts_hidden`, the page's ``summary_shown``)."""
    adequacy = result.adequacy
    hidden = hidden_types(result.type_counts, k)
    gap = max(0, adequacy.required - adequacy.count)
    if not hidden or adequacy.shortfall <= gap:
        return adequacy
    return dataclasses.replace(adequacy, shortfall=gap, binding="withheld")


def sizes_withheld(result: OfficeResult, k: int) -> bool:
    """Whether the effective sample size, the design effect and the margin of error are withheld: with a
    population frame they are functions of the respondent types' counts (the weights are frame share over
    count), so while a type is hidden they would give its count away. The office page and the API both ask here.
    """
    return result.weighting != "unweighted" and bool(hidden_types(result.type_counts, k))


def _derived_counts_hidden(data: dict[str, Any], result: OfficeResult, hidden: set[str], k: int) -> None:
    """No ``hidden`` respondent type's count through a derived field: its shortfall to the type floor (floor − n)
    and the design effect (which with the frame gives the types' counts: :func:`sizes_withheld`) are withheld with
    their reason, and withheld weighted scores say why."""
    why = describe(Note("count_protected", {"k": k}))
    shortfalls = data["adequacy"].get("type_shortfalls") or {}
    for code in hidden & set(shortfalls):
        shortfalls[code] = None
        data["adequacy"].setdefault("type_shortfalls_reason", {})[code] = why
    if hidden and result.weighting != "unweighted":
        # With the frame, the design effect (and the effective sample and margin of error made from it) gives the
        # respondent types' counts.
        for key in ("design_effect", "effective_n", "margin_of_error"):
            data[key] = None
            data[f"{key}_reason"] = why
        data["adequacy"]["effective_n"] = None
        data["adequacy"]["effective_n_reason"] = why
    if result.count >= k and result.weighting != "unweighted" and not weighted_shown(result.type_counts, k):
        withheld = describe(Note("weighted_withheld_small", {"k": k}))
        for group in (data.get("items") or {}, data.get("indicators") or {}, {"EIT": data.get("eit")}):
            for measure in group.values():
                if measure is not None and measure.get("weighted") is None:
                    measure["weighted_reason"] = measure["weighted_band_reason"] = withheld
