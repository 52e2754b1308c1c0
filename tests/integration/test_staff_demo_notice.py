"""Staff pages say plainly when the cycle holds synthetic demo responses."""

from __future__ import annotations

from survey_app.clock import local_today
from survey_app.models import Response
from survey_app.services.accounts import staff as accounts
from tests.helpers import login

PASSWORD = "a long staff password"


def _admin(session) -> None:
    accounts.create_staff(session, "admin@industry.go.th", "admin", PASSWORD)
    session.commit()


def _responses(session, cycle, demo: bool, count: int) -> None:
    for _ in range(count):
        session.add(
            Response(
                cycle_id=cycle.id, office_code="50", channel="poster", respondent_type="individual",
                service="other", questionnaire_version="2568", is_demo=demo, submitted_on=local_today(),
            )
        )  # fmt: skip
    session.commit()


def test_demo_responses_are_announced_on_staff_pages_in_thai_and_english(client, session, cycle) -> None:
    _admin(session)
    _responses(session, cycle, demo=True, count=3)
    _responses(session, cycle, demo=False, count=2)
    login(client, "admin@industry.go.th", PASSWORD)
    thai = client.get("/staff/offices/50").text
    assert "ข้อมูลสาธิต: รอบนี้มีคำตอบจำลอง 3 ชุด" in thai
    english = client.get("/staff/?lang=en").text
    assert "Demo data: this cycle holds 3 synthetic responses" in english


def test_no_notice_without_demo_responses(client, session, cycle) -> None:
    _admin(session)
    _responses(session, cycle, demo=False, count=2)
    login(client, "admin@industry.go.th", PASSWORD)
    assert "ข้อมูลสาธิต" not in client.get("/staff/offices/50").text
