"""Guards on what a request may carry before any view sees it: no NUL bytes, no integer a database column cannot
hold. Both answer 400 with our error page; without them the database driver raises and the visitor got a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

# The largest value of a 32-bit signed INTEGER column (PostgreSQL ``integer``); ids and pages never come near it.
MAX_INT = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in a URL rule, refusing (400) a number no id column can hold instead of passing it on."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_INT)
        super().__init__(url_map, *args, **kwargs)

    def to_python(self, value: str) -> Any:
        number = int(value)
        if self.max is not None and number > self.max:
            abort(400)
        return super().to_python(value)


def int_arg(name: str, default: int | None = None, minimum: int = 0) -> int | None:
    """The query argument ``name`` as an integer: ``default`` when absent or not a number, 400 when out of the range
    ``minimum`` .. :data:`MAX_INT`."""
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        number = int(raw)
    except ValueError:
        return default
    if not minimum <= number <= MAX_INT:
        abort(400)
    return number


def _has_nul(values: Any) -> bool:
    return any("\x00" in key or any("\x00" in v for v in vals) for key, vals in values.lists())


def refuse_nul_bytes() -> None:
    """400 for a NUL byte anywhere in the path or the query, or in a staff form field (PostgreSQL cannot store one,
    and no honest input holds one). The public survey form cleans its own free text instead: a respondent's
    suggestion loses its control characters rather than the whole answer."""
    if "\x00" in request.path or _has_nul(request.args):
        abort(400)
    if (
        request.method in ("POST", "PUT", "PATCH")
        and request.blueprint != "public"
        and _has_nul(request.form)
    ):
        abort(400)


def init_app(app: Flask) -> None:
    """Install the bounded ``int`` converter and the NUL guard (first of the request hooks)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul_bytes)
