"""Helpers for the survey tests: links and invitations in the database, and forms filled from the real page."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.clock import local_today
from survey_app.db import Base, db
from survey_app.models import Cycle, Invitation, SurveyLink
from survey_app.questionnaire import Questionnaire
from survey_app.services.cycles.seeding import ensure_open_cycle
from survey_app.tokens import invitation_token, poster_token
from tests.helpers import csrf_token

OFFICE = "50"  # Chiang Mai
NONCE_RE = re.compile(r'name="nonce"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="nonce"')


def poster_link(
    session: Session, cycle: Cycle, office: str = OFFICE, audience: str = "citizen"
) -> SurveyLink:
    """A committed poster link at version 1."""
    link = SurveyLink(cycle_id=cycle.id, office_code=office, audience=audience, version=1, active=True)
    session.add(link)
    session.commit()
    return link


def invitation(
    session: Session, cycle: Cycle, office: str = OFFICE, service: str | None = None
) -> Invitation:
    """A committed, sent, unanswered invitation."""
    inv = Invitation(
        cycle_id=cycle.id,
        office_code=office,
        email=f"owner{id(session) % 9999}@factory.example",
        name="Factory owner",
        service=service,
        status="sent",
    )
    session.add(inv)
    session.commit()
    return inv


def poster_path(app: Flask, link: SurveyLink) -> str:
    with app.app_context():
        return "/s/" + poster_token(link.id, link.version)


def invitation_path(app: Flask, inv: Invitation) -> str:
    with app.app_context():
        return "/s/" + invitation_token(inv.id)


def nonce(html: str) -> str:
    match = NONCE_RE.search(html)
    assert match, "no nonce in the page"
    return match.group(1) or match.group(2)


def answers(questionnaire: Questionnaire, pick: Callable[[str, int], int] | None = None) -> dict[str, str]:
    """Form fields answering every item: ``pick(item, sub)`` chooses the raw value (the highest by default)."""
    fields = {}
    for item in questionnaire.items:
        for code, sub in item.keys:
            values = sorted(o.value for o in item.answer_type.options)
            fields[f"{code}_{sub}"] = str(pick(code, sub) if pick else values[-1])
    return fields


def varied(questionnaire: Questionnaire) -> dict[str, str]:
    """A complete, not straight-lined answer set: the 4-level items alternate between 'much' and 'very much'."""

    def pick(code: str, sub: int) -> int:
        values = sorted(o.value for o in questionnaire.item(code).answer_type.options)
        return values[-1] if (int(code[1:]) + sub) % 2 else values[-2]

    return answers(questionnaire, pick)


def random_answers(
    questionnaire: Questionnaire, rng: random.Random, varied: bool = False
) -> tuple[dict[tuple[str, int], int], dict[str, str]]:
    """Every sub-item answered with a random option: the raw values by (item, sub) and their form fields.
    ``varied``: draw again until the answers are not straight-lined (so no quality flag is raised)."""
    raw: dict[tuple[str, int], int] = {}

    def pick(code: str, sub: int) -> int:
        values = sorted(o.value for o in questionnaire.item(code).answer_type.options)
        raw[(code, sub)] = rng.choice(values)
        return raw[(code, sub)]

    fields = answers(questionnaire, pick)
    while varied and questionnaire.is_straight_lined(raw):
        raw.clear()
        fields = answers(questionnaire, pick)
    return raw, fields


def form_data(html: str, questionnaire: Questionnaire, **overrides: Any) -> dict[str, str]:
    """A complete submission built from a rendered survey page (its CSRF token and nonce)."""
    data = {
        "csrf_token": csrf_token(html),
        "nonce": nonce(html),
        "respondent_type": "individual",
        "service": "factory_licensing",
        **varied(questionnaire),
    }
    data.update({k: str(v) for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        data.pop(key, None)
    return data


def table_counts(session: Session) -> dict[str, int]:
    """The number of rows in every table: a page that writes nothing leaves these unchanged."""
    session.expire_all()
    return {
        t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables
    }


# --- fixtures (imported by the survey test modules) ------------------------------------------------------------------
# conftest's ``session`` fixture keeps an application context pushed for the whole test, and Flask then reuses it for
# every test-client request: ``g`` (the chosen language, the CSRF token) and the request-scoped database session
# would leak from one request into the next. These fixtures hold no context, so each request is as in production.


@pytest.fixture
def store(app: Flask) -> Iterator[Session]:
    """A session on the app's database for arranging and inspecting rows, outside any app context."""
    with app.app_context():
        engine = db.engine
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def open_cycle(store: Session, questionnaire: Questionnaire) -> Cycle:
    """The open cycle of the current fiscal year (as conftest's ``cycle``, without its app context)."""
    created, _ = ensure_open_cycle(store, local_today(), questionnaire)
    store.commit()
    return created
