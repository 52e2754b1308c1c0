"""Staff sessions that end: sign-out and password change end copies of the cookie, role changes and "sign out
everywhere" end every session of the user, and idle (8 h) and absolute (7 d) limits hold, on the one clock."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from survey_app.models import StaffSession
from survey_app.services.accounts import staff as accounts
from tests.helpers import csrf_token, login

from .staff_data import OWN, PASSWORD, isolate_requests, make_user

PAGE = f"/staff/offices/{OWN}"


def _signed_in(app, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert login(client, email, password).status_code == 302
    return client


def _copy(app, client):  # type: ignore[no-untyped-def]
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    return thief


def _opens(client, url: str = "/staff/password") -> bool:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def _post(client, url: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf_token(client.get("/staff/password").text), **data})


def test_a_copied_cookie_is_refused_after_sign_out(app, session) -> None:
    isolate_requests(app)
    user = make_user(session, "admin")
    client = _signed_in(app, user.email)
    copy = _copy(app, client)
    assert _opens(copy)  # the copy works while the session lives...
    assert _post(client, "/staff/logout").status_code == 302
    assert not _opens(copy)  # ...and not after sign-out
    refused = copy.get("/staff/password")
    assert refused.headers["Location"].startswith("/staff/login")
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(StaffSession)) == 0


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, session) -> None:
    isolate_requests(app)
    user = make_user(session, "office", OWN)
    here = _signed_in(app, user.email)
    other_browser = _signed_in(app, user.email)
    copy_of_here = _copy(app, here)
    new = "another long passphrase"
    changed = _post(here, "/staff/password", current=PASSWORD, new=new, confirm=new)
    assert changed.status_code == 302
    assert _opens(here)
    assert not _opens(other_browser)
    assert not _opens(copy_of_here)  # the copy holds the old secret


def test_a_role_change_from_the_command_line_ends_every_session(app, session) -> None:
    isolate_requests(app)
    user = make_user(session, "admin")
    client = _signed_in(app, user.email)
    assert _opens(client, "/staff/audit")
    accounts.create_staff(session, user.email, "viewer", PASSWORD)
    session.commit()
    assert not _opens(client)


def test_sign_out_everywhere_ends_every_session_of_the_user_only(app, session) -> None:
    isolate_requests(app)
    user = make_user(session, "viewer")
    someone_else = make_user(session, "admin")
    phone, desktop = _signed_in(app, user.email), _signed_in(app, user.email)
    colleague = _signed_in(app, someone_else.email)
    response = _post(desktop, "/staff/sessions/end-all")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"
    assert not _opens(phone) and not _opens(desktop)
    assert _opens(colleague)


def test_an_idle_session_ends_after_eight_hours(app, session, app_clock) -> None:
    isolate_requests(app)
    app_clock.stop()
    user = make_user(session, "admin")
    client = _signed_in(app, user.email)
    app_clock.advance(hours=7, minutes=59)
    assert _opens(client)  # used again: the idle time starts over
    app_clock.advance(hours=7, minutes=59)
    assert _opens(client)
    app_clock.advance(hours=8, seconds=1)
    assert not _opens(client)
    assert "การเข้าสู่ระบบของท่านสิ้นสุดแล้ว" in client.get("/staff/login").text


def test_a_session_ends_seven_days_after_sign_in_however_busy(app, session, app_clock) -> None:
    isolate_requests(app)
    app_clock.stop()
    user = make_user(session, "admin")
    client = _signed_in(app, user.email)
    for _ in range(7 * 24 // 6 - 1):  # used every six hours for almost a week
        app_clock.advance(hours=6)
        assert _opens(client)
    app_clock.advance(hours=6, seconds=1)  # 7 days and a second after sign-in
    assert not _opens(client)


def test_the_limits_are_configurable(make_app, session, app_clock) -> None:
    app = make_app(SESSION_IDLE_HOURS=0.5, SESSION_MAX_DAYS=1)
    isolate_requests(app)
    app_clock.stop()
    user = make_user(session, "admin")
    client = _signed_in(app, user.email)
    app_clock.advance(minutes=29)
    assert _opens(client)
    app_clock.advance(minutes=31)
    assert not _opens(client)


def test_the_session_row_holds_no_secret_of_the_cookie(app, session) -> None:
    isolate_requests(app)
    user = make_user(session, "admin")
    client = _signed_in(app, user.email)
    from flask.sessions import SecureCookieSessionInterface

    cookie = client.get_cookie("session")
    assert cookie is not None
    data = SecureCookieSessionInterface().get_signing_serializer(app).loads(cookie.value)  # type: ignore[union-attr]
    session.expire_all()
    row = session.scalars(sa.select(StaffSession)).one()
    assert data["staff_sid"] not in row.id and len(row.id) == 64
    assert abs(
        row.last_seen_at.replace(tzinfo=dt.UTC) - row.created_at.replace(tzinfo=dt.UTC)
    ) < dt.timedelta(1)


def test_prune_removes_sessions_past_either_limit_and_keeps_live_ones(app, session, app_clock) -> None:
    from survey_app.cli import cli

    app_clock.stop()
    user = make_user(session, "admin")
    now = app_clock()
    session.add_all([
        StaffSession(id="a" * 64, user_id=user.id, created_at=now - dt.timedelta(hours=9),
                     last_seen_at=now - dt.timedelta(hours=8, seconds=1)),  # idle too long
        StaffSession(id="b" * 64, user_id=user.id, created_at=now - dt.timedelta(days=7, seconds=1),
                     last_seen_at=now),  # too old
        StaffSession(id="c" * 64, user_id=user.id, created_at=now - dt.timedelta(days=6),
                     last_seen_at=now - dt.timedelta(hours=7)),  # live
    ])  # fmt: skip
    session.commit()
    result = app.test_cli_runner().invoke(cli, ["prune"], catch_exceptions=False)
    assert "2 expired staff session(s) removed" in result.output
    session.expire_all()
    assert session.scalars(sa.select(StaffSession.id)).all() == ["c" * 64]


def test_an_admin_signs_another_user_out_everywhere_and_it_is_audited(app, session) -> None:
    from survey_app.models import AuditEvent

    isolate_requests(app)
    admin = make_user(session, "admin")
    user = make_user(session, "office", OWN)
    theirs = [_signed_in(app, user.email), _signed_in(app, user.email)]
    mine = _signed_in(app, admin.email)
    page = mine.get("/staff/accounts?lang=en")
    assert page.status_code == 200
    row = page.text[page.text.index(user.email) :]
    assert 'data-label="Open sessions" class="num">2</td>' in row[: row.index("</tr>")]  # two open sessions
    response = mine.post(f"/staff/accounts/{user.id}/sign-out", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/accounts"
    assert not any(_opens(c) for c in theirs)
    assert _opens(mine)
    session.expire_all()
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sessions_ended")).one()
    assert event.actor_email == admin.email and event.detail == {"target": user.email, "sessions": 2}
    other = _signed_in(app, user.email)
    assert other.get("/staff/accounts").status_code == 403  # admins only
