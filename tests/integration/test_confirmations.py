"""Irreversible actions ask first: closing a cycle names what it erases and retires and needs the cycle's code
typed; without it nothing changes. (Revoking and re-issuing poster links need a ticked box: test_staff_links.)"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey_app.models import AuditEvent, Cycle, Invitation, OutboxMessage, SurveyLink
from tests.helpers import csrf_token

from .staff_data import OWN, isolate_requests, sign_in


@pytest.fixture(autouse=True)
def _isolated(app) -> None:  # type: ignore[no-untyped-def]
    isolate_requests(app)


def _arrange(session, cycle) -> None:  # type: ignore[no-untyped-def]
    """Three contacts (one with a queued email) and one live poster link in the open cycle."""
    now = dt.datetime.now(dt.UTC)
    invitations = [
        Invitation(cycle_id=cycle.id, office_code=OWN, email=f"c{i}@example.test", name=f"Firm {i}", status="sent",
                   sent_at=now)
        for i in range(3)
    ]  # fmt: skip
    session.add_all(invitations)
    session.add(SurveyLink(cycle_id=cycle.id, office_code=OWN, audience="citizen", version=1, active=True))
    session.flush()
    session.add(OutboxMessage(invitation_id=invitations[0].id, kind="reminder", state="queued"))
    session.commit()


def _state(session, code: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    session.expire_all()
    cycle = session.scalar(sa.select(Cycle).where(Cycle.code == code))
    emails = session.scalar(sa.select(sa.func.count()).where(Invitation.email.is_not(None)))
    return cycle.state, int(emails or 0)


def test_close_page_names_what_will_be_erased_and_retired_in_thai(client, session, cycle) -> None:  # type: ignore[no-untyped-def]
    _arrange(session, cycle)
    sign_in(client, session, "admin")
    assert f'href="/staff/cycles/{cycle.code}/close"' in client.get("/staff/cycles").text
    page = client.get(f"/staff/cycles/{cycle.code}/close")
    assert page.status_code == 200
    assert "อีเมลและชื่อของผู้ได้รับเชิญ 3 ราย" in page.text  # the 3 contacts
    assert "อีเมล 1 ฉบับที่ยังไม่ได้ส่ง" in page.text  # the queued email
    assert "ลิงก์โปสเตอร์ 1 ลิงก์" in page.text
    assert "ย้อนกลับไม่ได้" in page.text
    english = client.get(f"/staff/cycles/{cycle.code}/close?lang=en").text
    assert "Invited contacts whose email address and name are erased (PDPA): 3." in english
    assert "Emails not yet sent, cancelled: 1." in english
    assert "Poster links that stop opening the survey: 1." in english
    assert f"To confirm, type the cycle code: {cycle.code}" in english


@pytest.mark.parametrize("typed", [None, "", "EIT-2500", "close"])
def test_closing_without_the_typed_code_is_refused_and_changes_nothing(client, session, cycle, typed) -> None:  # type: ignore[no-untyped-def]
    _arrange(session, cycle)
    sign_in(client, session, "admin")
    token = csrf_token(client.get(f"/staff/cycles/{cycle.code}/close").text)
    data = {"csrf_token": token} | ({} if typed is None else {"confirm_code": typed})
    refused = client.post(f"/staff/cycles/{cycle.code}/close?lang=en", data=data)
    assert refused.status_code == 400
    assert f"Type the cycle code {cycle.code} to confirm. Nothing was changed." in refused.text
    assert _state(session, cycle.code) == ("open", 3)
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "cycle_closed")) == 0  # fmt: skip


def test_closing_with_the_typed_code_closes_and_erases(client, session, cycle) -> None:  # type: ignore[no-untyped-def]
    _arrange(session, cycle)
    sign_in(client, session, "admin")
    token = csrf_token(client.get(f"/staff/cycles/{cycle.code}/close").text)
    typed = f" {cycle.code.lower()} "  # spaces and case forgiven
    done = client.post(f"/staff/cycles/{cycle.code}/close", data={"csrf_token": token, "confirm_code": typed})
    assert done.status_code == 302
    assert _state(session, cycle.code) == ("closed", 0)


def test_close_page_is_for_admins_only(client, session, cycle) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "viewer")
    assert client.get(f"/staff/cycles/{cycle.code}/close").status_code == 403
