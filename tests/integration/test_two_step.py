"""Two-step sign-in end to end over HTTP: enrolment from the QR code (read back with zbarimg), sign-in with the code,
a clock step, a reused code refused, recovery codes used once, wrong codes counted toward the lock, enrolment
required for admins when configured, and a reset from the command line, all audited.

Codes are computed here with an independent RFC 6238 implementation, checked first against the RFC's own table.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import struct
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import sqlalchemy as sa

from survey_app.cli import cli
from survey_app.models import AuditEvent, RecoveryCode, StaffUser
from tests.helpers import csrf_token, login
from tests.qrtools import decode

from .staff_data import PASSWORD, isolate_requests, make_user

T0 = dt.datetime(2026, 11, 29, 23, 30, 5, tzinfo=dt.UTC)  # 06:30 the next day in Bangkok


def totp(secret_b32: str, when: dt.datetime, digits: int = 6, digest=hashlib.sha1) -> str:  # type: ignore[no-untyped-def]
    """RFC 6238 (HOTP of RFC 4226 over 30-second steps), written from the RFCs."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int(when.timestamp()) // 30
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def test_the_reference_totp_matches_rfc_6238_appendix_b() -> None:
    secret = base64.b32encode(b"12345678901234567890").decode()
    table = {59: "94287082", 1111111109: "07081804", 1111111111: "14050471", 1234567890: "89005924",
             2000000000: "69279037", 20000000000: "65353130"}  # fmt: skip
    for seconds, expected in table.items():
        assert totp(secret, dt.datetime.fromtimestamp(seconds, dt.UTC), digits=8) == expected


