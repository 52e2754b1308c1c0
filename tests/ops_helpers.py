"""Helpers for the operations tests (verify, backup, the restore drill, upgrades): a database filled through the
real survey pages, the results API read by a signed-in admin, and the ``survey-app`` command run as a program."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from survey_app import create_app
from survey_app.clock import local_today
from survey_app.db import make_engine
from survey_app.questionnaire import Questionnaire, load
from survey_app.services.cycles.seeding import ensure_open_cycle
from tests.helpers import login
from tests.integration.staff_data import PASSWORD, make_user
from tests.survey_helpers import form_data, invitation, invitation_path, poster_link, poster_path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRE = ROOT / "surveys" / "eit-2568.yaml"
K = 5
# Office → poster submissions: Chiang Mai completes two batches and leaves 2 waiting, Lamphun one batch exactly.
POSTER_SUBMISSIONS = {"50": 12, "51": 5}
ADMIN_EMAIL = "admin@industry.test"


def app_on(url: str, **overrides: object) -> Flask:
    """The application on the database at ``url``, with batches of K and no rate limit in the way."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "LINK_KEYS": ["test-link-key"],
            "BASE_URL": "http://survey.test",
            "RATELIMIT_STORAGE_URI": "memory://",
            "SUBMIT_RATE_LIMIT": "1000 per minute",
            "SUPPRESS_BELOW": K,
            **overrides,
        }
    )


def questionnaire() -> Questionnaire:
    return load(QUESTIONNAIRE)


def populate(url: str, **overrides: object) -> dict[str, int]:
    """Fill the (migrated, offices-loaded) database at ``url`` the way people do: an open cycle, poster answers
    through the survey pages (:data:`POSTER_SUBMISSIONS`), one answered invitation and an admin account.
    Returns the number of stored submissions per office. ``overrides`` change the app's configuration."""
    app, q = app_on(url, **overrides), questionnaire()
    engine = make_engine(url)
    stored: dict[str, int] = {}
    with Session(engine, expire_on_commit=False) as session:
        cycle, _ = ensure_open_cycle(session, local_today(), q)
        session.commit()
        for office, count in POSTER_SUBMISSIONS.items():
            path = poster_path(app, poster_link(session, cycle, office))
            stored[office] = sum(submit(app, path, q, i) for i in range(count))
        inv = invitation(session, cycle, "50")
        stored["50"] += submit(app, invitation_path(app, inv), q, 0, respondent_type="business")
        make_user(session, "admin", email=ADMIN_EMAIL)
    engine.dispose()
    return stored


def submit(app: Flask, path: str, q: Questionnaire, i: int, **fields: str) -> int:
    """One person answering the survey at ``path`` (each with a fresh browser); 1 when it was stored."""
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    services = ("factory_licensing", "mining", "community_standards")
    data = form_data(page.text, q, service=services[i % len(services)], **fields)
    response = client.post(path, data=data)
    assert response.status_code == 303, response.status_code
    return 1


def results(url: str, office: str | None = None) -> dict[str, object]:
    """The staff results API as the admin reads it (the payload of ``/staff/api/results``)."""
    client = app_on(url).test_client()
    assert login(client, ADMIN_EMAIL, PASSWORD).status_code == 302
    query = f"?office={office}" if office else ""
    answer = client.get(f"/staff/api/results{query}")
    assert answer.status_code == 200, answer.text
    payload = answer.json
    assert isinstance(payload, dict)
    return payload


def survey_app(url: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``survey-app ARGS`` as an operator runs it, on the database at ``url``."""
    env = {
        **os.environ,
        "SURVEY_DATABASE_URL": url,
        "SURVEY_SUPPRESS_BELOW": str(K),
        "SURVEY_SECRET_KEY": "test-secret-key-not-for-production",
    }
    command = [str(Path(sys.executable).with_name("survey-app")), *args]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def libpq(url: str) -> str:
    """The libpq form of a SQLAlchemy PostgreSQL URL (for pg_dump, pg_restore, psql)."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
