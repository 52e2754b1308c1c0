"""Bursts from one source: many submissions for one office in one Bangkok day from one address or one device.

A *source* is a client address or a device. Neither is kept: the address enters only as
:func:`..clientkeys.client_key` (an HMAC under a key that changes every Bangkok day), the device as the same keyed
hash of the random id in its soft "already answered" cookie. The counters live where the rate limits live (memory or
Redis, ``RATELIMIT_STORAGE_URI``), expire after a day, and never reach the database: the response row only carries
the resulting ``burst`` flag. A submission beyond ``BURST_LIMIT`` (default 10) from one source for one office on one
day is flagged; it is still stored, and scores are shown with and without flagged responses.

Honest crowds can share an address (an office's guest Wi-Fi, a mobile carrier's NAT), which is why a burst is a
flag to weigh, not a refusal.

With the counters in Redis, both of a submission's counters go in one pipelined round trip (``INCR`` and ``EXPIRE`` of
each key): the day is part of the key, so the expiry only clears old days away and may be renewed by every increment.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any, Protocol

from ...clientkeys import client_key
from ...clock import local_today

log = logging.getLogger(__name__)

COUNTER_SECONDS = 24 * 3600
DEVICE_ID_BYTES = 12


class Counters(Protocol):
    """What bursts need of a store: the rate limiter's (``limiter.storage``) fits."""

    def incr(self, key: str, expiry: int, amount: int = 1) -> int: ...


def new_device_id() -> str:
    """A random id for the soft cookie of a device that has none yet (it names no person and no address)."""
    return secrets.token_urlsafe(DEVICE_ID_BYTES)


def observe(store: Counters, limit: int, office_code: str, device_id: str | None) -> bool:
    """Count one submission for ``office_code`` from this request's address and from ``device_id`` in ``store``
    (the rate limiter's); True when either count is now above ``limit`` (a burst). A store that does not answer
    counts nothing."""
    day = local_today().isoformat()
    sources = [f"a{client_key()}"]
    if device_id:
        sources.append(f"d{client_key('device:' + device_id)}")
    keys = [f"survey:burst:{day}:{office_code}:{source}" for source in sources]
    try:
        counts = _increment(store, keys)
    except Exception:
        log.warning("burst counters unavailable: submission not counted")
        return False
    return max(counts) > limit


def _increment(store: Counters, keys: list[str]) -> list[int]:
    """Add one to each of ``keys`` (expiring after :data:`COUNTER_SECONDS`); their new values. On the rate limiter's
    Redis storage all of them in one pipelined round trip, under the storage's own key prefix (so ``store.get``
    reads them); on any other store one ``incr`` each."""
    redis: Any = getattr(store, "storage", None)
    prefixed = getattr(store, "prefixed_key", None)
    if redis is None or prefixed is None or not hasattr(redis, "pipeline"):
        return [store.incr(key, COUNTER_SECONDS) for key in keys]
    pipe = redis.pipeline(transaction=False)
    for key in keys:
        pipe.incr(prefixed(key))
        pipe.expire(prefixed(key), COUNTER_SECONDS)
    replies = pipe.execute()
    return [int(value) for value in replies[0::2]]
