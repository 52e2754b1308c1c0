"""A release and its office's new snapshot, several times in one process, on a database an earlier run filled.

    .venv/bin/python bench/release_snapshot.py URL [RELEASES]

Each round stores K unreleased responses in office 50, then times the release the last submission triggers and the
released office's new snapshot (``bench/scale.time_release``). Prints every round's milliseconds and the medians:
the first round of a process pays the first use of the code paths and statements (as a fresh ``survey-app release``
does once). Writes releases into the database: give it a copy (``CREATE DATABASE copy TEMPLATE filled``).
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    url = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    os.environ["SURVEY_DATABASE_URL"] = url
    from bench import scale
    from survey_app import create_app

    app = create_app({"WTF_CSRF_ENABLED": False})
    release, snapshot = [], []
    with app.app_context():
        for _ in range(rounds):
            (_, release_ms), (_, snapshot_ms) = scale.time_release()
            release.append(release_ms)
            snapshot.append(snapshot_ms)
    print(f"release ms {[round(x) for x in release]}, median {statistics.median(release):.0f}")
    print(f"new snapshot ms {[round(x) for x in snapshot]}, median of all but the first "
          f"{statistics.median(snapshot[1:] or snapshot):.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
