"""Admins manage staff accounts in the browser (issue 22): create (the password shown once), change role or office,
disable and enable, each audited as the command line audits it; the wrong role gets 403 and nothing changes; role
names are Thai on Thai pages; two-step setup is in the account menu. Through HTTP on SQLite and PostgreSQL, and in
headless Chromium at 360×800 and 1366×768 (screenshots under tests/artifacts/, axe)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey_app.models import AuditEvent, StaffSession, StaffUser
from tests.helpers import csrf_token, login

from .staff_browser_pages import signed_in_page
from .staff_data import OWN, PASSWORD, isolate_requests, make_user, sign_in
from .test_staff_browser import axe_violations


@pytest.fixture(autouse=True)
def _isolated(request) -> None:  # type: ignore[no-untyped-def]
    if "app" in request.fixturenames:
        isolate_requests(request.getfixturevalue("app"))


def _user(session, email: str) -> StaffUser | None:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(sa.select(StaffUser).where(StaffUser.email == email))


def _events(session, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _create(client, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get("/staff/accounts/new?lang=en")
    data = {
        "email": "New.Head@Industry.test",
        "role": "office",
        "office": OWN,
        "csrf_token": csrf_token(page.text),
    }
    data.update(fields)
    return client.post("/staff/accounts/new?lang=en", data=data)


def test_an_admin_creates_an_account_whose_password_is_shown_once_and_works(client, session, app) -> None:  # type: ignore[no-untyped-def]
    admin = sign_in(client, session, "admin")
    response = _create(client)
    assert response.status_code == 200 and response.headers["Cache-Control"].startswith("no-store")
    password = re.search(r'<code id="new-password">([^<]+)</code>', response.text).group(1)  # type: ignore[union-attr]
    assert len(password) >= 12
    user = _user(session, "new.head@industry.test")
    assert user is not None and (user.role, user.office_code, user.active) == ("office", OWN, True)
    [event] = _events(session, "staff_created")
    assert (event.actor_id, event.detail) == (
        admin.id,
        {"target": "new.head@industry.test", "role": "office"},
    )
    assert password not in str(event.detail)
    other = app.test_client()
    assert login(other, "new.head@industry.test", password).status_code == 302
    assert password not in client.get("/staff/accounts").text, "shown once"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "admin@industry.test"}, "already exists"),
        ({"role": "office", "office": ""}, "Office staff need an office."),
        ({"role": "owner"}, "Not a valid choice"),
        ({"office": "99"}, "Not a valid choice"),
        ({"email": ""}, "This field is required."),
    ],
)
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_bad_new_account_is_refused_with_a_message_and_nothing_is_stored(
    client, session, fields, message, backend
) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "admin")
    before = session.scalar(sa.select(sa.func.count()).select_from(StaffUser))
    response = _create(client, **fields)
    assert response.status_code == 400 and message in response.text
    assert session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == before
    assert _events(session, "staff_created") == []


def test_an_admin_changes_role_and_office_the_sessions_end_and_it_is_audited(client, session, app) -> None:  # type: ignore[no-untyped-def]
    admin = sign_in(client, session, "admin")
    viewer = make_user(session, "viewer")
    assert login(app.test_client(), viewer.email, PASSWORD).status_code == 302
    assert session.scalar(
        sa.select(sa.func.count()).select_from(StaffSession).where(StaffSession.user_id == viewer.id)
    )
    page = client.get(f"/staff/accounts/{viewer.id}/edit?lang=en")
    assert re.search(r'<option [^>]*selected[^>]*value="viewer"|<option value="viewer" selected', page.text)
    data = {"role": "office", "office": "12", "csrf_token": csrf_token(page.text)}
    assert client.post(f"/staff/accounts/{viewer.id}/edit", data=data).status_code == 302
    changed = _user(session, viewer.email)
    assert (changed.role, changed.office_code) == ("office", "12")
    assert session.scalar(
        sa.select(sa.func.count()).select_from(StaffSession).where(StaffSession.user_id == viewer.id)
    ) == 0  # fmt: skip
    [event] = _events(session, "staff_updated")
    assert event.actor_id == admin.id and event.office_code == "12"
    assert event.detail == {
        "target": viewer.email,
        "role": "office",
        "before": {"role": "viewer", "office": None},
    }


def test_an_admin_disables_and_enables_an_account_each_audited(client, session, app) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "admin")
    office = make_user(session, "office", OWN)
    token = csrf_token(client.get("/staff/accounts").text)
    # Disabled: no sign-in; enabled again: sign-in works.
    for active, signs_in in (("0", False), ("1", True)):
        data = {"active": active, "csrf_token": token}
        assert client.post(f"/staff/accounts/{office.id}/active", data=data).status_code == 302
        assert _user(session, office.email).active is signs_in
        assert (login(app.test_client(), office.email, PASSWORD).status_code == 302) is signs_in
    assert [e.detail["target"] for e in _events(session, "staff_disabled")] == [office.email]
    assert [e.detail["target"] for e in _events(session, "staff_enabled")] == [office.email]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_an_admin_cannot_demote_or_disable_themselves(client, session, backend) -> None:  # type: ignore[no-untyped-def]
    admin = sign_in(client, session, "admin")
    page = client.get(f"/staff/accounts/{admin.id}/edit?lang=en")
    refused = client.post(f"/staff/accounts/{admin.id}/edit?lang=en",
                          data={"role": "viewer", "office": "", "csrf_token": csrf_token(page.text)})  # fmt: skip
    assert refused.status_code == 400 and "your own admin role" in refused.text
    token = csrf_token(client.get("/staff/accounts").text)
    client.post(f"/staff/accounts/{admin.id}/active", data={"active": "0", "csrf_token": token})
    me = _user(session, admin.email)
    assert (me.role, me.active) == ("admin", True)
    assert _events(session, "staff_updated") == [] and _events(session, "staff_disabled") == []


@pytest.mark.parametrize("role", ["viewer", "office"])
def test_other_roles_get_403_and_nothing_changes(client, session, role: str) -> None:  # type: ignore[no-untyped-def]
    target = make_user(session, "viewer", email="target@industry.test")
    sign_in(client, session, role, OWN if role == "office" else None)
    token = csrf_token(client.get("/staff/password").text)
    before = session.scalar(sa.select(sa.func.count()).select_from(StaffUser))
    assert client.get("/staff/accounts/new").status_code == 403
    assert client.post("/staff/accounts/new", data={"email": "x@industry.test", "role": "admin", "office": "",
                                                    "csrf_token": token}).status_code == 403  # fmt: skip
    assert client.get(f"/staff/accounts/{target.id}/edit").status_code == 403
    assert client.post(f"/staff/accounts/{target.id}/edit", data={"role": "admin", "office": "",
                                                                 "csrf_token": token}).status_code == 403  # fmt: skip
    assert client.post(f"/staff/accounts/{target.id}/active",
                       data={"active": "0", "csrf_token": token}).status_code == 403  # fmt: skip
    assert session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == before
    unchanged = _user(session, "target@industry.test")
    assert (unchanged.role, unchanged.active) == ("viewer", True)
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action.in_(["staff_created", "staff_updated", "staff_disabled"]))) == 0  # fmt: skip


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_role_names_are_thai_on_thai_pages_and_two_step_is_in_the_menu(client, session, backend) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "admin")
    make_user(session, "office", OWN)
    thai = client.get("/staff/accounts?lang=th").text
    assert "ผู้ดูแลระบบ" in thai and "เจ้าหน้าที่สำนักงาน" in thai
    assert not re.search(r'data-label="บทบาท">(admin|office|viewer)<', thai)
    assert "administrator" in client.get("/staff/accounts?lang=en").text
    assert 'href="/staff/two-step"' in thai


@pytest.mark.browser
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "size", [{"width": 1366, "height": 768}, {"width": 360, "height": 800}], ids=["1366", "360"]
)
def test_the_account_pages_read_well_and_pass_axe(
    live_server, chromium, session, artifacts, size, backend
) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(session, "admin")
    make_user(session, "office", OWN)
    width = size["width"]
    with signed_in_page(chromium, live_server.url, admin.email, width, size["height"]) as page:
        for lang in ("th", "en"):
            page.goto(f"{live_server.url}/staff/accounts?lang={lang}")
            page.screenshot(path=str(artifacts / f"admin-accounts-{width}-{lang}.png"), full_page=True)
            assert axe_violations(page) == [], f"accounts ({lang})"
            page.goto(f"{live_server.url}/staff/accounts/new?lang={lang}")
            page.fill("#email", f"head-{lang}@industry.test")
            page.select_option("#role", "office")
            page.select_option("#office", OWN)
            page.locator("form button[type=submit]").last.click()
            page.wait_for_load_state()
            assert page.locator("#new-password").inner_text()
            page.screenshot(path=str(artifacts / f"admin-account-created-{width}-{lang}.png"), full_page=True)
            assert axe_violations(page) == [], f"account created ({lang})"
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
