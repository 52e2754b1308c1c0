"""The deployment kit, running: the Debian nginx with ``docs/deploy/nginx/survey.conf`` (ports and paths substituted,
a self-signed certificate) in front of gunicorn with the committed settings, in production mode with
SURVEY_PROXIES=1. Through nginx: HTTP redirects to HTTPS, a survey is answered and stored, rate limits count each
client and not the proxy, pages are compressed and carry HSTS and the security headers, static files come from
disk with a year's caching, an oversized body is refused by nginx (with a page in Thai and English) before
gunicorn sees it, and /metrics is not served to the public."""

from __future__ import annotations

import gzip
import http.client
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from survey_app.clock import local_today
from survey_app.db import make_engine
from survey_app.models import SurveyLink
from survey_app.questionnaire import load
from survey_app.services.cycles.seeding import ensure_open_cycle
from survey_app.tokens import poster_token
from tests.stack import LINK_KEY, ROOT, Server, free_port, gunicorn, https, nginx
from tests.survey_helpers import form_data

OTHER_CLIENT, THIRD_CLIENT = "127.0.0.2", "127.0.0.3"


@dataclass
class Stack:
    https_port: int
    http_port: int
    cert: Path
    database: Path
    app: Server
    survey_path: str

    def get(self, path: str, source: str = "127.0.0.1", **headers: str):  # type: ignore[no-untyped-def]
        return https(self.https_port, self.cert, "GET", path, headers=headers, source=source)

    def stored(self) -> int:
        with sqlite3.connect(self.database) as conn:
            return int(conn.execute("SELECT count(*) FROM response").fetchone()[0])


@pytest.fixture(scope="module")
def stack(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("deploy")
    database = tmp / "survey.db"
    shutil.copyfile(sqlite_template, database)
    engine = make_engine(f"sqlite:///{database}")
    with sa.orm.Session(engine) as session:
        cycle, _ = ensure_open_cycle(session, local_today(), load(ROOT / "surveys" / "eit-2568.yaml"))
        link = SurveyLink(cycle_id=cycle.id, office_code="50", audience="citizen", version=1, active=True)
        session.add(link)
        session.commit()
        path = "/s/" + poster_token(link.id, link.version, [LINK_KEY])
    engine.dispose()
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    app = gunicorn(
        tmp,
        "gunicorn",
        app_port,
        {
            "SURVEY_ENV": "production",
            "SURVEY_BASE_URL": f"https://127.0.0.1:{https_port}",
            "SURVEY_DATABASE_URL": f"sqlite:///{database}",
            "SURVEY_PROXIES": "1",
            "SURVEY_SHORTCODE_RATE_LIMIT": "3 per minute",
        },
    )
    try:
        proxy, cert = nginx(tmp, app_port, http_port, https_port)
    except BaseException:
        app.stop()
        raise
    yield Stack(https_port, http_port, cert, database, app, path)
    proxy.stop()
    app.stop()


def _gunicorn_saw(stack: Stack, needle: str) -> bool:
    time.sleep(0.3)  # the access line is written after the answer is sent
    return needle in stack.app.output()


def test_plain_http_is_redirected_to_https(stack: Stack) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    conn.request("GET", "/t?code=ABC", headers={"Host": "survey.example.go.th"})
    answer = conn.getresponse()
    assert answer.status == 301
    assert answer.headers["Location"] == "https://survey.example.go.th/t?code=ABC"
    assert "Strict-Transport-Security" not in answer.headers  # HSTS means something only over HTTPS
    conn.close()


def test_a_survey_answered_through_nginx_is_stored(stack: Stack) -> None:
    before = stack.stored()
    status, headers, body = stack.get(stack.survey_path)
    assert status == 200
    cookies = "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])
    assert all("Secure" in c for c in headers.get_all("Set-Cookie") or []), "the app did not see HTTPS"
    data = form_data(body.decode(), load(ROOT / "surveys" / "eit-2568.yaml"))
    status, headers, _ = https(
        stack.https_port,
        stack.cert,
        "POST",
        stack.survey_path,
        body=urlencode(data).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies},
    )
    assert status == 303, headers
    assert stack.stored() == before + 1


def test_rate_limits_count_each_client_not_the_proxy(stack: Stack) -> None:
    # Every request reaches gunicorn from nginx at 127.0.0.1; nginx passes each client's own address.
    statuses = [stack.get("/t/ABCDEF", source=OTHER_CLIENT)[0] for _ in range(4)]
    assert statuses == [404, 404, 404, 429]  # unknown code three times, then over the limit of 3 per minute
    assert stack.get("/t/ABCDEF", source=THIRD_CLIENT)[0] == 404  # another client is not limited
    # A client cannot pick the address it is counted under: nginx replaces X-Forwarded-For.
    assert stack.get("/t/ABCDEF", source=OTHER_CLIENT, **{"X-Forwarded-For": "10.9.8.7"})[0] == 429


def test_pages_are_compressed_and_carry_hsts_and_the_security_headers(stack: Stack) -> None:
    status, headers, body = stack.get(stack.survey_path, **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in headers["Vary"]
    page = gzip.decompress(body).decode()
    assert "เชียงใหม่" in page and len(body) < len(page.encode()) / 3
    assert headers.get_all("Strict-Transport-Security") == ["max-age=63072000; includeSubDomains"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_static_files_come_from_disk_with_a_year_of_caching(stack: Stack) -> None:
    page = stack.get(stack.survey_path)[2].decode()
    match = re.search(r'href="(/static/site\.[0-9a-f]{10}\.css)"', page)
    assert match, "the page links no fingerprinted stylesheet"
    status, headers, body = stack.get(match.group(1))
    assert status == 200
    assert body == (ROOT / "survey_app" / "static" / "site.css").read_bytes()
    assert "max-age=31536000" in headers.get_all("Cache-Control") and "public, immutable" in headers.get_all(
        "Cache-Control"
    )
    assert headers["Strict-Transport-Security"] and headers["X-Content-Type-Options"] == "nosniff"
    assert not _gunicorn_saw(stack, "/static/site.")  # nginx served it, not the app
    # The plain name is served too, but revalidated: it may change under the same name.
    status, headers, _body = stack.get("/static/site.css")
    assert status == 200 and "immutable" not in ",".join(headers.get_all("Cache-Control"))


def test_an_oversized_body_is_refused_by_nginx(stack: Stack) -> None:
    status, headers, body = https(
        stack.https_port,
        stack.cert,
        "POST",
        "/s/oversized-body-check",
        body=b"x" * (3 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 413
    page = body.decode()
    assert "ข้อมูลที่ส่งมีขนาดใหญ่เกินไป" in page and "What you sent is too large" in page
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert not _gunicorn_saw(stack, "oversized-body-check")
    assert _gunicorn_saw(stack, '"GET /t/')  # what does reach gunicorn is in its log


def test_metrics_are_not_served_to_the_public(stack: Stack) -> None:
    assert stack.get("/metrics")[0] == 404
