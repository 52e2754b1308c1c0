"""What goes on the posters of a cycle: one page per office and audience, for the links that work.

Missing poster links are created (version 1) when ``create_missing`` is set, so "print every office's posters"
needs no earlier step; revoked links (inactive) get no poster, since their code would not open the survey.
URLs come from :func:`survey_app.tokens.poster_url`, which needs an app context (``BASE_URL`` and the keys).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...documents.posters import Poster
from ...models import Audience, Cycle, Office, SurveyLink
from ...tokens import poster_short_code, poster_url, public_url, short_code_url
from .links import create_poster_link, get_poster_link


def cycle_posters(
    session: Session,
    cycle: Cycle,
    office_codes: Sequence[str] | None = None,
    audiences: Sequence[Audience] = (Audience.CITIZEN, Audience.BUSINESS),
    create_missing: bool = True,
) -> list[Poster]:
    """The posters of ``cycle`` for the given offices (all when None), in office-code order.

    Raises ``LookupError`` naming an unknown office code.
    """
    offices = _offices(session, office_codes)
    posters = []
    for office in offices:
        for audience in audiences:
            link = _link(session, cycle, office.code, audience, create_missing)
            if link is not None and link.active:
                posters.append(poster(office, cycle, link))
    return posters


def poster(office: Office, cycle: Cycle, link: SurveyLink) -> Poster:
    """The poster of one poster link (a channel link has no audience, hence no poster: ValueError)."""
    if link.audience is None:
        raise ValueError("only a poster link has a poster")
    return Poster(
        office_code=office.code,
        office_th=office.name_th,
        office_en=office.name_en,
        audience=Audience(link.audience),
        url=poster_url(link),
        opens_on=cycle.opens_on,
        closes_on=cycle.closes_on,
        privacy_url=public_url("/privacy"),
        short_code=poster_short_code(link),
        code_url=short_code_url(),
    )


def _offices(session: Session, codes: Sequence[str] | None) -> list[Office]:
    query = select(Office).order_by(Office.code)
    if codes is not None:
        query = query.where(Office.code.in_(codes))
    offices = list(session.scalars(query))
    unknown = sorted(set(codes or ()) - {o.code for o in offices})
    if unknown:
        raise LookupError(f"no office with code {', '.join(unknown)}")
    return offices


def _link(
    session: Session, cycle: Cycle, office_code: str, audience: Audience, create: bool
) -> SurveyLink | None:
    if create:
        return create_poster_link(session, cycle, office_code, audience.value)[0]
    return get_poster_link(session, cycle.id, office_code, audience.value)
