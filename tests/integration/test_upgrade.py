"""Upgrading keeps the results: data written in the previous release's schema (the migration before the newest),
migrated to head, gives the same results API answer as the same data written at head, and ``verify`` passes.

The previous release's code is not at hand, so its data is the same answers stored by the current code and copied,
column by column, into a database at the previous revision (what the old schema can hold); the bursts flag, which
the newest migration added, stays off by a burst limit no test reaches. Both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from survey_app import migrate
from survey_app.cli import cli
from survey_app.db import Base, db, make_engine
from tests.conftest import _load_offices, create_pg_database, drop_pg_database
from tests.ops_helpers import app_on, populate, results


def _previous_revision() -> str:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    head = script.get_revision(script.get_current_head())
    assert head is not None and isinstance(head.down_revision, str), "the head has one parent"
    return head.down_revision


@pytest.fixture
def two_databases(backend: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty databases of the test's backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'current.db'}", f"sqlite:///{tmp_path / 'previous.db'}"
        return
    urls = create_pg_database("survey_current"), create_pg_database("survey_previous")
    try:
        yield urls
    finally:
        db.dispose()
        for url in urls:
            drop_pg_database(url)


def _copy(source_url: str, target_url: str) -> int:
    """Copy every row of the source into the target's (older) tables, the columns the target has; returns rows."""
    source, target = make_engine(source_url), make_engine(target_url)
    old = sa.MetaData()
    old.reflect(target)
    copied = 0
    with source.connect() as src, target.begin() as dst:
        dst.execute(
            sa.text("DELETE FROM office")
        )  # loaded at the previous revision too; copied with the rest
        for table in Base.metadata.sorted_tables:
            if table.name not in old.tables:
                continue
            columns = [c.name for c in old.tables[table.name].columns]
            rows = [dict(r._mapping) for r in src.execute(sa.select(*(table.c[c] for c in columns)))]
            if rows:
                dst.execute(old.tables[table.name].insert(), rows)
                copied += len(rows)
            if (
                target.dialect.name == "postgresql"
                and "id" in columns
                and isinstance(table.c.id.type, sa.Integer)
            ):
                # The next id after the copied ones (setval of a NULL sequence, a table without one, does nothing).
                highest = sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0)).scalar_subquery()
                sequence = sa.func.pg_get_serial_sequence(table.name, "id")
                dst.execute(sa.select(sa.func.setval(sequence, highest + 1, False)))
    source.dispose()
    target.dispose()
    return copied


def test_data_of_the_previous_schema_upgraded_to_head_gives_the_same_results(
    two_databases: tuple[str, str],
) -> None:
    current, previous = two_databases
    migrate.upgrade(current)
    _load_offices(current)
    assert populate(current, BURST_LIMIT=10_000) == {"50": 13, "51": 5}
    expected = results(current)

    migrate.upgrade(previous, _previous_revision())
    _load_offices(previous)
    assert _copy(current, previous) > 18 * 16  # the responses and their answers at least
    db.dispose()
    upgraded = app_on(previous).test_cli_runner().invoke(cli, ["db", "upgrade"], catch_exceptions=False)
    assert upgraded.exit_code == 0, upgraded.output
    checked = app_on(previous).test_cli_runner().invoke(cli, ["verify"], catch_exceptions=False)
    assert checked.exit_code == 0, checked.output
    assert results(previous) == expected
