"""gunicorn's logger with a cheap access line: ``"GET /s/[token]" 200 33676 12ms``.

gunicorn formats an access line by first building a dictionary of every atom it knows (all request headers, the time
as text, the user agent ...) and then applying ``access_log_format`` to it: about 40 µs a request, for the five
fields ``gunicorn_conf.ACCESS_LOG_FORMAT`` names. :class:`AccessLogger` writes those five directly when the
format is that one (any other format goes gunicorn's way). The line then goes through the ``gunicorn.access``
logger as before, so the token and address redaction of :mod:`.logfilter` (record factory and handler filter) still
applies to it, and logging configuration still decides where it goes.
"""

from __future__ import annotations

import traceback
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

# No client address, user agent, referrer or time of day: survey URLs carry tokens, and a line with an address and a
# time must not be lined up with the order in which responses were stored.
ACCESS_LOG_FORMAT = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'


class AccessLogger(Logger):
    """gunicorn's logger; its access line is built from the five fields of :data:`ACCESS_LOG_FORMAT` only."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if self.cfg.access_log_format != ACCESS_LOG_FORMAT:
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        method = _quoted(environ.get("REQUEST_METHOD"))
        path = _quoted(environ.get("PATH_INFO"))
        ms = request_time.seconds * 1000 + request_time.microseconds // 1000
        try:  # the line as gunicorn's format gives it (quotes escaped the same way), without %-formatting
            self.access_log.info(f'"{method} {path}" {status} {getattr(resp, "sent", None)} {ms}ms')
        except Exception:
            self.error(traceback.format_exc())


def _quoted(value: str | None) -> str:
    return "-" if value is None else value.replace('"', '\\"')
