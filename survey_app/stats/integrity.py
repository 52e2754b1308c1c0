"""Office-level integrity signals: statistical tests that an office's responses look manufactured or steered.

Pure functions of aggregates (daily counts, per-channel and per-month sums of the per-respondent EIT score, counts
of all-highest, flagged and duplicated answer patterns): no Flask, no SQL, no individual response. Every signal is
a one-sided test whose null hypothesis is "this office behaves like an honest office", and returns a p-value:

``day_spike``
    The count of a day (or of 7 consecutive days) against the office's own trailing rate over the 14 to 28 days
    before.
    Conditional test of two Poisson rates: given the window's count X and the trailing count T, under the null
    X ~ Binomial(X + T, w / (w + m)) for a window of w days and a trailing period of m days (so the uncertainty of
    the trailing rate is accounted for). Single days are compared with trailing days of the same kind (working day
    or weekend), since counter traffic stops at weekends. Bonferroni over every window tested.
``channel_gap``
    Poster answers scoring higher than the same office's emailed answers, beyond the national gap between the two
    channels (citizens and businesses may differ honestly): Welch's t of (gap − national gap).
``share``
    A share (all-highest answers, flagged responses, duplicated answer patterns) above the national rate of the
    other offices: exact binomial tail.
``score_jump``
    A rise of the monthly mean score between consecutive months beyond its sampling error (Welch's t), Bonferroni
    over the month pairs (months of at least 10 responses).

Offices are then ranked: each office's signals are combined by Bonferroni (the smallest p times the number of
signals tested), and the combined p-values are adjusted across offices by Benjamini–Hochberg. On honest data, where
every null holds, BH at level α keeps the chance of even one office being named at most α.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats

TRAILING_DAYS = 28
MIN_TRAILING_DAYS = 14  # the first two weeks of a cycle only serve as the trailing period of later days
MIN_SAME_KIND_DAYS = 4  # a single weekend day needs four earlier weekend days to compare with
WINDOWS = (1, 7)
MIN_GROUP = 5  # a channel with fewer responses is not tested
MIN_MONTH = 10  # nor a month with fewer


@dataclass(frozen=True)
class Moments:
    """Count, sum and sum of squares of a per-respondent score."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq)

    def __sub__(self, other: Moments) -> Moments:
        return Moments(self.n - other.n, self.total - other.total, self.total_sq - other.total_sq)

    @property
    def mean(self) -> float:
        """The mean (NaN when empty)."""
        return self.total / self.n if self.n else math.nan

    @property
    def variance(self) -> float:
        """The sample variance, n − 1 in the denominator (NaN below two)."""
        if self.n < 2:
            return math.nan
        return max(0.0, (self.total_sq - self.total * self.total / self.n) / (self.n - 1))


@dataclass(frozen=True)
class Signal:
    """One test's result: its p-value (None when it could not be tested) and the figures behind it."""

    kind: str
    p: float | None
    figures: Mapping[str, float | int | str] = field(default_factory=dict)
    days: tuple[dt.date, dt.date] | None = None  # first and last day of a suspect period

    @property
    def tested(self) -> bool:
        return self.p is not None


def _is_weekend(day: dt.date) -> bool:
    return day.weekday() >= 5


def _windows(counts: np.ndarray, weekend: np.ndarray) -> list[tuple[int, int, int, int, int]]:
    """Every (start, window, count, trailing count, trailing days) to test, for both window lengths."""
    span = len(counts)
    total = np.concatenate([[0], np.cumsum(counts)])
    out: list[tuple[int, int, int, int, int]] = []
    for window in WINDOWS:
        starts = np.arange(MIN_TRAILING_DAYS, span - window + 1)
        if len(starts) == 0:
            continue
        begin = np.maximum(0, starts - TRAILING_DAYS)
        x = total[starts + window] - total[starts]
        if window == 1:
            # Earlier days of the same kind (working day or weekend) as the day tested.
            kind = weekend[starts]
            own = [np.concatenate([[0], np.cumsum(np.where(weekend == k, counts, 0))]) for k in (False, True)]
            days = [np.concatenate([[0], np.cumsum(weekend == k)]) for k in (False, True)]
            t = np.where(kind, own[1][starts] - own[1][begin], own[0][starts] - own[0][begin])
            m = np.where(kind, days[1][starts] - days[1][begin], days[0][starts] - days[0][begin])
        else:
            t = total[starts] - total[begin]
            m = starts - begin
        keep = m >= MIN_SAME_KIND_DAYS
        out.extend(
            zip(
                starts[keep].tolist(),
                [window] * int(keep.sum()),
                x[keep].tolist(),
                t[keep].tolist(),
                m[keep].tolist(),
                strict=True,
            )
        )
    return out


def day_spike(daily: Mapping[dt.date, int], first: dt.date, last: dt.date) -> Signal:
    """The most extreme 1-day or 7-day window of ``first``…``last`` against up to 28 days before it.

    Each window's count X is tested against its trailing count T over m days: under the null both are Poisson
    with one daily rate, so X given X + T is Binomial(X + T, w / (w + m)) and p = P(X' ≥ X).
    """
    span = (last - first).days + 1
    days = [first + dt.timedelta(days=i) for i in range(span)]
    counts = np.array([daily.get(d, 0) for d in days], dtype=np.int64)
    weekend = np.array([_is_weekend(d) for d in days])
    windows = _windows(counts, weekend)
    if not windows:
        return Signal("day_spike", None)
    start, window, x, t, m = (np.array(column) for column in zip(*windows, strict=True))
    p = np.where(x > 0, stats.binom.sf(x - 1, x + t, window / (window + m)), 1.0)
    best = int(np.argmin(p))
    first_day = days[int(start[best])]
    return Signal(
        "day_spike",
        min(1.0, float(p[best]) * len(windows)),
        {
            "count": int(x[best]),
            "expected": round(float(t[best] * window[best] / m[best]), 2),
            "window_days": int(window[best]),
            "tests": len(windows),
            "raw_p": float(p[best]),
        },
        (first_day, first_day + dt.timedelta(days=int(window[best]) - 1)),
    )


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


CHI2_1_MEDIAN = float(stats.chi2.ppf(0.5, 1))  # 0.4549...


def inflation(z_values: Sequence[float]) -> float:
    """How much wider than N(0, 1) the offices' z statistics spread, from their median (robust to a few cheats,
    as "genomic control" does it): median(z²) / 0.4549, at least 1."""
    finite = [z * z for z in z_values if math.isfinite(z)]
    return max(1.0, statistics.median(finite) / CHI2_1_MEDIAN) if finite else 1.0


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
