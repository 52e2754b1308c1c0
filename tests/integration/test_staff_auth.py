"""Staff sign-in, lock-out, rate limit, the ``next`` parameter, sign-out, password change and session cookies."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.models import AuditEvent, StaffUser
from survey_app.staff.accounts.auth import safe_next
from tests.helpers import csrf_token, login

from .staff_data import OWN, PASSWORD, isolate_requests, make_user


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> None:
    if "app" in request.fixturenames:
        isolate_requests(request.getfixturevalue("app"))


def _actions(session) -> list[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_sign_in_takes_an_admin_to_the_national_view_and_is_audited(client, session) -> None:
    user = make_user(session, "admin")
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert _actions(session)[-1] == "login"


def test_an_office_user_lands_on_their_own_office(client, session, cycle) -> None:
    user = make_user(session, "office", OWN)
    login(client, user.email, PASSWORD)
    response = client.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/staff/offices/{OWN}")


def test_the_office_redirect_keeps_only_cycle_and_language(client, session, cycle) -> None:
    user = make_user(session, "office", OWN)
    login(client, user.email, PASSWORD)
    response = client.get(f"/staff/?cycle={cycle.code}&_external=1&_anchor=x&_scheme=http")
    location = response.headers["Location"]
    assert location == f"/staff/offices/{OWN}?cycle={cycle.code}"


def test_pages_ask_anonymous_visitors_to_sign_in_and_come_back(client, session, cycle) -> None:
    response = client.get(f"/staff/offices/{OWN}?cycle={cycle.code}")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/staff/login?next=")
    user = make_user(session, "admin")
    page = client.get(location)
    back = client.post(
        location, data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)}
    )
    assert back.headers["Location"] == f"/staff/offices/{OWN}?cycle={cycle.code}"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/staff/",
        "//evil.example/staff/",
        "/\\evil.example",
        "/\t/evil.example",
        "/staff/\r\nSet-Cookie: x=1",
        "javascript:alert(1)",
        "staff/offices/11",
        "/s/some-survey-token",
        "%2F%2Fevil.example",
    ],
)
def test_next_is_followed_only_to_staff_pages_of_this_site(client, session, target: str) -> None:
    user = make_user(session, "admin")
    response = login(client, user.email, PASSWORD, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"


def test_safe_next_accepts_staff_paths_with_queries() -> None:
    assert safe_next("/staff/offices/11?cycle=EIT-2570") == "/staff/offices/11?cycle=EIT-2570"
    assert safe_next("/staff") == "/staff"
    assert safe_next("/staffing") is None


def test_wrong_password_is_refused_with_401_and_audited(client, session) -> None:
    user = make_user(session, "viewer")
    response = login(client, user.email, "not the password")
    assert response.status_code == 401
    assert "อีเมลหรือรหัสผ่านไม่ถูกต้อง" in response.text
    assert _actions(session)[-1] == "login_failed"
    assert client.get("/staff/").status_code == 302


def test_unknown_email_gets_the_same_answer_and_is_audited_with_the_email(client, session) -> None:
    response = login(client, "nobody@industry.test", "whatever it is")
    assert response.status_code == 401
    session.expire_all()
    event = session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "login_failed" and event.actor_email == "nobody@industry.test"


def test_five_failures_lock_the_account_even_against_the_right_password(client, session) -> None:
    user = make_user(session, "admin")
    for _ in range(4):
        assert login(client, user.email, "wrong password!").status_code == 401
    fifth = login(client, user.email, "wrong password!")
    assert "15" in fifth.text  # "locked for 15 minutes"
    refused = login(client, user.email, PASSWORD)
    assert refused.status_code == 401
    assert client.get("/staff/").status_code == 302
    session.expire_all()
    locked = session.scalar(sa.select(StaffUser).where(StaffUser.email == user.email))
    assert locked.locked_until is not None
    assert _actions(session)[-1] == "login_locked"


def test_login_posts_are_rate_limited_per_address(make_app, session) -> None:
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    responses = [login(client, "someone@industry.test", "wrong password!") for _ in range(4)]
    assert [r.status_code for r in responses] == [401, 401, 401, 429]
    assert "ส่งคำขอบ่อยเกินไป" in responses[-1].text and "Too many requests" in responses[-1].text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_rate_limit_counters_live_in_redis_when_configured(make_app, redis_url) -> None:
    import redis

    app = make_app(LOGIN_RATE_LIMIT="2 per minute", RATELIMIT_STORAGE_URI=redis_url)
    client = app.test_client()
    statuses = [login(client, "someone@industry.test", "wrong password!").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    keys = redis.Redis.from_url(redis_url).keys("*")
    assert any(b"login" in key for key in keys)


def test_login_without_csrf_token_is_refused(client, session) -> None:
    user = make_user(session, "admin")
    response = client.post("/staff/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/staff/").status_code == 302


def test_sign_out_ends_the_session_and_needs_a_post(client, session) -> None:
    user = make_user(session, "admin")
    login(client, user.email, PASSWORD)
    assert client.get("/staff/logout").status_code == 405
    page = client.get("/staff/password")
    response = client.post("/staff/logout", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"
    assert client.get("/staff/").status_code == 302
    assert _actions(session)[-1] == "logout"


def test_password_change_checks_the_current_one_and_replaces_it(client, session) -> None:
    user = make_user(session, "office", OWN)
    login(client, user.email, PASSWORD)
    token = csrf_token(client.get("/staff/password").text)
    new = "a brand new long passphrase"
    wrong = client.post(
        "/staff/password", data={"current": "nope", "new": new, "confirm": new, "csrf_token": token}
    )
    assert wrong.status_code == 400
    short = client.post("/staff/password", data={"current": PASSWORD, "new": "short", "confirm": "short",
                                                 "csrf_token": token})  # fmt: skip
    assert short.status_code == 400
    ok = client.post(
        "/staff/password", data={"current": PASSWORD, "new": new, "confirm": new, "csrf_token": token}
    )
    assert ok.status_code == 302
    client.post("/staff/logout", data={"csrf_token": csrf_token(client.get("/staff/password").text)})
    assert login(client, user.email, PASSWORD).status_code == 401
    assert login(client, user.email, new).status_code == 302
    assert "password_changed" in _actions(session)


def _session_cookie(response) -> str:  # type: ignore[no-untyped-def]
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session=")]
    assert cookies, "no session cookie set"
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite_lax_and_not_secure_over_plain_http(client) -> None:
    cookie = _session_cookie(client.get("/staff/login"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_when_served_over_https(client) -> None:
    cookie = _session_cookie(client.get("/staff/login", base_url="https://survey.test"))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_session_cookie_is_secure_behind_a_tls_proxy_trusted_by_gunicorn(client) -> None:
    # gunicorn turns a trusted proxy's X-Forwarded-Proto: https into wsgi.url_scheme = https.
    response = client.get("/staff/login", environ_overrides={"wsgi.url_scheme": "https"})
    assert "Secure" in _session_cookie(response)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_an_oversized_post_gets_the_413_page_not_a_crash(make_app) -> None:
    client = make_app(PROPAGATE_EXCEPTIONS=False).test_client()  # no open app context: a fresh g per request
    response = client.post("/staff/login", data={"padding": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "ไฟล์หรือข้อมูลใหญ่เกินไป" in response.text and "Too large" in response.text
