"""The application shell: health check, languages, error pages for people and security headers."""

from __future__ import annotations

import pytest
from flask import abort

from survey_app.web.errors import ERRORS


def test_healthz_answers_200_when_the_database_answers(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "ratelimit": "ok"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_healthz_answers_503_when_the_database_does_not(make_app, tmp_path) -> None:
    missing_dir = tmp_path / "no" / "such" / "dir"
    app = make_app(DATABASE_URL=f"sqlite:///{missing_dir / 'x.db'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "down", "database": "down", "ratelimit": "ok"}


def test_landing_page_is_thai_by_default_with_english_one_click_away(client) -> None:
    thai = client.get("/")
    assert '<html lang="th">' in thai.text
    assert "สำนักงานอุตสาหกรรมจังหวัดให้บริการท่านเป็นอย่างไร" in thai.text
    assert 'href="/?lang=en"' in thai.text
    english = client.get("/?lang=en")
    assert '<html lang="en">' in english.text
    assert "How did our provincial industry office serve you?" in english.text
    # The choice is remembered for the next page.
    assert '<html lang="en">' in client.get("/privacy").text


def test_privacy_notice_says_what_is_never_stored(client) -> None:
    page = client.get("/privacy?lang=en").text
    assert "Your IP address, device or browser" in page
    assert "The time of day you answered" in page


@pytest.mark.parametrize("code", [400, 403, 404, 410, 429, 500, 503])
def test_error_pages_tell_people_what_happened_in_thai_and_english(make_app, code: int) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom() -> str:
        if code == 500:
            raise RuntimeError("unexpected")
        abort(code)

    response = app.test_client().get("/boom")
    assert response.status_code == code
    text = ERRORS[code]
    for words in (text.title_th, text.advice_th, text.title_en, text.advice_en):
        assert words in response.text
    assert "unexpected" not in response.text


def test_unknown_page_is_a_bilingual_404(client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "ไม่พบหน้าที่ต้องการ" in response.text and "Page not found" in response.text


def test_security_headers_are_on_every_response(client) -> None:
    for path in ("/", "/healthz", "/no-such-page"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


def test_client_address_comes_from_the_trusted_proxy_only_when_configured(make_app) -> None:
    from flask import request

    seen: list[str | None] = []
    for proxies in (0, 1):
        app = make_app(PROXIES=proxies)
        app.add_url_rule("/whoami", "whoami", lambda: seen.append(request.remote_addr) or "")
        app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == ["127.0.0.1", "203.0.113.9"]


def test_sql_parameters_are_hidden_from_database_errors(app) -> None:
    import sqlalchemy as sa

    from survey_app.db import db

    with app.app_context():
        try:
            db.session.execute(
                sa.text("SELECT no_such_column WHERE 1 = :secret"), {"secret": "invitation-id-xyz"}
            )
        except sa.exc.DBAPIError as error:
            message = str(error)
        else:
            raise AssertionError("the query should have failed")
    assert "invitation-id-xyz" not in message
