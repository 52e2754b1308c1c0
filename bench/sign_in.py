"""Time the staff sign-in's refusals: an unknown email, a wrong password and a locked account must take the same
time (each computes one scrypt hash), so timing does not tell which emails are accounts. Also counts how many of
40 concurrent wrong passwords for one account are checked before the lock (at most 5).

Usage: ``.venv/bin/python bench/sign_in.py [--rounds 60] [--skip-postgres] [--no-doc]``. Scratch SQLite and
PostgreSQL databases are migrated for the run and dropped after; requests go through the WSGI app (no network),
the four kinds interleaved round by round so load on the machine affects them alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import threading
import time

import sqlalchemy as sa
from common import add_common_arguments, machine, machine_table, publish, scratch_databases

from survey_app import create_app
from survey_app import migrate as migrations
from survey_app.clock import local_today
from survey_app.db import db, make_engine
from survey_app.models import AuditEvent, StaffUser
from survey_app.services.accounts import staff as accounts

PASSWORD = "bench-password-not-secret"  # noqa: S105  (throwaway accounts on a scratch database)
KINDS = ("unknown email", "wrong password", "locked account (right password)", "right password (for scale)")


def _arrange(url: str) -> None:
    migrations.upgrade(url)
    engine = make_engine(url)
    with sa.orm.Session(engine) as session, session.begin():
        accounts.create_staff(session, "known@bench.local", "admin", PASSWORD)
        locked, _ = accounts.create_staff(session, "locked@bench.local", "admin", PASSWORD)
        accounts.create_staff(session, "target@bench.local", "admin", PASSWORD)
        session.flush()
        locked.failed_logins = 6
        locked.locked_until = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)
    engine.dispose()


def _time_kinds(url: str, rounds: int) -> dict[str, list[float]]:
    app = create_app(
        {"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT": "100000 per minute"}
    )
    tries = {
        KINDS[0]: ("nobody@bench.local", "a wrong password"),
        KINDS[1]: ("known@bench.local", "a wrong password"),
        KINDS[2]: ("locked@bench.local", PASSWORD),
        KINDS[3]: ("known@bench.local", PASSWORD),
    }
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    for _ in range(rounds):
        for kind, (email, password) in tries.items():
            client = app.test_client()
            start = time.perf_counter()
            response = client.post("/staff/login", data={"email": email, "password": password})
            times[kind].append((time.perf_counter() - start) * 1000)
            assert response.status_code == (302 if kind == KINDS[3] else 401), (kind, response.status_code)
    with app.app_context():
        db.dispose()
    return times


def _concurrent(url: str, n: int = 40) -> tuple[int, float]:
    """(passwords checked, wall seconds) for ``n`` simultaneous wrong passwords on one account."""
    engine = make_engine(url, pool_size=n, max_overflow=0)
    barrier = threading.Barrier(n)
    now = dt.datetime.now(dt.UTC)

    def attempt() -> None:
        with sa.orm.Session(engine) as s:
            barrier.wait()
            claimed = accounts.claim_attempt(s, "target@bench.local", now)
            s.commit()
            accounts.check_attempt(s, claimed, "a wrong password", now)
            s.commit()

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    with sa.orm.Session(engine) as s:
        target = s.scalar(sa.select(StaffUser.id).where(StaffUser.email == "target@bench.local"))
        checked = s.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "login_failed", AuditEvent.actor_id == target)
        )
    engine.dispose()
    return int(checked or 0), wall


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=60)
    add_common_arguments(parser)
    args = parser.parse_args()
    results: dict[str, dict[str, list[float]]] = {}
    concurrent: dict[str, tuple[int, float]] = {}
    with scratch_databases(args, "bench-sign-in") as (databases, pg_version):
        for label, url in databases:
            _arrange(url)
            results[label] = _time_kinds(url, args.rounds)
            concurrent[label] = _concurrent(url)
    labels = list(results)
    lines = [
        "## Sign-in under attack",
        "",
        f"Measured by `bench/sign_in.py` on {local_today().isoformat()} ({args.rounds} rounds, the four kinds "
        "interleaved, through the WSGI app without network; `.venv/bin/python bench/sign_in.py --rounds "
        f"{args.rounds}`). Every refusal computes one scrypt hash, so an unknown email, a wrong password and a "
        "locked account cost the same; the right password (for scale) also opens a session. The machine was "
        "shared with other test suites (see its load below), which is what makes one scrypt hash this slow.",
        "",
        "| sign-in POST | " + " | ".join(f"{lb} median ms | {lb} p90 ms" for lb in labels) + " |",
        "| --- | " + " | ".join("---: | ---:" for _ in labels) + " |",
    ]
    for kind in KINDS:
        cells = " | ".join(
            f"{statistics.median(results[lb][kind]):.0f} | {_p(results[lb][kind], 0.9):.0f}" for lb in labels
        )
        lines.append(f"| {kind} | {cells} |")
    lines += [
        "",
        "40 wrong passwords for one account at the same moment (40 threads, 40 connections): "
        + "; ".join(f"{lb}: {c[0]} checked, {c[1]:.1f} s" for lb, c in concurrent.items())
        + ".",
        "",
        *machine_table(machine(**({"PostgreSQL": pg_version} if pg_version else {}))),
        "",
    ]
    publish("## Sign-in under attack", "\n".join(lines), args)


if __name__ == "__main__":
    main()
