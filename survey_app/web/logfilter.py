"""Keeps survey tokens and client addresses out of every log line the process writes: the app's, werkzeug's,
Flask-Limiter's and gunicorn's.

Whatever follows ``/s/``, ``/k/``, ``/o/``, ``/optout/``, ``/i/`` or ``/t/`` in a path (survey, kiosk, opt-out and
invitation links, poster short codes) up to the next ``/``, ``?``, ``#``, quote or space, and any ``token=``,
``t=`` or ``code=`` query value, becomes ``[token]``. The match is on raw characters, so a percent-encoded token
is caught whole. Every IPv4 address and every IPv6 address (one with ``::`` or at least five colons, so times of
day stay) becomes ``[address]``: werkzeug's request log
starts with the client's address, and no log line may let an address be lined up with a response. Server
addresses in messages are redacted alike; operators know them from the configuration.

:func:`install` wraps the log record factory, so every record is redacted when it is created, whichever logger
creates it and whichever handlers it reaches later (a filter on a logger does not see records propagated from its
children, and handlers may be added after the app starts). Tracebacks are formatted and redacted at that moment
too, since an exception's text may quote a URL. :class:`TokenFilter` does the same as a handler filter, for
gunicorn's own logging configuration (``gunicorn_conf.py``), which is set up before the app is imported.
"""

from __future__ import annotations

import logging
import re
from typing import Any

TOKEN_PATTERN = re.compile(r"(/(?:s|k|o|optout|i|t)/)[^\s/?#\"'<>]+|(\b(?:token|t|code)=)[^&\s\"'<>]+")
IPV4_PATTERN = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
IPV6_CANDIDATE = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
_FORMATTER = logging.Formatter()


def _ipv6(match: re.Match[str]) -> str:
    text = match.group(0)
    return "[address]" if "::" in text or text.count(":") >= 5 else text


def redact(text: str) -> str:
    """``text`` with every survey token replaced by ``[token]`` and every IP address by ``[address]``."""
    text = TOKEN_PATTERN.sub(lambda m: (m.group(1) or m.group(2)) + "[token]", text)
    text = IPV4_PATTERN.sub("[address]", text)
    return IPV6_CANDIDATE.sub(_ipv6, text)


def redact_record(record: logging.LogRecord) -> None:
    """Rewrite ``record``'s message, traceback and stack text with tokens and addresses redacted (in place), once: a
    record already redacted when it was created is not searched again by a handler's filter."""
    if getattr(record, "survey_redacted", False):
        return
    record.survey_redacted = True
    try:
        message = record.getMessage()
    except Exception:  # a malformed log call is for logging to report when it emits, not for us to raise
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and not record.exc_text:
        record.exc_text = _FORMATTER.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class TokenFilter(logging.Filter):
    """A handler or logger filter that redacts tokens; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install() -> None:
    """Redact every log record of this process from now on (idempotent: wraps the record factory once)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts_survey_tokens", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    factory.redacts_survey_tokens = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
