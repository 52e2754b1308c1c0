"""No survey token in any log line: the app's loggers (children and tracebacks included), werkzeug's request log and
gunicorn's access and error logs, the last two from real servers."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from survey_app.web.logfilter import install, redact
from tests import survey_helpers
from tests.survey_helpers import poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "p12-3.Xq3kT0v9b8LmYc1sPzW4aA"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '127.0.0.1 - - [25/Nov/2026 10:00:00] "GET /s/' + TOKEN + ' HTTP/1.1" 200 -',
            '[address] - - [25/Nov/2026 10:00:00] "GET /s/[token] HTTP/1.1" 200 -',
        ),
        (
            '10.0.0.1 "POST /s/' + TOKEN + '/thanks" 303 0 12ms',
            '[address] "POST /s/[token]/thanks" 303 0 12ms',
        ),
        ("GET /s/p12-3.Xq3k%2ET0v9?lang=en", "GET /s/[token]?lang=en"),
        ("GET /o/abcDEF_-123.sig HTTP/1.1", "GET /o/[token] HTTP/1.1"),
        ("redirect to /s/" + TOKEN + "#top", "redirect to /s/[token]#top"),
        (
            "GET /staff/export?format=csv&token=abc123&t=xyz",
            "GET /staff/export?format=csv&token=[token]&t=[token]",
        ),
        ("GET /static/site.css", "GET /static/site.css"),
        (
            "ratelimit 20 per 1 minute (2001:db8::7) exceeded",
            "ratelimit 20 per 1 minute ([address]) exceeded",
        ),
        ("fe80:0:0:0:1:2:3:4 at 10:00:00", "[address] at 10:00:00"),
    ],
)
def test_redact_replaces_tokens_and_addresses_and_nothing_else(line: str, expected: str) -> None:
    assert redact(line) == expected


def test_records_of_any_logger_are_redacted_with_their_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    install()
    install()  # idempotent: the record factory is wrapped once
    caplog.set_level(logging.INFO)
    logging.getLogger("survey_app.public.survey.deep.child").info("opened %s", "/s/" + TOKEN)
    try:
        raise ValueError(f"cannot read /s/{TOKEN}")
    except ValueError:
        logging.getLogger("some.library").exception("failed on %s", "/s/" + TOKEN)
    text = caplog.text
    assert TOKEN not in text and TOKEN.split(".")[1] not in text
    assert "opened /s/[token]" in text and "ValueError: cannot read /s/[token]" in text


def test_werkzeug_request_log_has_no_token(app, live_server, store, open_cycle, caplog):  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="werkzeug")
    path = poster_path(app, poster_link(store, open_cycle))
    with urllib.request.urlopen(live_server.url + path) as page:  # noqa: S310 - loopback test server
        assert page.status == 200
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(live_server.url + path[:-2] + "xx")  # noqa: S310 - a tampered link: 400
    time.sleep(0.2)  # the server thread logs after sending the response
    requests = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any('"GET /s/[token] HTTP/1.1" 200' in line for line in requests), requests
    assert any("GET /s/[token] HTTP/1.1" in line and line.endswith(" 400 -") for line in requests), requests
    assert not any(path.removeprefix("/s/").split(".")[1] in line for line in requests)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited early"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not start listening")


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url) as page:  # noqa: S310 - loopback test server
            return int(page.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_gunicorn_access_and_error_logs_have_no_token(app, database_url, store, open_cycle, tmp_path):  # type: ignore[no-untyped-def]
    path = poster_path(app, poster_link(store, open_cycle))
    port = _free_port()
    env = {
        **os.environ,
        "SURVEY_DATABASE_URL": database_url,
        "SURVEY_SECRET_KEY": app.config["SECRET_KEY"],
        "SURVEY_LINK_KEYS": ",".join(app.config["LINK_KEYS"]),
        "SURVEY_BIND": f"127.0.0.1:{port}",
        "SURVEY_WORKERS": "1",
        "SURVEY_THREADS": "1",
    }
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:survey_app.gunicorn_conf", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            _wait_for(port, process)
            base = f"http://127.0.0.1:{port}"
            assert _get(base + path) == 200
            assert _get(base + path + "/thanks") == 200
            assert _get(base + path[:-2] + "xx") == 400
            assert _get(base + path + "?token=" + path[3:]) == 200
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    logs = out.read_text() + err.read_text()
    signature = path.removeprefix("/s/").split(".")[1]
    assert signature not in logs and path not in logs, logs
    access = [line for line in out.read_text().splitlines() if '"GET ' in line]
    assert len(access) == 4, logs
    # No client address either: the access log cannot be lined up with the order responses were stored in.
    assert "127.0.0.1" not in out.read_text()
    assert access[0].startswith('"GET /s/[token]" 200 ')
    assert access[1].startswith('"GET /s/[token]/thanks" 200 ')
    assert access[2].startswith('"GET /s/[token]" 400 ')
    assert "Booting worker" in logs  # the error log was captured too
