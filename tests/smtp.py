"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives and can be told to refuse.

The ``smtp_server`` fixture starts one per test; ``smtp_server.received`` lists parsed messages, and
``smtp_server.refuse(address, code, times)`` makes RCPT TO for ``address`` answer ``code`` that many times (4xx is
a temporary failure, 5xx a permanent one).
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    refusals: dict[str, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        with self.lock:
            codes = self.refusals.get(address.lower())
            code = codes.pop(0) if codes else None
        if code is not None:
            return f"{code} {'4.2.1 mailbox busy, try later' if code < 500 else '5.1.1 <' + address + '> unknown'}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted"


class SmtpServer:
    """aiosmtpd on 127.0.0.1. With ``tls`` (a server SSLContext) it offers STARTTLS, or speaks TLS from the first
    byte when ``implicit_tls``; with ``users`` it requires AUTH (after TLS) with those passwords."""

    def __init__(
        self,
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        users: dict[str, str] | None = None,
    ) -> None:
        self.handler = Handler()
        self.port = _free_port()
        options: dict[str, Any] = {}
        if users is not None:
            options.update(auth_required=True, authenticator=_authenticator(users))
        if tls is not None and implicit_tls:
            # aiosmtpd counts only STARTTLS as TLS for AUTH (and warns when AUTH is required without it); here the
            # whole connection is TLS from the start, so AUTH is offered, and still refuses a wrong password.
            options.update(ssl_context=tls, auth_require_tls=False, auth_required=False)
        elif tls is not None:
            options.update(tls_context=tls, require_starttls=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def refuse(self, address: str, code: int, times: int = 1) -> None:
        with self.handler.lock:
            self.handler.refusals.setdefault(address.lower(), []).extend([code] * times)

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.recipients]

    def config(self, **overrides: Any) -> dict[str, Any]:
        """App settings that send to this server."""
        return {
            "MAIL_HOST": "127.0.0.1",
            "MAIL_PORT": self.port,
            "MAIL_SECURITY": "none",
            "MAIL_SENDER": "eit@industry.example",
            "MAIL_RATE_PER_MINUTE": 6000,
            **overrides,
        }


def _authenticator(users: dict[str, str]):  # type: ignore[no-untyped-def]
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and users.get(data.login.decode()) == data.password.decode()
        return AuthResult(success=ok, handled=False)

    return check


@pytest.fixture(name="smtp_server")
def smtp_server_fixture() -> Iterator[SmtpServer]:
    """A fresh SMTP server on loopback for one test (import ``smtp_server_fixture`` into the test module)."""
    server = SmtpServer()
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()
