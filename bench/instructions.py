"""Instructions one complete submission costs in-process (GET of the form, POST, GET of the thank-you page), counted
by valgrind's callgrind: unlike seconds, the count does not move with what else the machine is doing, so two commits
can be compared on a busy machine.

    .venv/bin/python bench/instructions.py [--submissions 40] [--storage memory://|redis://...] [--pg-url ...]
        [--ceiling]

The script runs itself twice under ``valgrind --tool=callgrind`` on a scratch PostgreSQL database: once with only the
warm-up (15 submissions), once with ``--submissions`` more; the difference divided by ``--submissions`` is the cost of
one submission in this Python process (Flask's test client included, the database server not). To compare with an
older commit, run this file from that commit's checkout with this checkout's ``.venv``. With ``--ceiling`` the same
three requests go to the bare-Flask submission of ``bench/ceiling_app.py`` (``/submit``) instead, on the same kind of
database: the ratio of the two counts estimates the product's share of its ceiling by CPU without a clock.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402

WARM_UP = 15


def submissions(url: str, count: int, storage: str) -> None:
    """Warm up, then ``count`` complete submissions (run under valgrind by :func:`main`); ``storage`` ``ceiling``
    sends them to the bare-Flask submission instead."""
    from bench import survey_page

    if storage == "ceiling":
        ceiling_submissions(url, count)
        return
    from survey_app import create_app
    from survey_app.questionnaire import load
    from survey_app.tokens import poster_token

    questionnaire = load(ROOT / "surveys" / "eit-2568.yaml")
    link_id, _ = survey_page.prepare(url, questionnaire, invitations=1)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LINK_KEYS": ["bench-key"],
                      "SUBMIT_RATE_LIMIT": "1000000 per minute", "MIN_SECONDS": 0,
                      "RATELIMIT_STORAGE_URI": storage})  # fmt: skip
    with app.app_context():
        path = "/s/" + poster_token(link_id, 1)
    for n in range(WARM_UP + count):
        client = app.test_client()
        page = client.get(path).text
        data = {
            **survey_page.answers(questionnaire, n),
            "csrf_token": survey_page.CSRF_RE.search(page)[1],  # type: ignore[index]
            "nonce": survey_page.NONCE_RE.search(page)[1],  # type: ignore[index]
        }
        stored = client.post(path, data=data)
        assert stored.status_code == 303, stored.status_code
        assert client.get(stored.headers["Location"]).status_code == 200


def ceiling_submissions(url: str, count: int) -> None:
    """Warm up, then ``count`` submissions to ``bench/ceiling_app.py``'s ``/submit`` (the same three requests)."""
    import os

    from bench import survey_page
    from survey_app.questionnaire import load

    questionnaire = load(ROOT / "surveys" / "eit-2568.yaml")
    survey_page.prepare(url, questionnaire, invitations=1)  # the office row the ceiling reads
    os.environ["BENCH_DATABASE_URL"] = url
    from bench.ceiling_app import app

    for n in range(WARM_UP + count):
        client = app.test_client()
        page = client.get("/submit").text
        hidden = dict(re.findall(r'<input name="(\w+)" type="hidden" value="([^"]+)">', page))
        stored = client.post("/submit", data={**survey_page.answers(questionnaire, n), **hidden})
        assert stored.status_code == 303, stored.status_code
        assert client.get(stored.headers["Location"]).status_code == 200


def counted(pg_url: str, count: int, storage: str) -> int:
    """Instructions of a whole run with ``count`` submissions after the warm-up, on a new scratch database."""
    url, _ = common.create_pg_database(pg_url, "bench_instructions")
    try:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "callgrind.out"
            subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__,
                 "--run", url, str(count), storage],
                check=True, capture_output=True,
            )  # fmt: skip
            summary = next(ln for ln in out.read_text().splitlines() if ln.startswith("summary:"))
            return int(summary.split()[1])
    finally:
        common.drop_pg_database(pg_url, url)


def main() -> None:
    if sys.argv[1:2] == ["--run"]:
        submissions(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument(
        "--storage", default="memory://", help="rate-limit counters (a redis:// URL as in production)"
    )
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="count the bare-Flask submission (bench/ceiling_app.py) instead",
    )
    common.add_common_arguments(parser)
    args = parser.parse_args()
    storage = "ceiling" if args.ceiling else args.storage
    base, loaded = counted(args.pg_url, 0, storage), counted(args.pg_url, args.submissions, storage)
    what = "the bare-Flask ceiling" if args.ceiling else f"counters in {args.storage.split(':')[0]}"
    print(f"{(loaded - base) / args.submissions / 1e6:.2f} million instructions per complete submission "
          f"({args.submissions} submissions after {WARM_UP} to warm up; PostgreSQL, in-process; {what})")  # fmt: skip


if __name__ == "__main__":
    main()
