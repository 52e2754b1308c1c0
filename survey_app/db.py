"""SQLAlchemy 2.x wiring: one engine per app, a scoped session per request, a declarative Base.

The engine is created lazily on first use so that ``create_app()`` opens no connection. SQLite gets WAL mode,
foreign keys and a busy timeout on every connection; PostgreSQL needs nothing special.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraint names are stable across SQLite and PostgreSQL."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def dialect_insert(dialect: str) -> Any:
    """The INSERT construct of ``dialect`` that can say ON CONFLICT (PostgreSQL's, else SQLite's): upserts and
    inserts that skip a row already there are written once for both databases."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; SQLite connections get WAL, foreign keys and a busy timeout."""
    # SQL parameters (invitation ids, emails) never reach an error message or a log line.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 10})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


_CONNECTION = "survey_db_connection"  # the request's Core connection, in the app context's ``g``


class Database:
    """Holds the engine and the request-scoped session of one Flask app."""

    def __init__(self) -> None:
        self._engines: dict[str, Engine] = {}

    def init_app(self, app: Flask) -> None:
        """Attach a scoped session factory to ``app`` and remove the session after every request."""
        app.extensions["survey_db"] = scoped_session(sessionmaker(expire_on_commit=False))

        @app.teardown_appcontext
        def _remove_session(_exc: BaseException | None) -> None:
            app.extensions["survey_db"].remove()
            conn = g.pop(_CONNECTION, None)
            if conn is not None:
                conn.close()  # rolls back what was not committed

    @property
    def engine(self) -> Engine:
        """The engine for the current app, created on first use."""
        url = current_app.config["DATABASE_URL"]
        if url not in self._engines:
            self._engines[url] = make_engine(url)
        return self._engines[url]

    @property
    def session(self) -> Session:
        """The session bound to the current app context."""
        scoped: scoped_session[Session] = current_app.extensions["survey_db"]
        if not scoped.registry.has():
            scoped.registry.set(Session(self.engine, expire_on_commit=False))
        return scoped()

    def connection(self, autocommit: bool = False) -> Connection:
        """The request's Core connection, for a request whose statements are all Core (the survey POST): a
        transaction begins with its first statement and is rolled back at the end of the request unless committed
        (as the session's), without the ORM session's bookkeeping around it. With ``autocommit`` (heeded by the
        request's first call), each statement commits by itself and no BEGIN or COMMIT is sent: for a request whose
        one write is a single statement."""
        conn: Connection | None = g.get(_CONNECTION)
        if conn is None:
            conn = self.engine.connect()
            if autocommit:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            setattr(g, _CONNECTION, conn)
        return conn

    def rollback(self) -> None:
        """Roll back the request's session and, when it has one, its Core connection."""
        self.session.rollback()
        conn: Connection | None = g.get(_CONNECTION)
        if conn is not None:
            conn.rollback()

    def dispose(self) -> None:
        """Close every pooled connection (tests drop databases after this)."""
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()

    @contextmanager
    def reader(self) -> Iterator[Connection]:
        """A pooled connection for reads that need no transaction, in autocommit: each statement is its own
        snapshot, as it would be in a read-committed transaction, but no ``BEGIN`` precedes it and no ``ROLLBACK``
        follows when the connection goes back to the pool (two round trips fewer on PostgreSQL for a one-query page).
        The pool restores the engine's isolation level before the connection is lent again."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A session in one transaction, committed on success and rolled back on error."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session


db = Database()
