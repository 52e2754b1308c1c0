"""Public survey links: poster links (one per cycle × office × audience) and channel links (one per cycle × office ×
channel, events one per name), created once and looked up by what identifies them.

A link's token (see :mod:`survey_app.tokens`) carries only its id and version; revoking a link means bumping the
version (or clearing ``active``), which makes every printed token of the old version answer 410.
"""

from __future__ import annotations

import functools

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from ...models import Audience, Cycle, LinkChannel, Office, SurveyLink
from ...models.links import LABEL_LENGTH


class LinkError(ValueError):
    """A link cannot be created: the message says why, for people."""


def get_poster_link(session: Session, cycle_id: int, office_code: str, audience: str) -> SurveyLink | None:
    """The poster link of ``cycle_id`` × ``office_code`` × ``audience``, or None if none was created."""
    return session.scalar(
        select(SurveyLink).where(
            SurveyLink.cycle_id == cycle_id,
            SurveyLink.office_code == office_code,
            SurveyLink.channel == LinkChannel.POSTER,
            SurveyLink.audience == audience,
        )
    )


def create_poster_link(
    session: Session, cycle: Cycle, office_code: str, audience: str
) -> tuple[SurveyLink, bool]:
    """The poster link for ``cycle`` × ``office_code`` × ``audience``, created at version 1 if missing.

    Returns (link, created). Raises :class:`LinkError` for an unknown office or audience.
    """
    if audience not in set(Audience):
        raise LinkError(f"unknown audience {audience!r}: use one of {', '.join(Audience)}")
    if session.get(Office, office_code) is None:
        raise LinkError(f"no office with code {office_code!r}")
    link = get_poster_link(session, cycle.id, office_code, audience)
    if link is not None:
        return link, False
    link = SurveyLink(cycle_id=cycle.id, office_code=office_code, audience=audience, version=1, active=True)
    session.add(link)
    session.flush()
    return link, True


def list_links(session: Session, cycle_id: int, office_code: str | None = None) -> list[SurveyLink]:
    """The poster links of a cycle (of one office when ``office_code`` is given), by office and audience."""
    return _links(session, cycle_id, office_code, posters=True)


def _links(session: Session, cycle_id: int, office_code: str | None, *, posters: bool) -> list[SurveyLink]:
    values = (
        {"cycle_id": cycle_id} if office_code is None else {"cycle_id": cycle_id, "office_code": office_code}
    )
    return list(session.scalars(_links_query(office_code is not None, posters), values))


@functools.cache
def _links_query(one_office: bool, posters: bool) -> Select[SurveyLink]:
    """:func:`_links`' statement for each shape, built once with its values bound per call (the office page asks
    for its posters on every request)."""
    channel = (
        SurveyLink.channel == LinkChannel.POSTER if posters else SurveyLink.channel != LinkChannel.POSTER
    )
    query = select(SurveyLink).where(SurveyLink.cycle_id == bindparam("cycle_id"), channel)
    if one_office:
        query = query.where(SurveyLink.office_code == bindparam("office_code"))
    order = (SurveyLink.audience,) if posters else (SurveyLink.channel, SurveyLink.label)
    return query.order_by(SurveyLink.office_code, *order)


def event_label(typed: str) -> str:
    """An event's name as stored: spaces collapsed; raises :class:`LinkError` when empty or too long."""
    label = " ".join(typed.split())
    if not label:
        raise LinkError("an event link needs the event's name")
    if len(label) > LABEL_LENGTH:
        raise LinkError(f"an event's name has at most {LABEL_LENGTH} characters")
    return label


def create_channel_link(
    session: Session, cycle: Cycle, office_code: str, channel: str, label: str = ""
) -> tuple[SurveyLink, bool]:
    """The link of ``channel`` (LINE, Facebook, website, kiosk; an event named ``label``) for ``cycle`` ×
    ``office_code``, created at version 1 if missing. Returns (link, created).

    Raises :class:`LinkError` for an unknown office or channel (posters have their own function), or an event
    without a name.
    """
    if channel not in set(LinkChannel) or channel == LinkChannel.POSTER:
        raise LinkError(f"unknown channel {channel!r}")
    label = event_label(label) if channel == LinkChannel.EVENT else ""
    if session.get(Office, office_code) is None:
        raise LinkError(f"no office with code {office_code!r}")
    link = session.scalar(
        select(SurveyLink).where(
            SurveyLink.cycle_id == cycle.id,
            SurveyLink.office_code == office_code,
            SurveyLink.channel == channel,
            SurveyLink.label == label,
        )
    )
    if link is not None:
        return link, False
    link = SurveyLink(
        cycle_id=cycle.id, office_code=office_code, channel=channel, audience=None, label=label, version=1,
        active=True,
    )  # fmt: skip
    session.add(link)
    session.flush()
    return link, True


def list_channel_links(session: Session, cycle_id: int, office_code: str) -> list[SurveyLink]:
    """The channel links of one office in a cycle, by channel, then event name."""
    return _links(session, cycle_id, office_code, posters=False)


def revoke_link(session: Session, link: SurveyLink) -> None:
    """Withdraw ``link``: its version is bumped and it is made inactive, so every printed token answers 410.

    Raises :class:`LinkError` when the link is already revoked.
    """
    if not link.active:
        raise LinkError("the link is already revoked")
    link.version += 1
    link.active = False
    session.flush()


def reissue_link(session: Session, link: SurveyLink) -> None:
    """Give ``link`` a token never issued before (its version is bumped) and make it active again.

    Posters printed before stop working; a new poster must be printed.
    """
    link.version += 1
    link.active = True
    session.flush()
