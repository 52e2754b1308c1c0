"""The ``burst`` flag: more than BURST_LIMIT submissions for one office on one Bangkok day from one address or one
device are stored and flagged; other sources are not; no address, keyed hash or device id reaches the database."""

from __future__ import annotations

import datetime as dt

import pytest
import redis
import sqlalchemy as sa
from sqlalchemy import select

from survey_app import clientkeys, clock
from survey_app.db import Base
from survey_app.models import CellStat, Response
from survey_app.public.survey import answered_cookie
from survey_app.services.intake import bursts
from tests import survey_helpers
from tests.survey_helpers import form_data, poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle

LIMIT = 3


@pytest.fixture(autouse=True)
def _fresh_keys():  # type: ignore[no-untyped-def]
    clientkeys.forget_keys()
    yield
    clientkeys.forget_keys()


def _submit(client, path, questionnaire, address: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get(path + "?new=1", environ_base={"REMOTE_ADDR": address}).text  # past "you have answered"
    posted = client.post(path, data=form_data(page, questionnaire), environ_base={"REMOTE_ADDR": address})
    assert posted.status_code == 303


def _flags(store) -> list[bool]:  # type: ignore[no-untyped-def]
    store.expire_all()
    return sorted(store.scalars(select(Response.burst)).all())


def _every_value(store) -> list[str]:  # type: ignore[no-untyped-def]
    values = []
    for table in Base.metadata.sorted_tables:
        for row in store.execute(sa.select(table)):
            values.extend(str(v) for v in row)
    return values


def test_burst_from_one_address_is_flagged_with_counters_in_redis_and_nothing_of_the_source_is_stored(
    redis_url, make_app, store, open_cycle, questionnaire
):  # type: ignore[no-untyped-def]
    app = make_app(
        RATELIMIT_STORAGE_URI=redis_url, BURST_LIMIT=LIMIT, SUBMIT_RATE_LIMIT="100 per minute", MIN_SECONDS=0
    )
    path = poster_path(app, poster_link(store, open_cycle))
    for _ in range(LIMIT + 2):  # a new client each time: no device cookie, only the address repeats
        _submit(app.test_client(), path, questionnaire, "192.0.2.50")
    assert _flags(store) == [False] * LIMIT + [True] * 2
    _submit(app.test_client(), path, questionnaire, "192.0.2.51")  # another address: its own count
    assert _flags(store) == [False] * (LIMIT + 1) + [True] * 2
    # The flag joins the others: burst responses sit in the flagged cells of the rollup.
    flagged_n = store.scalar(select(CellStat.n).where(CellStat.measure == "EIT", CellStat.flagged.is_(True)))
    assert flagged_n == 2
    # Redis holds counters keyed by day, office and a keyed hash (two addresses, six new devices); none names the
    # address, each expires within a day.
    conn = redis.Redis.from_url(redis_url)
    keys = [k.decode() for k in conn.keys("*burst*")]
    assert len([k for k in keys if ":50:a" in k]) == 2 and len(keys) == 2 + LIMIT + 3
    assert not any("192.0.2." in k for k in keys)
    assert all(0 < conn.ttl(k) <= bursts.COUNTER_SECONDS for k in keys)
    with app.test_request_context():
        hashes = [clientkeys.client_key(a) for a in ("192.0.2.50", "192.0.2.51")]
    assert all(any(h in k for k in keys) for h in hashes)
    for value in _every_value(store):  # every table, every value
        assert "192.0.2." not in value and not any(h in value for h in hashes), value


def test_burst_from_one_device_is_flagged_though_its_address_changes(
    make_app, store, open_cycle, questionnaire
):  # type: ignore[no-untyped-def]
    app = make_app(BURST_LIMIT=LIMIT, SUBMIT_RATE_LIMIT="100 per minute", MIN_SECONDS=0)
    link = poster_link(store, open_cycle)
    path = poster_path(app, link)
    phone = app.test_client()  # keeps its cookies: one device, hopping between mobile addresses
    for n in range(LIMIT + 1):
        _submit(phone, path, questionnaire, f"198.51.100.{n + 1}")
    assert _flags(store) == [False] * LIMIT + [True]
    cookie = phone.get_cookie(answered_cookie(open_cycle, link.office_code), path="/s/")
    assert cookie is not None and len(cookie.value) >= 16  # a random device id, the same on every visit
    assert all(cookie.value not in value for value in _every_value(store))
    # Different devices on different addresses are never a burst.
    for n in range(LIMIT + 1):
        _submit(app.test_client(), path, questionnaire, f"203.0.113.{n + 1}")
    assert _flags(store).count(True) == 1


def test_counts_start_again_on_the_next_bangkok_day_even_before_utc_midnight(
    make_app, store, open_cycle, questionnaire, monkeypatch
):  # type: ignore[no-untyped-def]
    app = make_app(BURST_LIMIT=LIMIT, SUBMIT_RATE_LIMIT="100 per minute", MIN_SECONDS=0)
    path = poster_path(app, poster_link(store, open_cycle))

    def at(utc: dt.datetime) -> None:
        day = clock.local_today(utc)
        monkeypatch.setattr(bursts, "local_today", lambda: day)
        monkeypatch.setattr(clientkeys, "local_today", lambda: day)

    at(dt.datetime(2026, 12, 1, 16, 30, tzinfo=dt.UTC))  # 23:30 on 1 December in Bangkok
    for _ in range(LIMIT):
        _submit(app.test_client(), path, questionnaire, "192.0.2.60")
    at(
        dt.datetime(2026, 12, 1, 17, 30, tzinfo=dt.UTC)
    )  # 00:30 on 2 December in Bangkok, still 1 December in UTC
    for _ in range(LIMIT):
        _submit(app.test_client(), path, questionnaire, "192.0.2.60")
    assert _flags(store) == [False] * (2 * LIMIT)
    _submit(app.test_client(), path, questionnaire, "192.0.2.60")
    assert _flags(store) == [False] * (2 * LIMIT) + [True]
