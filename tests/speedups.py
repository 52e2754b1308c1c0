"""Speed-ups of the test run that change no result: memoised pure functions that every test pays for again.

- ``create_app()`` runs once per test (and per backend); 80 % of its time went to werkzeug compiling, for each of the
  app's ~300 URL rules, two URL-builder functions from a Python AST. A builder depends only on the rule's text, its
  parsed parts and its defaults (converters are looked up on the rule it is bound to), so the compiled function is
  kept per ``(rule, parts, defaults, append_unknown)`` and bound to each new rule as werkzeug itself does.
- Staff tests create an account (one scrypt hash, ~0.1 s of CPU) and sign in through the real form (the same scrypt
  again). ``werkzeug.security._hash_internal(method, salt, password)`` is a pure function; it is memoised, so the
  sign-in check of a hash just made costs nothing. Salts stay random, every hash is still computed once, and a wrong
  password still fails.

Both are installed by ``install()`` (called from tests/conftest.py) and skip themselves, leaving werkzeug as it is,
when werkzeug's internals are not the ones they were written for.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any


def _cache_url_builders() -> None:
    from werkzeug.routing.rules import Rule

    original = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "_memoised", False):
        return
    if list(inspect.signature(original).parameters) != ["self", "append_unknown"]:
        return
    builders: dict[tuple[Any, ...], Callable[..., Any]] = {}

    def compile_builder(self: Rule, append_unknown: bool = True) -> Callable[..., Any]:
        defaults = self.defaults or {}
        key = (
            self.rule,
            tuple(self._trace),
            tuple(sorted((str(k), repr(v)) for k, v in defaults.items())),
            append_unknown,
        )
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = original(self, append_unknown)
        return builder

    compile_builder._memoised = True  # type: ignore[attr-defined]
    Rule._compile_builder = compile_builder  # type: ignore[method-assign]


def _memoise_password_hashing() -> None:
    import werkzeug.security

    original = getattr(werkzeug.security, "_hash_internal", None)
    if original is None or hasattr(original, "cache_info"):
        return
    if list(inspect.signature(original).parameters) != ["method", "salt", "password"]:
        return
    werkzeug.security._hash_internal = functools.lru_cache(maxsize=4096)(original)  # type: ignore[attr-defined]


def install() -> None:
    """Install both speed-ups (idempotent)."""
    _cache_url_builders()
    _memoise_password_hashing()
