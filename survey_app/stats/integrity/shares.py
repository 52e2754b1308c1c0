"""Shares above the national rate (all-highest, flagged and duplicated answers, poster top boxes) and pattern pairs."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

import numpy as np
from scipy import special, stats

from .common import CHI2_1_MEDIAN, MIN_GROUP, Signal


def overdispersion(counts: Sequence[tuple[int, int]]) -> float:
    """The intra-office correlation ρ of a yes/no trait, from (k, n) of every office: honest offices differ in
    how satisfied their clients are, so shares vary more than binomially. Robust (median-based) moment estimate:
    with z = (k − n·p)/√(n·p·(1−p)), E z² = 1 + (n − 1)·ρ under a beta-binomial."""
    usable = [(k, n) for k, n in counts if n >= MIN_GROUP]
    total_n = sum(n for _, n in usable)
    if len(usable) < 3 or total_n == 0:
        return 0.0
    rate = sum(k for k, _ in usable) / total_n
    if rate in (0.0, 1.0):
        return 0.0
    z2 = [(k - n * rate) ** 2 / (n * rate * (1 - rate)) for k, n in usable]
    typical_n = statistics.median(n for _, n in usable)
    return min(0.5, max(0.0, (statistics.median(z2) / CHI2_1_MEDIAN - 1) / max(1.0, typical_n - 1)))


def share(kind: str, k: int, n: int, national_k: int, national_n: int, rho: float = 0.0) -> Signal:
    """``k`` of ``n`` against the rate of the other offices (``national_k`` of ``national_n`` includes this
    office): beta-binomial tail with intra-office correlation ``rho`` (binomial when 0)."""
    others_k, others_n = national_k - k, national_n - n
    if n < MIN_GROUP or others_n <= 0:
        return Signal(kind, None, {"k": k, "n": n})
    rate = (others_k + 0.5) / (others_n + 1)  # never exactly 0: one odd response must not be "impossible"
    if k == 0:
        p = 1.0
    elif rho > 0:
        a, b = rate * (1 - rho) / rho, (1 - rate) * (1 - rho) / rho
        p = float(stats.betabinom.sf(k - 1, n, a, b))
    else:
        p = float(stats.binom.sf(k - 1, n, rate))
    return Signal(kind, p, {"k": k, "n": n, "share": round(k / n, 4), "national_share": round(rate, 4)})


def _top_null(a_p: int, n_p: int, a_e: int, n_e: int, odds: float) -> tuple[float, float, float]:
    """Exact P(A_p ≥ a_p), mean and SD of the poster all-highest count given the office's total, under Fisher's
    noncentral hypergeometric distribution with the national odds ratio ``odds``: P(x) ∝ C(n_p, x) C(n_e, N − x)
    odds^x over the possible x (as R's ``fisher.test(or = odds)``)."""
    total = a_p + a_e
    x = np.arange(max(0, total - n_e), min(n_p, total) + 1)
    log_w = (
        special.gammaln(n_p + 1) - special.gammaln(x + 1) - special.gammaln(n_p - x + 1)
        + special.gammaln(n_e + 1) - special.gammaln(total - x + 1) - special.gammaln(n_e - total + x + 1)
        + x * math.log(odds)
    )  # fmt: skip
    pmf = np.exp(log_w - log_w.max())
    pmf /= pmf.sum()
    mean = float((x * pmf).sum())
    sd = math.sqrt(max(0.0, float((x * x * pmf).sum()) - mean * mean))
    return float(min(1.0, pmf[x >= a_p].sum())), mean, sd


def mantel_haenszel(tables: Sequence[tuple[int, int, int, int]]) -> float:
    """The common odds ratio of (a_p, n_p, a_e, n_e) tables (poster vs email, all-highest vs not); 1 when empty."""
    num = sum(a_p * (n_e - a_e) / (n_p + n_e) for a_p, n_p, a_e, n_e in tables if n_p + n_e)
    den = sum(a_e * (n_p - a_p) / (n_p + n_e) for a_p, n_p, a_e, n_e in tables if n_p + n_e)
    return num / den if num > 0 and den > 0 else 1.0


def poster_top(a_p: int, n_p: int, a_e: int, n_e: int, odds: float, spread: float = 1.0) -> Signal:
    """All-highest answers more common among the office's poster answers than among its emailed ones, beyond the
    national odds ratio ``odds`` between the channels: the emailed sample is the control staff cannot steer, so
    an office whose clients are simply happier is not suspect. ``spread`` > 1 widens the null (see
    :func:`inflation`) through a normal approximation."""
    figures: dict[str, float | int | str] = {"poster_k": a_p, "poster_n": n_p, "email_k": a_e, "email_n": n_e}
    if n_p < MIN_GROUP or n_e < MIN_GROUP or a_p + a_e == 0 or a_p + a_e == n_p + n_e:
        return Signal("poster_top", None, figures)
    exact, mean, sd = _top_null(a_p, n_p, a_e, n_e, odds)
    p = (
        exact
        if spread <= 1.0 or sd == 0
        else float(stats.norm.sf((a_p - 0.5 - mean) / (sd * math.sqrt(spread))))
    )
    figures |= {
        "poster_share": round(a_p / n_p, 4),
        "email_share": round(a_e / n_e, 4),
        "national_odds": round(odds, 3),
    }
    return Signal("poster_top", p, figures)


def pairs_vs_independence(pattern_counts: Sequence[int], marginals: Sequence[Sequence[int]]) -> Signal:
    """Identical answer patterns against independence of items: the observed number of identical pairs,
    Σ C(m, 2) over the patterns, against its expectation C(n, 2) · Π_k Σ_v p_kv² when every sub-item k were answered
    independently with the office's own shares p_kv (Poisson tail). Honest answers are correlated, so this test
    names honest offices (bench/integrity_sim.py measures how often); it is not used in the ranking."""
    n = sum(pattern_counts)
    if n < MIN_GROUP:
        return Signal("pairs_vs_independence", None)
    collide = math.prod(sum((c / n) ** 2 for c in counts) for counts in marginals)
    expected = n * (n - 1) / 2 * collide
    observed = sum(m * (m - 1) // 2 for m in pattern_counts)
    p = float(stats.poisson.sf(observed - 1, expected)) if observed else 1.0
    return Signal("pairs_vs_independence", p, {"pairs": observed, "expected": expected})
