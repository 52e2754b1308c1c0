"""Per-client keys that keep no client address: an HMAC of the address under a key that changes every Bangkok day.

Rate limits, and anything else that must recognise "the same client" for a short while, key their counters with
``client_key()``. The day's key is random; it is held in memory, or, when the rate-limit store is Redis, in Redis
beside the counters (so every worker and host derives the same key), and it expires after two days. Once a day's key
is gone, nobody, the operator included, can tell which address a key stood for.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading

from flask import Flask, current_app, has_request_context, request

from .clock import local_today

log = logging.getLogger(__name__)

KEY_TTL_SECONDS = 2 * 24 * 3600
_lock = threading.Lock()
_local: dict[str, bytes] = {}


def client_key(address: str | None = None) -> str:
    """A keyed hash of ``address`` (default: the request's client address) under today's key; 32 hex digits."""
    if address is None:
        address = (request.remote_addr if has_request_context() else None) or ""
    day = local_today().isoformat()
    digest = hmac.new(_day_key(current_app, day), address.encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def _day_key(app: Flask, day: str) -> bytes:
    """The key of ``day``: from the process's memory, else from Redis (shared store), else made here."""
    with _lock:
        key = _local.get(day)
    if key is not None:
        return key
    key = _shared_key(app, day) or secrets.token_bytes(32)
    with _lock:
        _local.clear()  # keep only today's key: yesterday's cannot be recomputed once it is gone
        _local[day] = key
    return key


def _shared_key(app: Flask, day: str) -> bytes | None:
    """Today's key from the Redis that holds the rate-limit counters, created there if missing; None when the store
    is not Redis or does not answer (each process then keeps a key of its own)."""
    uri = str(app.config.get("RATELIMIT_STORAGE_URI", "memory://"))
    if not uri.startswith(("redis://", "rediss://", "unix://")):
        return None
    import redis

    name = f"survey:clientkey:{day}"
    try:
        client = redis.Redis.from_url(uri, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            client.set(name, secrets.token_bytes(32), nx=True, ex=KEY_TTL_SECONDS)
            value = client.get(name)
        finally:
            client.close()
    except redis.RedisError:
        log.warning("rate-limit store unreachable: client keys are per process today")
        return None
    return value if isinstance(value, bytes) else None


def forget_keys() -> None:
    """Drop the keys held in memory (tests, and a process that wants tomorrow's key now)."""
    with _lock:
        _local.clear()
