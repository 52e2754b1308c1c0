"""A route's rate limit counted by a direct call instead of Flask-Limiter's decorator, for the survey POST.

Flask-Limiter's decorator evaluates a route's limits afresh on every request: it builds its request context, resolves
the route's limits (calling the limit's callable and parsing its string each time), makes a ``RequestLimit`` and
only then counts. On the survey POST, the busiest limited request, that was about 8 % of a complete submission's
Python time (py-spy on ``bench/intake.py``), more than the store's round trip itself. :func:`hit` counts the same
way with the extension's own pieces: the limit string parsed once per process, the extension's strategy
(``limiter.limiter``: fixed window by default), storage and key (``LIMITER/<client key>/<endpoint>/20/1/minute``,
after ``RATELIMIT_KEY_PREFIX``), so the counters are the ones the decorator kept, and a breach is a 429 with
``Retry-After`` read from the store.

When the store does not answer, it falls back to per-process counters as the extension does, and marks the extension
degraded (its ``_storage_dead``, which ``web.health`` reports); the store is tried again after 1, 2, 4 … 32 seconds.
Its log lines are the extension's, on the extension's logger.

:func:`init_app` also keeps the extension's after-request and teardown hooks from running on requests in which no
limit of the extension was evaluated (the survey's form, answers and thank-you page): the first adds the
``X-RateLimit-*`` headers and deducts ``deduct_when`` limits, the second clears the request's limiter state, and
neither has anything to do before a decorated route has made that state.

Three names used here are the extension's private ones (``flask_limiter._compat.request_context``, its
``_storage_dead`` flag and its name-mangled hooks), so ``pyproject.toml`` admits only the minor release they were
read in; ``tests/integration/test_survey_ratelimit.py`` and ``test_redis_degrade.py`` fail if they change.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter._compat import request_context
from limits import RateLimitItem, parse
from werkzeug.exceptions import TooManyRequests

from ..clientkeys import client_key
from ..extensions import limiter

log = logging.getLogger("flask-limiter")  # the extension's logger: operators find these lines where they were

MAX_RETRY_SECONDS = 32
_lock = threading.Lock()
_retry = {"at": 0.0, "wait": 1.0}


class LimitExceeded(TooManyRequests):
    """The request is over its route's limit; ``retry_after`` is how many seconds until the window lets one in."""

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


@functools.lru_cache(maxsize=16)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)


def hit(limit: str) -> None:
    """Count this request against ``limit`` (e.g. ``20 per minute``) per client and endpoint; raises
    :class:`LimitExceeded` when it is over. Does nothing while rate limiting is switched off (``RATELIMIT_ENABLED``)."""
    if not limiter.enabled:
        return
    item = _parsed(limit)
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    args = (*([prefix] if prefix else []), client_key(), str(request.endpoint))
    _store_back()
    try:
        allowed = limiter.limiter.hit(item, *args)
    except Exception:
        log.warning("Rate limit storage unreachable - falling back to in-memory storage")
        _mark_dead()  # from here on limiter.limiter counts in memory (in_memory_fallback_enabled)
        allowed = limiter.limiter.hit(item, *args)
    if not allowed:
        log.info("ratelimit %s (%s) exceeded at endpoint: %s", item, args[-2], args[-1])
        raise LimitExceeded(_retry_after(item, args))


def _retry_after(item: RateLimitItem, args: tuple[str, ...]) -> int:
    """Seconds left in the window, at least 1; the window's length when the store does not say."""
    window = int(item.get_expiry())
    try:
        reset = limiter.limiter.get_window_stats(item, *args).reset_time
        return min(window, max(1, math.ceil(reset - time.time())))
    except Exception:
        log.warning("rate-limit store unavailable while answering 429")
        return window


def _mark_dead() -> None:
    """Count in this process's memory until the store answers again (the extension's own fallback)."""
    with _lock:
        limiter._storage_dead = True
        _retry.update(at=time.monotonic() + 1.0, wait=1.0)


def _store_back() -> None:
    """While counting in memory, ask the store whether it answers again, with a growing pause between tries."""
    if not limiter._storage_dead:
        return
    with _lock:
        now = time.monotonic()
        if now < _retry["at"]:
            return
        _retry.update(at=now + _retry["wait"], wait=min(MAX_RETRY_SECONDS, _retry["wait"] * 2))
    if limiter.storage.check():
        log.info("Rate limit storage recovered")
        limiter._storage_dead = False


def init_app(app: Flask) -> None:
    """Run the extension's after-request and teardown hooks only after a request that evaluated one of its limits
    (see the module docstring); call after ``limiter.init_app(app)``."""
    # The extension's hooks are private (name-mangled) methods: found by their mangled names, which mypy cannot see.
    inject = getattr(Limiter, "_Limiter__inject_headers")  # noqa: B009
    after = app.after_request_funcs.setdefault(None, [])
    for index, hook in enumerate(after):
        if isinstance(hook, functools.partial) and hook.func is inject and hook.args == (limiter,):
            after[index] = _after_a_limit(hook)
    teardown = app.teardown_request_funcs.setdefault(None, [])
    release = getattr(limiter, "_Limiter__release_context")  # noqa: B009
    for index, hook in enumerate(teardown):
        if hook == release:
            teardown[index] = _teardown_after_a_limit(hook)


def _limit_evaluated() -> bool:
    """Whether this request made the extension's per-request state (``Limiter.context``), which happens when one of
    its limits is evaluated and never otherwise."""
    return hasattr(request_context(), "_limiter_request_context")


def _after_a_limit(hook: Callable[[Response], Response]) -> Callable[[Response], Response]:
    def after_request(response: Response) -> Response:
        return hook(response) if _limit_evaluated() else response

    return after_request


def _teardown_after_a_limit(
    hook: Callable[[BaseException | None], Any],
) -> Callable[[BaseException | None], None]:
    def teardown_request(exc: BaseException | None) -> None:
        if _limit_evaluated():
            hook(exc)

    return teardown_request
