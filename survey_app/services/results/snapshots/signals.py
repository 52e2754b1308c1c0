"""The integrity page's inputs in the release snapshots: each office's aggregates (``services/integrity/assessment``)
are stored with its snapshot when a release makes one, so the page (``shown.integrity_report``) reads them instead
of grouping every answer of the cycle on each request.

The aggregates are the page's inputs (per-day, per-channel moments of the released responses' EIT), for admins
and viewers only; they are not figures shown by themselves and the auditor does not clear them, exactly as when the
page computed them on each request. Snapshots stored before the aggregates were kept in them have none: those
offices' aggregates are read live.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ....stats.integrity import Moments, OfficeAggregates


def _moments(m: Moments) -> list[float]:
    return [m.n, m.total, m.total_sq]


def _from(values: list[Any]) -> Moments:
    return Moments(int(values[0]), float(values[1]), float(values[2]))


def encode_aggregates(found: OfficeAggregates) -> dict[str, Any]:
    """``found`` as JSON-ready values (days as ISO dates, moments as ``[n, total, total_sq]``)."""
    return {
        "office": found.office,
        "daily": [[day.isoformat(), *_moments(m)] for day, m in sorted(found.daily.items())],
        "poster": _moments(found.poster),
        "email": _moments(found.email),
        "flagged": _moments(found.flagged),
        "all_highest": found.all_highest,
        "duplicated": found.duplicated,
        "poster_all_highest": found.poster_all_highest,
    }


def decode_aggregates(data: dict[str, Any]) -> OfficeAggregates:
    """The inverse of :func:`encode_aggregates`."""
    return OfficeAggregates(
        office=str(data["office"]),
        daily={dt.date.fromisoformat(row[0]): _from(row[1:]) for row in data["daily"]},
        poster=_from(data["poster"]),
        email=_from(data["email"]),
        flagged=_from(data["flagged"]),
        all_highest=int(data["all_highest"]),
        duplicated=int(data["duplicated"]),
        poster_all_highest=int(data["poster_all_highest"]),
    )
