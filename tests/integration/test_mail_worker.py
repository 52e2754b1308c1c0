"""The mail worker against a real SMTP server on loopback (aiosmtpd): bilingual messages with the personal and
opt-out links, retries with backoff, permanent failures, the shared rate, and no double sends between workers."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from survey_app import tokens
from survey_app.clock import utc_now
from survey_app.db import db
from survey_app.models import Invitation, OutboxMessage
from survey_app.services.outreach import contacts, outbox
from survey_app.services.outreach.invitations import import_contacts
from survey_app.services.outreach.mailer import MailConfigError, MailSettings, Worker
from tests.smtp import smtp_server_fixture  # noqa: F401  (the smtp_server fixture)

pytestmark = pytest.mark.usefixtures("smtp_server")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = utc_now().replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def mail_app(app, smtp_server):  # type: ignore[no-untyped-def]
    app.config.update(smtp_server.config())
    with app.app_context():
        yield app


def worker(app, clock: Clock, name: str = "w1", **settings: object) -> Worker:  # type: ignore[no-untyped-def]
    config = MailSettings.from_config({**app.config, **settings})
    return Worker(
        config, sessionmaker(db.engine, expire_on_commit=False), name=name, clock=clock, sleep=lambda _s: None
    )


def invite(session, cycle, clock: Clock, *emails: str, office: str = "50", names: bool = True) -> None:  # type: ignore[no-untyped-def]
    rows = "\n".join(f"{e},{'บริษัท ' + e.split('@')[0] if names else ''}" for e in emails)
    parsed = contacts.parse(f"email,name\n{rows}\n".encode(), {})
    assert not parsed.problems
    import_contacts(session, cycle, office, parsed)
    outbox.queue_invitations(session, cycle, office, clock())
    session.commit()


def test_an_invitation_is_delivered_in_thai_and_english_with_its_personal_and_opt_out_links(
    mail_app,
    session,
    cycle,
    clock,
    smtp_server,
) -> None:
    invite(session, cycle, clock, "somchai@factory.example")
    report = worker(mail_app, clock).run_once()
    assert (report.sent, report.failed, report.retried) == (1, 0, 0)

    (message,) = smtp_server.to("somchai@factory.example")
    invitation = session.scalars(select(Invitation)).one()
    session.refresh(invitation)
    assert invitation.status == "sent" and invitation.sent_at is not None
    assert "ขอเชิญตอบแบบสำรวจ" in message["Subject"] and "How did Chiang Mai" in message["Subject"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    survey_url = f"http://survey.test/s/{tokens.invitation_token(invitation.id)}"
    optout_url = f"http://survey.test/o/{tokens.optout_token(invitation.id)}"
    for body in (text, html):
        assert survey_url in body and optout_url in body
        assert "สำนักงานอุตสาหกรรมจังหวัดเชียงใหม่" in body and "Chiang Mai Provincial Industry Office" in body
        assert "บริษัท somchai" in body
    assert "ไม่ระบุตัวตน" in text and "anonymous" in text
    assert message["List-Unsubscribe"].strip() == f"<{optout_url}>"
    assert message["From"].addresses[0].addr_spec == "eit@industry.example"


def test_a_temporary_failure_is_retried_with_backoff_and_delivered_exactly_once(
    mail_app,
    session,
    cycle,
    clock,
    smtp_server,
) -> None:
    smtp_server.refuse("busy@factory.example", 451, times=2)
    invite(session, cycle, clock, "busy@factory.example", "calm@factory.example")
    w = worker(mail_app, clock)

    first = w.run_once()
    assert (first.sent, first.retried) == (1, 1)
    assert w.run_once().sent == 0  # not due yet: the first retry waits a minute
    clock.advance(seconds=61)
    assert (w.run_once().retried, smtp_server.to("busy@factory.example")) == (1, [])
    clock.advance(seconds=119)
    assert w.run_once().sent == 0  # the second retry waits two minutes
    clock.advance(seconds=2)
    assert w.run_once().sent == 1
    clock.advance(hours=3)
    assert w.run_once().sent == 0

    assert len(smtp_server.to("busy@factory.example")) == 1
    assert len(smtp_server.to("calm@factory.example")) == 1
    message = session.scalars(
        select(OutboxMessage).join(Invitation).where(Invitation.email.like("busy%"))
    ).one()
    assert (message.state, message.attempts) == ("sent", 3)


def test_a_permanent_refusal_marks_the_invitation_failed_with_a_reason_free_of_the_address(
    mail_app,
    session,
    cycle,
    clock,
    smtp_server,
) -> None:
    smtp_server.refuse("gone@factory.example", 550)
    invite(session, cycle, clock, "gone@factory.example")
    report = worker(mail_app, clock).run_once()
    assert (report.sent, report.failed) == (0, 1)
    invitation = session.scalars(select(Invitation)).one()
    session.refresh(invitation)
    assert invitation.status == "failed"
    assert invitation.failure_reason is not None and invitation.failure_reason.startswith("550")
    assert "gone@" not in invitation.failure_reason and "<address>" in invitation.failure_reason
    clock.advance(days=1)
    assert worker(mail_app, clock).run_once().sent == 0 and smtp_server.received == []


def test_the_rate_per_minute_is_shared_and_respected(mail_app, session, cycle, clock, smtp_server) -> None:
    invite(session, cycle, clock, *(f"r{i}@factory.example" for i in range(5)))
    first = worker(mail_app, clock, "w1", MAIL_RATE_PER_MINUTE=3).run_once()
    second = worker(mail_app, clock, "w2", MAIL_RATE_PER_MINUTE=3).run_once()
    assert (first.sent, first.rate_limited, second.sent, second.rate_limited) == (3, True, 0, True)
    clock.advance(seconds=61)
    assert worker(mail_app, clock, "w2", MAIL_RATE_PER_MINUTE=3).run_once().sent == 2
    assert len(smtp_server.received) == 5


def test_two_workers_at_once_never_send_the_same_email_twice(
    mail_app, session, cycle, clock, smtp_server
) -> None:
    addresses = [f"c{i}@factory.example" for i in range(40)]
    invite(session, cycle, clock, *addresses, names=False)
    reports = []
    start = threading.Barrier(2)

    def run(name: str) -> None:
        with mail_app.app_context():
            w = worker(mail_app, clock, name)
            start.wait()
            reports.append(w.run_once())

    threads = [threading.Thread(target=run, args=(n,)) for n in ("alpha", "beta")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    recipients = sorted(r for received in smtp_server.received for r in received.recipients)
    assert recipients == sorted(addresses)  # every address exactly once
    assert sum(r.sent for r in reports) == 40
    assert all(r.sent > 0 for r in reports), "both workers took part"
    claimed = session.scalars(select(OutboxMessage.claimed_by).distinct()).all()
    assert sorted(claimed) == ["alpha", "beta"]


def test_a_refused_login_stops_the_run_and_keeps_the_message_queued(mail_app, session, cycle, clock) -> None:
    invite(session, cycle, clock, "a@factory.example")
    w = worker(mail_app, clock, MAIL_USER="eit", MAIL_PASSWORD="wrong")  # aiosmtpd offers no AUTH without TLS
    with pytest.raises(MailConfigError, match="refused the configured account"):
        w.run_once()
    message = session.scalars(select(OutboxMessage)).one()
    session.refresh(message)
    invitation = session.get(Invitation, message.invitation_id)
    assert message.state == "queued" and invitation is not None and invitation.status == "pending"


def test_an_unreachable_server_is_a_temporary_failure_and_ends_the_run(
    mail_app, session, cycle, clock
) -> None:
    invite(session, cycle, clock, "a@factory.example", "b@factory.example")
    report = worker(mail_app, clock, MAIL_PORT=1).run_once()
    assert (report.sent, report.retried, report.stopped_on_connection) == (0, 1, True)
    states = sorted(session.scalars(select(OutboxMessage.state)).all())
    assert states == ["queued", "queued"]


def test_worker_logs_carry_neither_addresses_nor_tokens(
    mail_app, session, cycle, clock, smtp_server, caplog
) -> None:
    smtp_server.refuse("temp@factory.example", 451)
    smtp_server.refuse("perm@factory.example", 550)
    invite(session, cycle, clock, "ok@factory.example", "temp@factory.example", "perm@factory.example")
    with caplog.at_level(logging.DEBUG):
        report = worker(mail_app, clock).run_once()
    assert (report.sent, report.retried, report.failed) == (1, 1, 1)
    ids = session.scalars(select(Invitation.id)).all()
    ours = [
        r.getMessage() for r in caplog.records if r.name.startswith("survey_app")
    ]  # not the test server's
    text = "\n".join(ours)
    assert len(ours) == 3 and "@factory.example" not in text
    assert not any(i in text for i in ids)


def test_messages_for_answered_opted_out_or_erased_invitations_are_cancelled_not_sent(
    mail_app,
    session,
    cycle,
    clock,
    smtp_server,
) -> None:
    invite(
        session, cycle, clock, "answered@f.example", "optout@f.example", "erased@f.example", "fine@f.example"
    )
    by_email = {i.email: i for i in session.scalars(select(Invitation))}
    by_email["answered@f.example"].responded = True
    outbox.opt_out(session, by_email["optout@f.example"].id)
    by_email["erased@f.example"].email = None
    session.commit()
    report = worker(mail_app, clock).run_once()
    assert (report.sent, report.cancelled) == (1, 2)  # the opted-out message was cancelled when opting out
    assert [r.recipients for r in smtp_server.received] == [["fine@f.example"]]


def test_the_loop_sends_mail_queued_while_it_runs_and_stops_on_request(
    mail_app, session, cycle, clock, smtp_server
):  # type: ignore[no-untyped-def]
    stop = threading.Event()

    def run() -> None:
        with mail_app.app_context():
            worker(mail_app, clock).run_forever(stop, idle_seconds=0.05)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        invite(session, cycle, clock, "late@factory.example")  # queued after the worker started
        for _ in range(200):
            if smtp_server.to("late@factory.example"):
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(smtp_server.to("late@factory.example")) == 1
