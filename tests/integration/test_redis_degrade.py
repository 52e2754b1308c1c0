"""Degrade, do not fail, when the rate-limit store is gone: answers are still stored, sign-in still works, limits
fall back to each process's memory, a warning is logged at most once a minute, and /healthz says which part is
degraded (200: the database answers)."""

from __future__ import annotations

import logging
import socket

import pytest
from sqlalchemy import func, select

from survey_app.models import Response
from tests import survey_helpers
from tests.helpers import login
from tests.survey_helpers import form_data, poster_link, poster_path

from .staff_data import PASSWORD, make_user

store = survey_helpers.store
open_cycle = survey_helpers.open_cycle


@pytest.fixture
def dead_redis_url() -> str:
    """A Redis URL on a loopback port where nothing listens (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def _submit(client, path: str, questionnaire) -> int:  # type: ignore[no-untyped-def]
    page = client.get(path + "?new=1").text  # past "you have answered"
    return client.post(path, data=form_data(page, questionnaire)).status_code


def _stored(store) -> int:  # type: ignore[no-untyped-def]
    store.expire_all()
    return store.scalar(select(func.count()).select_from(Response)) or 0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_with_redis_unreachable_a_survey_answer_is_stored_and_healthz_says_degraded(
    make_app, store, open_cycle, questionnaire, session, dead_redis_url: str
) -> None:
    app = make_app(RATELIMIT_STORAGE_URI=dead_redis_url, PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    path = poster_path(app, poster_link(store, open_cycle))
    assert _submit(client, path, questionnaire) == 303
    assert _stored(store) == 1
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json == {"status": "degraded", "database": "ok", "ratelimit": "degraded"}
    user = make_user(session, "admin")
    assert login(app.test_client(), user.email, PASSWORD).status_code == 302


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_limits_still_hold_per_process_while_redis_is_unreachable(
    make_app, store, open_cycle, questionnaire, dead_redis_url: str
) -> None:
    app = make_app(RATELIMIT_STORAGE_URI=dead_redis_url, SUBMIT_RATE_LIMIT="2 per minute")
    client = app.test_client()
    path = poster_path(app, poster_link(store, open_cycle))
    assert [_submit(client, path, questionnaire) for _ in range(3)] == [303, 303, 429]
    assert _stored(store) == 2


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_degraded_warning_is_logged_at_most_once_a_minute(
    make_app, store, open_cycle, dead_redis_url: str, caplog, app_clock
) -> None:
    from survey_app.web import health

    health._last_warning = 0.0
    app_clock.stop()
    app = make_app(RATELIMIT_STORAGE_URI=dead_redis_url)
    client = app.test_client()
    path = poster_path(app, poster_link(store, open_cycle))

    def warnings() -> int:
        return sum(
            1 for r in caplog.records if r.name == "survey_app.web.health" and r.levelno == logging.WARNING
        )

    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            client.post(path, data={})  # limited routes touch the store
        assert warnings() == 1
        app_clock.advance(seconds=59)
        client.post(path, data={})
        assert warnings() == 1
        app_clock.advance(seconds=2)
        client.post(path, data={})
        assert warnings() == 2
    assert all(dead_redis_url not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_healthz_says_ok_when_redis_answers(make_app, redis_url: str) -> None:
    response = make_app(RATELIMIT_STORAGE_URI=redis_url).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "ratelimit": "ok"}
