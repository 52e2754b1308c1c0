"""The mail worker: takes due messages from the outbox one at a time and delivers them over SMTP.

Settings come from ``SURVEY_MAIL_*`` (host, port, security ``none``/``starttls``/``tls``, user, password, sender,
rate per minute). The rate is shared by every worker: before each claim the worker counts what all workers sent
in the last minute. Between two sends it also waits ``60 / rate`` seconds so a burst does not hit the server.

Failures are sorted by what they mean:

- the server refused the recipient or the message with a 5xx reply: permanent, the invitation is marked failed
  with the (address-free) reply;
- a 4xx reply, a dropped connection or a timeout: temporary, retried with exponential backoff
  (:mod:`.outbox`); a connection problem also ends the run, so a server that is down is not hammered;
- a refused login, a refused sender or a failed TLS handshake: the configuration is wrong, not the address. The
  message goes back to the queue as it was (the attempt does not count) and the run stops with
  :class:`MailConfigError`.

Logs name outbox ids and SMTP codes only: never an address or a token.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import secrets
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy.orm import Session, sessionmaker

from ...clock import utc_now
from ...models import Cycle, Invitation, Office, OutboxMessage
from . import outbox
from .emails import Envelope, compose

log = logging.getLogger(__name__)
SMTP_TIMEOUT = 30
SECURITY = ("none", "starttls", "tls")
_RATE_LIMITED = object()


class MailConfigError(RuntimeError):
    """Mail cannot be sent with the current settings (login, sender, TLS); the message says what failed."""


class TemporaryFailureError(Exception):
    def __init__(self, reason: str, connection: bool = False) -> None:
        super().__init__(reason)
        self.connection = connection


class PermanentFailureError(Exception):
    pass


@dataclass(frozen=True)
class MailSettings:
    host: str = "localhost"
    port: int = 25
    security: str = "none"
    user: str | None = None
    password: str | None = None
    sender: str = "noreply@localhost"
    rate_per_minute: int = 60

    @classmethod
    def from_config(cls, config: Any) -> MailSettings:
        """The settings from a Flask config; raises :class:`MailConfigError` for an unknown security mode."""
        settings = cls(
            host=config["MAIL_HOST"],
            port=int(config["MAIL_PORT"]),
            security=str(config["MAIL_SECURITY"]).lower(),
            user=config.get("MAIL_USER"),
            password=config.get("MAIL_PASSWORD"),
            sender=config["MAIL_SENDER"],
            rate_per_minute=int(config["MAIL_RATE_PER_MINUTE"]),
        )
        if settings.security not in SECURITY:
            raise MailConfigError(f"SURVEY_MAIL_SECURITY must be one of {', '.join(SECURITY)}")
        if settings.rate_per_minute < 1:
            raise MailConfigError("SURVEY_MAIL_RATE_PER_MINUTE must be at least 1")
        return settings


class SmtpTransport:
    """One SMTP connection, opened on first use and reused for the messages of a run."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, envelope: Envelope) -> None:
        """Deliver ``envelope``; raises :class:`TemporaryFailureError`, :class:`PermanentFailureError` or
        :class:`MailConfigError`."""
        try:
            smtp = self._connection()
            smtp.send_message(envelope.message, from_addr=self.settings.sender, to_addrs=[envelope.recipient])
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPHeloError) as exc:
            self.close()
            raise TemporaryFailureError(f"connection: {type(exc).__name__}: {exc}", connection=True) from None
        except (
            smtplib.SMTPAuthenticationError,
            smtplib.SMTPSenderRefused,
            smtplib.SMTPNotSupportedError,
        ) as exc:
            self.close()
            raise MailConfigError(
                f"the mail server refused the configured account or sender: {_reply(exc)}"
            ) from None
        except ssl.SSLError as exc:
            self.close()
            raise MailConfigError(f"TLS with the mail server failed: {exc.reason or exc}") from None
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            _raise_for_code(code, f"{code} {_text(text)}")
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing the connection
                self.close()
            _raise_for_code(exc.smtp_code, _reply(exc))
        except OSError as exc:
            self.close()
            raise TemporaryFailureError(f"connection: {type(exc).__name__}: {exc}", connection=True) from None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        s = self.settings
        context = ssl.create_default_context()
        if s.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT)
            if s.security == "starttls":
                smtp.starttls(context=context)
        if s.user:
            smtp.login(s.user, s.password or "")
        self._smtp = smtp
        return smtp

    def close(self) -> None:
        """Say QUIT if the connection still answers; forget it either way."""
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _reply(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc)


def _raise_for_code(code: int, reason: str) -> None:
    if 400 <= code < 500:
        raise TemporaryFailureError(reason)
    raise PermanentFailureError(reason)


