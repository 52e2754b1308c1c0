"""Shared fixtures: one application clock, real databases (SQLite always, PostgreSQL when SURVEY_TEST_DATABASE_URL
is set), Redis when SURVEY_TEST_REDIS_URL is set, and a switch (SURVEY_REQUIRE_SERVICES=1) that turns every skipped
test into a failure.

Database tests take the ``app`` fixture and run once per backend. Each backend's schema is migrated once per run
(per pytest-xdist worker) with Alembic (the real migrations) and the 76 offices are loaded; every test then starts
from exactly that state: SQLite tests get a fresh copy of the migrated file, PostgreSQL tests empty every table but
``office`` afterwards (only the tables the test filled, and the sequences it advanced). Tests commit for real, so
concurrency tests work on both.

Every test runs on the application's one clock (``survey_app.clock``), set by the autouse ``app_clock`` fixture:
it starts at SURVEY_TEST_FREEZE_UTC when that is set and at the real time otherwise, and tests move it with
``app_clock.advance()``. Date-dependent tests carry the ``dates`` marker: every test of the ``cycle`` fixture and every
test of the modules in ``DATE_MODULES``. With ``--frozen-pass`` (``make test``) each of them runs a second time in the
same run, with the clock at 23:30 UTC today, when Bangkok is already on the next day (test id suffix ``utc2330``).

Under pytest-xdist (``make test`` runs ``-n 2``) every per-run resource is the worker's own: its PostgreSQL database
(a random name), its SQLite template (its own temporary directory), its live-server and SMTP ports (chosen free) and
its Redis database: SURVEY_TEST_REDIS_URL's database number plus the worker's index (``gw1`` uses base + 1).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from flask import Flask

os.environ.setdefault("SURVEY_SECRET_KEY", "test-secret-key-not-for-production")

from survey_app import clock, create_app
from survey_app import migrate as migrations
from survey_app.clock import local_today
from survey_app.db import Base, db, make_engine
from survey_app.extensions import limiter
from tests import speedups

speedups.install()

# Tests release a batch at its K-th submission unless they are about the daily schedule (the app fixture says so too);
# the environment carries it to the command-line and gunicorn processes that tests start.
os.environ.setdefault("SURVEY_RELEASE_SCHEDULE", "at_k")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
PG_URL = os.environ.get("SURVEY_TEST_DATABASE_URL")
# pytest-xdist names its workers gw0, gw1, …; a run without it is worker 0.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_INDEX = int(WORKER[2:]) if WORKER[:2] == "gw" and WORKER[2:].isdigit() else 0


def worker_redis_url(url: str | None, index: int = WORKER_INDEX) -> str | None:
    """``url`` with its database number moved up by the xdist worker's index (tests flush their database)."""
    if not url or index == 0:
        return url
    parts = urlsplit(url)
    base = int(parts.path.lstrip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + index}"))


REDIS_URL = worker_redis_url(os.environ.get("SURVEY_TEST_REDIS_URL"))
REQUIRE_SERVICES = os.environ.get("SURVEY_REQUIRE_SERVICES") == "1"
BACKENDS = ["sqlite", "postgresql"]
FREEZE_UTC = os.environ.get("SURVEY_TEST_FREEZE_UTC")
# Modules whose tests build or compare dates without the ``cycle`` fixture.
DATE_MODULES = {
    "test_cli",
    "test_clientkeys",
    "test_models",
    "test_results",
    "test_session_limits",
    "test_staff_demo_notice",
    "test_survey_form",
    "test_survey_links",
}


class AppClock:
    """The application's clock in a test: starts at ``start`` and runs at real speed from there (so durations
    stay real) unless ``stop()``ped; ``advance()`` and ``set()`` move it."""

    def __init__(self, start: dt.datetime) -> None:
        self._start = start
        self._t0: float | None = time.monotonic()

    def __call__(self) -> dt.datetime:
        running = 0.0 if self._t0 is None else time.monotonic() - self._t0
        return self._start + dt.timedelta(seconds=running)

    def set(self, when: dt.datetime) -> None:
        """Jump to ``when`` (timezone-aware)."""
        self._start = when
        self._t0 = None if self._t0 is None else time.monotonic()

    def advance(self, **delta: float) -> None:
        """Move on by ``timedelta(**delta)``."""
        self.set(self() + dt.timedelta(**delta))

    def stop(self) -> None:
        """Freeze at the current instant."""
        self._start, self._t0 = self(), None


