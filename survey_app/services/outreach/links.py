"""Poster links: one per cycle × office × audience, created once and looked up by those three.

A link's token (see :mod:`survey_app.tokens`) carries only its id and version; revoking a link means bumping the
version (or clearing ``active``), which makes every printed token of the old version answer 410.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Audience, Cycle, Office, SurveyLink


class LinkError(ValueError):
    """A link cannot be created: the message says why, for people."""


def get_poster_link(session: Session, cycle_id: int, office_code: str, audience: str) -> SurveyLink | None:
    """The poster link of ``cycle_id`` × ``office_code`` × ``audience``, or None if none was created."""
    return session.scalar(
        select(SurveyLink).where(
            SurveyLink.cycle_id == cycle_id,
            SurveyLink.office_code == office_code,
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
    query = select(SurveyLink).where(SurveyLink.cycle_id == cycle_id)
    if office_code is not None:
        query = query.where(SurveyLink.office_code == office_code)
    return list(session.scalars(query.order_by(SurveyLink.office_code, SurveyLink.audience)))


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
