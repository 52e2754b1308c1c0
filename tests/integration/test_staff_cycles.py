"""Admins create, edit, open and close cycles; closing erases contact details and keeps the counts; every change
and sign-in shows in the admin's audit log."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey_app.clock import be_input, local_today, utc_now
from survey_app.models import AuditEvent, Cycle, Invitation
from tests.helpers import csrf_token

from .staff_data import OWN, isolate_requests, sign_in


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> None:
    if "app" in request.fixturenames:
        isolate_requests(request.getfixturevalue("app"))


def _cycle(session, code: str) -> Cycle | None:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(sa.select(Cycle).where(Cycle.code == code))


def _create(client, **overrides):  # type: ignore[no-untyped-def]
    page = client.get("/staff/cycles/new")
    data = {
        "csrf_token": csrf_token(page.text), "code": "EIT-2571", "fiscal_year": "2571", "questionnaire": "eit:2568",
        "opens_on": "01/10/2570", "closes_on": "30/09/2571", "min_sample": "150",
        "sampling_method": "cochran", "type_floor": "15",
        "confidence": "0.95", "margin_percent": "5",
    }  # fmt: skip
    data.update(overrides)
    return client.post("/staff/cycles/new?lang=en", data=data)


def _token(client) -> str:  # type: ignore[no-untyped-def]
    return csrf_token(client.get("/staff/cycles").text)


def test_admin_creates_a_draft_cycle_with_its_sampling_policy(client, session, cycle) -> None:
    sign_in(client, session, "admin")
    assert _create(client).status_code == 302
    created = _cycle(session, "EIT-2571")
    assert created.state == "draft" and created.min_sample == 150 and created.sampling_method == "cochran"
    assert created.type_floor == 15
    assert created.opens_on == dt.date(2027, 10, 1) and created.margin == pytest.approx(0.05)
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "cycle_created")).one()
    assert event.detail["cycle"] == "EIT-2571" and event.detail["min_sample"] == 150


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("closes_on", "01/01/2570", "The closing date must not be before the opening date."),
        ("opens_on", "2027-10-01", "2027 is a year of the Christian era: type the Buddhist-era year 2570."),
        ("closes_on", "30/09/3114", "3114 is too far ahead: 543 seems to have been added twice. Type 2571."),
        ("min_sample", "0", "Number must be between 1 and 100000."),
        ("code", "bad code!", "Letters, digits, dots, dashes and underscores only."),
        ("sampling_method", "guesswork", "Not a valid choice."),
        ("type_floor", "151", "the minimum per respondent type not above it"),
    ],
)
def test_invalid_cycle_is_refused_and_nothing_is_created(
    client, session, cycle, field, value, message
) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "admin")
    response = _create(client, **{field: value})
    assert response.status_code == 400
    assert message in response.text
    assert _cycle(session, "EIT-2571") is None and _cycle(session, "bad code!") is None


def test_a_taken_code_is_refused(client, session, cycle) -> None:
    sign_in(client, session, "admin")
    response = _create(client, code=cycle.code)
    assert response.status_code == 400 and "already exists" in response.text


def test_admin_changes_the_fixed_minimum_and_method_and_the_change_is_audited(client, session, cycle) -> None:
    sign_in(client, session, "admin")
    page = client.get(f"/staff/cycles/{cycle.code}/edit")
    data = {
        "csrf_token": csrf_token(page.text), "opens_on": be_input(cycle.opens_on),
        "closes_on": be_input(cycle.closes_on), "min_sample": "250",
        "sampling_method": "yamane", "type_floor": "20",
        "confidence": "0.95", "margin_percent": "5",
    }  # fmt: skip
    assert client.post(f"/staff/cycles/{cycle.code}/edit", data=data).status_code == 302
    changed = _cycle(session, cycle.code)
    assert changed.min_sample == 250 and changed.sampling_method == "yamane" and changed.type_floor == 20
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "cycle_updated")).one()
    assert event.detail["changed"]["min_sample"] == [100, 250]


def test_only_one_cycle_is_open_at_a_time(client, session, cycle) -> None:
    sign_in(client, session, "admin")
    _create(client)
    response = client.post("/staff/cycles/EIT-2571/open?lang=en", data={"csrf_token": _token(client)})
    assert response.status_code == 409
    assert f"Cycle {cycle.code} is open" in response.text
    assert _cycle(session, "EIT-2571").state == "draft"


def test_closing_erases_contact_details_keeps_counts_and_lets_the_next_cycle_open(
    client, session, cycle
) -> None:
    now = utc_now()
    for i, (status, responded) in enumerate([("sent", True), ("sent", False), ("failed", False)]):
        session.add(Invitation(cycle_id=cycle.id, office_code=OWN, email=f"c{i}@example.test", name=f"Firm {i}",
                               status=status, responded=responded, sent_at=now))  # fmt: skip
    session.commit()
    sign_in(client, session, "admin")
    _create(client)
    closed = client.post(f"/staff/cycles/{cycle.code}/close?lang=en",
                         data={"csrf_token": _token(client), "confirm_code": cycle.code})  # fmt: skip
    assert closed.status_code == 302
    assert "Contact details erased: 3" in client.get("/staff/cycles?lang=en").text
    assert _cycle(session, cycle.code).state == "closed"
    rows = session.execute(
        sa.select(Invitation.email, Invitation.name, Invitation.status, Invitation.responded)
    )
    assert sorted(rows) == [
        (None, None, "failed", False),
        (None, None, "sent", False),
        (None, None, "sent", True),
    ]
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "cycle_closed")).one()
    assert event.detail["erased"] == 3
    opened = client.post("/staff/cycles/EIT-2571/open", data={"csrf_token": _token(client)})
    assert opened.status_code == 302 and _cycle(session, "EIT-2571").state == "open"


def test_a_closed_cycle_cannot_be_reopened_or_edited(client, session, cycle) -> None:
    sign_in(client, session, "admin")
    client.post(
        f"/staff/cycles/{cycle.code}/close", data={"csrf_token": _token(client), "confirm_code": cycle.code}
    )
    again = client.post(f"/staff/cycles/{cycle.code}/open", data={"csrf_token": _token(client)})
    assert again.status_code == 409
    page = client.get(f"/staff/cycles/{cycle.code}/edit")
    data = {"csrf_token": csrf_token(page.text), "opens_on": be_input(cycle.opens_on),
            "closes_on": be_input(cycle.closes_on), "min_sample": "5",
            "sampling_method": "yamane", "type_floor": "5",
            "confidence": "0.95", "margin_percent": "5"}  # fmt: skip
    assert client.post(f"/staff/cycles/{cycle.code}/edit", data=data).status_code == 409
    assert _cycle(session, cycle.code).min_sample == 100


@pytest.mark.parametrize("role", ["viewer", "office"])
def test_only_admins_manage_cycles(client, session, cycle, role: str) -> None:
    sign_in(client, session, role, OWN if role == "office" else None)
    token = csrf_token(client.get("/staff/password").text)
    assert client.get("/staff/cycles").status_code == 403
    assert client.post(f"/staff/cycles/{cycle.code}/close", data={"csrf_token": token}).status_code == 403
    assert _cycle(session, cycle.code).state == "open"


def test_audit_log_shows_who_did_what_and_when_to_admins_only(client, session, cycle) -> None:
    admin = sign_in(client, session, "admin")
    client.get("/staff/export.csv")
    page = client.get("/staff/audit?lang=en").text
    assert admin.email in page and "<td>signed in</td>" in page and "<td>data downloaded</td>" in page
    assert "what: national_csv" in page
    filtered = client.get("/staff/audit?action=export").text
    assert "<td>signed in</td>" not in filtered and "<td>data downloaded</td>" in filtered
    year = str(local_today().year + 543)
    assert year in client.get("/staff/audit?lang=th").text  # Buddhist-era dates for Thai readers
    other = client.application.test_client()
    sign_in(other, session, "viewer")
    assert other.get("/staff/audit").status_code == 403


def test_failed_logins_appear_in_the_audit_log(client, session, cycle) -> None:
    from tests.helpers import login

    login(client.application.test_client(), "intruder@example.test", "guessing a password")
    sign_in(client, session, "admin")
    page = client.get("/staff/audit?action=login_failed").text
    assert "intruder@example.test" in page
