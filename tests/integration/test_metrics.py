"""Prometheus metrics: gunicorn with two workers in multiprocess mode, scraped on the operator's address, counts
requests by route template, submissions stored and refused by reason, released batches and the mail queue, and
no label or value holds a token, an address, an email or a staff account's name. In the app: database errors are
counted, and JSON request logs carry the route template, never the token."""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from survey_app import create_app
from survey_app.clock import local_today
from survey_app.db import make_engine
from survey_app.models import Invitation, OutboxMessage, SurveyLink
from survey_app.questionnaire import load
from survey_app.services.accounts import staff as accounts
from survey_app.services.cycles.seeding import ensure_open_cycle
from survey_app.tokens import invitation_token, poster_token
from tests.helpers import csrf_token
from tests.stack import LINK_KEY, ROOT, cookies_of, free_port, gunicorn, plain
from tests.survey_helpers import form_data

STAFF_EMAIL = "somchai.jaidee@industry.go.th"
CONTACT_EMAIL = "wichai.owner@factory.example"
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _arrange(database: Path) -> tuple[str, str]:
    """An open cycle, a poster link, an invitation with one message in each state, a staff account."""
    engine = make_engine(f"sqlite:///{database}")
    with sa.orm.Session(engine) as session:
        cycle, _ = ensure_open_cycle(session, local_today(), load(ROOT / "surveys" / "eit-2568.yaml"))
        link = SurveyLink(cycle_id=cycle.id, office_code="50", audience="citizen", version=1, active=True)
        invitation = Invitation(
            cycle_id=cycle.id, office_code="50", email=CONTACT_EMAIL, name="Wichai Factory", status="sent"
        )
        session.add_all([link, invitation])
        session.flush()
        session.add_all(
            OutboxMessage(invitation_id=invitation.id, kind="invitation", state=state)
            for state in ("queued", "sent", "sent", "failed")
        )
        accounts.create_staff(session, STAFF_EMAIL, "office", "correct horse battery staple", "50")
        session.commit()
        poster = "/s/" + poster_token(link.id, link.version, [LINK_KEY])
        emailed = "/s/" + invitation_token(invitation.id, [LINK_KEY])
    engine.dispose()
    return poster, emailed


def _form(port: int, path: str) -> tuple[bytes, dict[str, str]]:
    """A filled survey form from a fresh browser: the POST body and headers (its cookies included)."""
    status, headers, body = plain(port, "GET", path)
    assert status == 200
    data = form_data(body.decode(), load(ROOT / "surveys" / "eit-2568.yaml"))
    return urlencode(data).encode(), {**FORM, "Cookie": cookies_of(headers)}


def _samples(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = defaultdict(dict)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name][tuple(sorted(sample.labels.items()))] = sample.value
    return found


def _total(samples: dict[tuple[tuple[str, str], ...], float], **labels: str) -> float:
    return sum(v for key, v in samples.items() if set(labels.items()) <= set(key))


