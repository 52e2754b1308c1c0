"""Count spikes: a day or a week of an office's responses against its own trailing rate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
from scipy import stats

from .common import Signal

TRAILING_DAYS = 28
MIN_TRAILING_DAYS = 14  # the first two weeks of a cycle only serve as the trailing period of later days
MIN_SAME_KIND_DAYS = 4  # a single weekend day needs four earlier weekend days to compare with
WINDOWS = (1, 7)


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
