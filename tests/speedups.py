"""Speed-ups of the test run that change no result: memoised pure functions that every test pays for again.

- ``create_app()`` runs once per test (and per backend); 80 % of its time went to werkzeug compiling, for each of the
  app's ~300 URL rules, two URL-builder functions from a Python AST. A builder depends only on the rule's text, its
  parsed parts and its defaults (converters are looked up on the rule it is bound to), so the compiled function is
  kept per ``(rule, parts, defaults, append_unknown)`` and bound to each new rule as werkzeug itself does.
- Staff tests create an account (one scrypt hash, ~0.1 s of CPU) and sign in through the real form (the same scrypt
  again). ``werkzeug.security._hash_internal(method, salt, password)`` is a pure function; it is memoised, so the
  sign-in check of a hash just made costs nothing. Salts stay random, every hash is still computed once, and a wrong
  password still fails. A new hash asked for at werkzeug's default scrypt cost (``method="scrypt"``: N = 2^15,
  0.15 s of CPU, one per staff test) is made at N = 2^12 (:data:`TEST_SCRYPT`), as Django advises for test runs:
  the parameters are written in the hash and read back by the same check, so every path is the one production
  takes; ``full_cost_hashing()`` turns this off for the test that pins production's cost.

- Every app has its own Jinja environment, which compiled each template it rendered from source again: a quarter of
  a staff-page test module's time (384 compilations in 32 tests of ``test_staff_dashboard.py``). Every app made by
  the tests now shares one in-memory bytecode cache (Jinja's own ``BytecodeCache``): a template is compiled once per
  process and loaded from its code afterwards; Jinja checks the source's checksum, so an edited template is compiled
  again, and the key names the environment's compile options, so an environment set up otherwise never shares code.

The first two are installed by ``install()`` (called from tests/conftest.py) and skip themselves, leaving werkzeug
as it is, when werkzeug's internals are not the ones they were written for.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket


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


TEST_SCRYPT = "scrypt:4096:8:1"  # werkzeug's default is scrypt:32768:8:1
_FULL_COST: list[bool] = []


@contextlib.contextmanager
def full_cost_hashing() -> Iterator[None]:
    """New password hashes at werkzeug's own default cost while inside."""
    _FULL_COST.append(True)
    try:
        yield
    finally:
        _FULL_COST.pop()


def _memoise_password_hashing() -> None:
    import werkzeug.security

    original = getattr(werkzeug.security, "_hash_internal", None)
    if original is None or getattr(original, "_memoised", False):
        return
    if list(inspect.signature(original).parameters) != ["method", "salt", "password"]:
        return
    results: dict[tuple[str, str, str], tuple[str, str]] = {}

    def hash_internal(method: str, salt: str, password: str) -> tuple[str, str]:
        if method == "scrypt" and not _FULL_COST:
            method = TEST_SCRYPT
        found = results.get((method, salt, password))
        if found is None:
            if len(results) > 8192:
                results.clear()
            found = original(method, salt, password)
            # Hashing asks for "scrypt", checking for the parameters the hash recorded ("scrypt:32768:8:1"):
            # both name the same computation.
            results[(method, salt, password)] = results[(found[1], salt, password)] = found
        return found

    hash_internal._memoised = True  # type: ignore[attr-defined]
    werkzeug.security._hash_internal = hash_internal  # type: ignore[attr-defined]


class _SharedBytecode(BytecodeCache):
    """Compiled templates kept in memory for every environment of the process (see the module docstring)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def get_bucket(self, environment: Environment, name: str, filename: str | None, source: str) -> Bucket:
        options = (
            tuple(sorted(environment.extensions)),
            environment.block_start_string, environment.variable_start_string, environment.comment_start_string,
            environment.line_statement_prefix, environment.line_comment_prefix, environment.trim_blocks,
            environment.lstrip_blocks, environment.newline_sequence, environment.keep_trailing_newline,
            environment.optimized, environment.is_async,
        )  # fmt: skip
        return super().get_bucket(environment, f"{name}|{options!r}", filename, source)

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


def _share_compiled_templates() -> None:
    import flask

    original = flask.Flask.create_jinja_environment
    if getattr(original, "_shared", False):
        return
    shared = _SharedBytecode()

    def create_jinja_environment(self: flask.Flask) -> Any:
        environment = original(self)
        if environment.bytecode_cache is None:
            environment.bytecode_cache = shared
        return environment

    create_jinja_environment._shared = True  # type: ignore[attr-defined]
    flask.Flask.create_jinja_environment = create_jinja_environment  # type: ignore[method-assign]


def install() -> None:
    """Install the speed-ups (idempotent)."""
    _cache_url_builders()
    _memoise_password_hashing()
    _share_compiled_templates()
