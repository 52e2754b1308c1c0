"""What the staff dashboards count: responses per day and per breakdown, flags, suggestions, poster links.

Counts only: scores and adequacy come from ``services.results.scores``, invitation counts from
``services.outreach.invitations``. Counts of responses received (per day, per channel) are live; whatever depends on
what respondents answered (breakdowns by respondent type and service, flag counts, suggestions) is read from the
released responses only (``services/intake/batches.py``), and every breakdown goes through
``services.results.disclosure``."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    ColumnExpressionArgument,
    Date,
    Select,
    and_,
    bindparam,
    case,
    event,
    func,
    select,
    true,
)
from sqlalchemy.orm import Session

from ...models import Response
from . import disclosure

CHART_DAYS = 60
MAX_SUGGESTIONS = 200


@dataclass(frozen=True)
class LiveCounts:
    """Responses today, in the last 7 days (today included) and in the whole cycle."""

    today: int
    last7: int
    total: int


def _live_columns(
    today: dt.date | BindParameter[dt.date], week_start: dt.date | BindParameter[dt.date] | None = None
) -> tuple[ColumnElement[int], ColumnElement[int], ColumnElement[int]]:
    """Responses today, in the 7 days from ``week_start`` (default: today's week) and in all."""
    if week_start is None:
        assert isinstance(today, dt.date)
        week_start = today - dt.timedelta(days=6)
    return (
        func.coalesce(func.sum(case((Response.submitted_on == today, 1), else_=0)), 0),
        func.coalesce(func.sum(case((Response.submitted_on >= week_start, 1), else_=0)), 0),
        func.count(),
    )


def live_counts(session: Session, cycle_id: int, office_code: str, today: dt.date) -> LiveCounts:
    """The three headline counts of one office (one indexed query)."""
    row = session.execute(
        select(*_live_columns(today)).where(
            Response.cycle_id == cycle_id, Response.office_code == office_code
        )
    ).one()
    return LiveCounts(int(row[0]), int(row[1]), int(row[2]))


def _by_office_and_channel(
    session: Session, cycle_id: int, today: dt.date
) -> list[tuple[str, str, LiveCounts]]:
    """(office, channel, counts) of every office and channel with responses: one scan of the cycle's responses,
    read once per transaction (the national page asks for it twice; a flush or the transaction's end forgets it)."""
    memo = session.info.setdefault(_MEMO, {})
    key = (cycle_id, today)
    if key not in memo:
        rows = session.execute(
            select(Response.office_code, Response.channel, *_live_columns(today))
            .where(Response.cycle_id == cycle_id)
            .group_by(Response.office_code, Response.channel)
        )
        memo[key] = [(str(o), str(c), LiveCounts(int(t), int(w), int(n))) for o, c, t, w, n in rows]
    found: list[tuple[str, str, LiveCounts]] = memo[key]
    return found


_MEMO = "results.counts.memo"


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_MEMO, None)


def national_live_counts(session: Session, cycle_id: int, today: dt.date) -> dict[str, LiveCounts]:
    """Headline counts of every office that has responses, keyed by office code (one query, shared with
    :func:`channel_counts`)."""
    found: dict[str, LiveCounts] = {}
    for office, _channel, c in _by_office_and_channel(session, cycle_id, today):
        was = found.get(office, LiveCounts(0, 0, 0))
        found[office] = LiveCounts(was.today + c.today, was.last7 + c.last7, was.total + c.total)
    return found


@dataclass(frozen=True)
class ChannelCount:
    """Responses that came through one channel in a cycle, and how many offices they came to."""

    channel: str
    responses: int
    offices: int


def channel_counts(session: Session, cycle_id: int, today: dt.date) -> list[ChannelCount]:
    """Every channel that brought responses in the cycle, most responses first (live counts: how answers came,
    nothing of what they say; the query :func:`national_live_counts` shares)."""
    responses: dict[str, int] = {}
    offices: dict[str, int] = {}
    for _office, channel, c in _by_office_and_channel(session, cycle_id, today):
        responses[channel] = responses.get(channel, 0) + c.total
        offices[channel] = offices.get(channel, 0) + 1
    found = [ChannelCount(channel, n, offices[channel]) for channel, n in responses.items()]
    return sorted(found, key=lambda c: (-c.responses, c.channel))


@functools.cache
def _days_query(one_office: bool) -> Select[*tuple[Any, ...]]:
    """:func:`daily_counts`' statement, of one office or of all, built once (the office page asks on every request)."""
    query = (
        select(Response.submitted_on, func.count())
        .where(
            Response.cycle_id == bindparam("cycle_id"),
            Response.submitted_on.between(bindparam("first", type_=Date), bindparam("last", type_=Date)),
        )
        .group_by(Response.submitted_on)
    )
    return query.where(Response.office_code == bindparam("office_code")) if one_office else query


