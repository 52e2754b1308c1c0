"""Time the improvement features on an existing database: the office page (which now adds the gap decomposition,
monthly trends, peers and suggestion themes), the report, the XLSX and microdata downloads, and the themes page.

Usage: ``SURVEY_DATABASE_URL=... .venv/bin/python bench/improvement.py [--rounds 10] [--office 50]`` on a database
that has a cycle with data (``survey-app demo``). Creates (or updates) the account ``bench-admin@industry.local``
and prints the median and 90th-percentile time of each page through the WSGI app (no network), in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time

from survey_app import create_app
from survey_app.db import db
from survey_app.services import accounts

PASSWORD = "bench-password-not-secret"  # noqa: S105  (a throwaway account on a benchmark database)


def pages(office: str) -> tuple[tuple[str, str], ...]:
    return (
        ("office dashboard with the improvement sections", f"/staff/offices/{office}"),
        ("results JSON with `improvement`, one office", f"/staff/api/results?office={office}"),
        ("office report PDF", f"/staff/offices/{office}/report.pdf"),
        ("office report DOCX", f"/staff/offices/{office}/report.docx"),
        ("office results XLSX", f"/staff/offices/{office}/results.xlsx"),
        ("national view with the distribution", "/staff/"),
        ("national XLSX", "/staff/export.xlsx"),
        ("microdata CSV (all offices)", "/staff/microdata.csv"),
        ("microdata SPSS .sav", "/staff/microdata.sav"),
        ("themes page (national words and phrases)", "/staff/themes"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--office", default="50")
    args = parser.parse_args()
    app = create_app({"WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT": "1000 per minute"})
    with app.app_context(), db.begin() as session:
        accounts.create_staff(session, "bench-admin@industry.local", "admin", PASSWORD)
    client = app.test_client()
    client.post("/staff/login", data={"email": "bench-admin@industry.local", "password": PASSWORD})
    print(
        f"| page | median ms | p90 ms |  ({args.rounds} rounds, {app.config['DATABASE_URL'].split(':')[0]})"
    )
    print("| --- | ---: | ---: |")
    for name, url in pages(args.office):
        times = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        times.sort()
        p90 = times[int(0.9 * (len(times) - 1))]
        print(f"| {name} | {statistics.median(times):.0f} | {p90:.0f} |")


if __name__ == "__main__":
    main()
