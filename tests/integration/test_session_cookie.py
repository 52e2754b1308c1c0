"""The signed session cookie (staff/cookies.py): its serializer is kept per secret key, so a key change still
refuses old cookies and ``SECRET_KEY_FALLBACKS`` still opens them; an empty session still writes no cookie."""

from __future__ import annotations

from tests import survey_helpers
from tests.survey_helpers import poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle


def _lang(client) -> str:  # type: ignore[no-untyped-def]
    """The language the landing page is shown in (kept in the session after ``?lang=``)."""
    return "en" if '<html lang="en">' in client.get("/").text else "th"


def test_the_language_kept_in_the_session_follows_the_secret_key_and_its_fallbacks(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(SECRET_KEY="first-key")
    client = app.test_client()
    assert client.get("/?lang=en").status_code == 200
    assert client.get_cookie("session") is not None
    assert _lang(client) == "en"  # read back from the signed cookie
    app.config["SECRET_KEY"] = "second-key"
    assert _lang(client) == "th"  # signed under another key: refused, an empty session
    app.config["SECRET_KEY_FALLBACKS"] = ["first-key"]
    assert _lang(client) == "en"  # the old key as a fallback opens it again
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert _lang(client) == "th"


def test_an_untouched_session_sets_no_cookie_and_says_it_varies_by_cookie(
    make_app, store, open_cycle
) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    client = app.test_client()
    form = client.get(poster_path(app, poster_link(store, open_cycle)))
    assert form.status_code == 200
    assert client.get_cookie("session") is None
    assert "Cookie" in form.headers.get("Vary", "")  # the language was looked up in the session
