"""What holds an office back: the gap decomposition of its EIT, and which groups score each item lowest.

Reads scores and group means from the office's release snapshot (:mod:`survey_app.services.results.snapshots`);
the arithmetic is in :mod:`survey_app.stats.improvement`. Nothing is returned for an office below K responses, and
an item's lowest-scoring respondent types and services are named only among the group means the snapshot shows:
groups of at least K whose hidden neighbours together hold at least K too, each moving only when it gained K
members since last shown, cleared by the auditor.
"""

from __future__ import annotations

import dataclasses
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
from ..results import disclosure, snapshots
from ..results.scores import OfficeResult
from ..results.snapshots import Snapshot


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


def office_improvement(
    result: OfficeResult, snap: Snapshot | None, questionnaire: Questionnaire, k: int
) -> OfficeImprovement | None:
    """The decomposition of one office (``result`` as staff may see it), or None below K responses or without
    item scores. The lowest groups of each item are among the group means the snapshot ``snap`` shows."""
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
        types = snap.group_sums("type", gap.item) if snap is not None else {}
        services = snap.group_sums("service", gap.item) if snap is not None else {}
        lines.append(ItemLine(gap, lowest_groups(types, set(types)), lowest_groups(services, set(services))))
    return OfficeImprovement(
        result.office_code, "weighted" if weighted else "unweighted", decomposition, tuple(lines)
    )


def office_gap(
    session: Session, cycle: Cycle, office: str, questionnaire: Questionnaire, k: int
) -> OfficeImprovement | None:
    """The decomposition of one office as staff see it (from its release snapshot)."""
    snap = snapshots.office_snapshots(session, cycle, [office], questionnaire, k=k)[office]
    return office_improvement(disclosure.office_result(snap.result, k), snap, questionnaire, k)


def api_fields(
    session: Session, cycle: Cycle, codes: list[str], questionnaire: Questionnaire, k: int
) -> dict[str, dict[str, Any]]:
    """The ``improvement`` field of each office in the results API and ``score --released`` (none below K)."""
    snaps = snapshots.office_snapshots(session, cycle, codes, questionnaire, k=k)
    found = {}
    for code, snap in snaps.items():
        gap = office_improvement(disclosure.office_result(snap.result, k), snap, questionnaire, k)
        if gap is not None:
            found[code] = gap.to_dict()
    return found


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
    return dict(disclosure.settle(payload))
