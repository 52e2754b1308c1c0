"""Putting the signals together: per-office aggregates in; offices ranked by Bonferroni, then Benjamini-Hochberg."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .common import MIN_GROUP, Moments, Signal
from .counts import day_spike
from .gaps import _gap_z, channel_gap, inflation, score_jump
from .shares import _top_null, mantel_haenszel, overdispersion, poster_top, share


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """BH-adjusted p-values (q-values), as R's ``p.adjust(p, "BH")``."""
    n = len(p_values)
    if n == 0:
        return []
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(adjusted, 1.0)
    return [float(v) for v in out]


def combined_p(signals: Sequence[Signal]) -> float:
    """Bonferroni across an office's tested signals: the smallest p times how many were tested (at most 1)."""
    tested = [s.p for s in signals if s.p is not None]
    return min(1.0, min(tested) * len(tested)) if tested else 1.0


ALPHA = 0.05
SHARES = ("all_highest", "flagged", "duplicated")


@dataclass(frozen=True)
class OfficeAggregates:
    """What the signals of one office need, all of it aggregates.

    ``daily`` holds the per-respondent EIT moments of each Bangkok day (its ``n`` is the day's count); ``poster``
    and ``email`` the same by channel; ``flagged`` those of the flagged responses. ``all_highest`` counts the
    responses whose every answer scored 100 (``poster_all_highest`` those of them that came by poster);
    ``duplicated`` the responses (not straight-lined) whose whole answer pattern another response of the same
    office also has.
    """

    office: str
    daily: Mapping[dt.date, Moments]
    poster: Moments
    email: Moments
    flagged: Moments
    all_highest: int
    duplicated: int
    poster_all_highest: int = 0

    @property
    def total(self) -> Moments:
        return _sum(self.daily.values())

    def monthly(self) -> list[tuple[str, Moments]]:
        """The daily moments summed per calendar month, in order."""
        months: dict[str, Moments] = {}
        for day in sorted(self.daily):
            label = f"{day.year:04d}-{day.month:02d}"
            months[label] = months.get(label, Moments()) + self.daily[day]
        return list(months.items())

    def share_count(self, kind: str) -> int:
        return {"all_highest": self.all_highest, "flagged": self.flagged.n, "duplicated": self.duplicated}[
            kind
        ]


@dataclass(frozen=True)
class Effect:
    """The plain mean EIT of the office with every response, and with a suspect part left out."""

    eit: float
    without_flagged: float | None
    without_period: float | None
    period_n: int
    flagged_n: int = 0


@dataclass(frozen=True)
class OfficeAssessment:
    """One office: its signals (with BH q-values across offices, per signal), combined p and q, and the effect."""

    office: str
    n: int
    signals: tuple[Signal, ...]
    q_by_kind: Mapping[str, float]
    p: float
    q: float
    effect: Effect

    @property
    def alarm(self) -> bool:
        return self.q < ALPHA


def _sum(moments: Iterable[Moments]) -> Moments:
    out = Moments()
    for m in moments:
        out = out + m
    return out


def _effect(office: OfficeAggregates, spike: Signal) -> Effect:
    total = office.total
    rest = total - office.flagged
    period = Moments()
    if spike.days is not None:
        first, last = spike.days
        period = _sum(m for d, m in office.daily.items() if first <= d <= last)
    kept = total - period
    return Effect(
        eit=total.mean,
        without_flagged=rest.mean if rest.n else None,
        without_period=kept.mean if period.n and kept.n else None,
        period_n=period.n,
        flagged_n=office.flagged.n,
    )


def _top_table(o: OfficeAggregates) -> tuple[int, int, int, int]:
    return o.poster_all_highest, o.poster.n, o.all_highest - o.poster_all_highest, o.email.n


def _top_testable(t: tuple[int, int, int, int]) -> bool:
    a_p, n_p, a_e, n_e = t
    return min(n_p, n_e) >= MIN_GROUP and 0 < a_p + a_e < n_p + n_e


def _top_z(t: tuple[int, int, int, int], odds: float) -> float:
    _, mean, sd = _top_null(*t, odds)
    return (t[0] - mean) / sd if sd > 0 else 0.0


def national_gap(offices: Sequence[OfficeAggregates]) -> float:
    """The median poster-minus-email gap of the offices with both channels tested (0 when none has)."""
    gaps = [o.poster.mean - o.email.mean for o in offices if min(o.poster.n, o.email.n) >= MIN_GROUP]
    return statistics.median(gaps) if gaps else 0.0


def assess(offices: Sequence[OfficeAggregates], first: dt.date, last: dt.date) -> list[OfficeAssessment]:
    """Every office's signals over ``first``…``last``, adjusted across offices; the most suspect first."""
    gap = national_gap(offices)
    spread = inflation([z for o in offices if (z := _gap_z(o.poster, o.email, gap)) is not None])
    national_n = sum(o.total.n for o in offices)
    national_k = {kind: sum(o.share_count(kind) for o in offices) for kind in SHARES}
    rho = {kind: overdispersion([(o.share_count(kind), o.total.n) for o in offices]) for kind in SHARES}
    tables = {o.office: _top_table(o) for o in offices}
    odds = mantel_haenszel(list(tables.values()))
    top_spread = inflation([_top_z(t, odds) for t in tables.values() if _top_testable(t)])
    per_office = []
    for o in offices:
        n = o.total.n
        signals = (
            day_spike({d: m.n for d, m in o.daily.items()}, first, last),
            channel_gap(o.poster, o.email, gap, spread),
            poster_top(*tables[o.office], odds, top_spread),
            *(
                share(kind, o.share_count(kind), n, national_k[kind], national_n, rho[kind])
                for kind in SHARES
            ),
            score_jump(o.monthly()),
        )
        per_office.append((o, signals))
    q_by_kind: dict[str, dict[str, float]] = {o.office: {} for o in offices}
    for index in range(len(per_office[0][1]) if per_office else 0):
        tested = [(o.office, s[index]) for o, s in per_office if s[index].p is not None]
        for (code, signal), q in zip(
            tested, benjamini_hochberg([s.p or 1.0 for _, s in tested]), strict=True
        ):
            q_by_kind[code][signal.kind] = q
    combined = [combined_p(signals) for _, signals in per_office]
    adjusted = benjamini_hochberg(combined)
    results = [
        OfficeAssessment(o.office, o.total.n, signals, q_by_kind[o.office], p, q, _effect(o, signals[0]))
        for (o, signals), p, q in zip(per_office, combined, adjusted, strict=True)
    ]
    return sorted(results, key=lambda a: (a.q, a.p, a.office))
