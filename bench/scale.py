"""Scale benchmark: the staff pages at 76 and at 1,000 offices with 500 released responses each, on SQLite and
PostgreSQL, through the WSGI app. Writes the "Scale" section of docs/benchmarks.md.

    .venv/bin/python bench/scale.py [--offices 76 1000] [--per-office 500] [--rounds 5] [--skip-postgres]
                                    [--skip-sqlite] [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
    .venv/bin/python bench/scale.py --url URL [--rounds 5] --no-doc   # time a database an earlier run filled

The data are real rows: every response with all its answers (about 21 per response, each with its raw value and
its score under the questionnaire's map), its population frame, and the rollup rebuilt from the raw answers
with ``survey-app stats rebuild``'s function, so every page (the integrity page and the trends read raw rows)
does the work it does in production. Beyond the 76 provinces the offices get two-character codes that cannot
be a province's (a letter, then a letter or digit). Answers are drawn per office and sub-item, better offices
answering higher, over the last 60 days of the open cycle.

What is timed: the median and 90th percentile of ``--rounds`` requests of each page by a signed-in admin, after
one request that is not counted (so a result computed on first read after a release is counted as it is served
afterwards; the first request's time is printed apart as "first"), the SQL statements each page issued, and one
release: K responses of one office wait unreleased, then the release the last submission triggers
(``batches.release_if_complete`` and its commit) and the released office's new snapshot are timed apart; the
pages are then timed again after that release.

Only loopback databases are used; the PostgreSQL database is created for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import string
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.scoring import _levels  # noqa: E402  (answers better where an office is better, as there)
from survey_app import migrate  # noqa: E402
from survey_app.clock import local_today  # noqa: E402
from survey_app.db import make_engine  # noqa: E402
from survey_app.models import Answer, Office, PopulationFrame, Region, Response  # noqa: E402
from survey_app.questionnaire import Questionnaire, load  # noqa: E402

HEADING = "## Scale"
PAGES = (
    ("national view", "/staff/"),
    ("national CSV export", "/staff/export.csv"),
    ("national XLSX export", "/staff/export.xlsx"),
    ("integrity page", "/staff/integrity"),
    ("office page", "/staff/offices/50"),
    ("results API, one office", "/staff/api/results?office=50"),
)
REGIONS = tuple(Region)


def extra_offices(count: int) -> list[dict[str, str]]:
    """``count`` synthetic offices whose codes no province has: a letter, then a letter or a digit."""
    codes = [a + b for a in string.ascii_uppercase for b in string.digits + string.ascii_uppercase]
    if count > len(codes):
        raise SystemExit(f"at most {len(codes) + 76} offices")
    return [
        {"code": code, "name_th": f"หน่วยงานทดสอบ {code}", "name_en": f"Test unit {code}",
         "province_th": f"ทดสอบ {code}", "province_en": f"Test {code}", "region": REGIONS[i % len(REGIONS)].value}
        for i, code in enumerate(codes[:count])
    ]  # fmt: skip


def generate(
    questionnaire: Questionnaire, cycle: Any, codes: list[str], per_office: int, seed: int = 2569
) -> Any:
    """Response and answer rows (as column lists) and frame rows for ``per_office`` responses in each office."""
    rng = np.random.default_rng(seed)
    total = len(codes) * per_office
    office = np.repeat(np.arange(len(codes)), per_office)
    types, services = questionnaire.respondent_type.codes, questionnaire.service.codes
    rtype = rng.choice(len(types), size=total, p=[0.55, 0.40, 0.05])
    service = rng.choice(len(services), size=total)
    quality = np.clip(rng.uniform(0.55, 0.95, len(codes))[office] - 0.05 * (rtype == 1), 0.3, 0.97)
    first = max(cycle.opens_on, local_today() - dt.timedelta(days=59))
    span = (local_today() - first).days + 1
    day = rng.integers(0, span, size=total)
    ids = [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(total)]
    responses = {
        "id": ids, "cycle_id": [cycle.id] * total, "office_code": [codes[o] for o in office],
        "channel": np.where(rtype == 1, "email", "poster").tolist(),
        "respondent_type": [types[t] for t in rtype], "service": [services[s] for s in service],
        "questionnaire_version": [questionnaire.version] * total,
        "too_fast": (rng.random(total) < 0.02).tolist(), "straight_lined": [False] * total, "burst": [False] * total,
        "is_demo": [False] * total, "released": [True] * total, "suggestion": [None] * total,
        "submitted_on": [first + dt.timedelta(days=int(d)) for d in day],
    }  # fmt: skip
    answers: dict[str, list[Any]] = {"response_id": [], "item": [], "sub": [], "value": [], "score": []}
    for item in questionnaire.items:
        scores = np.array([option.score for option in item.answer_type.options])
        for key in item.keys:
            chosen = _levels(rng, quality, len(scores))
            answers["response_id"] += ids
            answers["item"] += [key[0]] * total
            answers["sub"] += [key[1]] * total
            answers["value"] += [int(item.answer_type.options[c].value) for c in chosen]
            answers["score"] += scores[chosen].tolist()
    counts = np.zeros((len(codes), len(types), len(services)))
    np.add.at(counts, (office, rtype, service), 1)
    served = np.round(counts * rng.uniform(4, 20, (len(codes), 1, 1)))
    frames = [
        {"cycle_id": cycle.id, "office_code": code, "respondent_type": t, "service": s, "served": int(served[o, i, j])}
        for o, code in enumerate(codes) for i, t in enumerate(types) for j, s in enumerate(services)
    ]  # fmt: skip
    return responses, answers, frames


def _copy(conn: Any, table: str, columns: dict[str, list[Any]]) -> None:
    """COPY the rows into ``table`` on PostgreSQL (psycopg), executemany elsewhere."""
    names = list(columns)
    rows = zip(*columns.values(), strict=True)
    raw = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        placeholders = ", ".join("?" for _ in names)
        insert = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({placeholders})"  # noqa: S608  (model names)
        raw.cursor().executemany(insert, rows)


def prepare(url: str, questionnaire: Questionnaire, offices: int, per_office: int) -> tuple[int, float]:
    """Migrate and fill the database at ``url``; returns the number of responses and the seconds it took."""
    from survey_app.services.results import rollup

    started = time.perf_counter()
    migrate.upgrade(url)
    engine = make_engine(url)
    with sa.orm.Session(engine) as session, session.begin():
        cycle = common.seed(session, questionnaire)
        if offices > 76:
            session.execute(sa.insert(Office), extra_offices(offices - 76))
        codes = sorted(session.scalars(sa.select(Office.code)))[:offices]
        responses, answers, frames = generate(questionnaire, cycle, codes, per_office)
        session.execute(sa.insert(PopulationFrame), frames)
        conn = session.connection()
        _copy(conn, Response.__tablename__, responses)
        _copy(conn, Answer.__tablename__, answers)
        rollup.rebuild(session, cycle.id, questionnaire)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return len(responses["id"]), time.perf_counter() - started


def time_pages(url: str, rounds: int) -> list[tuple[Any, ...]]:
    """(page, first, median, p90, statements) in milliseconds, measured in a child process so each database gets a
    fresh app; then the release rows (:func:`time_release`)."""
    script = (
        f"import sys, json; sys.path.insert(0, {str(ROOT)!r}); from bench import scale; "
        f"print(json.dumps(scale.measure({rounds})))"
    )
    env = {**os.environ, "SURVEY_DATABASE_URL": url, "SURVEY_SUPPRESS_BELOW": "5"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    import json

    return [tuple(row) for row in json.loads(done.stdout.strip().splitlines()[-1])]  # type: ignore[misc]


def _pages(client: Any, rounds: int, statements: list[str], suffix: str = "") -> list[tuple[Any, ...]]:
    out = []
    for name, url in PAGES:
        times = []
        for _ in range(rounds + 1):
            statements.clear()
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")
        rest = sorted(times[1:])
        out.append((name + suffix, times[0], statistics.median(rest), rest[int(0.9 * (len(rest) - 1))],
                    len(statements)))  # fmt: skip
    return out


def time_release(office: str = "50") -> list[tuple[Any, ...]]:
    """One release of K responses in ``office``: the responses are stored unreleased (not timed), then the release
    the last submission triggers (with its commit) and the office's new snapshot are timed."""
    from flask import current_app

    from survey_app.db import db
    from survey_app.models import Cycle
    from survey_app.services.intake import batches
    from survey_app.services.results import snapshots

    k = int(current_app.config["SUPPRESS_BELOW"])
    questionnaire = load(common.QUESTIONNAIRE)
    session = db.session
    cycle = session.scalars(sa.select(Cycle).order_by(Cycle.opens_on.desc())).first()
    for _ in range(k):
        response = Response(
            cycle_id=cycle.id, office_code=office, channel="poster", respondent_type="individual",
            service=questionnaire.service.codes[0], questionnaire_version=questionnaire.version,
            submitted_on=local_today(), released=False,
        )  # fmt: skip
        response.answers = [
            Answer(item=item.code, sub=sub, value=item.answer_type.options[-1].value,
                   score=item.answer_type.options[-1].score)
            for item in questionnaire.items for (_code, sub) in item.keys
        ]  # fmt: skip
        session.add(response)
    session.commit()
    started = time.perf_counter()
    released = batches.release_if_complete(session.connection(), cycle.id, office, questionnaire, k)
    session.commit()
    release_ms = (time.perf_counter() - started) * 1000
    if released != k:
        raise SystemExit(f"released {released}, expected {k}")
    started = time.perf_counter()
    snapshots.office_snapshots(session, cycle, [office], questionnaire, k=k)
    snapshot_ms = (time.perf_counter() - started) * 1000
    session.commit()
    return [(f"release of K={k} responses in office {office} (the submission's share)", release_ms),
            ("the released office's new snapshot (first read after the release)", snapshot_ms)]  # fmt: skip


