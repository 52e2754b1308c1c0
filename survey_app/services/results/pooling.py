"""National and regional roll-ups of office results: one set of offices for every figure, and who is left out.

An office enters a roll-up only when every figure can use it: it has at least K responses (the disclosure
threshold) and at least two, a population frame that counts at least as many people as have answered, and a
weighted EIT with a standard error. The roll-up then shows, over exactly those offices, the mean of their
weighted and of their unweighted EIT scores and the pooled EIT: offices as strata, each office's share the
population its weighted estimate covers (its frame less the respondent types nobody answered), so the pooled
mean is Σ sₒ·ȳₒ and its variance Σ sₒ²·SEₒ² (offices are sampled independently). Every other office is listed
with the reasons (structured ``Note`` codes) it was left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ...stats.sampling import z_value
from ...stats.scoring import ONE_RESPONSE, ZERO_SE, Estimate, logit_interval
from .reasons import Note

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Member:
    """What a roll-up needs of one office's result."""

    office_code: str
    count: int
    has_frame: bool
    frame_error: Note | None
    covered_population: float | None
    weighted: Estimate | None
    unweighted: Estimate | None


@dataclass(frozen=True)
class Exclusion:
    """An office left out of a roll-up and every reason why."""

    office_code: str
    reasons: tuple[Note, ...]


@dataclass(frozen=True)
class RollUp:
    """The pooled figures over one set of offices, and the offices left out."""

    scope: str
    offices: int
    responses: int
    pooled_offices: int
    offices_pooled: tuple[str, ...]
    mean_of_offices_weighted: float | None
    mean_of_offices_unweighted: float | None
    pooled: Estimate | None
    excluded: tuple[Exclusion, ...]
    reason: Note | None = None
    regions: Mapping[str, RollUp] = field(default_factory=dict)

    @property
    def offices_scored(self) -> int:
        """How many offices every figure of the roll-up is made of."""
        return self.pooled_offices


def _finite(estimate: Estimate | None) -> bool:
    return estimate is not None and math.isfinite(estimate.mean) and math.isfinite(estimate.se)


def exclusion_reasons(member: Member, k: int) -> tuple[Note, ...]:
    """Why ``member`` cannot enter a roll-up (empty when it can)."""
    if member.count == 0:
        return (Note("no_responses"),)
    reasons = []
    if member.count < k:
        reasons.append(Note("below_k", {"k": k}))
    if member.count == 1:
        reasons.append(Note(ONE_RESPONSE))
    if not member.has_frame:
        reasons.append(Note("no_frame"))
    elif member.frame_error is not None:
        reasons.append(member.frame_error)
    elif not _finite(member.weighted) and member.count > 1:
        reasons.append(Note("no_weighted_respondents"))
    return tuple(reasons)


def pool(shares: Sequence[float], estimates: Sequence[Estimate]) -> Estimate:
    """The stratified mean Σ sₒ·ȳₒ, its standard error √Σ sₒ²·SEₒ² and a bounded (logit) 95 % interval."""
    weights = np.asarray(shares, dtype=np.float64)
    means = np.array([e.mean for e in estimates], dtype=np.float64)
    ses = np.array([e.se for e in estimates], dtype=np.float64)
    mean = float(np.dot(weights, means))
    se = float(math.sqrt(float(np.dot(weights**2, ses**2))))
    if float(means.min()) == float(means.max()) and se == 0.0:
        mean = float(means[0])
    low, high = logit_interval(mean, se, z_value(CONFIDENCE))
    n = sum(e.n for e in estimates)
    return Estimate(mean, se, float(low), float(high), n, ZERO_SE if se == 0.0 else None)


def roll_up(scope: str, members: Sequence[Member], k: int) -> RollUp:
    """The roll-up of ``members``: the same offices in every figure, the others listed with reasons."""
    excluded = [Exclusion(m.office_code, r) for m in members if (r := exclusion_reasons(m, k))]
    left_out = {e.office_code for e in excluded}
    kept = [m for m in members if m.office_code not in left_out]
    responses = sum(m.count for m in members)
    if not kept:
        return RollUp(
            scope, len(members), responses, 0, (), None, None, None, tuple(excluded), Note("no_office_pooled")
        )
    weighted = [m.weighted for m in kept if m.weighted is not None]
    plain = [m.unweighted for m in kept if m.unweighted is not None]
    sizes = [float(m.covered_population or 0.0) for m in kept]
    shares = [size / sum(sizes) for size in sizes]
    return RollUp(
        scope,
        len(members),
        responses,
        len(kept),
        tuple(m.office_code for m in kept),
        sum(e.mean for e in weighted) / len(weighted),
        sum(e.mean for e in plain) / len(plain),
        pool(shares, weighted),
        tuple(excluded),
    )


def national_and_regions(members: Sequence[Member], regions: Mapping[str, str], k: int) -> RollUp:
    """The national roll-up with one roll-up per region (``regions`` maps office code to region)."""
    by_region: dict[str, list[Member]] = {}
    for member in members:
        by_region.setdefault(regions.get(member.office_code, ""), []).append(member)
    national = roll_up("national", members, k)
    per_region = {region: roll_up(region, group, k) for region, group in sorted(by_region.items()) if region}
    return RollUp(**{**national.__dict__, "regions": per_region})
