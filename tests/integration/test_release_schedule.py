"""The daily release schedule (``SURVEY_RELEASE_SCHEDULE=daily``, the default): the submission that completes K
releases nothing; once a day, at a time drawn from the secret key, the ``survey-app release`` job (or the first staff
request after that time) releases every office that has at least K waiting, once, also when two run at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.cli import cli
from survey_app.clock import BANGKOK, local_today
from survey_app.models import Response, ResultSnapshot
from survey_app.services.intake import batches as release
from tests import survey_helpers
from tests.integration.staff_data import isolate_requests, sign_in
from tests.survey_helpers import form_data, poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle
KEY = "test-secret-key-not-for-production"


@pytest.fixture
def app(make_app):  # type: ignore[no-untyped-def]
    return make_app(SUBMIT_RATE_LIMIT="1000 per minute", SUPPRESS_BELOW=5, RELEASE_SCHEDULE="daily")


def _counts(store) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(released, waiting)."""
    store.expire_all()
    released = store.scalar(select(func.count()).where(Response.released))
    waiting = store.scalar(select(func.count()).where(~Response.released))
    return int(released or 0), int(waiting or 0)


def _answer(client, path, questionnaire, n: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        page = client.get(path + "?new=1").text
        assert client.post(path, data=form_data(page, questionnaire)).status_code == 303


def _at(app_clock, when: dt.datetime) -> None:
    app_clock.set(when)


def test_release_time_is_a_keyed_random_time_of_the_day() -> None:
    days = [dt.date(2026, 12, 1) + dt.timedelta(days=d) for d in range(60)]
    times = [release.release_time(KEY.encode(), 1, day) for day in days]
    assert all(t.date() == day and t.tzinfo == BANGKOK for t, day in zip(times, days, strict=True))
    hours = {t.hour for t in times}
    assert len(hours) >= 12, "spread over the day, not one fixed hour"
    assert times == [release.release_time(KEY.encode(), 1, day) for day in days], (
        "every host computes the same"
    )
    assert times != [release.release_time(b"another key", 1, day) for day in days], "it depends on the key"


def test_the_kth_submission_releases_nothing_and_the_job_releases_after_the_days_time(
    app, client, store, open_cycle, questionnaire, app_clock
):  # type: ignore[no-untyped-def]
    today = local_today()
    due = release.release_time(KEY.encode(), open_cycle.id, today)
    _at(app_clock, dt.datetime.combine(today, dt.time(0, 0, 1), tzinfo=BANGKOK))
    path = poster_path(app, poster_link(store, open_cycle))
    _answer(client, path, questionnaire, 6)
    assert _counts(store) == (0, 6), "six waiting: the fifth submission released nothing"
    runner = app.test_cli_runner()
    if app_clock() < due:
        assert "0 responses released" in runner.invoke(cli, ["release"], catch_exceptions=False).output
        assert _counts(store) == (0, 6), "before the day's time the job does nothing"
    _at(app_clock, due + dt.timedelta(minutes=1))
    assert (
        "6 responses released in 1 offices" in runner.invoke(cli, ["release"], catch_exceptions=False).output
    )
    assert _counts(store) == (6, 0)
    released_snapshot = select(func.count()).where(ResultSnapshot.released == 6)
    assert store.scalar(released_snapshot) == 1, "the job made the office's snapshot"
    _answer(client, path, questionnaire, 5)
    assert "0 responses released" in runner.invoke(cli, ["release"], catch_exceptions=False).output
    assert _counts(store) == (6, 5), "one release per office and day"
    _at(app_clock, release.release_time(KEY.encode(), open_cycle.id, today + dt.timedelta(days=1)))
    runner.invoke(cli, ["release"], catch_exceptions=False)
    assert _counts(store) == (11, 0), "the next day's release"


def test_the_first_staff_page_after_the_time_releases(
    app, client, store, open_cycle, questionnaire, app_clock
):  # type: ignore[no-untyped-def]
    isolate_requests(app)
    tomorrow = local_today() + dt.timedelta(days=1)
    path = poster_path(app, poster_link(store, open_cycle, office="50"))
    _answer(client, path, questionnaire, 5)
    assert _counts(store) == (0, 5)
    _at(app_clock, release.release_time(KEY.encode(), open_cycle.id, tomorrow) + dt.timedelta(seconds=1))
    staff = app.test_client()
    sign_in(staff, store, "admin")
    office = staff.get("/staff/api/results?office=50").json["offices"][0]
    assert office["count"] == 5 and _counts(store) == (5, 0)


def test_two_hosts_releasing_at_once_release_each_office_once(
    app, store, open_cycle, questionnaire, app_clock
):  # type: ignore[no-untyped-def]
    path = poster_path(app, poster_link(store, open_cycle, office="50"))
    _answer(app.test_client(), path, questionnaire, 7)
    tomorrow = local_today() + dt.timedelta(days=1)
    now = release.release_time(KEY.encode(), open_cycle.id, tomorrow) + dt.timedelta(seconds=1)
    engine = store.get_bind()
    results: list[dict[str, int]] = []
    barrier = threading.Barrier(2)

    def host() -> None:
        with Session(engine) as session:
            barrier.wait()
            for _attempt in range(20):
                try:
                    results.append(release.release_due(session.connection(), open_cycle.id, questionnaire, 5,
                                                       KEY.encode(), now))  # fmt: skip
                    session.commit()
                    return
                except Exception:  # SQLite: "database is locked" for the second writer; try again
                    session.rollback()
            raise AssertionError("never got to write")

    threads = [threading.Thread(target=host) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(sum(r.values()) for r in results) == [0, 7]
    assert _counts(store) == (7, 0)
