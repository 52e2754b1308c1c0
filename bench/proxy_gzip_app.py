"""The product (``wsgi:app``) as it is served behind the documented reverse proxy (README, "Production notes":
the proxy gzips ``text/html``, ``text/css`` and ``application/javascript``): HTML responses are gzip-compressed
(level 6) for clients that accept it, as such a proxy does; everything else passes through untouched (the app
compresses its static files itself). Only for ``bench/first_paint.py --proxy-gzip``.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable
from typing import Any

from wsgi import app as product

StartResponse = Callable[..., Any]


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """``product`` with gzip on its HTML responses."""
    if "gzip" not in environ.get("HTTP_ACCEPT_ENCODING", ""):
        return product(environ, start_response)
    captured: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        captured.update(status=status, headers=headers, exc_info=exc_info)
        return lambda _data: None

    body_iter = product(environ, capture)
    try:
        body = b"".join(body_iter)
    finally:
        close = getattr(body_iter, "close", None)
        if close is not None:
            close()
    headers: list[tuple[str, str]] = captured["headers"]
    names = {name.lower(): value for name, value in headers}
    if names.get("content-type", "").startswith("text/html") and "content-encoding" not in names and body:
        body = gzip.compress(body, compresslevel=6)
        headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
        headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))]
        vary = names.get("vary")
        headers = [(n, v) for n, v in headers if n.lower() != "vary"]
        headers.append(("Vary", f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"))
    start_response(captured["status"], headers, captured["exc_info"])
    return [body]
