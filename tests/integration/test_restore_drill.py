"""The restore drill of the README, on PostgreSQL: fill a database through the survey pages, back it up with
``survey-app backup`` (pg_dump's custom format), restore it into a new database with ``pg_restore``, and check
that ``survey-app verify`` passes there and the results API answers byte for byte what it answered before; then a
tampered rollup in the restored copy makes ``verify`` fail. Needs PostgreSQL and its client programs."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from survey_app import migrate
from survey_app.cli import cli
from survey_app.db import db, make_engine
from tests.conftest import _load_offices, create_pg_database, drop_pg_database
from tests.ops_helpers import app_on, libpq, populate, results, survey_app


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    """A production database (migrated, offices loaded) and an empty one to restore into."""
    for program in ("pg_dump", "pg_restore"):
        if shutil.which(program) is None:
            pytest.skip(f"the restore drill needs {program} (Debian package postgresql-client)")
    production, restored = create_pg_database("survey_drill"), create_pg_database("survey_restored")
    try:
        migrate.upgrade(production)
        _load_offices(production)
        yield production, restored
    finally:
        db.dispose()
        drop_pg_database(production)
        drop_pg_database(restored)


def test_backup_restore_verify_and_the_same_results(databases: tuple[str, str], tmp_path: Path) -> None:
    production, restored = databases
    assert populate(production) == {"50": 13, "51": 5}
    before = results(production)
    dump = tmp_path / "survey.pgdump"

    backup = app_on(production).test_cli_runner().invoke(cli, ["backup", str(dump)], catch_exceptions=False)
    assert backup.exit_code == 0, backup.output
    print(backup.output.strip())
    restore = subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq(restored)}", str(dump)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert restore.returncode == 0, restore.stderr

    checked = survey_app(restored, "verify")
    print(checked.stdout.strip())
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("ok: migrations at head")
    after = results(restored)
    assert after == before
    office_50 = next(o for o in after["offices"] if o["office_code"] == "50")  # type: ignore[index,union-attr]
    assert office_50["count"] == 10  # 13 stored: two batches of K = 5 released, 3 waiting

    engine = make_engine(restored)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cell_stat SET n = n + 1 WHERE office_code = '50' AND measure = 'EIT'")
    engine.dispose()
    tampered = app_on(restored).test_cli_runner().invoke(cli, ["verify"], catch_exceptions=False)
    print(tampered.output.strip())
    assert tampered.exit_code == 1
    assert "problem: rollup: cycle" in tampered.output and "(offices 50)" in tampered.output
    assert "error: 1 problem(s) found" in tampered.output