def daily_counts(
    session: Session, cycle_id: int, office_code: str | None, first: dt.date, last: dt.date
) -> list[tuple[dt.date, int]]:
    """Responses per day from ``first`` to ``last`` inclusive, days without responses as 0, oldest first.

    ``office_code`` None counts every office.
    """
    params = {"cycle_id": cycle_id, "first": first, "last": last}
    if office_code is not None:
        params["office_code"] = office_code
    rows = session.execute(_days_query(office_code is not None), params)
    by_day = {day: int(n) for day, n in rows}
    days = (last - first).days + 1
    return [(first + dt.timedelta(days=d), by_day.get(first + dt.timedelta(days=d), 0)) for d in range(days)]


@dataclass(frozen=True)
class FlagCounts:
    """Released responses flagged as too fast, as straight-lined, as part of a burst from one source, and with any
    flag; a count is None when it is hidden (it or its complement covers 1 to K−1 responses)."""

    too_fast: int | None
    straight_lined: int | None
    flagged: int | None
    burst: int | None = 0


@dataclass(frozen=True)
class OfficeCounts:
    """What the office page counts of one office's responses: the headline counts and the responses per channel
    (every response: how answers came), and of the released responses only (answers) the counts per respondent
    type and per service, the data-quality flags as staff may see them and the non-empty suggestions."""

    live: LiveCounts
    channel: dict[str, int]
    respondent_type: dict[str, int]
    service: dict[str, int]
    flags: FlagCounts
    suggestions: int


def _released_sum(condition: ColumnExpressionArgument[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((and_(Response.released == true(), condition), 1), else_=0)), 0)


def _suggested() -> ColumnElement[bool]:
    """A response with a suggestion that is more than blanks."""
    return and_(Response.suggestion.is_not(None), func.length(func.trim(Response.suggestion)) > 0)


@functools.cache
def _office_counts_query() -> Select[*tuple[Any, ...]]:
    """:func:`office_counts`' statement with the cycle, office and dates bound per call: built once, as building
    its two dozen expressions cost as much CPU as running it."""
    return (
        select(
            Response.channel, Response.respondent_type, Response.service, Response.released,
            *_live_columns(bindparam("today", type_=Date), bindparam("week_start", type_=Date)),
            _released_sum(Response.too_fast), _released_sum(Response.straight_lined),
            _released_sum(Response.flagged), _released_sum(Response.burst), _released_sum(_suggested()),
        )
        .where(Response.cycle_id == bindparam("cycle_id"), Response.office_code == bindparam("office_code"))
        # Grouped type first: led by channel, the order would let SQLite prefer the live counts' index
        # (cycle, channel, office, day), which it can search by cycle only, over the office's own.
        .group_by(Response.respondent_type, Response.service, Response.channel, Response.released)
    )  # fmt: skip


def office_counts(session: Session, cycle_id: int, office_code: str, today: dt.date, k: int) -> OfficeCounts:
    """Every count of :class:`OfficeCounts` from one indexed GROUP BY of the office's responses (by channel,
    respondent type, service and whether released: a few dozen rows, summed here); the flag counts go through
    ``disclosure.part_count`` at ``k``, the breakdowns are suppressed by the page."""
    rows = session.execute(_office_counts_query(), {
        "cycle_id": cycle_id, "office_code": office_code, "today": today,
        "week_start": today - dt.timedelta(days=6),
    })  # fmt: skip
    live = [0, 0, 0]  # today, last 7 days, whole cycle
    released = [0, 0, 0, 0, 0, 0]  # responses, too fast, straight-lined, flagged, burst, with a suggestion
    channel: dict[str, int] = {}
    types: dict[str, int] = {}
    services: dict[str, int] = {}
    for code, rtype, service, is_released, *sums in rows:
        live = [a + int(b) for a, b in zip(live, sums[:3], strict=True)]
        n = int(sums[2])
        channel[code] = channel.get(code, 0) + n
        if is_released:
            released = [a + int(b) for a, b in zip(released, (n, *sums[3:]), strict=True)]
            types[rtype] = types.get(rtype, 0) + n
            services[service] = services.get(service, 0) + n
    whole, *flags, suggestions = released
    flag_counts = FlagCounts(*(disclosure.part_count(n, whole, k) for n in flags))
    return OfficeCounts(LiveCounts(*live), channel, types, services, flag_counts, suggestions)


@dataclass(frozen=True)
class Suggestions:
    """Respondents' suggestions in random order; ``texts`` is empty when fewer than K exist (``hidden``)."""

    total: int
    texts: tuple[str, ...]
    hidden: bool
    k: int


def suggestions(session: Session, cycle_id: int, office_code: str, total: int, k: int) -> Suggestions:
    """Up to ``MAX_SUGGESTIONS`` suggestions of released responses as bare text in a fresh random order, or none
    below K (``total``: how many the office has, :attr:`OfficeCounts.suggestions`; read only when shown)."""
    if total < k:
        return Suggestions(total, (), True, k)
    texts = session.scalars(
        select(func.trim(Response.suggestion))
        .where(
            Response.cycle_id == cycle_id,
            Response.office_code == office_code,
            Response.released == true(),
            _suggested(),
        )
        .order_by(func.random())
        .limit(MAX_SUGGESTIONS)
    ).all()
    return Suggestions(total, tuple(texts), False, k)
