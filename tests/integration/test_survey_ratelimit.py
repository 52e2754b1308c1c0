"""Survey POSTs are rate-limited per client (a daily-keyed hash of the address, SUBMIT_RATE_LIMIT), in memory by
default and in Redis when RATELIMIT_STORAGE_URI says so; language switches store nothing and are not counted."""

from __future__ import annotations

import redis
from sqlalchemy import func, select

from survey_app.extensions import limiter
from survey_app.models import Response
from tests import survey_helpers
from tests.survey_helpers import form_data, poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle


def _submit(client, path, questionnaire, address: str, **extra: str) -> int:  # type: ignore[no-untyped-def]
    page = client.get(path + "?new=1", environ_base={"REMOTE_ADDR": address}).text
    data = form_data(page, questionnaire, **extra)
    return client.post(path, data=data, environ_base={"REMOTE_ADDR": address}).status_code


def _responses(store) -> int:  # type: ignore[no-untyped-def]
    return store.scalar(select(func.count()).select_from(Response)) or 0


def test_submissions_are_limited_per_address_with_counters_in_redis(
    make_app, redis_url, store, open_cycle, questionnaire
):  # type: ignore[no-untyped-def]
    app = make_app(RATELIMIT_STORAGE_URI=redis_url, SUBMIT_RATE_LIMIT="2 per minute")
    # No limit is app-wide, so the extension's per-request hook is gone; the route's own limit must still hold.
    assert not [f for f in app.before_request_funcs[None] if getattr(f, "__self__", None) is limiter]
    path = poster_path(app, poster_link(store, open_cycle))
    client = app.test_client()
    assert [_submit(client, path, questionnaire, "192.0.2.10") for _ in range(3)] == [303, 303, 429]
    assert _responses(store) == 2
    refused = client.post(path, data={}, environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert refused.status_code == 429
    assert "ส่งคำขอบ่อยเกินไป" in refused.text and "Too many requests" in refused.text
    # The refusal says when to come back: within the minute's window, read from the store.
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Another address has its own allowance.
    assert _submit(client, path, questionnaire, "192.0.2.11") == 303
    assert _responses(store) == 3
    # The counters are keyed by a daily-keyed hash: no key names an address.
    keys = [k.decode() for k in redis.Redis.from_url(redis_url).keys("*")]
    assert keys and not any("192.0.2." in k for k in keys)


def test_in_memory_limit_counts_posts_but_not_language_switches(make_app, store, open_cycle, questionnaire):  # type: ignore[no-untyped-def]
    app = make_app(SUBMIT_RATE_LIMIT="1 per minute")
    path = poster_path(app, poster_link(store, open_cycle))
    client = app.test_client()
    page = client.get(path).text
    for lang in ("en", "th", "en"):
        switched = client.post(path, data=form_data(page, questionnaire, lang=lang))
        assert switched.status_code == 200
    page = client.get(path + "?new=1").text
    stored = client.post(path, data=form_data(page, questionnaire))
    assert stored.status_code == 303
    # No X-RateLimit-* headers on an accepted submission (they would cost the store two more round trips).
    assert not [k for k, _ in stored.headers.items() if k.lower().startswith("x-ratelimit")]
    refused = client.post(path, data=form_data(client.get(path + "?new=1").text, questionnaire))
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert _responses(store) == 1


def test_the_survey_limit_counts_under_the_extensions_own_key(
    make_app, redis_url, store, open_cycle, questionnaire
):  # type: ignore[no-untyped-def]
    """The POST's limit is counted without Flask-Limiter's decorator (web/ratelimit.py), in the very counter the
    decorator kept: same prefix, client key, endpoint and window, expiring with the window."""
    from survey_app.clientkeys import client_key

    app = make_app(RATELIMIT_STORAGE_URI=redis_url, SUBMIT_RATE_LIMIT="2 per minute")
    path = poster_path(app, poster_link(store, open_cycle))
    assert _submit(app.test_client(), path, questionnaire, "192.0.2.20") == 303
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.20"}):
        key = f"LIMITS:LIMITER/{client_key()}/public.survey_post/2/1/minute"
    counters = redis.Redis.from_url(redis_url)
    assert int(counters.get(key) or 0) == 1
    assert 0 < counters.ttl(key) <= 60


def test_the_extensions_after_request_hooks_still_serve_a_limited_route(
    make_app, store, open_cycle, monkeypatch
):  # type: ignore[no-untyped-def]
    """The extension's after-request hook runs only after a request that evaluated one of its limits (web/ratelimit
    init_app): with its headers switched on, a limited route still gets them and still counts; the survey's form,
    which evaluates none, gets none."""
    app = make_app(SHORTCODE_RATE_LIMIT="2 per minute")
    assert not [f for f in app.after_request_funcs[None] if getattr(f, "args", None) == (limiter,)]  # wrapped
    # The extension reads RATELIMIT_HEADERS_ENABLED once per process (the first app's), so it is switched on here.
    monkeypatch.setattr(limiter, "_headers_enabled", True)
    client = app.test_client()
    limited = client.get("/t/ABCDEF")
    assert limited.headers["X-RateLimit-Limit"] == "2"
    assert limited.headers["X-RateLimit-Remaining"] == "1"
    assert client.get("/t/ABCDEG").headers["X-RateLimit-Remaining"] == "0"
    assert client.get("/t/ABCDEH").status_code == 429
    form = client.get(poster_path(app, poster_link(store, open_cycle)))
    assert form.status_code == 200
    assert not [k for k, _ in form.headers.items() if k.lower().startswith("x-ratelimit")]
