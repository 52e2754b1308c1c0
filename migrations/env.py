"""Alembic environment: the URL comes from the caller (``survey-app db upgrade``) or SURVEY_DATABASE_URL.

On PostgreSQL every migration runs with a lock timeout and a statement timeout, so a release never hangs behind
a long transaction. SQLite runs in batch mode so that ALTER TABLE works.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import text

from survey_app import models  # noqa: F401  (registers every table)
from survey_app.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("SURVEY_DATABASE_URL")
    if not url:
        raise SystemExit("set SURVEY_DATABASE_URL or run `survey-app db upgrade`")
    return url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = make_engine(_url())
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    sqlite = connection.dialect.name == "sqlite"
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET lock_timeout = '4s'"))
        connection.execute(text("SET statement_timeout = '5min'"))
    if sqlite:
        # Batch migrations rebuild a table by copying it; with foreign keys on, dropping the old copy of a parent
        # table would delete every child row through ON DELETE CASCADE. Checked again after the migration.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
    if sqlite:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left rows with dangling foreign keys: {broken[:5]}")
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
