"""Every error is a page of ours: hostile values answer 400, a database that is gone answers 503, each with the
bilingual page and the security headers, and the page itself never touches the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import survey_helpers
from tests.conftest import create_pg_database, drop_pg_database
from tests.helpers import csrf_token, login

from .staff_data import OWN, PASSWORD, isolate_requests, make_user

store = survey_helpers.store
open_cycle = survey_helpers.open_cycle


def _our_page(response, status: int, th: str, en: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text[:300]
    assert th in response.text and en in response.text
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def _bad_request(response) -> None:  # type: ignore[no-untyped-def]
    _our_page(response, 400, "คำขอไม่ถูกต้อง", "Bad request")


@pytest.mark.parametrize(
    "url",
    [
        "/staff/?cycle=%00",
        "/staff/audit?before=99999999999999999999",
        f"/staff/offices/{OWN}/invitations?page=99999999999999999999",
        f"/staff/offices/{OWN}/links/99999999999999999999/qr.png",
        "/staff/audit?actor=a%00b",
        "/s/p1-1%00.abc",
    ],
)
def test_nul_bytes_and_huge_integers_answer_400_with_our_page(
    make_app, session, store, open_cycle, url: str
) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    isolate_requests(app)
    client = app.test_client()
    make_user(session, "admin")
    assert login(client, "admin@industry.test", PASSWORD).status_code == 302
    _bad_request(client.get(url))
    assert client.get("/staff/").status_code == 200  # the session is still usable afterwards


def test_a_nul_byte_in_the_sign_in_email_answers_400_and_records_nothing(make_app, session) -> None:
    import sqlalchemy as sa

    from survey_app.models import AuditEvent

    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    token = csrf_token(client.get("/staff/login").text)
    response = client.post("/staff/login", data={"email": "ad\x00min@industry.test", "password": "x" * 12,
                                                 "csrf_token": token})  # fmt: skip
    _bad_request(response)
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_the_qr_of_an_out_of_range_link_id_is_refused_before_any_query(make_app) -> None:
    # The bounded <int:> converter answers before the view (and the database) runs: an anonymous visitor gets 400
    # too, not a redirect to sign in.
    client = make_app(PROPAGATE_EXCEPTIONS=False).test_client()
    _bad_request(client.get(f"/staff/offices/{OWN}/links/2147483648/poster.pdf"))
    assert client.get(f"/staff/offices/{OWN}/links/2147483647/poster.pdf").status_code == 302


@pytest.fixture
def dead_database_url(backend: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A URL naming a database that is gone: a dropped PostgreSQL scratch database, or a SQLite file in a folder
    that does not exist."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'gone' / 'survey.db'}"
        return
    url = create_pg_database("survey_dropped")
    drop_pg_database(url)
    yield url


def _unavailable(response) -> None:  # type: ignore[no-untyped-def]
    _our_page(response, 503, "ระบบไม่พร้อมให้บริการชั่วคราว", "Service temporarily unavailable")


def test_a_down_database_answers_our_503_on_public_and_staff_pages(
    make_app, session, store, open_cycle, dead_database_url: str
) -> None:
    # Sign in and find a poster link while the database is up; then the same cookie and link meet a dead database.
    live = make_app()
    client = live.test_client()
    make_user(session, "office", OWN)
    assert login(client, f"office{OWN}@industry.test", PASSWORD).status_code == 302
    poster = survey_helpers.poster_path(live, survey_helpers.poster_link(store, open_cycle))
    down = make_app(DATABASE_URL=dead_database_url, PROPAGATE_EXCEPTIONS=False)
    dead = down.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    dead.set_cookie("session", cookie.value)
    for url in (f"/staff/offices/{OWN}", "/staff/", f"/staff/offices/{OWN}/invitations?lang=en", poster):
        _unavailable(dead.get(url))
    anonymous = down.test_client()
    page = anonymous.get("/staff/login")
    assert page.status_code == 200  # the sign-in form needs no database
    _unavailable(anonymous.post("/staff/login", data={"email": "a@b.test", "password": "x" * 12,
                                                      "csrf_token": csrf_token(page.text)}))  # fmt: skip
    assert anonymous.get("/").status_code == 200
