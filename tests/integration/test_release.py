"""Answers reach the released state (the rollup staff read) only in batches of at least K responses per office,
released by the submission that completes the batch, also when submissions arrive at the same moment."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from survey_app.models import CellStat, Invitation, Response
from survey_app.services.results import rollup
from tests import survey_helpers
from tests.survey_helpers import form_data, invitation_path, poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle


@pytest.fixture
def app(make_app):  # type: ignore[no-untyped-def]
    """K = 5 (the default), and a submission limit that the tests' POSTs from one address do not reach."""
    return make_app(SUBMIT_RATE_LIMIT="1000 per minute", SUPPRESS_BELOW=5)


def _released(store) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(responses released, responses waiting, respondents in the rollup)."""
    store.expire_all()
    released = store.scalar(select(func.count()).where(Response.released))
    waiting = store.scalar(select(func.count()).where(~Response.released))
    in_rollup = store.scalar(select(func.coalesce(func.sum(CellStat.n), 0)).where(CellStat.measure == "EIT"))
    return int(released or 0), int(waiting or 0), int(in_rollup or 0)


def _answer(client, path, questionnaire) -> None:  # type: ignore[no-untyped-def]
    assert (
        client.post(path, data=form_data(client.get(path + "?new=1").text, questionnaire)).status_code == 303
    )


def test_four_responses_wait_and_the_fifth_releases_all_five_together(
    app, client, store, open_cycle, questionnaire
):  # type: ignore[no-untyped-def]
    path = poster_path(app, poster_link(store, open_cycle))
    seen = []
    for _ in range(4):
        _answer(client, path, questionnaire)
        seen.append(_released(store))
    assert seen == [(0, 1, 0), (0, 2, 0), (0, 3, 0), (0, 4, 0)]
    _answer(client, path, questionnaire)
    assert _released(store) == (5, 0, 5)
    _answer(client, path, questionnaire)
    assert _released(store) == (5, 1, 5)


def test_batches_are_counted_per_office(app, client, store, open_cycle, questionnaire):  # type: ignore[no-untyped-def]
    here = poster_path(app, poster_link(store, open_cycle, office="50"))
    there = poster_path(app, poster_link(store, open_cycle, office="11"))
    for _ in range(4):
        _answer(client, here, questionnaire)
        _answer(client, there, questionnaire)
    assert _released(store) == (0, 8, 0)  # eight waiting, but no office has five
    _answer(client, there, questionnaire)
    assert _released(store) == (5, 4, 5)
    store.expire_all()
    assert set(store.scalars(select(Response.office_code).where(Response.released))) == {"11"}


def test_k_of_one_releases_every_response_at_once(make_app, store, open_cycle, questionnaire):  # type: ignore[no-untyped-def]
    app = make_app(SUPPRESS_BELOW=1)
    client = app.test_client()
    path = poster_path(app, poster_link(store, open_cycle))
    _answer(client, path, questionnaire)
    assert _released(store) == (1, 0, 1)


def test_simultaneous_submissions_release_only_whole_batches(app, store, open_cycle, questionnaire):  # type: ignore[no-untyped-def]
    path = poster_path(app, poster_link(store, open_cycle))
    forms = []
    for _ in range(12):
        client = app.test_client()
        forms.append((client, form_data(client.get(path).text, questionnaire)))
    barrier = threading.Barrier(len(forms))
    statuses: list[int] = []

    def post(client, data) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        statuses.append(client.post(path, data=data).status_code)

    threads = [threading.Thread(target=post, args=f) for f in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses.count(303) == 12
    # Twelve responses in batches of five: ten released (two batches), two waiting, the rollup holding the ten.
    assert _released(store) == (10, 2, 10)


def test_rebuilding_the_rollup_counts_only_released_responses(app, client, store, open_cycle, questionnaire):  # type: ignore[no-untyped-def]
    path = poster_path(app, poster_link(store, open_cycle))
    for _ in range(7):
        _answer(client, path, questionnaire)
    before = {(c.measure, c.flagged): (c.n, round(c.total, 6)) for c in store.scalars(select(CellStat))}
    rollup.rebuild(store, open_cycle.id, questionnaire)
    store.commit()
    after = {(c.measure, c.flagged): (c.n, round(c.total, 6)) for c in store.scalars(select(CellStat))}
    assert after == before and sum(n for (m, _f), (n, _t) in after.items() if m == "EIT") == 5


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # xmin is a PostgreSQL system column
def test_on_postgresql_released_rows_share_one_xmin_with_their_whole_batch(
    app, client, store, open_cycle, questionnaire
):  # type: ignore[no-untyped-def]
    invitations = []
    for n in range(5):
        inv = Invitation(
            cycle_id=open_cycle.id, office_code="50", email=f"owner{n}@factory.example", status="sent"
        )
        store.add(inv)
        store.commit()
        invitations.append(inv)
    for inv in invitations:
        _answer(client, invitation_path(app, inv), questionnaire)
    response_xmins = store.execute(sa.text("SELECT xmin::text FROM response")).scalars().all()
    invitation_xmins = dict(store.execute(sa.text("SELECT id, xmin::text FROM invitation")).all())
    # All five rows were rewritten by the releasing transaction: one xmin for the batch. That transaction spent
    # the fifth invitation, so it ties that invitation to the batch of five, not to one response; the first four
    # invitations' transactions match no response row at all.
    assert len(response_xmins) == 5 and len(set(response_xmins)) == 1
    matching = [i for i, x in invitation_xmins.items() if x in set(response_xmins)]
    assert matching == [invitations[-1].id]


def _entry(cycle, questionnaire, nonce_hash: str):  # type: ignore[no-untyped-def]
    import datetime as dt

    from survey_app.models import Channel
    from survey_app.services.intake import submission

    return submission.Submission(
        cycle_id=cycle.id, office_code="50", channel=Channel.POSTER, invitation_id=None,
        respondent_type="individual", service="factory_licensing",
        answers={  # varied, so that a value stored under another item's key would show
            key: (options := questionnaire.item(key[0]).answer_type.options)[n % len(options)].value
            for n, key in enumerate(questionnaire.answer_keys)
        },
        suggestion=None, too_fast=False, nonce_hash=nonce_hash, nonce_expires_on=dt.date(2099, 1, 1),
    )  # fmt: skip


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # advisory locks are PostgreSQL's
def test_on_postgresql_the_storing_statement_takes_the_office_lock_and_a_replay_stores_nothing(
    app, store, open_cycle, questionnaire
):  # type: ignore[no-untyped-def]
    import zlib

    from sqlalchemy.orm import Session

    from survey_app.clock import local_today
    from survey_app.services.intake import submission

    key = zlib.crc32(b"50") & 0x7FFFFFFF  # the office's lock, computed here: (cycle id, CRC-32 of its code)
    held = sa.text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = :a AND objid = :b AND objsubid = 2"
    )

    def submit(nonce_hash: str, batch_size: int | None) -> tuple[submission.Outcome, int]:
        with Session(store.get_bind()) as session:
            outcome = submission.submit(
                session, questionnaire, _entry(open_cycle, questionnaire, nonce_hash), local_today(),
                batch_size=batch_size,
            )  # fmt: skip
            locks = int(store.execute(held, {"a": open_cycle.id, "b": key}).scalar_one())
            store.rollback()
            session.commit()
        return outcome, locks

    assert submit("a" * 64, 5) == (submission.Outcome.STORED, 1)  # held by the open transaction
    assert submit("b" * 64, None) == (submission.Outcome.STORED, 0)  # the daily schedule: no release, no lock
    assert submit("a" * 64, 5) == (submission.Outcome.REPLAYED, 0)  # nothing stored, nothing locked
    store.expire_all()
    assert store.scalar(select(func.count()).select_from(Response)) == 2
    rows = store.execute(sa.text("SELECT item, sub, value, score FROM answer")).all()
    assert len(rows) == 2 * len(questionnaire.answer_keys)
    expected = _entry(open_cycle, questionnaire, "").answers
    for item, sub, value, score in rows:  # what was sent, scored by the questionnaire's own map
        assert value == expected[(item, sub)]
        assert score == pytest.approx(questionnaire.item(item).answer_type.score(value))
