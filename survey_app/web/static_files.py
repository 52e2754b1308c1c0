"""Static files that need no round trip: fingerprinted URLs, a year-long immutable cache and gzip for text.

Every URL the app builds for a file under ``static/`` (``static_url('site.css')`` in templates, and any
``url_for('static', filename=...)``) carries the first 10 hex digits of the file's SHA-256 in its name:
``/static/site.3f2a1b9c0d.css``. A request for the current fingerprint is answered with
``Cache-Control: public, max-age=31536000, immutable``, so a browser keeps the file for a year without asking again;
a changed file gets a new name, so nobody is served an old copy. The plain name (``/static/site.css``) and a stale
fingerprint (a page rendered before a deploy asking for the previous version) are still answered, with the current
content and ``no-cache``, so they are revalidated and never pinned. Text files (CSS, JavaScript, SVG, text, JSON)
are sent gzip-compressed to clients that accept it (``Vary: Accept-Encoding``).

A page that must paint on a visitor's first request without a second connection (the survey form for a browser that
has none of its cookies yet) can carry a stylesheet inline instead: :func:`inline_style` gives its text, with the
comments and line breaks taken out, and the ``'sha256-...'`` source the page's Content-Security-Policy must list for
it (:func:`allow_inline_style`); no ``'unsafe-inline'`` is ever allowed.

The fingerprint and the compressed body of a file are computed on first use and kept while the file's size,
modification time and inode stay the same (one ``stat`` per URL built or file served).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import mimetypes
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, abort, current_app, request, url_for
from flask.wrappers import Response
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
DIGEST_LENGTH = 10
COMPRESSIBLE = frozenset({".css", ".js", ".mjs", ".svg", ".txt", ".json", ".map", ".md"})
_FINGERPRINTED = re.compile(
    rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)?$"
)


@dataclass(frozen=True)
class Asset:
    """One static file as served: its bytes, gzip-compressed bytes (text only) and fingerprint."""

    body: bytes
    gzipped: bytes | None
    digest: str
    content_type: str


@dataclass(frozen=True)
class InlineStyle:
    """A stylesheet to put in a ``<style>`` element: its text and the CSP source that allows exactly that text."""

    text: str
    csp_source: str  # 'sha256-<base64 of the SHA-256 of the text>'
    digest: str  # the file's fingerprint, for the keys of cached pages


_cache: dict[str, tuple[tuple[int, int, int], Asset]] = {}
_lock = threading.Lock()


def _load(path: str) -> Asset | None:
    """The asset at ``path``, from the cache while the file is unchanged; None when there is no such file."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    cached = _cache.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    body = Path(path).read_bytes()
    suffix = os.path.splitext(path)[1].lower()
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if content_type.startswith("text/") or suffix in {".js", ".mjs", ".json", ".svg"}:
        content_type += "; charset=utf-8"
    gzipped = gzip.compress(body, compresslevel=9, mtime=0) if suffix in COMPRESSIBLE else None
    if gzipped is not None and len(gzipped) >= len(body):
        gzipped = None
    asset = Asset(body, gzipped, hashlib.sha256(body).hexdigest()[:DIGEST_LENGTH], content_type)
    with _lock:
        _cache[path] = (key, asset)
    return asset


def _path(app: Flask, filename: str) -> str | None:
    folder = app.static_folder
    return safe_join(folder, filename) if folder else None


def fingerprinted(app: Flask, filename: str) -> str:
    """``filename`` with the fingerprint of its current content before the extension (``js/survey.<digest>.js``);
    unchanged when there is no such file."""
    path = _path(app, filename)
    asset = _load(path) if path else None
    if asset is None:
        return filename
    stem, suffix = os.path.splitext(filename)
    return f"{stem}.{asset.digest}{suffix}"


def static_url(filename: str) -> str:
    """The fingerprinted URL of ``static/<filename>`` (the one helper templates use)."""
    return url_for("static", filename=filename)


_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_inline: dict[str, tuple[str, InlineStyle]] = {}


def inline_style(filename: str) -> InlineStyle | None:
    """The stylesheet ``static/<filename>`` ready to inline (comments and line breaks removed, which changes no rule:
    the file holds no strings that contain ``/*`` or line breaks), with its CSP hash source; None when missing or
    when its text holds ``</``."""
    path = _path(current_app, filename)
    asset = _load(path) if path else None
    if asset is None:
        return None
    cached = _inline.get(filename)
    if cached is not None and cached[0] == asset.digest:
        return cached[1]
    text = _COMMENT.sub("", asset.body.decode("utf-8"))
    text = "".join(line.strip() + (" " if line.strip() else "") for line in text.splitlines()).strip()
    if "</" in text:  # it could close the element: such a file is linked, never inlined
        return None
    source = "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    style = InlineStyle(text, source, asset.digest)
    with _lock:
        _inline[filename] = (asset.digest, style)
    return style


def allow_inline_style(response: Response, style: InlineStyle) -> None:
    """Give ``response`` the app's Content-Security-Policy with ``style``'s hash added to ``style-src``."""
    from .security import CONTENT_SECURITY_POLICY

    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", f"style-src 'self' {style.csp_source}", 1
    )


def _fingerprint_urls(endpoint: str, values: dict[str, Any]) -> None:
    """``url_defaults`` hook: every URL built for the ``static`` endpoint names the file's current fingerprint."""
    if endpoint == "static" and isinstance(values.get("filename"), str):
        values["filename"] = fingerprinted(current_app, values["filename"])


def serve(filename: str) -> Response:
    """The ``static`` endpoint: a file by its plain name or by a fingerprinted one (see the module docstring)."""
    path = _path(current_app, filename)
    asset = _load(path) if path else None
    immutable = False
    if asset is None:
        match = _FINGERPRINTED.match(filename)
        if match is None:
            abort(404)
        plain = _path(current_app, match["stem"] + (match["suffix"] or ""))
        asset = _load(plain) if plain else None
        if asset is None:
            abort(404)
        immutable = match["digest"] == asset.digest
    return _response(asset, immutable)


def _response(asset: Asset, immutable: bool) -> Response:
    gzip_ok = asset.gzipped is not None and request.accept_encodings.quality("gzip") > 0
    body = asset.gzipped if gzip_ok and asset.gzipped is not None else asset.body
    response = Response(body, content_type=asset.content_type)
    if gzip_ok:
        response.headers["Content-Encoding"] = "gzip"
    if asset.gzipped is not None:
        response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(asset.digest + ("-gz" if gzip_ok else ""))
    response.headers["Cache-Control"] = IMMUTABLE if immutable else REVALIDATE
    response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    """Serve ``static/`` through :func:`serve`, fingerprint its URLs and give templates ``static_url``."""
    if "static" in app.view_functions:
        app.view_functions["static"] = serve
    app.url_defaults(_fingerprint_urls)
    app.add_template_global(static_url)
