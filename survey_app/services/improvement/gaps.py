"""What holds an office back: the gap decomposition of its EIT, and which groups score each item lowest.

Reads scores and cell tables through :mod:`survey_app.services.results.released`; the arithmetic is in
:mod:`survey_app.stats.improvement`. Nothing is returned for an office below K responses, and an item's lowest-scoring
respondent types and services are named only among groups of at least K respondents whose hidden neighbours together
hold at least K too (:func:`survey_app.services.results.released.hidden_groups`), so no small group's mean can be worked
out from the office's."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from ...models import Cycle
from ...questionnaire import Questionnaire
from ...stats.improvement import (
    EXCELLENT,
    PASS,
    GapDecomposition,
    GroupScore,
    ItemGap,
    decompose,
    lowest_groups,
)
from ..results import released
from ..results.cell_tables import OfficeTables
from ..results.scores import OfficeResult


@dataclass(frozen=True)
class ItemLine:
    """One item of the decomposition with the groups that score it lowest."""

    gap: ItemGap
    lowest_types: tuple[GroupScore, ...]
    lowest_services: tuple[GroupScore, ...]


@dataclass(frozen=True)
class OfficeImprovement:
    """The decomposition of one office's EIT (``basis``: the weighted or, without a frame, unweighted scores)."""

    office_code: str
    basis: str
    decomposition: GapDecomposition
    lines: tuple[ItemLine, ...]

    @property
    def ranked(self) -> tuple[ItemLine, ...]:
        """Lines of the items costing the most points toward 95 first."""
        by_item = {line.gap.item: line for line in self.lines}
        return tuple(by_item[gap.item] for gap in self.decomposition.ranked)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the EIT, its gap to 85 and 95, and every item ranked by the points it costs toward 95."""
        d = self.decomposition

        def item(line: ItemLine) -> dict[str, Any]:
            g = line.gap
            return {
                "item": g.item, "indicator": g.indicator, "weight": g.weight, "score": g.score,
                "low": g.low, "high": g.high,
                "cost_85": g.cost[PASS], "cost_85_interval": [g.cost_low[PASS], g.cost_high[PASS]],
                "cost_95": g.cost[EXCELLENT],
                "cost_95_interval": [g.cost_low[EXCELLENT], g.cost_high[EXCELLENT]],
                "eit_if_95": g.eit_if_excellent,
                "lowest_types": [dataclasses.asdict(x) for x in line.lowest_types],
                "lowest_services": [dataclasses.asdict(x) for x in line.lowest_services],
            }  # fmt: skip

        ranked = {line.gap.item for line in self.ranked}
        rest = [line for line in self.lines if line.gap.item not in ranked]
        return {
            "basis": self.basis,
            "eit": d.eit,
            "gap_85": d.gap[PASS],
            "gap_95": d.gap[EXCELLENT],
            "items": [item(line) for line in (*self.ranked, *rest)],
        }


def eit_indicators(questionnaire: Questionnaire) -> dict[str, list[str]]:
    """The EIT's indicators (``IND6`` …) and their item codes, in questionnaire order."""
    wanted = set(questionnaire.eit_indicators)
    return {
        ind.measure: [i.code for i in ind.items] for ind in questionnaire.indicators if ind.code in wanted
    }


def _groups(tables: OfficeTables, measure: int, axis: int) -> dict[str, tuple[int, float]]:
    """(count, sum) of one measure per respondent type (axis 0) or service (axis 1)."""
    labels = tables.types if axis == 0 else tables.services
    other = 1 - axis
    n = tables.n[..., measure].sum(axis=other)
    total = tables.total[..., measure].sum(axis=other)
    return {label: (int(n[i]), float(total[i])) for i, label in enumerate(labels)}


def _visible(groups: Mapping[str, tuple[int, float]], k: int) -> set[str]:
    """Groups whose mean may be shown: at least K, and the hidden ones together at least K (see ``released``)."""
    counts = {code: count for code, (count, _t) in groups.items() if count > 0}
    if sum(counts.values()) < k:
        return set()
    return set(counts) - released.hidden_groups(counts, k)


def office_improvement(
    result: OfficeResult, tables: OfficeTables, questionnaire: Questionnaire, k: int
) -> OfficeImprovement | None:
    """The decomposition of one office, or None below K responses or without item scores."""
    indicators = eit_indicators(questionnaire)
    codes = [code for items in indicators.values() for code in items]
    if result.count < k or any(code not in result.items for code in codes):
        return None
    weighted = all(result.items[c].weighted is not None for c in codes)
    estimates = {
        c: (result.items[c].weighted if weighted else None) or result.items[c].unweighted for c in codes
    }
    scores = {c: e.mean for c, e in estimates.items()}
    if not all(np.isfinite(list(scores.values()))):
        return None
    decomposition = decompose(scores, indicators, {c: (e.low, e.high) for c, e in estimates.items()})
    lines = []
    for gap in decomposition.items:
        m = tables.measures.index(gap.item)
        types, services = _groups(tables, m, 0), _groups(tables, m, 1)
        lines.append(
            ItemLine(
                gap, lowest_groups(types, _visible(types, k)), lowest_groups(services, _visible(services, k))
            )
        )
    return OfficeImprovement(
        result.office_code, "weighted" if weighted else "unweighted", decomposition, tuple(lines)
    )


def improvements(
    results: Sequence[OfficeResult], tables: Mapping[str, OfficeTables], questionnaire: Questionnaire, k: int
) -> dict[str, OfficeImprovement]:
    """The decomposition of every office of ``results`` that has one."""
    found = {}
    for result in results:
        if result.office_code in tables:
            gap = office_improvement(result, tables[result.office_code], questionnaire, k)
            if gap is not None:
                found[result.office_code] = gap
    return found


def api_fields(
    session: Session, cycle: Cycle, codes: list[str], questionnaire: Questionnaire, k: int
) -> dict[str, dict[str, Any]]:
    """The ``improvement`` field of each office in the results API and ``score --released`` (none below K)."""
    results = released.cycle_results(session, cycle, codes, k=k).offices
    tables = released.office_tables(session, cycle, codes)
    found = improvements(results, tables, questionnaire, k)
    return {code: gap.to_dict() for code, gap in found.items()}


def with_improvement(
    payload: dict[str, Any],
    session: Session,
    cycle: Cycle,
    questionnaire: Questionnaire,
    k: int,
    exclude_flagged: bool,
) -> dict[str, Any]:
    """``payload`` (released results) with each office's ``improvement`` added: what staff see, in the API and in
    ``score --released`` alike. Without flagged responses there is no decomposition (null)."""
    codes = [str(o["office_code"]) for o in payload["offices"]]
    gaps = {} if exclude_flagged else api_fields(session, cycle, codes, questionnaire, k)
    for entry in payload["offices"]:
        entry["improvement"] = gaps.get(entry["office_code"])
    return payload