def frozen_start(freeze_utc: str | None = FREEZE_UTC) -> dt.datetime:
    """``freeze_utc`` (ISO 8601, e.g. 2026-11-30T23:30:00; SURVEY_TEST_FREEZE_UTC by default) as an aware UTC
    datetime, else the real time."""
    if not freeze_utc:
        return dt.datetime.now(dt.UTC)
    return dt.datetime.fromisoformat(freeze_utc).replace(tzinfo=dt.UTC)


def late_evening_utc() -> str:
    """23:30 UTC today (06:30 the next day in Bangkok), the instant of the ``--frozen-pass`` runs."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT23:30:00")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--frozen-pass",
        action="store_true",
        help="run every `dates` test a second time with the clock at 23:30 UTC today (make test does)",
    )


def is_date_dependent(fixturenames: Iterable[str], module_name: str) -> bool:
    """Whether a test reads dates: it takes the ``cycle`` fixture or is in one of ``DATE_MODULES``."""
    return "cycle" in fixturenames or module_name.rsplit(".", 1)[-1] in DATE_MODULES


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Under ``--frozen-pass``, date-dependent tests run at the real time and again at 23:30 UTC."""
    if metafunc.config.getoption("frozen_pass") and is_date_dependent(
        metafunc.fixturenames, metafunc.module.__name__
    ):
        metafunc.parametrize(
            "clock_start", [FREEZE_UTC, late_evening_utc()], ids=["now", "utc2330"], indirect=True
        )


@pytest.fixture
def clock_start(request: pytest.FixtureRequest) -> str | None:
    """Where the test's clock starts (ISO 8601 UTC), or None for the real time."""
    return getattr(request, "param", FREEZE_UTC)


@pytest.fixture(autouse=True)
def app_clock(clock_start: str | None) -> Iterator[AppClock]:
    """The one clock of the application for this test (see the module docstring)."""
    fake = AppClock(frozen_start(clock_start))
    clock.set_source(fake)
    yield fake
    clock.set_source(None)


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the date-dependent tests ``dates``."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        module = getattr(getattr(item, "module", None), "__name__", "")
        if is_date_dependent(fixtures, module):
            item.add_marker(pytest.mark.dates)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under SURVEY_REQUIRE_SERVICES=1 a skipped test (a missing service or browser) fails the run."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped while SURVEY_REQUIRE_SERVICES=1 requires it to run: {reason}"


