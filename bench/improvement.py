"""Time the improvement features on an existing database: the office page (which now adds the gap decomposition,
monthly trends, peers and suggestion themes), the report, the XLSX and microdata downloads, and the themes page.

Usage: ``SURVEY_DATABASE_URL=... .venv/bin/python bench/improvement.py [--rounds 10] [--office 50]`` on a database
that has a cycle with data (``survey-app demo``). Creates (or updates) the account ``bench-admin@industry.local``
and prints the median and 90th-percentile time of each page through the WSGI app (no network), in milliseconds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


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
    common.time_staff_pages(pages(args.office), args.rounds)


if __name__ == "__main__":
    main()
