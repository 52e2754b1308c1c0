"""Thailand's calendar: responses are dated, cycles compared and dashboards counted by the day in Bangkok.

Every instant the application reads comes from :func:`utc_now` and every date from :func:`local_today`, so tests
can set one clock (``set_source``) and the whole application follows, at any hour of the Bangkok day.

Dates people type are in the Buddhist era (BE = CE + 543), like every date the site shows: :func:`parse_be` reads
``31/3/2570`` (or ``2570-03-31``, Thai digits too) as 31 March 2027 and :func:`be_input` writes a date back that
way. A year typed in the Christian era (``31/3/2027``) or converted twice (``31/3/3113``) is not guessed at: the
reader is told which year to type. "Clearly one era off" means the year is within :data:`PLAUSIBLE_YEARS` of today's
year in the other era and not in this one; the two windows never overlap (543 > 2 × 100), so no year is ambiguous.
"""

from __future__ import annotations

import datetime as dt
import re
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


# --- Buddhist-era dates typed by people -----------------------------------------------------------------------

BE_OFFSET = 543
# How far from today (in years) a date typed into the site may be; beyond it the year is a typing slip.
PLAUSIBLE_YEARS = 100
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_DAY_FIRST = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# The pattern attribute of a date input: the two forms above, Arabic or Thai digits.
_D = "[0-9๐-๙]"
_SEP = r"\s*[\/.\-]\s*"
BE_INPUT_PATTERN = (
    rf"\s*{_D}{{1,2}}{_SEP}{_D}{{1,2}}{_SEP}{_D}{{4}}\s*|\s*{_D}{{4}}-{_D}{{1,2}}-{_D}{{1,2}}\s*"
)


class EraError(ValueError):
    """Why a typed date was refused: ``reason`` is ``format``, ``no_such_day``, ``christian_era`` (``suggest`` is
    the Buddhist-era year meant), ``twice_converted`` (``suggest`` likewise) or ``out_of_range``."""

    def __init__(self, reason: str, year: int = 0, suggest: int = 0) -> None:
        super().__init__(reason)
        self.reason, self.year, self.suggest = reason, year, suggest


def be_input(value: dt.date | None) -> str:
    """``31/03/2570`` for 31 March 2027: the form a date field shows and takes back."""
    if value is None:
        return ""
    return f"{value.day:02d}/{value.month:02d}/{value.year + BE_OFFSET}"


def parse_be(text: str, today: dt.date) -> dt.date:
    """The date ``text`` names with a Buddhist-era year (day/month/year, or year-month-day); raises
    EraError for anything else, a year one era off included. ``today`` anchors the plausible range."""
    cleaned = text.strip().translate(_THAI_DIGITS)
    if match := _DAY_FIRST.match(cleaned):
        day, month, year = (int(g) for g in match.groups())
    elif match := _YEAR_FIRST.match(cleaned):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise EraError("format")
    check_be_year(year, today)
    try:
        return dt.date(year - BE_OFFSET, month, day)
    except ValueError:
        raise EraError("no_such_day", year) from None


def check_be_year(year: int, today: dt.date) -> None:
    """Raise EraError unless ``year`` (Buddhist era) is within :data:`PLAUSIBLE_YEARS` of ``today``."""
    this_year = today.year + BE_OFFSET
    if abs(year - this_year) <= PLAUSIBLE_YEARS:
        return
    if abs(year + BE_OFFSET - this_year) <= PLAUSIBLE_YEARS:
        raise EraError("christian_era", year, year + BE_OFFSET)
    if abs(year - BE_OFFSET - this_year) <= PLAUSIBLE_YEARS:
        raise EraError("twice_converted", year, year - BE_OFFSET)
    raise EraError("out_of_range", year)


def plausible_date(value: dt.date, today: dt.date) -> bool:
    """Whether a stored (Christian-era) date is within :data:`PLAUSIBLE_YEARS` of ``today``: services refuse
    others, so a date converted twice (the year 3113) never reaches the database whatever form sent it."""
    return abs(value.year - today.year) <= PLAUSIBLE_YEARS
