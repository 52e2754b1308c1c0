"""What a survey token opens: the office, cycle and channel it answers for, or why it opens nothing.

:func:`resolve` turns a verified token reference (:mod:`survey_app.tokens`) into a :class:`SurveyTarget` with one
joined query of plain columns (no ORM objects: it runs on every page view), or raises :class:`LinkProblemError`
naming the reason. It only reads: a bad link writes nothing.

Order of the checks: unknown (404) → revoked (410) → invitation already answered → cycle not yet open (404) →
cycle closed (410). "Not yet open" answers 404 rather than 410 because the condition is temporary: RFC 9110 lets
404 mean "not here, maybe later", while 410 tells clients and caches the link is gone for good.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from ...models import Audience, Channel, Cycle, CycleState, Invitation, Office, RespondentType, SurveyLink
from ...tokens import InvitationRef, PosterRef, TokenError, read_token


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


@dataclass(frozen=True)
class CycleView:
    """What a survey page needs of its cycle (read as plain columns: no ORM object is loaded per request)."""

    id: int
    state: str
    opens_on: dt.date
    closes_on: dt.date
    questionnaire_id: str
    questionnaire_version: str

    def is_accepting(self, today: dt.date) -> bool:
        """Whether respondents may answer today (as :meth:`survey_app.models.Cycle.is_accepting`)."""
        return self.state == CycleState.OPEN and self.opens_on <= today <= self.closes_on


@dataclass(frozen=True)
class OfficeView:
    """What a survey page shows of its office."""

    code: str
    name_th: str
    name_en: str

    def name(self, locale: str) -> str:
        """The office's name in ``locale`` (Thai unless English is asked for)."""
        return self.name_en if locale == "en" else self.name_th


class LinkProblemError(Exception):
    """A survey link opens nothing; ``problem`` says why and ``cycle`` (when known) gives its dates."""

    def __init__(self, problem: Problem, cycle: CycleView | None = None) -> None:
        super().__init__(problem.value)
        self.problem, self.cycle = problem, cycle

    @property
    def status(self) -> int:
        return STATUS[self.problem]


@dataclass(frozen=True)
class SurveyTarget:
    """An open survey for one office in one cycle, reached through a poster, a channel link or an invitation."""

    cycle: CycleView
    office: OfficeView
    channel: Channel
    respondent_type: str | None  # pre-selected answer to the profile question
    service: str | None
    invitation_id: str | None
    answered: bool  # an invitation that was already used


AUDIENCE_TYPE = {Audience.CITIZEN: RespondentType.INDIVIDUAL, Audience.BUSINESS: RespondentType.BUSINESS}

# One statement per kind of link: the link's own columns, then the cycle's and the office's (see _views).
_CYCLE_OFFICE = (
    Cycle.id,
    Cycle.state,
    Cycle.opens_on,
    Cycle.closes_on,
    Cycle.questionnaire_id,
    Cycle.questionnaire_version,
    Office.code,
    Office.name_th,
    Office.name_en,
)
_POSTER = (
    select(SurveyLink.version, SurveyLink.active, SurveyLink.audience, SurveyLink.channel, *_CYCLE_OFFICE)
    .join(Cycle, Cycle.id == SurveyLink.cycle_id)
    .join(Office, Office.code == SurveyLink.office_code)
    .where(SurveyLink.id == bindparam("link_id"))
)
_INVITATION = (
    select(Invitation.id, Invitation.service, Invitation.responded, *_CYCLE_OFFICE)
    .join(Cycle, Cycle.id == Invitation.cycle_id)
    .join(Office, Office.code == Invitation.office_code)
    .where(Invitation.id == bindparam("invitation_id"))
)

Reader = Session | Connection  # a request's session (POST, in its transaction) or a bare connection (GET)


def read(token: str, keys: Sequence[str]) -> PosterRef | InvitationRef:
    """What ``token`` names; raises :class:`LinkProblemError` (tampered, 400) when it is malformed or forged."""
    try:
        return _verified(token, tuple(keys))
    except TokenError as exc:
        raise LinkProblemError(Problem.TAMPERED) from exc


@functools.lru_cache(maxsize=1024)
def _verified(token: str, keys: tuple[str, ...]) -> PosterRef | InvitationRef:
    """:func:`read_token`, remembered per process for tokens that verify (an exception is never remembered): every
    respondent of a poster sends its one token three times (form, answers, thank-you page), and what a token names
    depends only on the token and the keys; whether the link still opens is asked of the database every time."""
    return read_token(token, keys)


def resolve(reader: Reader, ref: PosterRef | InvitationRef, today: dt.date) -> SurveyTarget:
    """The survey ``ref`` opens on ``today``; raises :class:`LinkProblemError` when it opens none."""
    target = _poster(reader, ref) if isinstance(ref, PosterRef) else _invitation(reader, ref)
    if target.answered:
        return target
    cycle = target.cycle
    if cycle.state == CycleState.DRAFT or (cycle.state == CycleState.OPEN and today < cycle.opens_on):
        raise LinkProblemError(Problem.NOT_YET_OPEN, cycle)
    if not cycle.is_accepting(today):
        raise LinkProblemError(Problem.CLOSED, cycle)
    return target


def office_of(reader: Reader, ref: PosterRef | InvitationRef) -> OfficeView:
    """The office a token answers for, whatever the state of its link (for the thank-you page)."""
    target = (
        _poster(reader, ref, check_version=False) if isinstance(ref, PosterRef) else _invitation(reader, ref)
    )
    return target.office


def _views(row: Sequence[Any]) -> tuple[CycleView, OfficeView]:
    """The cycle and office of a row ending in the columns of ``_CYCLE_OFFICE``."""
    c = row[-len(_CYCLE_OFFICE) :]
    return CycleView(c[0], c[1], c[2], c[3], c[4], c[5]), OfficeView(c[6], c[7], c[8])


def _poster(reader: Reader, ref: PosterRef, check_version: bool = True) -> SurveyTarget:
    row = reader.execute(_POSTER, {"link_id": ref.link_id}).first()
    if row is None:
        raise LinkProblemError(Problem.UNKNOWN)
    version, active, audience, channel = row[0], row[1], row[2], row[3]
    cycle, office = _views(row)
    if check_version and (version != ref.version or not active):
        raise LinkProblemError(Problem.REVOKED, cycle)
    preselect = (
        AUDIENCE_TYPE.get(Audience(audience)) if audience else None
    )  # channel links pre-select nothing
    return SurveyTarget(cycle, office, Channel(channel), preselect, None, None, False)


def _invitation(reader: Reader, ref: InvitationRef) -> SurveyTarget:
    row = reader.execute(_INVITATION, {"invitation_id": ref.invitation_id}).first()
    if row is None:
        raise LinkProblemError(Problem.UNKNOWN)
    invitation_id, service, responded = row[0], row[1], row[2]
    cycle, office = _views(row)
    return SurveyTarget(
        cycle, office, Channel.EMAIL, RespondentType.BUSINESS, service, invitation_id, bool(responded)
    )
