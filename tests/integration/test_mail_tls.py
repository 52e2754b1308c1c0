"""SURVEY_MAIL_SECURITY starttls and tls with a login, against aiosmtpd with a certificate the test makes and the
worker verifies (the test's CA is trusted through SSL_CERT_FILE, as a real CA would be)."""

from __future__ import annotations

import datetime as dt
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from survey_app.clock import utc_now
from survey_app.db import db
from survey_app.models import Invitation, OutboxMessage
from survey_app.services.outreach.mailer import MailConfigError, MailSettings, Worker
from tests.smtp import SmtpServer

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the database plays no part here


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl") or pytest.skip("needs openssl")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def _server(certificate: tuple[Path, Path], implicit: bool) -> SmtpServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return SmtpServer(tls=context, implicit_tls=implicit, users={"eit": "s3cret-password"})


def _queue_one(session, cycle) -> None:  # type: ignore[no-untyped-def]
    invitation = Invitation(cycle_id=cycle.id, office_code="50", email="tls@factory.example")
    session.add(invitation)
    session.flush()
    session.add(OutboxMessage(invitation_id=invitation.id, kind="invitation", state="queued",
                              next_attempt_at=utc_now() - dt.timedelta(seconds=1)))  # fmt: skip
    session.commit()


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_encrypted_and_authenticated_delivery(
    app, session, cycle, certificate, monkeypatch, security
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    server = _server(certificate, implicit=security == "tls")
    server.controller.start()
    try:
        _queue_one(session, cycle)
        with app.app_context():
            settings = MailSettings.from_config(
                {
                    **app.config,
                    **server.config(MAIL_SECURITY=security, MAIL_USER="eit", MAIL_PASSWORD="s3cret-password"),
                }
            )
            wrong = MailSettings.from_config({**app.config, **server.config(
                MAIL_SECURITY=security, MAIL_USER="eit", MAIL_PASSWORD="wrong")})  # fmt: skip
            sessions = sessionmaker(db.engine, expire_on_commit=False)
            with pytest.raises(MailConfigError, match="refused the configured account"):
                Worker(wrong, sessions, sleep=lambda _s: None).run_once()
            assert server.received == []
            report = Worker(settings, sessions, sleep=lambda _s: None).run_once()
    finally:
        server.controller.stop()
    assert report.sent == 1
    assert [r.recipients for r in server.received] == [["tls@factory.example"]]


def test_an_untrusted_certificate_is_refused_as_a_configuration_error(
    app, session, cycle, certificate
) -> None:  # type: ignore[no-untyped-def]
    server = _server(certificate, implicit=False)  # SSL_CERT_FILE not set: the test CA is not trusted
    server.controller.start()
    try:
        _queue_one(session, cycle)
        with app.app_context():
            settings = MailSettings.from_config({**app.config, **server.config(MAIL_SECURITY="starttls")})
            with pytest.raises(MailConfigError, match="TLS"):
                Worker(
                    settings, sessionmaker(db.engine, expire_on_commit=False), sleep=lambda _s: None
                ).run_once()
    finally:
        server.controller.stop()
    assert server.received == []
