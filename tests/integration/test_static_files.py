"""Static files: fingerprinted URLs with a year-long immutable cache, gzip for text, and the plain or a stale name still
answered (revalidated, never pinned). Real app, real files: the fingerprint is checked against SHA-256 computed here.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest
from flask import Flask

from tests import survey_helpers
from tests.survey_helpers import poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle
STATIC = Path(__file__).resolve().parents[2] / "survey_app" / "static"
YEAR = "public, max-age=31536000, immutable"


@pytest.fixture
def path(app, store, open_cycle):  # type: ignore[no-untyped-def]
    """The survey page of a poster link."""
    return poster_path(app, poster_link(store, open_cycle))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def _linked(html: str, pattern: str) -> str:
    match = re.search(pattern, html)
    assert match, pattern
    return match.group(1)


def _repeat_visit(client, path):  # type: ignore[no-untyped-def]
    """The page as a browser that has been here (it holds the survey's CSRF cookie) gets it: site.css linked."""
    client.get(path)
    assert client.get_cookie("survey_csrf", path="/s/") is not None
    return client.get(path)


def test_survey_page_links_fingerprinted_files_cached_for_a_year_and_gzipped(client, path) -> None:  # type: ignore[no-untyped-def]
    page = _repeat_visit(client, path)
    assert "<style>" not in page.text and 'media="print"' not in page.text
    assert "style-src 'self';" in page.headers["Content-Security-Policy"]  # no hash when nothing is inline
    assert page.headers["Cache-Control"] == "no-store"  # the HTML page itself is unchanged
    css = _linked(page.text, r'<link rel="stylesheet" href="([^"]+)">')
    js = _linked(page.text, r'<script src="([^"]+)" defer>')
    assert css == f"/static/site.{_digest(STATIC / 'site.css')}.css"
    assert js == f"/static/js/survey.{_digest(STATIC / 'js' / 'survey.js')}.js"
    for url, source in ((css, STATIC / "site.css"), (js, STATIC / "js" / "survey.js")):
        reply = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert reply.status_code == 200
        assert reply.headers["Cache-Control"] == YEAR
        assert reply.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in reply.headers["Vary"]
        assert gzip.decompress(reply.data) == source.read_bytes()
        assert len(reply.data) < len(source.read_bytes()) / 2  # CSS and JS compress to well under half
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        assert "Content-Encoding" not in plain.headers
        assert plain.data == source.read_bytes()
        assert plain.headers["Cache-Control"] == YEAR
    assert client.get(css).headers["Content-Type"] == "text/css; charset=utf-8"


def test_first_visit_gets_site_css_inline_allowed_by_its_hash_only(client, path) -> None:  # type: ignore[no-untyped-def]
    page = client.get(path)  # a new browser: no cookie of the survey yet
    assert not re.search(r'<link rel="stylesheet" href="[^"]+">', page.text)  # no render-blocking link
    inline = _linked(page.text, r"<style>(.*?)</style>")
    # The same rules as the file: equal once comments are dropped and all whitespace runs are made one space.
    source = re.sub(r"/\*.*?\*/", "", (STATIC / "site.css").read_text(encoding="utf-8"), flags=re.S)
    assert " ".join(inline.split()) == " ".join(source.split())
    assert len(inline.encode()) < len((STATIC / "site.css").read_bytes())
    digest = base64.b64encode(hashlib.sha256(inline.encode("utf-8")).digest()).decode()
    policy = page.headers["Content-Security-Policy"]
    assert f"style-src 'self' 'sha256-{digest}';" in policy
    assert "unsafe-inline" not in policy and "script-src 'self';" in policy
    assert page.text.count("<style>") == 1 and "style=" not in page.text  # no other inline style
    # The file itself is fetched as a print stylesheet (nothing waits for it), so the next visit finds it cached.
    printed = _linked(page.text, r'<link rel="stylesheet" href="([^"]+)" media="print">')
    assert printed == f"/static/site.{_digest(STATIC / 'site.css')}.css"
    assert page.text.index("<main") < page.text.index('media="print"')  # after the content, not in the head
    # The cached page is not served with the stylesheet to a browser that has been here, nor the reverse.
    again = client.get(path)
    assert "<style>" not in again.text and "sha256-" not in again.headers["Content-Security-Policy"]
    new_browser = client.application.test_client()
    assert _linked(new_browser.get(path).text, r"<style>(.*?)</style>") == inline


def test_revalidation_of_a_fingerprinted_file_answers_304(client, path) -> None:  # type: ignore[no-untyped-def]
    css = _linked(_repeat_visit(client, path).text, r'<link rel="stylesheet" href="([^"]+)">')
    first = client.get(css, headers={"Accept-Encoding": "gzip"})
    again = client.get(css, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # The compressed and the plain body are different representations: different validators.
    assert client.get(css, headers={"Accept-Encoding": "identity"}).headers["ETag"] != first.headers["ETag"]


def test_plain_and_stale_names_are_served_current_content_revalidated_never_pinned(app: Flask) -> None:
    client = app.test_client()
    current = (STATIC / "site.css").read_bytes()
    for url in ("/static/site.css", "/static/site.0000000000.css"):
        reply = client.get(url, headers={"Accept-Encoding": "identity"})
        assert reply.status_code == 200
        assert reply.data == current
        assert reply.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/nothing.0000000000.css").status_code == 404
    assert client.get("/static/nothing.css").status_code == 404
    assert client.get("/static/../wsgi.py").status_code == 404
    assert client.get("/static/..%2fwsgi.py").status_code == 404


def test_fingerprint_follows_the_file_content(app: Flask, tmp_path: Path) -> None:
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    app.static_folder = str(folder)
    client = app.test_client()
    with app.test_request_context():
        from survey_app.web.static_files import static_url

        before = static_url("site.css")
    (folder / "site.css").write_text("body { color: #123456; }\n", encoding="utf-8")
    stat = (folder / "site.css").stat()
    os.utime(folder / "site.css", ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    with app.test_request_context():
        after = static_url("site.css")
    assert before != after
    assert after == "/static/site." + hashlib.sha256(b"body { color: #123456; }\n").hexdigest()[:10] + ".css"
    fresh = client.get(after, headers={"Accept-Encoding": "identity"})
    assert fresh.data == b"body { color: #123456; }\n"
    assert fresh.headers["Cache-Control"] == YEAR
    # A page rendered before the change asks for the old name: it gets the new content, not cached for a year.
    stale = client.get(before, headers={"Accept-Encoding": "identity"})
    assert stale.status_code == 200 and stale.data == b"body { color: #123456; }\n"
    assert stale.headers["Cache-Control"] == "no-cache"


def test_binary_files_are_not_gzipped(app: Flask) -> None:
    client = app.test_client()
    with app.test_request_context():
        from survey_app.web.static_files import static_url

        font = static_url("fonts/Loma.ttf")
    reply = client.get(font, headers={"Accept-Encoding": "gzip"})
    assert reply.status_code == 200
    assert "Content-Encoding" not in reply.headers
    assert reply.data == (STATIC / "fonts" / "Loma.ttf").read_bytes()
    assert reply.headers["Cache-Control"] == YEAR


def test_staff_pages_stay_no_store_and_link_fingerprinted_css(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/staff/login")
    assert page.headers["Cache-Control"] == "no-store"
    css = _linked(page.text, r'<link rel="stylesheet" href="(/static/staff\.[0-9a-f]{10}\.css)">')
    assert client.get(css).headers["Cache-Control"] == YEAR
