"""End to end against a real SMTP server on loopback: import a CSV, send, read the message, follow its link,
answer the survey, see the invitation answered; reminders skip it; a temporary failure is retried and delivered
once; an opt-out (confirmed by POST, never by GET) stops reminders."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from survey_app.models import Invitation, OutboxMessage, Response
from survey_app.services.outreach import contacts, outbox
from survey_app.services.outreach.invitations import import_contacts
from tests.integration.test_mail_worker import Clock, worker
from tests.smtp import smtp_server_fixture  # noqa: F401  (the smtp_server fixture)
from tests.survey_helpers import form_data

URL = re.compile(r"http://survey\.test(/[so]/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def mail_app(app, smtp_server):  # type: ignore[no-untyped-def]
    app.config.update(smtp_server.config())
    with app.app_context():
        yield app


def _links(message) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The survey path and the opt-out path in the plain-text part of ``message``."""
    paths = URL.findall(message.get_body(("plain",)).get_content())
    survey = [p for p in paths if p.startswith("/s/")]
    optout = [p for p in paths if p.startswith("/o/")]
    assert len(set(survey)) == 1 and len(set(optout)) == 1
    return survey[0], optout[0]


def _invitation(session, email: str) -> Invitation:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(select(Invitation).where(Invitation.email == email)).one()


def test_invitation_journey_from_csv_to_answer_then_reminders_retry_and_opt_out(
    mail_app,
    client,
    session,
    cycle,
    questionnaire,
    smtp_server,
) -> None:
    clock = Clock()
    csv = (
        "\ufeffอีเมล,ชื่อ,บริการ\r\n"
        "answers@factory.example,บริษัท ตอบ จำกัด,การอนุญาตประกอบกิจการโรงงาน\r\n"
        "busy@factory.example,Busy Co.,mining\r\n"
        "silent@factory.example,,\r\n"
    ).encode()
    parsed = contacts.parse(csv, contacts.service_spellings(questionnaire))
    assert import_contacts(session, cycle, "50", parsed).created == 3
    assert outbox.queue_invitations(session, cycle, "50", clock()) == 3
    session.commit()

    # The busy mailbox answers 451 once: retried after the backoff and delivered exactly once.
    smtp_server.refuse("busy@factory.example", 451)
    w = worker(mail_app, clock)
    assert (w.run_once().sent, len(smtp_server.received)) == (2, 2)
    clock.advance(minutes=2)
    assert w.run_once().sent == 1
    clock.advance(hours=1)
    assert w.run_once().sent == 0
    assert [len(smtp_server.to(f"{n}@factory.example")) for n in ("answers", "busy", "silent")] == [1, 1, 1]

    # The recipient follows the link in the email and answers.
    (message,) = smtp_server.to("answers@factory.example")
    survey_path, _ = _links(message)
    page = client.get(survey_path)
    assert page.status_code == 200 and "สำนักงานอุตสาหกรรมจังหวัดเชียงใหม่" in page.text
    done = client.post(survey_path, data=form_data(page.text, questionnaire, respondent_type="business"))
    assert done.status_code == 303
    answered = _invitation(session, "answers@factory.example")
    assert answered.responded is True
    assert session.scalar(select(func.count(Response.id)).where(Response.channel == "email")) == 1
    again = client.get(survey_path)
    assert again.status_code == 200 and "ท่านตอบแบบสอบถามนี้แล้ว" in again.text  # a link works once

    # A reminder run skips the answered invitation and reminds the two others.
    clock.advance(days=3)
    assert outbox.remind(session, clock(), after_days=2, max_reminders=2) == 2
    session.commit()
    assert w.run_once().sent == 2
    reminders = [
        m for r in smtp_server.received for m in [r.message] if m["Subject"].startswith("เตือนความจำ")
    ]
    assert sorted(r["To"] for r in reminders) == ["busy@factory.example", "silent@factory.example"]
    assert smtp_server.to("answers@factory.example") == [message]

    # Opting out: the GET (what a mail scanner does) changes nothing; the POST stops further reminders.
    (first, *_rest) = smtp_server.to("silent@factory.example")
    _, optout_path = _links(first)
    confirm = client.get(optout_path)
    assert confirm.status_code == 200 and 'method="post"' in confirm.text
    assert _invitation(session, "silent@factory.example").status == "sent"
    assert client.post(optout_path).status_code == 200
    assert _invitation(session, "silent@factory.example").status == "opted_out"

    clock.advance(days=3)
    assert outbox.remind(session, clock(), after_days=2, max_reminders=2) == 1  # busy only
    session.commit()
    assert w.run_once().sent == 1
    assert len(smtp_server.to("silent@factory.example")) == 2  # the invitation and one reminder, no more
    assert len(smtp_server.to("busy@factory.example")) == 3
    clock.advance(days=3)
    assert outbox.remind(session, clock(), after_days=2, max_reminders=2) == 0  # busy had its two reminders
    assert session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.state == "queued")) == 0
