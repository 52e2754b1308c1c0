"""Thailand's calendar: responses are dated, cycles compared and dashboards counted by the day in Bangkok.

Every instant the application reads comes from :func:`utc_now` and every date from :func:`local_today`, so tests
can set one clock (``set_source``) and the whole application follows, at any hour of the Bangkok day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")


def _system_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_source: Callable[[], dt.datetime] = _system_now


def utc_now() -> dt.datetime:
    """The current instant, timezone-aware (UTC)."""
    return _source()


def local_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Thailand (``now`` for tests; the clock's instant otherwise, whatever the machine's zone)."""
    return (now or utc_now()).astimezone(BANGKOK).date()


def set_source(source: Callable[[], dt.datetime] | None) -> None:
    """Make ``source`` the clock (tests freeze or move time with it); ``None`` restores the system clock."""
    global _source
    _source = source or _system_now
