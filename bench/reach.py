"""Public results pages and kiosk sends: how long they take through the WSGI app. Writes the "Public results and
kiosk" section of docs/benchmarks.md.

    .venv/bin/python bench/reach.py [--rounds 30] [--skip-postgres] [--no-doc]

On scratch databases (a SQLite file, and a PostgreSQL database created for the run and dropped after it): the 76
offices, the demo responses of ``survey-app demo`` (about 7,000 responses with their answers and the rebuilt
rollup), the cycle then closed, so the public pages publish it. Timed: the median and 90th percentile of
``--rounds`` requests of each public page after one uncounted request, and of ``--rounds`` kiosk answers (each a
new answer stored once, with its spent nonce and hourly count) and the same answers sent again (refused as
already stored). Only loopback databases are used.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402

HEADING = "## Public results and kiosk"
PAGES = (
    ("national list /r", "/r"),
    ("office page /r/50", "/r/50"),
    ("office page, English", "/r/50?lang=en"),
    ("embed /r/50/embed", "/r/50/embed"),
    ("JSON feed /r/50/feed.json", "/r/50/feed.json"),
)


def _arrange(url: str) -> tuple[Any, str]:
    """Migrate and seed ``url``, add the demo responses, close the cycle, mint a kiosk link; (app, kiosk path)."""
    from survey_app import create_app, migrate
    from survey_app.clock import local_today
    from survey_app.db import db
    from survey_app.questionnaire import load
    from survey_app.services.cycles import demo
    from survey_app.services.outreach import links
    from survey_app.tokens import poster_token

    migrate.upgrade(url)
    questionnaire = load(common.QUESTIONNAIRE)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SUBMIT_RATE_LIMIT": "100000 per minute"})
    with app.app_context(), db.begin() as session:
        cycle = common.seed(session, questionnaire)
        demo.generate(session, cycle, questionnaire, local_today())
        kiosk, _ = links.create_channel_link(session, cycle, "50", "kiosk")
        path = f"/k/{poster_token(kiosk.id, kiosk.version)}/answers"
    return app, path


def _times(call: Any, rounds: int) -> tuple[float, float]:
    times = []
    for i in range(rounds):
        start = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.9 * (len(times) - 1))]


def _answer(questionnaire: Any, i: int) -> dict[str, Any]:
    answers = {"respondent_type": "individual", "service": "factory_licensing"}
    for item in questionnaire.items:
        values = sorted(o.value for o in item.answer_type.options)
        for code, sub in item.keys:
            answers[f"{code}_{sub}"] = str(values[(i + sub) % len(values)])
    return {"nonce": f"bench-kiosk-nonce-{i:010d}", "seconds": 120, "answers": answers}


def measure(label: str, url: str, rounds: int) -> list[str]:
    """Table rows of one database."""
    from survey_app.db import db
    from survey_app.models import Cycle
    from survey_app.questionnaire import load

    app, kiosk_path = _arrange(url)
    questionnaire = load(common.QUESTIONNAIRE)
    client = app.test_client()
    rows = []
    # Kiosk sends first, while the cycle is open: new answers, then each sent again.
    for name, offset, status in (("kiosk answer, stored", 0, 201), ("kiosk answer sent again", 0, 200)):

        def send(i: int, offset: int = offset, status: int = status) -> None:
            response = client.post(kiosk_path, json=_answer(questionnaire, i + offset))
            assert response.status_code == status, response.status_code

        median, p90 = _times(send, rounds)
        rows.append(f"| {label} | {name} | {median:.1f} | {p90:.1f} |")
    with app.app_context(), db.begin() as session:
        for cycle in session.query(Cycle):
            cycle.state = "closed"
    for name, path in PAGES:
        assert client.get(path).status_code == 200, path

        def get(_i: int, path: str = path) -> None:
            assert client.get(path).status_code == 200

        median, p90 = _times(get, rounds)
        rows.append(f"| {label} | {name} | {median:.1f} | {p90:.1f} |")
    db.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    common.add_common_arguments(parser)
    args = parser.parse_args()
    rows: list[str] = []
    with common.scratch_databases(args, "bench-reach") as (databases, pg_version):
        for label, url in databases:
            rows += measure(label, url, args.rounds)
    versions = {"PostgreSQL": pg_version} if pg_version else {}
    section = "\n".join([
        HEADING,
        "",
        f"`.venv/bin/python bench/reach.py --rounds {args.rounds}`: the 76 offices with the demo responses of "
        "`survey-app demo`, the cycle closed; milliseconds per request through the WSGI app (no network).",
        "",
        "| database | request | median ms | p90 ms |",
        "| --- | --- | ---: | ---: |",
        *rows,
        "",
        *common.machine_table(common.machine(**versions)),
    ])  # fmt: skip
    common.publish(HEADING, section, args)


if __name__ == "__main__":
    main()
