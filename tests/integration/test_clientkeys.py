"""Client keys: the same address gives the same key within a Bangkok day in every process sharing the Redis store,
another key the next day, and nothing stored or returned contains the address."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
import redis

from survey_app import clientkeys


@pytest.fixture(autouse=True)
def _fresh_keys():  # type: ignore[no-untyped-def]
    clientkeys.forget_keys()
    yield
    clientkeys.forget_keys()


def _freeze(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    monkeypatch.setattr(clientkeys, "local_today", lambda: day)


def test_processes_sharing_redis_derive_the_same_key_and_redis_holds_no_address(
    make_app, redis_url, monkeypatch
):  # type: ignore[no-untyped-def]
    _freeze(monkeypatch, dt.date(2026, 12, 1))
    app = make_app(RATELIMIT_STORAGE_URI=redis_url)
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        first = clientkeys.client_key()
        clientkeys.forget_keys()  # a second worker process starts with nothing in memory
        second = clientkeys.client_key()
    assert first == second and len(first) == 32 and "198.51.100.7" not in first
    store = redis.Redis.from_url(redis_url)
    (name,) = store.keys("survey:clientkey:*")
    assert name == b"survey:clientkey:2026-12-01"
    assert 0 < store.ttl(name) <= clientkeys.KEY_TTL_SECONDS
    # Recomputed independently: HMAC-SHA256 of the address under the stored day key, first 32 hex digits.
    expected = hmac.new(store.get(name), b"198.51.100.7", hashlib.sha256).hexdigest()[:32]
    assert first == expected
    assert all(b"198.51.100.7" not in (store.get(k) or b"") for k in store.keys("*"))


def test_key_changes_with_the_bangkok_day_and_differs_between_addresses(make_app, monkeypatch):  # type: ignore[no-untyped-def]
    app = make_app()
    _freeze(monkeypatch, dt.date(2026, 12, 1))
    with app.test_request_context():
        today_a = clientkeys.client_key("203.0.113.1")
        today_b = clientkeys.client_key("203.0.113.2")
        assert today_a == clientkeys.client_key("203.0.113.1")
        _freeze(monkeypatch, dt.date(2026, 12, 2))
        tomorrow_a = clientkeys.client_key("203.0.113.1")
    assert today_a != today_b
    assert tomorrow_a != today_a


def test_unreachable_redis_falls_back_to_a_key_of_this_process(make_app, monkeypatch):  # type: ignore[no-untyped-def]
    _freeze(monkeypatch, dt.date(2026, 12, 1))
    app = make_app()
    # Only the key's source points at a closed port (the limiter itself keeps its memory store here).
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:1/0")
    with app.test_request_context():
        key = clientkeys.client_key("203.0.113.9")
        assert key == clientkeys.client_key("203.0.113.9")
        assert len(key) == 32
