"""Arranging data for the staff-page tests: accounts signed in through the real form, and responses stored the way
the survey stores them (response, answers and the rollup upsert in one transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask import g

from survey_app.clock import local_today
from survey_app.models import Answer, PopulationFrame, Response
from survey_app.services.accounts import staff as accounts
from survey_app.services.intake import batches
from survey_app.services.results import rollup, snapshots
from tests.helpers import login

PASSWORD = "correct horse battery staple"
OWN, OTHER = "11", "12"


def make_user(session, role: str, office: str | None = None, email: str | None = None):  # type: ignore[no-untyped-def]
    """A staff account with :data:`PASSWORD`, committed."""
    email = email or f"{role}{office or ''}@industry.test"
    user, _created = accounts.create_staff(session, email, role, PASSWORD, office)
    session.commit()
    return user


def sign_in(client, session, role: str, office: str | None = None):  # type: ignore[no-untyped-def]
    """Create the account and sign ``client`` in through the login form; returns the user."""
    user = make_user(session, role, office)
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302, response.text
    return user


@dataclass(frozen=True)
class Spec:
    """One response to store: who, how, when and how it answered (``level`` = option index on every item)."""

    rtype: str = "individual"
    service: str = "factory_licensing"
    channel: str = "poster"
    days_ago: int = 0
    level: int = 3
    too_fast: bool = False
    straight: bool = False
    suggestion: str | None = None


def raw_answers(questionnaire, level: int, straight: bool = False) -> dict[tuple[str, int], int]:  # type: ignore[no-untyped-def]
    """Every sub-item answered with the ``level``-th option of its item (capped at the item's last option); unless
    ``straight``, the last sub-item of E1 takes the neighbouring level so the response is not straight-lined."""
    answers = {}
    for item in questionnaire.items:
        values = sorted(item.answer_type.values)
        for key in item.keys:
            answers[key] = values[min(level, len(values) - 1)]
    if not straight:
        last = questionnaire.item("E1").keys[-1]
        answers[last] = level - 1 if level > 0 else 1
    return answers


def expected_eit(questionnaire, raw: dict[tuple[str, int], int]) -> float:  # type: ignore[no-untyped-def]
    """The EIT value of one respondent computed here from the score map: mean of indicators of items of subs."""
    indicator_means = []
    for indicator in questionnaire.indicators:
        item_means = []
        for item in indicator.items:
            scores = {o.value: o.score for o in item.answer_type.options}
            subs = [scores[raw[key]] for key in item.keys]
            item_means.append(sum(subs) / len(subs))
        indicator_means.append(sum(item_means) / len(item_means))
    return sum(indicator_means) / len(indicator_means)


def response_row(
    cycle, questionnaire, office: str, raw, day: dt.date, spec: Spec = Spec(), released: bool = True
):  # type: ignore[no-untyped-def]
    """A response of ``office`` with the answers ``raw`` (``{(item, sub): value}``), as the survey stores it, with
    who and how from ``spec``; ``released`` false: waiting for its batch (not added to any session)."""
    response = Response(
        cycle_id=cycle.id, office_code=office, channel=spec.channel, respondent_type=spec.rtype,
        service=spec.service, questionnaire_version=questionnaire.version, too_fast=spec.too_fast,
        straight_lined=questionnaire.is_straight_lined(raw), suggestion=spec.suggestion, submitted_on=day,
        released=released,
    )  # fmt: skip
    response.answers = [
        Answer(item=item, sub=sub, value=v, score=questionnaire.item(item).answer_type.score(v))
        for (item, sub), v in raw.items()
    ]
    return response


def add_responses(
    session, cycle, questionnaire, office: str, specs: Iterable[Spec], today: dt.date | None = None
):  # type: ignore[no-untyped-def]
    """Store released responses for ``office``, rebuild the rollup from the released answers and count the release
    as a release counts itself (``snapshots.count_release``); commits."""
    today = today or local_today()
    for spec in specs:
        raw = raw_answers(questionnaire, spec.level, spec.straight)
        session.add(
            response_row(cycle, questionnaire, office, raw, today - dt.timedelta(days=spec.days_ago), spec)
        )
    session.flush()
    rollup.rebuild(session, cycle.id, questionnaire)
    snapshots.count_release(session.connection(), cycle.id)
    session.commit()


def release_waiting(session, cycle, questionnaire, office: str, specs: Iterable[Spec], k: int) -> int:  # type: ignore[no-untyped-def]
    """Store responses for ``office`` unreleased, as the survey does, and let the release decide at K = ``k``;
    commits and returns how many were released."""
    for spec in specs:
        raw = raw_answers(questionnaire, spec.level)
        session.add(response_row(cycle, questionnaire, office, raw, cycle.opens_on, spec, released=False))
    session.flush()
    released = batches.release_if_complete(session.connection(), cycle.id, office, questionnaire, k)
    session.commit()
    return released


# The frame of the weighting tests: 100 individuals and 900 businesses, all about factory licensing.
TWO_TYPE_FRAME = {("individual", "factory_licensing"): 100, ("business", "factory_licensing"): 900}


def add_frame(session, cycle, office: str, served: dict[tuple[str, str], int]) -> None:  # type: ignore[no-untyped-def]
    """Store ``office``'s population frame (people served by respondent type and service); commits."""
    session.add_all(
        PopulationFrame(
            cycle_id=cycle.id, office_code=office, respondent_type=rtype, service=service, served=n
        )
        for (rtype, service), n in served.items()
    )
    session.commit()


def isolate_requests(app) -> None:  # type: ignore[no-untyped-def]
    """Give each test request a fresh ``g``, as every request has in production.

    The ``session`` fixture keeps an app context open for the whole test; Flask then reuses it (and its ``g``)
    for every test-client request, so Flask-Babel's cached locale and Flask-WTF's cached CSRF token would leak
    from one request (and one client) to the next.
    """

    @app.before_request
    def _fresh_g() -> None:
        for name in list(g):
            g.pop(name, None)
