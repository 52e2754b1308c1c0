"""The first office page after a population frame import, on a database ``bench/scale.py`` filled: imports a changed
frame for office 50 (``frames.save_frame``, as the staff page does), then times the pages given.

    SURVEY_SUPPRESS_BELOW=5 SURVEY_DATABASE_URL=<copy> .venv/bin/python bench/frame_import.py /staff/offices/50 \
        /staff/offices/50 /staff/

Writes a frame into the database: give it a copy (``CREATE DATABASE copy TEMPLATE filled``). Run it from an older
checkout (``git archive REV | tar -x -C DIR``) to compare; its own ``survey_app`` is imported first.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import common  # noqa: E402


def main() -> None:
    app, client = common.signed_in_admin()
    for url in ("/staff/offices/50", "/staff/"):  # warm: every snapshot read once, the code paths used
        client.get(url)
    from survey_app.db import db
    from survey_app.models import Cycle, StaffUser
    from survey_app.services.cycles import frames

    with app.app_context():
        cycle = db.session.scalars(sa.select(Cycle).order_by(Cycle.opens_on.desc())).first()
        admin = db.session.scalars(sa.select(StaffUser)).first()
        before = frames.load_frame(db.session, cycle.id, "50")
        frame = {key: n + 7 for key, n in before.items()} or {("individual", "factory_licensing"): 1000}
        started = time.perf_counter()
        if not frames.save_frame(db.session, admin, cycle, "50", frame, "bench"):
            raise SystemExit("the frame did not change")
        db.session.commit()
        print(f"frame import {(time.perf_counter() - started) * 1000:.0f} ms")
    for url in sys.argv[1:]:
        started = time.perf_counter()
        status = client.get(url).status_code
        print(f"{url} {status} {(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
