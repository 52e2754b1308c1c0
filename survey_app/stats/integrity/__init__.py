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

The tests live in one module per family (``counts``, ``gaps``, ``shares``); ``common`` holds what they share and
``assess`` combines them. Everything public is gathered here.
"""

from .assess import (
    ALPHA,
    SHARES,
    Effect,
    OfficeAggregates,
    OfficeAssessment,
    assess,
    benjamini_hochberg,
    combined_p,
    national_gap,
)
from .common import Moments, Signal
from .counts import day_spike
from .gaps import channel_gap, inflation, score_jump
from .shares import mantel_haenszel, overdispersion, pairs_vs_independence, poster_top, share

__all__ = [
    "ALPHA",
    "SHARES",
    "Effect",
    "Moments",
    "OfficeAggregates",
    "OfficeAssessment",
    "Signal",
    "assess",
    "benjamini_hochberg",
    "channel_gap",
    "combined_p",
    "day_spike",
    "inflation",
    "mantel_haenszel",
    "national_gap",
    "overdispersion",
    "pairs_vs_independence",
    "poster_top",
    "score_jump",
    "share",
]
