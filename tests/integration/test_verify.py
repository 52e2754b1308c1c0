"""``survey-app verify`` passes on a database filled through the survey pages and names each kind of damage:
a tampered rollup, a batch of K left waiting, an answered invitation without its response, an orphan row, a
schema behind the code. ``survey-app backup`` copies a live SQLite database that verifies the same. Both
databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from survey_app import migrate
from survey_app.cli import cli
from survey_app.db import db, make_engine
from tests.ops_helpers import K, app_on, populate


def verify(url: str, k: int = K):  # type: ignore[no-untyped-def]
    app = app_on(url, SUPPRESS_BELOW=k)
    return app.test_cli_runner().invoke(cli, ["verify"], catch_exceptions=False)


def execute(url: str, *statements: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


@pytest.fixture
def filled(database_url: str) -> str:
    """The test's database after 18 people answered through the survey pages (13 for office 50, 5 for 51)."""
    assert populate(database_url) == {"50": 13, "51": 5}
    db.dispose()
    return database_url


def test_a_database_filled_through_the_survey_passes(filled: str) -> None:
    result = verify(filled)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: migrations at head, rollup equal to a rebuild")


def test_a_tampered_rollup_fails_naming_the_cycle_and_office(filled: str) -> None:
    execute(filled, "UPDATE cell_stat SET total = total + 1 WHERE office_code = '51' AND measure = 'E3'")
    result = verify(filled)
    assert result.exit_code == 1
    assert "rollup: cycle" in result.output and "(offices 51)" in result.output
    assert "survey-app stats rebuild" in result.output


def test_a_rollup_missing_a_cell_fails(filled: str) -> None:
    execute(filled, "DELETE FROM cell_stat WHERE office_code = '50' AND measure = 'EIT' AND flagged")
    result = verify(filled)
    assert result.exit_code == 1 and "(offices 50)" in result.output


def test_k_lowered_below_the_waiting_responses_is_a_batch_left_waiting(filled: str) -> None:
    # Office 50 has 13 stored: two batches of 5 released, 3 waiting. Under K = 3 those 3 should have gone.
    result = verify(filled, k=3)
    assert result.exit_code == 1
    assert (
        "batches: cycle" in result.output
        and "office 50: 3 responses wait for release (K = 3)" in result.output
    )
    assert verify(filled, k=4).exit_code == 0


def test_an_answered_invitation_without_a_stored_response_is_counted(filled: str) -> None:
    execute(filled, "UPDATE invitation SET responded = (1 = 1), office_code = '51'")
    result = verify(filled)
    assert result.exit_code == 1
    assert "office 51: 1 invitations answered but 0 emailed responses stored" in result.output


def test_an_orphan_answer_is_named(filled: str, backend: str) -> None:
    orphan = (
        "INSERT INTO answer (response_id, item, sub, value, score) VALUES ('no-such-response', 'E2', 1, 0, 0)"
    )
    if backend == "sqlite":
        execute(filled, "PRAGMA foreign_keys = OFF", orphan)
    else:  # a restore that skipped the constraints: triggers (which enforce foreign keys) off for this session
        execute(filled, "SET session_replication_role = replica", orphan)
    result = verify(filled)
    assert result.exit_code == 1
    assert "orphans: 1 answer row(s) point by response_id at a missing response" in result.output
    assert "rollup" not in result.output  # the orphan belongs to no response, so to no cell


def test_a_schema_behind_the_code_is_named_first(database_url: str) -> None:
    head = ScriptDirectory.from_config(migrate.alembic_config(database_url)).get_current_head()
    migrate.downgrade(database_url, "-1")
    try:
        result = verify(database_url)
        assert result.exit_code == 1
        assert "migrations: database at" in result.output and f"code at {head}" in result.output
        assert "run survey-app db upgrade" in result.output
    finally:
        db.dispose()
        migrate.upgrade(database_url)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_backup_copies_a_live_sqlite_database_that_verifies(filled: str, tmp_path: Path) -> None:
    copy = tmp_path / "backups" / "survey-copy.db"
    app = app_on(filled)
    result = app.test_cli_runner().invoke(cli, ["backup", str(copy)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    counted = "SELECT (SELECT count(*) FROM response), (SELECT count(*) FROM answer), (SELECT sum(n) FROM cell_stat)"
    engines = [make_engine(filled), make_engine(f"sqlite:///{copy}")]
    original, copied = (engine.connect().exec_driver_sql(counted).one() for engine in engines)
    assert original == copied and original[0] == 18
    assert verify(f"sqlite:///{copy}").exit_code == 0
    for engine in engines:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_backup_of_a_missing_sqlite_file_fails_with_a_message(tmp_path: Path, backend: str) -> None:
    app = app_on(f"sqlite:///{tmp_path / 'nothing.db'}")
    result = app.test_cli_runner().invoke(cli, ["backup", str(tmp_path / "copy.db")], catch_exceptions=False)
    assert result.exit_code == 1 and "no SQLite database file at" in result.output
    assert not (tmp_path / "copy.db").exists()