def _actions(session) -> list[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def _enrol(client, tmp_path: Path, app_clock) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    """Enrol through the page: read the QR code with zbarimg, answer with the code; returns (secret, codes)."""
    page = client.get("/staff/two-step")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', page.text).group(1))
    (tmp_path / "enrol.png").write_bytes(png)
    [uri] = decode(tmp_path / "enrol.png")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert unquote(parts.path).endswith("admin@industry.test")
    secret = parse_qs(parts.query)["secret"][0]
    shown = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text).group(1)
    assert shown.replace(" ", "") == secret
    token = csrf_token(page.text)
    wrong = client.post("/staff/two-step", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 400
    done = client.post("/staff/two-step", data={"csrf_token": token, "code": totp(secret, app_clock())})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def _sign_out(client) -> None:  # type: ignore[no-untyped-def]
    client.post("/staff/logout", data={"csrf_token": csrf_token(client.get("/staff/password").text)})


def _code_step(client, code: str):  # type: ignore[no-untyped-def]
    """Password, then ``code`` at the second step; returns the response to the code."""
    first = login(client, "admin@industry.test", PASSWORD)
    assert first.status_code == 302 and first.headers["Location"].startswith("/staff/login/code")
    assert client.get("/staff/").status_code == 302  # half signed in opens nothing
    page = client.get("/staff/login/code")
    return client.post("/staff/login/code", data={"csrf_token": csrf_token(page.text), "code": code})


def test_enrolment_and_sign_in_with_codes_a_clock_step_and_reuse(app, session, app_clock, tmp_path) -> None:
    isolate_requests(app)
    app_clock.set(T0)
    app_clock.stop()
    make_user(session, "admin")
    client = app.test_client()
    login(client, "admin@industry.test", PASSWORD)
    secret, codes = _enrol(client, tmp_path, app_clock)
    assert "two_step_enrolled" in _actions(session)
    session.expire_all()
    assert session.scalar(sa.select(StaffUser.totp_secret)) == secret
    stored = session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and all(c not in stored for c in codes)  # hashed, not kept as given
    _sign_out(client)

    # The enrolment code's step is spent: the same code, still current, is refused.
    assert _code_step(client, totp(secret, app_clock())).status_code == 401
    app_clock.advance(seconds=30)  # the next step
    ok = _code_step(client, totp(secret, app_clock()))
    assert ok.status_code == 302 and ok.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    _sign_out(client)
    assert _code_step(client, totp(secret, app_clock())).status_code == 401  # reused: refused
    app_clock.advance(seconds=95)
    assert (
        _code_step(client, totp(secret, app_clock() - dt.timedelta(seconds=60))).status_code == 401
    )  # too old
    drifted = _code_step(
        client, totp(secret, app_clock() - dt.timedelta(seconds=30))
    )  # one step behind: fine
    assert drifted.status_code == 302
    actions = _actions(session)
    assert actions.count("password_ok") == 5 and actions.count("login") == 3  # enrolment sign-in + two codes


def test_a_recovery_code_signs_in_once(app, session, app_clock, tmp_path) -> None:
    isolate_requests(app)
    app_clock.set(T0)
    app_clock.stop()
    make_user(session, "admin")
    client = app.test_client()
    login(client, "admin@industry.test", PASSWORD)
    _secret, codes = _enrol(client, tmp_path, app_clock)
    _sign_out(client)
    used = _code_step(
        client, codes[3].upper().replace("-", " ")
    )  # typed loosely: case and separators do not matter
    assert used.status_code == 302
    assert "Recovery codes left: 9" in client.get("/staff/two-step?lang=en").text
    _sign_out(client)
    assert _code_step(client, codes[3]).status_code == 401
    assert _actions(session).count("recovery_code_used") == 1


def test_wrong_codes_count_toward_the_lock(app, session, app_clock, tmp_path) -> None:
    isolate_requests(app)
    app_clock.set(T0)
    app_clock.stop()
    make_user(session, "admin")
    client = app.test_client()
    login(client, "admin@industry.test", PASSWORD)
    secret, _codes = _enrol(client, tmp_path, app_clock)
    _sign_out(client)
    app_clock.advance(seconds=30)
    first = login(client, "admin@industry.test", PASSWORD)
    assert first.status_code == 302
    token = csrf_token(client.get("/staff/login/code").text)
    statuses = [client.post("/staff/login/code", data={"csrf_token": token, "code": f"{n:06d}"}).status_code
                for n in range(5)]  # fmt: skip
    assert statuses == [401] * 5
    right = client.post("/staff/login/code", data={"csrf_token": token, "code": totp(secret, app_clock())})
    assert right.status_code == 401  # locked: even the right code is not tried
    assert client.get("/staff/").status_code == 302


def test_admins_must_enrol_when_required_and_others_need_not(make_app, session) -> None:
    app = make_app(TWO_STEP_REQUIRED_ROLES=("admin",))
    isolate_requests(app)
    make_user(session, "admin")
    make_user(session, "viewer")
    admin, viewer = app.test_client(), app.test_client()
    login(admin, "admin@industry.test", PASSWORD)
    login(viewer, "viewer@industry.test", PASSWORD)
    for url in ("/staff/", "/staff/audit", "/staff/export.csv"):
        refused = admin.get(url)
        assert refused.status_code == 302 and refused.headers["Location"] == "/staff/two-step"
    assert admin.get("/staff/two-step").status_code == 200
    assert viewer.get("/staff/").status_code == 200


def test_production_requires_two_step_for_admins_by_default() -> None:
    from survey_app import config

    env = {
        "SURVEY_ENV": "production",
        "SURVEY_SECRET_KEY": "k" * 40,
        "SURVEY_BASE_URL": "https://eit.example",
    }
    assert config.load("/tmp/unused-instance", env)["TWO_STEP_REQUIRED_ROLES"] == ("admin",)  # noqa: S108
    assert config.load("/tmp/unused-instance", {"SURVEY_SECRET_KEY": "k"})["TWO_STEP_REQUIRED_ROLES"] == ()  # noqa: S108


def test_a_reset_from_the_command_line_turns_it_off_ends_sessions_and_is_audited(
    app, session, app_clock, tmp_path
) -> None:
    isolate_requests(app)
    app_clock.set(T0)
    app_clock.stop()
    make_user(session, "admin")
    client = app.test_client()
    login(client, "admin@industry.test", PASSWORD)
    _enrol(client, tmp_path, app_clock)
    result = app.test_cli_runner().invoke(cli, ["staff", "reset-two-step", "--email", "Admin@industry.test"])
    assert result.exit_code == 0, result.output
    assert client.get("/staff/").status_code == 302  # its session ended
    session.expire_all()
    assert session.scalar(sa.select(StaffUser.totp_secret)) is None
    assert session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert login(client, "admin@industry.test", PASSWORD).headers["Location"] == "/staff/"
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "two_step_reset")).one()
    assert event.actor_email == "cli" and event.detail["target"] == "admin@industry.test"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sign_out_everywhere_from_the_command_line(app, session) -> None:
    isolate_requests(app)
    make_user(session, "viewer")
    client = app.test_client()
    login(client, "viewer@industry.test", PASSWORD)
    result = app.test_cli_runner().invoke(cli, ["staff", "sign-out", "--email", "viewer@industry.test"])
    assert result.exit_code == 0 and "1 session(s) ended" in result.output
    assert client.get("/staff/").status_code == 302


def test_an_admin_resets_another_users_two_step_from_the_accounts_page(app, session) -> None:
    isolate_requests(app)
    admin = make_user(session, "admin")
    user = make_user(session, "viewer")
    session.execute(sa.update(StaffUser).where(StaffUser.id == user.id).values(totp_secret="A" * 32))
    session.commit()
    client = app.test_client()
    login(client, admin.email, PASSWORD)
    page = client.get("/staff/accounts")
    response = client.post(
        f"/staff/accounts/{user.id}/reset-two-step", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(StaffUser, user.id).totp_secret is None
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "two_step_reset")).one()
    assert event.actor_email == admin.email and event.detail["target"] == user.email