@dataclass
class RunReport:
    """What one run of the worker did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    released: int = 0
    rate_limited: bool = False
    stopped_on_connection: bool = False
    lost: int = 0  # claimed by this worker but taken away before the result was recorded

    def __str__(self) -> str:
        parts = [
            f"{self.sent} sent",
            f"{self.retried} to retry",
            f"{self.failed} failed",
            f"{self.cancelled} cancelled",
        ]
        if self.rate_limited:
            parts.append("paused by the rate limit")
        if self.stopped_on_connection:
            parts.append("stopped: the mail server could not be reached")
        return ", ".join(parts)


@dataclass
class Worker:
    """Sends due outbox messages. ``clock`` and ``sleep`` are injectable so tests can move time."""

    settings: MailSettings
    sessions: sessionmaker[Session]
    name: str = field(
        default_factory=lambda: f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
    )
    clock: Callable[[], dt.datetime] = field(default=utc_now)
    sleep: Callable[[float], None] = time.sleep

    def run_once(self, limit: int | None = None) -> RunReport:
        """Send every due message (at most ``limit``) within the rate; returns what happened."""
        report = RunReport()
        with self.sessions.begin() as session:
            report.released = outbox.release_stale(session, self.clock())
        transport = SmtpTransport(self.settings)
        try:
            while limit is None or report.sent + report.failed + report.retried < limit:
                step = self._claim_next(report)
                if step is _RATE_LIMITED:
                    report.rate_limited = True
                    break
                if step is None:
                    break
                message_id, envelope = cast(tuple[int, Envelope | None], step)
                if envelope is not None and not self._deliver(message_id, envelope, transport, report):
                    break
        finally:
            transport.close()
        return report

    def run_forever(self, stop: threading.Event, idle_seconds: float = 10.0) -> None:
        """Run until ``stop`` is set, waiting ``idle_seconds`` whenever there is nothing to do."""
        while not stop.is_set():
            try:
                report = self.run_once(limit=self.settings.rate_per_minute)
            except MailConfigError as exc:
                log.error("mail worker paused: %s", exc)
                stop.wait(idle_seconds * 6)
                continue
            if report.sent or report.failed or report.retried:
                log.info("mail worker %s: %s", self.name, report)
            else:
                stop.wait(idle_seconds)

    def _claim_next(self, report: RunReport) -> tuple[int, Envelope | None] | object | None:
        """In one transaction: check the shared rate, claim the next due message and compose it.

        Returns ``_RATE_LIMITED``, None when nothing is due, or (id, envelope); the envelope is None when the
        message was cancelled or failed instead (already recorded).
        """
        now = self.clock()
        with self.sessions.begin() as session:
            if outbox.sent_since(session, now - dt.timedelta(minutes=1)) >= self.settings.rate_per_minute:
                return _RATE_LIMITED
            message_id = outbox.claim_next(session, self.name, now)
            if message_id is None:
                return None
            return message_id, self._compose(session, message_id, report, now)

    def _deliver(
        self, message_id: int, envelope: Envelope, transport: SmtpTransport, report: RunReport
    ) -> bool:
        """Send one claimed message and record the outcome; False when the run should stop."""
        try:
            transport.send(envelope)
        except MailConfigError:
            with self.sessions.begin() as session:
                outbox.release(session, session.get_one(OutboxMessage, message_id), self.name)
            raise
        except TemporaryFailureError as exc:
            log.warning("outbox %s: temporary failure: %s", message_id, outbox.scrub(str(exc), 200))
            self._record(message_id, report, retry=str(exc))
            report.stopped_on_connection = exc.connection
            return not exc.connection
        except PermanentFailureError as exc:
            log.warning("outbox %s: refused for good: %s", message_id, outbox.scrub(str(exc), 200))
            self._record(message_id, report, failure=str(exc))
            return True
        self._record(message_id, report)
        self.sleep(60.0 / self.settings.rate_per_minute)
        return True

    def _compose(
        self, session: Session, message_id: int, report: RunReport, now: dt.datetime
    ) -> Envelope | None:
        """The email of a just-claimed message, or None after cancelling or failing it."""
        message = session.get_one(OutboxMessage, message_id)
        invitation = session.get_one(Invitation, message.invitation_id)
        cycle = session.get_one(Cycle, invitation.cycle_id)
        reason = outbox.why_not_deliverable(message, invitation, cycle, now)
        if reason is not None:
            outbox.cancel(session, message, self.name, reason)
            report.cancelled += 1
            return None
        office = session.get_one(Office, invitation.office_code)
        try:
            return compose(message, invitation, office, cycle, self.settings.sender, now)
        except Exception:  # a broken template must not leave the message claimed forever
            log.exception("outbox %s: the email could not be composed", message_id)
            outbox.mark_failed(session, message, self.name, "the email could not be composed")
            report.failed += 1
            return None

    def _record(
        self, message_id: int, report: RunReport, retry: str | None = None, failure: str | None = None
    ) -> None:
        now = self.clock()
        with self.sessions.begin() as session:
            message = session.get_one(OutboxMessage, message_id)
            if failure is not None:
                outbox.mark_failed(session, message, self.name, failure)
                report.failed += 1
            elif retry is not None:
                retried = outbox.mark_retry(session, message, self.name, now, retry)
                report.retried += int(retried)
                report.failed += int(not retried)
            elif outbox.mark_sent(session, message, self.name, now):
                report.sent += 1
                log.info("outbox %s: %s sent", message_id, message.kind)
            else:
                report.lost += 1
