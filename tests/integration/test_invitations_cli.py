"""``survey-app invitations import|queue`` and ``survey-app mail send|remind`` against a real SMTP server."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent, Invitation
from tests.smtp import smtp_server_fixture  # noqa: F401  (the smtp_server fixture)


@pytest.fixture
def runner(app, smtp_server):  # type: ignore[no-untyped-def]
    app.config.update(smtp_server.config())
    return app.test_cli_runner()


def _csv(tmp_path: Path, text: str) -> str:
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    return str(path)


def test_import_prints_the_per_row_report_and_imports_nothing_from_a_file_with_errors(
    runner,
    session,
    cycle,
    tmp_path,
) -> None:
    path = _csv(
        tmp_path,
        "email,name,service\na@x.example,A,mining\nnope,B,\nA@X.example,A2,\nc@x.example,C,astrology\n",
    )
    blocked = runner.invoke(args=["invitations", "import", "--cycle", cycle.code, "--office", "50", path])
    assert blocked.exit_code == 1
    assert "row 3: bad email address: 'nope'" in blocked.output
    assert "row 4: skipped: duplicate of row 2" in blocked.output
    assert "row 5: unknown service: 'astrology'" in blocked.output
    assert "nothing imported" in blocked.output and "--valid-rows-only" in blocked.output
    assert session.scalars(select(Invitation)).all() == []

    chosen = runner.invoke(args=["invitations", "import", "--office", "50", "--valid-rows-only", path])
    assert chosen.exit_code == 0 and "1 invitation(s) created" in chosen.output
    session.expire_all()
    assert [(i.email, i.service) for i in session.scalars(select(Invitation))] == [("a@x.example", "mining")]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "contacts_imported")).one()
    assert (
        event.office_code == "50" and event.detail["created"] == 1 and "a@x.example" not in str(event.detail)
    )


def test_unreadable_file_and_unknown_office_are_refused_with_a_message(runner, cycle, tmp_path) -> None:
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = runner.invoke(args=["invitations", "import", "--office", "50", str(binary)])
    assert result.exit_code == 1 and "not a text file" in result.output
    ok = _csv(tmp_path, "email\na@x.example\n")
    result = runner.invoke(args=["invitations", "import", "--office", "99", ok])
    assert result.exit_code == 1 and "no office with code '99'" in result.output


def test_queue_send_and_remind_from_the_command_line(runner, session, cycle, tmp_path, smtp_server) -> None:
    path = _csv(tmp_path, "email\na@x.example\nb@x.example\n")
    assert runner.invoke(args=["invitations", "import", "--office", "50", path]).exit_code == 0
    queued = runner.invoke(args=["invitations", "queue", "--office", "50"])
    assert queued.exit_code == 0 and "2 invitation email(s) queued" in queued.output
    assert "0 invitation email(s) queued" in runner.invoke(args=["invitations", "queue"]).output

    sent = runner.invoke(args=["mail", "send"])
    assert sent.exit_code == 0 and "2 sent" in sent.output
    assert sorted(r.recipients[0] for r in smtp_server.received) == ["a@x.example", "b@x.example"]
    assert "@" not in sent.output

    session.execute(
        Invitation.__table__.update().where(Invitation.email == "a@x.example").values(responded=True)
    )
    session.commit()
    reminded = runner.invoke(args=["mail", "remind", "--after-days", "0", "--max", "1"])
    assert reminded.exit_code == 0 and "1 reminder(s) queued" in reminded.output
    assert "1 sent" in runner.invoke(args=["mail", "send"]).output
    assert [r.recipients for r in smtp_server.received[2:]] == [["b@x.example"]]
    assert (
        "0 reminder(s) queued"
        in runner.invoke(args=["mail", "remind", "--after-days", "0", "--max", "1"]).output
    )


def test_mail_send_stops_with_a_message_when_the_server_refuses_the_account(
    runner, app, session, cycle, tmp_path
) -> None:
    app.config.update(MAIL_USER="eit", MAIL_PASSWORD="secret")
    runner.invoke(args=["invitations", "import", "--office", "50", _csv(tmp_path, "email\na@x.example\n")])
    runner.invoke(args=["invitations", "queue"])
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 1 and "refused the configured account" in result.output
    assert "secret" not in result.output
