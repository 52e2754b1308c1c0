"""Time the staff pages on an existing database: national view, office dashboard, exports and live feeds.

Usage: ``SURVEY_DATABASE_URL=... .venv/bin/python bench/dashboards.py [--rounds 20]`` on a database that has a
cycle with data (``survey-app demo``). Creates (or updates) the account ``bench-admin@industry.local`` and prints
the median and 90th-percentile time of each page through the WSGI app (no network), in milliseconds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

PAGES = (
    ("national view", "/staff/"),
    ("national CSV export", "/staff/export.csv"),
    ("national JSON export", "/staff/export.json"),
    ("national live feed", "/staff/live.json"),
    ("office dashboard", "/staff/offices/50"),
    ("office live feed", "/staff/offices/50/live.json"),
    ("results JSON, one office", "/staff/api/results?office=50"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    common.time_staff_pages(PAGES, args.rounds)


if __name__ == "__main__":
    main()
