"""Survey page and submission benchmark: the weight of the page a respondent downloads, the SQL one submission runs
and how long the requests take, on SQLite and PostgreSQL. Writes the "Survey page and submission" section of
docs/benchmarks.md.

    .venv/bin/python bench/survey_page.py [--submissions 300] [--pg-url postgresql+psycopg://...] [--no-doc]

What is measured
    weight      the HTML of ``GET /s/<token>`` (Thai, a poster link), ``site.css`` and ``js/survey.js``, its only
                sub-resources,
                raw and gzip-compressed (level 6, and level 1, nginx's default ``gzip_comp_level``).
    statements  every statement the database driver is asked to run (SQLAlchemy ``before_cursor_execute``),
                plus commits, during one POST that stores a response: poster link and emailed invitation.
    time        in-process WSGI requests through Flask's test client (no network): GET of the form and POST of a
                complete answer set, median and 95th percentile over ``--submissions`` respondents, each with its
                own session, CSRF token and nonce.

Only loopback databases are used; the PostgreSQL database is created for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from survey_app import create_app, migrate  # noqa: E402
from survey_app.db import db, make_engine  # noqa: E402
from survey_app.models import Invitation, SurveyLink  # noqa: E402
from survey_app.questionnaire import Questionnaire, load  # noqa: E402
from survey_app.tokens import invitation_token, poster_token  # noqa: E402

HEADING = "## Survey page and submission"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
NONCE_RE = re.compile(r'name="nonce" type="hidden" value="([^"]+)"')


def prepare(url: str, questionnaire: Questionnaire, invitations: int) -> tuple[int, list[str]]:
    """Migrate, load offices, open a cycle, make a poster link and invitations; (link id, invitation ids)."""
    migrate.upgrade(url)
    engine = make_engine(url)
    with sa.orm.Session(engine) as session, session.begin():
        cycle = common.seed(session, questionnaire)
        link = SurveyLink(cycle_id=cycle.id, office_code="50", audience="citizen", version=1, active=True)
        session.add(link)
        rows = [
            Invitation(cycle_id=cycle.id, office_code="50", email=f"b{i}@example.com")
            for i in range(invitations)
        ]
        session.add_all(rows)
        session.flush()
        ids = (link.id, [row.id for row in rows])
    engine.dispose()
    return ids


def answers(questionnaire: Questionnaire, seed: int) -> dict[str, str]:
    """A complete answer set, varied by ``seed``."""
    data = {"respondent_type": "individual", "service": "factory_licensing"}
    for n, item in enumerate(questionnaire.items):
        values = [o.value for o in item.answer_type.options]
        for code, sub in item.keys:
            data[f"{code}_{sub}"] = str(values[(seed + n + sub) % len(values)])
    return data


def weight(client: Any, path: str) -> dict[str, Any]:
    """Raw and compressed sizes of the page and its stylesheet, and what the page asks the browser to fetch."""
    html = client.get(path).data
    css = client.get("/static/site.css").data
    js = client.get("/static/js/survey.js").data
    fetched = re.findall(rb'<(?:link|script|img)[^>]+(?:href|src)="([^"]+)"', html)
    return {
        "html": len(html), "html_gz6": len(gzip.compress(html, 6)), "html_gz1": len(gzip.compress(html, 1)),
        "css": len(css), "css_gz6": len(gzip.compress(css, 6)), "css_gz1": len(gzip.compress(css, 1)),
        "js": len(js), "js_gz6": len(gzip.compress(js, 6)), "js_gz1": len(gzip.compress(js, 1)),
        "fetched": [f.decode() for f in fetched],
    }  # fmt: skip


class StatementLog:
    """Counts what the driver is asked to run while ``active``."""

    def __init__(self, engine: sa.Engine) -> None:
        self.active = False
        self.verbs: Counter[str] = Counter()
        sa.event.listen(engine, "before_cursor_execute", self._statement)
        sa.event.listen(engine, "commit", self._commit)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.active:
            self.verbs[statement.split(None, 1)[0].upper()] += 1

    def _commit(self, _conn: Any) -> None:
        if self.active:
            self.verbs["COMMIT"] += 1


def one_submission(app: Any, log: StatementLog, path: str, data: dict[str, str]) -> dict[str, Counter[str]]:
    """GET the form, then POST ``data`` with its tokens, counting the statements of each request."""
    client = app.test_client()
    counted: dict[str, Counter[str]] = {}
    log.verbs, log.active = Counter(), True
    page = client.get(path).text
    counted["get"], log.verbs = log.verbs, Counter()
    status = client.post(
        path, data={**data, "csrf_token": CSRF_RE.search(page)[1], "nonce": NONCE_RE.search(page)[1]}
    )
    counted["post"], log.active = log.verbs, False
    assert status.status_code == 303, f"the submission answered {status.status_code}"
    return counted


def timings(app: Any, questionnaire: Questionnaire, path: str, count: int) -> dict[str, float]:
    """Median and 95th percentile of GET and POST over ``count`` respondents (milliseconds)."""
    gets, posts = [], []
    for n in range(count):
        client = app.test_client()
        started = time.perf_counter()
        page = client.get(path).text
        gets.append(time.perf_counter() - started)
        data = {
            **answers(questionnaire, n),
            "csrf_token": CSRF_RE.search(page)[1],
            "nonce": NONCE_RE.search(page)[1],
        }
        started = time.perf_counter()
        status = client.post(path, data=data).status_code
        posts.append(time.perf_counter() - started)
        assert status == 303, status
    return {
        "get_p50": statistics.median(gets) * 1000, "get_p95": statistics.quantiles(gets, n=20)[-1] * 1000,
        "post_p50": statistics.median(posts) * 1000, "post_p95": statistics.quantiles(posts, n=20)[-1] * 1000,
    }  # fmt: skip


def run(label: str, url: str, questionnaire: Questionnaire, submissions: int) -> dict[str, Any]:
    """Every measurement on one database."""
    link_id, invitation_ids = prepare(url, questionnaire, invitations=1)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LINK_KEYS": ["bench-key"],
                      "SUBMIT_RATE_LIMIT": "1000000 per minute", "RATELIMIT_STORAGE_URI": "memory://"})  # fmt: skip
    with app.app_context():
        poster = "/s/" + poster_token(link_id, 1)
        emailed = "/s/" + invitation_token(invitation_ids[0])
        log = StatementLog(db.engine)
    result: dict[str, Any] = {"database": label, "weight": weight(app.test_client(), poster)}
    for channel, path in (("poster", poster), ("email", emailed)):
        counted = one_submission(app, log, path, answers(questionnaire, 1))
        result[channel], result[f"{channel}_get"] = dict(counted["post"]), dict(counted["get"])
    result["time"] = timings(app, questionnaire, poster, submissions)
    with app.app_context():
        db.dispose()
    return result


def versions(pg_version: str | None) -> dict[str, str]:
    """The versions the numbers come from."""
    import sqlite3
    from importlib.metadata import version

    return {
        "Flask / SQLAlchemy": f"{version('flask')} / {sa.__version__}",
        "SQLite / PostgreSQL": f"{sqlite3.sqlite_version} / {pg_version or 'not run'}",
    }


def _statements(verbs: dict[str, int]) -> str:
    order = ["SELECT", "INSERT", "UPDATE", "COMMIT"]
    parts = [f"{verbs[v]} {v}" for v in order if verbs.get(v)]
    parts += [f"{n} {v}" for v, n in sorted(verbs.items()) if v not in order]
    return f"{sum(n for v, n in verbs.items() if v != 'COMMIT')} ({', '.join(parts)})"


def render(report: dict[str, Any]) -> str:
    """The "Survey page and submission" section."""
    w = report["runs"][0]["weight"]
    total6 = w["html_gz6"] + w["css_gz6"] + w["js_gz6"]
    total1 = w["html_gz1"] + w["css_gz1"] + w["js_gz1"]
    lines = [
        HEADING,
        "",
        f"Generated by `bench/survey_page.py` on {report['date']}; run `.venv/bin/python bench/survey_page.py` to "
        "refresh this section. The page is the Thai form of a poster link (`GET /s/<token>`: 2 profile questions, "
        "15 items in 19 radio groups, the suggestion box).",
        "",
        "| what the respondent downloads | raw bytes | gzip -6 | gzip -1 |",
        "| --- | ---: | ---: | ---: |",
        f"| survey page HTML | {w['html']:,} | {w['html_gz6']:,} | {w['html_gz1']:,} |",
        f"| `site.css` | {w['css']:,} | {w['css_gz6']:,} | {w['css_gz1']:,} |",
        f"| `js/survey.js` (optional: the page works without it) | {w['js']:,} | {w['js_gz6']:,} | {w['js_gz1']:,} |",
        f"| **total** | {w['html'] + w['css'] + w['js']:,} | **{total6:,}** | {total1:,} |",
        "",
        f"The whole page is {total6 / 1024:.1f} KB compressed (budget 30 KB) and fetches only "
        f"{', '.join('`' + f + '`' for f in w['fetched'])} from its own origin: no font or image, nothing "
        "from another site.",
        "",
        "| database | SQL statements: POST storing a poster answer | POST storing an invitation answer | GET of the "
        "form | GET p50 / p95 | POST p50 / p95 |",
        "| --- | --- | --- | --- | ---: | ---: |",
    ]
    for r in report["runs"]:
        t = r["time"]
        lines.append(
            f"| {r['database']} | {_statements(r['poster'])} | {_statements(r['email'])} | "
            f"{_statements(r['poster_get'])} | {t['get_p50']:.1f} / {t['get_p95']:.1f} ms | "
            f"{t['post_p50']:.1f} / {t['post_p95']:.1f} ms |"
        )
    lines += [
        "",
        "The statements of one POST: one SELECT joining link (or invitation), cycle and office; the nonce INSERT "
        "(`ON CONFLICT DO NOTHING RETURNING`); for an invitation the conditional UPDATE; the response INSERT "
        "(unreleased); one executemany INSERT of its answers; on PostgreSQL the office's advisory lock (a SELECT); "
        "the SELECT of the office's responses waiting for their batch; then the commit. The counted POST is not the "
        "K-th of its office; the K-th also releases the batch: one executemany UPDATE (one statement per response, "
        "in shuffled order, one round trip), one SELECT of their answers and one executemany upsert of the rollup "
        "cells (`bench/release.py`). Statements are counted with SQLAlchemy's `before_cursor_execute` and `commit` "
        "events; the driver's own `BEGIN` and the pool's pre-ping on PostgreSQL are not statements of ours and are "
        "not counted. "
        f"Times are in-process WSGI requests (no network), {report['submissions']} respondents, one at a time.",
        "",
        *common.machine_table(report["machine"]),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Measure on SQLite and PostgreSQL and write the section."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=300)
    common.add_common_arguments(parser)
    args = parser.parse_args()
    questionnaire = load(common.QUESTIONNAIRE)
    with common.scratch_databases(args, "bench-survey") as (databases, pg_version):
        runs = [run(label, url, questionnaire, args.submissions) for label, url in databases]
    report = {"date": dt.date.today().isoformat(), "submissions": args.submissions, "runs": runs,
              "machine": common.machine(**versions(pg_version))}  # fmt: skip
    common.publish(HEADING, render(report), args)


if __name__ == "__main__":
    main()