def test_metrics_of_two_workers_count_what_happened_and_hold_nothing_personal(
    sqlite_template: Path, tmp_path: Path
) -> None:
    database = tmp_path / "survey.db"
    shutil.copyfile(sqlite_template, database)
    poster, emailed = _arrange(database)
    port, metrics_port = free_port(), free_port()
    server = gunicorn(
        tmp_path,
        "gunicorn",
        port,
        {
            "SURVEY_DATABASE_URL": f"sqlite:///{database}",
            "SURVEY_WORKERS": "2",
            "SURVEY_THREADS": "1",
            "SURVEY_SUPPRESS_BELOW": "2",
            "SURVEY_METRICS_BIND": f"127.0.0.1:{metrics_port}",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        },
    )
    try:
        for _ in range(6):
            assert plain(port, "GET", "/healthz")[0] == 200
        form = _form(port, poster)
        assert plain(port, "POST", poster, *form)[0] == 303
        assert plain(port, "POST", poster, *form)[0] == 409  # the same form again: replayed
        first, second = _form(port, emailed), _form(port, emailed)  # the link opened on two devices
        assert plain(port, "POST", emailed, *first)[0] == 303  # the second of a batch of K = 2: released
        assert plain(port, "POST", emailed, *second)[0] == 409  # the invitation is spent
        assert plain(port, "GET", "/t/ABCDEF")[0] == 404
        status, headers, body = plain(port, "GET", "/staff/login")
        login = {"email": STAFF_EMAIL, "password": "wrong", "csrf_token": csrf_token(body.decode())}
        assert (
            plain(
                port,
                "POST",
                "/staff/login",
                urlencode(login).encode(),
                {**FORM, "Cookie": cookies_of(headers)},
            )[0]
            == 401
        )
        status, _headers, scraped = plain(metrics_port, "GET", "/metrics")
    finally:
        server.stop()
    assert status == 200
    text = scraped.decode()
    samples = _samples(text)
    requests = samples["survey_http_requests_total"]
    assert _total(requests, route="/healthz", method="GET", status="200") == 6
    assert _total(requests, route="/s/<token>", method="POST", status="303") == 2
    assert _total(requests, route="/s/<token>", method="POST", status="409") == 2
    assert _total(requests, route="/t/<code>", status="404") == 1
    assert _total(requests, route="/staff/login", method="POST", status="401") == 1
    assert _total(samples["survey_http_request_duration_seconds_count"], route="/healthz") == 6
    submissions = samples["survey_submissions_total"]
    assert _total(submissions, outcome="stored") == 2
    assert _total(submissions, outcome="refused", reason="replayed") == 1
    assert _total(submissions, outcome="refused", reason="already_answered") == 1
    assert _total(samples["survey_batches_released_total"]) == 1
    assert _total(samples["survey_responses_released_total"]) == 2
    assert _total(samples["survey_ratelimit_degraded"]) == 0
    assert _total(samples["survey_database_errors_total"]) == 0
    mail = samples["survey_mail_messages"]
    assert (_total(mail, state="queued"), _total(mail, state="sent"), _total(mail, state="failed")) == (
        1,
        2,
        1,
    )
    # Nothing personal, in any label or value: the tokens, the addresses, the emails and the account's name.
    for secret in (poster[3:], emailed[3:], STAFF_EMAIL, "somchai", "jaidee", CONTACT_EMAIL, "wichai", "@"):
        assert secret.lower() not in text.lower(), secret
    assert not IPV4.search(text) and "::" not in text
    routes = {dict(key)["route"] for key in requests}
    assert routes <= {"/healthz", "/s/<token>", "/t/<code>", "/staff/login"}


def test_a_database_that_does_not_answer_is_counted(tmp_path: Path) -> None:
    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'survey.db'}", "METRICS": True}
    )
    before = REGISTRY.get_sample_value("survey_database_errors_total") or 0
    with app.app_context():
        path = "/s/" + poster_token(1, 1)
    assert app.test_client().get(path).status_code == 503
    assert REGISTRY.get_sample_value("survey_database_errors_total") == before + 1
    assert (
        REGISTRY.get_sample_value(
            "survey_http_requests_total", {"route": "/s/<token>", "method": "GET", "status": "503"}
        )
        or 0
    ) >= 1


def test_json_request_logs_name_the_route_template_not_the_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "JSON_LOGS": True})
    with app.app_context():
        token = poster_token(7, 1)
    with caplog.at_level(logging.INFO, logger="survey_app.requests"):
        answer = app.test_client().get(f"/s/{token}", headers={"X-Forwarded-For": "203.0.113.9"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "survey_app.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert line["route"] == "/s/<token>" and line["method"] == "GET" and line["status"] == answer.status_code
    assert line["request_id"] == answer.headers["X-Request-Id"] and re.fullmatch(
        "[0-9a-f]{32}", line["request_id"]
    )
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert token not in caplog.text and "203.0.113.9" not in caplog.text
