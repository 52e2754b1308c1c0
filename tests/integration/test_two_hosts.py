"""Two hosts, one service: two gunicorn instances (two workers each, on two loopback ports) sharing one PostgreSQL
database and one Redis. Thirty-one people answer at once, each form fetched from one host and sent to the other, plus
one invitation sent from two devices to both hosts: every acknowledged answer is stored once, nothing is stored
twice, every office's batches of K are released exactly once (the rollup equals a rebuild), and rate limits and
burst counts are counted across both hosts."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from survey_app import migrate
from survey_app.clock import local_today
from survey_app.db import make_engine
from survey_app.models import CellStat, Invitation, Response, SurveyLink
from survey_app.questionnaire import load
from survey_app.services.cycles.seeding import ensure_open_cycle
from survey_app.services.operations.verify import verify
from survey_app.tokens import invitation_token, poster_token
from tests.conftest import _load_offices, create_pg_database, drop_pg_database
from tests.stack import LINK_KEY, ROOT, Server, cookies_of, free_port, gunicorn, plain, wait_for_port
from tests.survey_helpers import form_data

K, BURST_LIMIT = 5, 10
PEOPLE = {"50": 18, "51": 13}  # poster answers per office (each office gets one more below)
AT_ONCE = 8
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
QUESTIONNAIRE = load(ROOT / "surveys" / "eit-2568.yaml")


@pytest.fixture
def database() -> Iterator[str]:
    url = create_pg_database("survey_two_hosts")
    try:
        migrate.upgrade(url)
        _load_offices(url)
        yield url
    finally:
        drop_pg_database(url)


def _arrange(url: str) -> tuple[dict[str, str], str]:
    engine = make_engine(url)
    with sa.orm.Session(engine) as session:
        cycle, _ = ensure_open_cycle(session, local_today(), QUESTIONNAIRE)
        links = {
            o: SurveyLink(cycle_id=cycle.id, office_code=o, audience="citizen", version=1) for o in PEOPLE
        }
        invitation = Invitation(cycle_id=cycle.id, office_code="50", email="x@factory.example", status="sent")
        session.add_all([*links.values(), invitation])
        session.commit()
        paths = {o: "/s/" + poster_token(link.id, link.version, [LINK_KEY]) for o, link in links.items()}
        emailed = "/s/" + invitation_token(invitation.id, [LINK_KEY])
    engine.dispose()
    return paths, emailed


def _form(port: int, path: str) -> tuple[bytes, dict[str, str]]:
    status, headers, body = plain(port, "GET", path)
    assert status == 200
    return urlencode(form_data(body.decode(), QUESTIONNAIRE)).encode(), {
        **FORM,
        "Cookie": cookies_of(headers),
    }


def _person(ports: tuple[int, int], path: str, i: int) -> int:
    """Fetch the form from one host and send it to the other; the POST's status."""
    body, headers = _form(ports[i % 2], path)
    return plain(ports[(i + 1) % 2], "POST", path, body, headers)[0]


def test_two_hosts_on_one_database_and_redis_act_as_one(
    database: str, redis_url: str, tmp_path: Path
) -> None:
    paths, emailed = _arrange(database)
    ports = (free_port(), free_port())
    env = {
        "SURVEY_DATABASE_URL": database,
        "SURVEY_RATELIMIT_STORAGE_URI": redis_url,
        "SURVEY_SUPPRESS_BELOW": str(K),
        "SURVEY_BURST_LIMIT": str(BURST_LIMIT),
        "SURVEY_SUBMIT_RATE_LIMIT": "1000 per minute",
        "SURVEY_SHORTCODE_RATE_LIMIT": "5 per minute",
        "SURVEY_WORKERS": "2",
        "SURVEY_THREADS": "2",
    }
    hosts: list[Server] = []
    try:
        for name, port in zip(("host-a", "host-b"), ports, strict=True):
            hosts.append(gunicorn(tmp_path, name, port, env, wait=False))
        for host, port in zip(hosts, ports, strict=True):
            wait_for_port(port, host.process, host.log)

        jobs = [(office, i) for office, n in PEOPLE.items() for i in range(n)]
        with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
            statuses = Counter(pool.map(lambda job: _person(ports, paths[job[0]], job[1]), jobs))
            # One invitation opened on two devices, sent to both hosts at once: stored once.
            forms = [_form(ports[0], emailed), _form(ports[1], emailed)]
            emailed_statuses = Counter(
                pool.map(lambda i: plain(ports[i], "POST", emailed, *forms[i])[0], range(2))
            )
        assert statuses == Counter({303: sum(PEOPLE.values())})
        assert emailed_statuses == Counter({303: 1, 409: 1})

        # A replayed form is refused by the other host too: the spent nonce is in the shared database.
        body, headers = _form(ports[0], paths["51"])
        assert plain(ports[0], "POST", paths["51"], body, headers)[0] == 303
        assert plain(ports[1], "POST", paths["51"], body, headers)[0] == 409
        stored = {"50": PEOPLE["50"] + 1, "51": PEOPLE["51"] + 1}

        # The short-code limit (5 a minute) is one count for both hosts.
        lookups = [plain(ports[i % 2], "GET", "/t/ABCDEF")[0] for i in range(7)]
        assert lookups == [404] * 5 + [429] * 2
    finally:
        for host in hosts:
            host.stop()

    engine = make_engine(database)
    with sa.orm.Session(engine) as session:
        for office, n in stored.items():
            rows = session.execute(
                sa.select(Response.released, Response.burst).where(Response.office_code == office)
            ).all()
            assert len(rows) == n, f"office {office}: {len(rows)} stored, {n} acknowledged"
            released = sum(1 for r in rows if r.released)
            assert released == math.floor(n / K) * K  # every full batch released, once, and nothing more
            rollup = session.scalar(
                sa.select(sa.func.sum(CellStat.n)).where(
                    CellStat.office_code == office, CellStat.measure == "EIT"
                )
            )
            assert rollup == released  # a batch added twice would count twice here
            # Every submission came from 127.0.0.1: beyond BURST_LIMIT a day they are flagged, on either host.
            assert sum(1 for r in rows if r.burst) == n - BURST_LIMIT
        assert verify(session, lambda _cycle: QUESTIONNAIRE, K) == []
    engine.dispose()
