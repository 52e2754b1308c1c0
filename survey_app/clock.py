"""Thailand's calendar: responses are dated, cycles compared and dashboards counted by the day in Bangkok."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")


def local_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Thailand (``now`` for tests; the machine's clock otherwise, whatever its time zone)."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(BANGKOK).date()
