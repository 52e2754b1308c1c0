"""A logging filter that keeps survey tokens out of every log line (the app's, werkzeug's and gunicorn's).

Any path segment after ``/s/`` or ``/i/`` (survey and invitation links) and any ``token=`` query value is replaced
by ``[token]`` in the formatted message, whatever logger wrote it.
"""

from __future__ import annotations

import logging
import re

TOKEN_PATTERN = re.compile(r"(/(?:s|o|optout|i)/)[A-Za-z0-9_\-.~]+|((?:token|t)=)[^&\s\"']+")


def redact(text: str) -> str:
    """``text`` with every survey token replaced by ``[token]``."""
    return TOKEN_PATTERN.sub(lambda m: (m.group(1) or m.group(2)) + "[token]", text)


class TokenFilter(logging.Filter):
    """Rewrites a record's message with tokens redacted; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install(logger_names: tuple[str, ...] = ("", "werkzeug", "gunicorn.access", "gunicorn.error", "survey_app")) -> None:
    """Attach the filter to the named loggers and to every handler of the root logger."""
    token_filter = TokenFilter()
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenFilter) for f in logger.filters):
            logger.addFilter(token_filter)
        for handler in logger.handlers:
            if not any(isinstance(f, TokenFilter) for f in handler.filters):
                handler.addFilter(token_filter)
