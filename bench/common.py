"""What the benchmarks share: scratch databases (SQLite and PostgreSQL) migrated and seeded with the 76 offices and an
open cycle, a description of the machine, and the results file ``docs/benchmarks.md``, in which each benchmark
rewrites only its own section."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
QUESTIONNAIRE = ROOT / "surveys" / "eit-2568.yaml"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """``--pg-url`` (the server to make a scratch database on), ``--skip-postgres`` and ``--no-doc``."""
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("SURVEY_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--no-doc", action="store_true", help="print the section instead of writing the doc")


def create_pg_database(admin_url: str, prefix: str) -> tuple[str, str]:
    """A new, empty database beside ``admin_url``'s: its URL and the server's version."""
    admin = sa.make_url(admin_url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        version = str(conn.exec_driver_sql("SHOW server_version").scalar()).split()[0]
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False), version


def drop_pg_database(admin_url: str, url: str) -> None:
    """Drop the database at ``url``, closing its sessions."""
    engine = sa.create_engine(sa.make_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)')
    engine.dispose()


@contextmanager
def scratch_databases(
    args: argparse.Namespace, prefix: str
) -> Iterator[tuple[list[tuple[str, str]], str | None]]:
    """``([(label, url), ...], PostgreSQL version or None)``: a SQLite file in a temporary folder and, unless
    ``--skip-postgres``, a new PostgreSQL database, dropped when the block ends."""
    with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as folder:
        databases = [("SQLite", f"sqlite:///{folder}/bench.db")]
        pg_url, pg_version = None, None
        if not args.skip_postgres:
            pg_url, pg_version = create_pg_database(args.pg_url, prefix.replace("-", "_"))
            databases.append(("PostgreSQL", pg_url))
        try:
            yield databases, pg_version
        finally:
            if pg_url:
                drop_pg_database(args.pg_url, pg_url)


def seed(session: Any, questionnaire: Any) -> Any:
    """Load the 76 offices and open the cycle of today's Thai fiscal year in ``session`` (already migrated);
    returns the cycle."""
    from survey_app.clock import local_today
    from survey_app.services.cycles.seeding import ensure_open_cycle, load_offices

    load_offices(session, ROOT / "surveys" / "offices.csv")
    cycle, _ = ensure_open_cycle(session, local_today(), questionnaire)
    return cycle


def publish(heading: str, section: str, args: argparse.Namespace) -> None:
    """Print the section and, unless ``--no-doc``, write it into docs/benchmarks.md."""
    print(section)
    if not args.no_doc:
        update_doc(heading, section)


def time_staff_pages(pages: Any, rounds: int) -> None:
    """Sign in as a throwaway admin on the database of ``SURVEY_DATABASE_URL`` and print, as a Markdown table, the
    median and 90th-percentile time in milliseconds of each ``(name, url)`` in ``pages`` through the WSGI app."""
    import statistics
    import time

    app, client = signed_in_admin()
    print(f"| page | median ms | p90 ms |  ({rounds} rounds, {app.config['DATABASE_URL'].split(':')[0]})")
    print("| --- | ---: | ---: |")
    for name, url in pages:
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        times.sort()
        p90 = times[int(0.9 * (len(times) - 1))]
        print(f"| {name} | {statistics.median(times):.0f} | {p90:.0f} |")


def signed_in_admin() -> tuple[Any, Any]:
    """The app on ``SURVEY_DATABASE_URL`` and a test client signed in as a throwaway admin (created or updated)."""
    from survey_app import create_app
    from survey_app.db import db
    from survey_app.services.accounts import staff as accounts

    password = "bench-password-not-secret"  # noqa: S105  (a throwaway account on a benchmark database)
    app = create_app({"WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT": "1000 per minute"})
    with app.app_context(), db.begin() as session:
        accounts.create_staff(session, "bench-admin@industry.local", "admin", password)
    client = app.test_client()
    client.post("/staff/login", data={"email": "bench-admin@industry.local", "password": password})
    return app, client


def machine(**versions: str) -> dict[str, str]:
    """Cores, CPU model, memory, OS and load of this machine, followed by ``versions`` (label → text)."""
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next(int(ln.split()[1]) for ln in meminfo if ln.startswith("MemTotal"))
    return {
        "cores (nproc)": str(os.cpu_count()),
        "CPU": cpu,
        "memory": f"{mem_kb / 1024**2:.1f} GiB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        **versions,
        "load average at the end (1, 5, 15 min)": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def machine_table(description: dict[str, str]) -> list[str]:
    """The machine as Markdown table lines."""
    return ["| machine | |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in description.items())]


def update_doc(heading: str, section: str) -> None:
    """Replace the section under ``heading`` (a ``## `` line) of docs/benchmarks.md, or add it at the end."""
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    section = section.rstrip("\n") + "\n"
    start = text.find(heading + "\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        after = text.find("\n## ", start + 1)
        text = text[:start] + section + ("" if after < 0 else text[after:])
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")
