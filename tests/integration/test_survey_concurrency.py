"""Twenty simultaneous POSTs of one invitation (or of one poster form) store exactly one response, on SQLite and on
PostgreSQL: real threads through the WSGI app, each request on its own connection, every commit real."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from survey_app.models import CellStat, Invitation, Response, SpentNonce
from survey_app.public.forms import CSRF_COOKIE
from tests import survey_helpers
from tests.survey_helpers import form_data, invitation, invitation_path, poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle

SIMULTANEOUS = 20


@pytest.fixture
def app(make_app):  # type: ignore[no-untyped-def]
    """The app with a limit that twenty POSTs from one address do not reach; K = 1 puts each response in the
    rollup at once (batches of K have their own concurrency test in test_release.py)."""
    return make_app(SUBMIT_RATE_LIMIT="1000 per minute", SUPPRESS_BELOW=1)


def _post_all_at_once(requests) -> Counter[int]:  # type: ignore[no-untyped-def]
    """Run each (client, path, data) POST in its own thread, released together; count the status codes."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post(client, path, data) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            statuses.append(client.post(path, data=data).status_code)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=post, args=r) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return Counter(statuses)


def _stored(store) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    store.expire_all()
    responses = store.scalar(select(func.count()).select_from(Response))
    eit = store.scalars(select(CellStat.n).where(CellStat.measure == "EIT")).all()
    return responses, sum(eit)


def test_twenty_simultaneous_posts_of_one_invitation_store_one_response(
    app, store, open_cycle, questionnaire
):  # type: ignore[no-untyped-def]
    inv = invitation(store, open_cycle)
    path = invitation_path(app, inv)
    requests = []
    for _ in range(SIMULTANEOUS):  # twenty tabs or devices, each with its own session, CSRF token and nonce
        client = app.test_client()
        requests.append(
            (client, path, form_data(client.get(path).text, questionnaire, respondent_type="business"))
        )
    statuses = _post_all_at_once(requests)
    assert statuses == Counter({303: 1, 409: SIMULTANEOUS - 1})
    assert _stored(store) == (1, 1)
    assert store.get(Invitation, inv.id).responded is True
    assert (
        store.scalar(select(func.count()).select_from(SpentNonce)) == 1
    )  # the losers' nonces were rolled back


def test_twenty_simultaneous_replays_of_one_poster_form_store_one_response(
    app, store, open_cycle, questionnaire
):  # type: ignore[no-untyped-def]
    path = poster_path(app, poster_link(store, open_cycle))
    first = app.test_client()
    data = form_data(first.get(path).text, questionnaire)
    csrf_cookie = first.get_cookie(CSRF_COOKIE, path="/s/")
    requests = []
    for _ in range(SIMULTANEOUS):  # the same form, sent twenty times at once (a double-tap, a script)
        client = app.test_client()
        client.set_cookie(CSRF_COOKIE, csrf_cookie.value, path="/s/")
        requests.append((client, path, data))
    statuses = _post_all_at_once(requests)
    assert statuses == Counter({303: 1, 409: SIMULTANEOUS - 1})
    assert _stored(store) == (1, 1)
