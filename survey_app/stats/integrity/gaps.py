"""Differences of means: poster against emailed answers (beyond the national gap), and month-to-month jumps."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence

from scipy import stats

from .common import CHI2_1_MEDIAN, MIN_GROUP, Moments, Signal

MIN_MONTH = 10  # nor a month with fewer


def _welch(a: Moments, b: Moments, shift: float = 0.0) -> tuple[float, float]:
    """Welch's t statistic of mean(a) − mean(b) − ``shift`` and its Welch–Satterthwaite degrees of freedom."""
    va, vb = a.variance / a.n, b.variance / b.n
    se = math.sqrt(va + vb)
    diff = a.mean - b.mean - shift
    if se == 0:
        return (0.0 if diff <= 0 else math.inf), 1.0
    df = (va + vb) ** 2 / ((va * va / (a.n - 1) if va else 0.0) + (vb * vb / (b.n - 1) if vb else 0.0))
    return diff / se, df


def _gap_z(poster: Moments, email: Moments, national_gap: float) -> float | None:
    """Welch t of (poster mean − emailed mean − national gap); None when a channel has too few responses."""
    if poster.n < MIN_GROUP or email.n < MIN_GROUP:
        return None
    return _welch(poster, email, national_gap)[0]


def channel_gap(poster: Moments, email: Moments, national_gap: float, inflation: float = 1.0) -> Signal:
    """Poster mean minus emailed mean, tested against ``national_gap`` (one-sided, upward); the z statistic is
    divided by √``inflation``, the spread of honest offices' gaps beyond sampling error (see :func:`inflation`)."""
    figures: dict[str, float | int | str] = {"poster_n": poster.n, "email_n": email.n}
    if poster.n < MIN_GROUP or email.n < MIN_GROUP:
        return Signal("channel_gap", None, figures)
    t, df = _welch(poster, email, national_gap)
    figures |= {
        "poster_mean": round(poster.mean, 2),
        "email_mean": round(email.mean, 2),
        "gap": round(poster.mean - email.mean, 2),
        "national_gap": round(national_gap, 2),
    }
    return Signal("channel_gap", float(stats.t.sf(t / math.sqrt(max(1.0, inflation)), df)), figures)


def inflation(z_values: Sequence[float]) -> float:
    """How much wider than N(0, 1) the offices' z statistics spread, from their median (robust to a few cheats,
    as "genomic control" does it): median(z²) / 0.4549, at least 1."""
    finite = [z * z for z in z_values if math.isfinite(z)]
    return max(1.0, statistics.median(finite) / CHI2_1_MEDIAN) if finite else 1.0


def score_jump(monthly: Sequence[tuple[str, Moments]]) -> Signal:
    """The largest rise of the mean between consecutive months (in order, each with at least ``MIN_MONTH``)."""
    months = [(label, m) for label, m in monthly if m.n >= MIN_MONTH]
    pairs = list(itertools.pairwise(months))
    if not pairs:
        return Signal("score_jump", None)
    best: tuple[float, str, str, float, float] | None = None
    for (before_label, before), (after_label, after) in pairs:
        t, df = _welch(after, before)
        p = float(stats.t.sf(t, df))
        if best is None or p < best[0]:
            best = (p, before_label, after_label, before.mean, after.mean)
    p, before_label, after_label, before_mean, after_mean = best  # type: ignore[misc]
    return Signal(
        "score_jump",
        min(1.0, p * len(pairs)),
        {
            "from_month": before_label,
            "to_month": after_label,
            "from_mean": round(before_mean, 2),
            "to_mean": round(after_mean, 2),
            "raw_p": p,
        },
    )
