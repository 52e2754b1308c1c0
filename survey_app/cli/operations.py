"""``survey-app verify`` (is the database whole?) and ``survey-app backup`` (a consistent copy of a live one).

Both are for operators and the restore drill in the README; the checks and the copy live in
:mod:`survey_app.services.operations`.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..services.operations import backup as backup_service
from ..services.operations import verify as verify_service
from .common import cycle_questionnaire, fail, unit_of_work


@click.command("verify")
@with_appcontext
def verify() -> None:
    """Check the database: migrations at head, rollup equal to a rebuild, counts, batches, orphan rows.

    Prints each problem on standard error and exits 1 when there is any; prints ``ok`` otherwise.
    """
    with unit_of_work() as session:
        problems = verify_service.verify(
            session, cycle_questionnaire, int(current_app.config["SUPPRESS_BELOW"])
        )
        session.rollback()  # verify only reads
    if problems:
        for problem in problems:
            click.echo(f"problem: {problem}", err=True)
        fail(f"{len(problems)} problem(s) found")
    click.echo(
        "ok: migrations at head, rollup equal to a rebuild, counts consistent, no batch left waiting, no orphan rows"
    )


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(destination: Path) -> None:
    """Copy the live database to DESTINATION (SQLite: online backup API; PostgreSQL: pg_dump custom format)."""
    try:
        click.echo(backup_service.backup(current_app.config["DATABASE_URL"], destination))
    except backup_service.BackupError as exc:
        fail(str(exc))


COMMANDS = (verify, backup)