def _load_offices(url: str) -> None:
    from survey_app.services.cycles.seeding import load_offices

    engine = make_engine(url)
    with sa.orm.Session(engine) as session, session.begin():
        load_offices(session, ROOT / "surveys" / "offices.csv")
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head with the offices loaded, copied for every test."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    url = f"sqlite:///{path}"
    migrations.upgrade(url)
    _load_offices(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    engine.dispose()
    return path


def pg_admin_url() -> str:
    if not PG_URL:
        pytest.skip("PostgreSQL tests need SURVEY_TEST_DATABASE_URL")
    return PG_URL


def create_pg_database(prefix: str = "survey_test") -> str:
    """Create an empty PostgreSQL database next to SURVEY_TEST_DATABASE_URL's and return its URL."""
    admin = sa.make_url(pg_admin_url())
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        # A throwaway database: commits need not wait for the WAL to reach the disk (they still commit for real,
        # and other sessions see them at once; only a crash of the server could lose the last ones).
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    """Drop the database at ``url`` (closing other sessions first)."""
    target = sa.make_url(url)
    engine = sa.create_engine(sa.make_url(pg_admin_url()), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database of this run's own, migrated to head with the offices loaded."""
    url = create_pg_database()
    try:
        migrations.upgrade(url)
        _load_offices(url)
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``: database tests run once with each."""
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("PostgreSQL tests need SURVEY_TEST_DATABASE_URL")
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database in the migrated, offices-loaded state, private to this test."""
    if backend == "sqlite":
        path = tmp_path / "survey.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    empty_pg_database(url)


def empty_pg_database(url: str) -> None:
    """Back to the migrated, offices-loaded state: every table but ``office`` emptied, every sequence restarted.

    Only the tables the test filled are emptied (one query finds them), with DELETE, and only the sequences it
    advanced are restarted: on the few rows a test leaves this is a fraction of what TRUNCATE of every table costs
    (new files for ~40 tables and their indexes). TRUNCATE remains the fallback should a DELETE be refused.
    """
    tables = [t for t in Base.metadata.sorted_tables if t.name != "office"]
    probe = sa.union_all(
        *(
            sa.select(sa.literal(t.name)).where(sa.exists(sa.select(sa.literal(1)).select_from(t)))
            for t in tables
        )
    )
    engine = make_engine(url)
    with engine.begin() as conn:
        filled = set(conn.execute(probe).scalars())
        advanced = conn.exec_driver_sql(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), start_value FROM pg_sequences "
            "WHERE last_value IS NOT NULL"
        ).all()
        for sequence, start in advanced:
            conn.exec_driver_sql("SELECT setval(%s, %s, false)", (sequence, start))
    try:
        with engine.begin() as conn:
            for table in reversed(tables):
                if table.name in filled:
                    conn.execute(table.delete())
    except sa.exc.DBAPIError:
        names = ", ".join(f'"{t.name}"' for t in tables)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        engine.dispose()


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[object]:
    """A factory for apps on this test's database; keyword arguments override the configuration."""
    apps: list[Flask] = []

    def factory(**overrides: object) -> Flask:
        config = {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "LINK_KEYS": ["test-link-key"],
            "BASE_URL": "http://survey.test",
            "RATELIMIT_STORAGE_URI": "memory://",
            # Most tests release at the K-th submission; tests of the daily schedule ask for it.
            "RELEASE_SCHEDULE": "at_k",
            **overrides,
        }
        app = create_app(config)
        apps.append(app)
        return app

    yield factory
    import redis

    # A test may have pointed the limiter at a Redis that does not answer.
    with contextlib.suppress(redis.exceptions.ConnectionError):
        limiter.reset()
    db.dispose()


@pytest.fixture
def app(make_app) -> Flask:
    """The application on this test's database, with CSRF protection on as in production."""
    return make_app()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def session(database_url: str) -> Iterator[sa.orm.Session]:
    """A session on the test's database for arranging and inspecting data (commit to make rows visible).

    It has an engine of its own and holds no app context, so requests of the test client start clean.
    """
    engine = make_engine(database_url)
    with sa.orm.Session(engine, expire_on_commit=False) as s:
        yield s
    engine.dispose()


@pytest.fixture
def cycle(app: Flask, session: sa.orm.Session):
    """The open cycle of the current fiscal year."""

    from survey_app.questionnaire import load
    from survey_app.services.cycles.seeding import ensure_open_cycle

    questionnaire = load(ROOT / "surveys" / "eit-2568.yaml")
    created, _ = ensure_open_cycle(session, local_today(), questionnaire)
    session.commit()
    return created


@pytest.fixture
def questionnaire():
    from survey_app.questionnaire import load

    return load(ROOT / "surveys" / "eit-2568.yaml")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """SURVEY_TEST_REDIS_URL, flushed before and after the test."""
    if not REDIS_URL:
        pytest.skip("Redis tests need SURVEY_TEST_REDIS_URL")
    import redis

    conn = redis.Redis.from_url(REDIS_URL)
    conn.flushdb()
    yield REDIS_URL
    conn.flushdb()
    conn.close()


@pytest.fixture
def artifacts() -> Path:
    """Where tests save screenshots and other files for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


from tests.live import chromium, desktop_page, live_server, phone_page  # noqa: E402,F401  (fixtures)
