"""What a survey token opens: the office, cycle and channel it answers for, or why it opens nothing.

:func:`resolve` turns a verified token reference (:mod:`survey_app.tokens`) into a :class:`SurveyTarget` with one
joined query, or raises :class:`LinkProblemError` naming the reason. It only reads: a bad link writes nothing.

Order of the checks: unknown (404) → revoked (410) → invitation already answered → cycle not yet open (404) →
cycle closed (410). "Not yet open" answers 404 rather than 410 because the condition is temporary: RFC 9110 lets
404 mean "not here, maybe later", while 410 tells clients and caches the link is gone for good.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Audience, Channel, Cycle, CycleState, Invitation, Office, RespondentType, SurveyLink
from ..tokens import InvitationRef, PosterRef, TokenError, read_token


class Problem(StrEnum):
    TAMPERED = "tampered"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"


STATUS = {
    Problem.TAMPERED: 400,
    Problem.UNKNOWN: 404,
    Problem.REVOKED: 410,
    Problem.NOT_YET_OPEN: 404,
    Problem.CLOSED: 410,
}


class LinkProblemError(Exception):
    """A survey link opens nothing; ``problem`` says why and ``cycle`` (when known) gives its dates."""

    def __init__(self, problem: Problem, cycle: Cycle | None = None) -> None:
        super().__init__(problem.value)
        self.problem, self.cycle = problem, cycle

    @property
    def status(self) -> int:
        return STATUS[self.problem]


@dataclass(frozen=True)
class SurveyTarget:
    """An open survey for one office in one cycle, reached through a poster or an invitation."""

    cycle: Cycle
    office: Office
    channel: Channel
    respondent_type: str | None  # pre-selected answer to the profile question
    service: str | None
    invitation_id: str | None
    answered: bool  # an invitation that was already used


AUDIENCE_TYPE = {Audience.CITIZEN: RespondentType.INDIVIDUAL, Audience.BUSINESS: RespondentType.BUSINESS}


def read(token: str, keys: Sequence[str]) -> PosterRef | InvitationRef:
    """What ``token`` names; raises :class:`LinkProblemError` (tampered, 400) when it is malformed or forged."""
    try:
        return read_token(token, keys)
    except TokenError as exc:
        raise LinkProblemError(Problem.TAMPERED) from exc


def resolve(session: Session, ref: PosterRef | InvitationRef, today: dt.date) -> SurveyTarget:
    """The survey ``ref`` opens on ``today``; raises :class:`LinkProblemError` when it opens none."""
    target = _poster(session, ref) if isinstance(ref, PosterRef) else _invitation(session, ref)
    if target.answered:
        return target
    cycle = target.cycle
    if cycle.state == CycleState.DRAFT or (cycle.state == CycleState.OPEN and today < cycle.opens_on):
        raise LinkProblemError(Problem.NOT_YET_OPEN, cycle)
    if not cycle.is_accepting(today):
        raise LinkProblemError(Problem.CLOSED, cycle)
    return target


def office_of(session: Session, ref: PosterRef | InvitationRef) -> Office:
    """The office a token answers for, whatever the state of its link (for the thank-you page)."""
    target = (
        _poster(session, ref, check_version=False)
        if isinstance(ref, PosterRef)
        else _invitation(session, ref)
    )
    return target.office


def _poster(session: Session, ref: PosterRef, check_version: bool = True) -> SurveyTarget:
    row = session.execute(
        select(SurveyLink, Cycle, Office)
        .join(Cycle, Cycle.id == SurveyLink.cycle_id)
        .join(Office, Office.code == SurveyLink.office_code)
        .where(SurveyLink.id == ref.link_id)
    ).first()
    if row is None:
        raise LinkProblemError(Problem.UNKNOWN)
    link, cycle, office = row
    if check_version and (link.version != ref.version or not link.active):
        raise LinkProblemError(Problem.REVOKED, cycle)
    preselect = AUDIENCE_TYPE.get(Audience(link.audience))
    return SurveyTarget(cycle, office, Channel.POSTER, preselect, None, None, False)


def _invitation(session: Session, ref: InvitationRef) -> SurveyTarget:
    row = session.execute(
        select(Invitation, Cycle, Office)
        .join(Cycle, Cycle.id == Invitation.cycle_id)
        .join(Office, Office.code == Invitation.office_code)
        .where(Invitation.id == ref.invitation_id)
    ).first()
    if row is None:
        raise LinkProblemError(Problem.UNKNOWN)
    invitation, cycle, office = row
    return SurveyTarget(
        cycle,
        office,
        Channel.EMAIL,
        RespondentType.BUSINESS,
        invitation.service,
        invitation.id,
        invitation.responded,
    )
