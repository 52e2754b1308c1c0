"""``SurveyFlask.ensure_sync`` (survey_app/web/flask_app.py) answers as Flask's does, remembering plain functions."""

from __future__ import annotations

from typing import Any

from survey_app.web.flask_app import SurveyFlask


def test_plain_functions_are_returned_as_they_are_and_remembered() -> None:
    app = SurveyFlask("test")

    def view() -> str:
        return "ok"

    assert app.ensure_sync(view) is view
    assert view in app._plain
    assert app.ensure_sync(view) is view


def test_async_functions_are_still_wrapped_every_time(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app = SurveyFlask("test")
    wrapped: list[Any] = []
    monkeypatch.setattr(app, "async_to_sync", lambda func: wrapped.append(func) or "wrapped")

    async def view() -> str:
        return "ok"

    assert app.ensure_sync(view) == "wrapped"
    assert app.ensure_sync(view) == "wrapped"
    assert wrapped == [view, view] and view not in app._plain


def test_an_unhashable_callable_is_answered_without_being_remembered() -> None:
    class Handler:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self) -> str:
            return "ok"

    app = SurveyFlask("test")
    handler = Handler()
    assert app.ensure_sync(handler) is handler
    assert not app._plain