def measure(rounds: int) -> list[tuple[Any, ...]]:
    """In the child process: sign in as a throwaway admin, time each page of :data:`PAGES`, one release, and the
    pages again after it."""
    app, client = common.signed_in_admin()
    # As a gunicorn worker starts (gunicorn_conf.pre_fork): the loaded application frozen out of the collector's
    # full passes, which otherwise walk every object imported.
    gc.collect()
    gc.freeze()
    statements: list[str] = []
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    out = _pages(client, rounds, statements)
    with app.app_context():
        out += [("release", name, ms) for name, ms in time_release()]
    out += _pages(client, rounds, statements, " (after a release)")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    common.add_common_arguments(parser)
    parser.add_argument("--offices", type=int, nargs="+", default=[76, 1000])
    parser.add_argument("--per-office", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--url", help="time this database, filled by an earlier run, instead of making new ones"
    )
    args = parser.parse_args()
    if args.url:
        for row in time_pages(args.url, args.rounds):
            print(row, flush=True)
        return
    questionnaire = load(common.QUESTIONNAIRE)
    lines = [HEADING, "", f"Generated by `bench/scale.py` on {local_today().isoformat()} (Bangkok date); "
             "run `.venv/bin/python bench/scale.py` to refresh this section. Median and 90th percentile of "
             f"{args.rounds} requests per page through the WSGI app (no network) by a signed-in admin, after one "
             "uncounted first request (shown as \"first\"), on real rows (responses, answers, frames, the rebuilt "
             "rollup), all released. See the script's docstring for the data.", ""]  # fmt: skip
    pg_version = None
    for offices in args.offices:
        with common.scratch_databases(args, f"scale-{offices}") as (databases, version):
            pg_version = version or pg_version
            for label, url in databases:
                if label == "SQLite" and args.skip_sqlite:
                    continue
                n, seconds = prepare(url, questionnaire, offices, args.per_office)
                lines += [f"### {offices:,} offices, {n:,} responses, {label} (loaded in {seconds:.0f} s)", "",
                          "| page | first ms | median ms | p90 ms | SQL statements |",
                          "| --- | ---: | ---: | ---: | ---: |"]  # fmt: skip
                rows = time_pages(url, args.rounds)
                for row in rows:
                    if row[0] == "release":
                        lines.append(f"| {row[1]} | {row[2]:,.0f} | | | |")
                    else:
                        name, first, median, p90, count = row
                        lines.append(f"| {name} | {first:,.0f} | {median:,.0f} | {p90:,.0f} | {count} |")
                lines.append("")
                print("\n".join(lines[-len(rows) - 4 :]), flush=True)
    import sqlite3

    versions = {"SQLite": sqlite3.sqlite_version}
    if pg_version:
        versions["PostgreSQL"] = pg_version
    lines += common.machine_table(common.machine(**versions))
    common.publish(HEADING, "\n".join(lines) + "\n", args)


if __name__ == "__main__":
    main()
