"""The application class: Flask, with ``ensure_sync`` remembering which functions are plain ``def``.

Flask asks ``ensure_sync`` about every request hook, view and teardown function on every request (a dozen times per
survey request here), and each answer inspects the function's code flags afresh. The answer depends only on the
function, so a plain function is remembered once found plain; an ``async def`` one is still wrapped by Flask each
time, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

MAX_REMEMBERED = 1024  # hooks and views are a fixed set; a bound on what is kept all the same


class SurveyFlask(Flask):
    """Flask with a remembered ``ensure_sync`` for plain functions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain: set[Callable[..., Any]] = set()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            if func in self._plain:
                return func
        except TypeError:  # an unhashable callable: ask Flask every time
            return super().ensure_sync(func)
        result = super().ensure_sync(func)
        if result is func and len(self._plain) < MAX_REMEMBERED:
            self._plain.add(func)
        return result
