"""The ``survey-app`` command: database, seeding, staff accounts, demo data and questionnaire checks.

Feature modules add their own groups (links, mail, scoring, ...) at the bottom of this file. Every command that
takes ``--cycle CODE`` defaults to the open cycle when exactly one is open.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from . import migrate
from .clock import local_today
from .db import db
from .models import Cycle
from .questionnaire import Questionnaire, QuestionnaireError, load, questionnaire_files, validate_all

DEFAULT_QUESTIONNAIRE = "eit-2568.yaml"
F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def cli() -> None:
    """EIT survey system for the provincial industry offices."""


def main() -> None:
    """Console entry point: run ``cli`` inside an app context of ``create_app()``."""
    from . import create_app

    app: Flask = create_app()
    with app.app_context():
        cli.main(prog_name="survey-app")


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A session committed when the command finishes without error, rolled back otherwise."""
    with db.begin() as session:
        yield session


def surveys_dir() -> Path:
    return Path(current_app.config["SURVEYS_DIR"])


def fail(message: str) -> None:
    """Print ``message`` to standard error and exit with status 1."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def cycle_option() -> Callable[[F], F]:
    """The ``--cycle CODE`` option, defaulting to the only open cycle."""
    return click.option(
        "--cycle", "cycle_code", default=None, help="cycle code (default: the only open cycle)"
    )


def get_cycle(session: Session, code: str | None) -> Cycle:
    """The cycle ``code`` or the only open one; exits with a message when there is none or several."""
    from .services.seeding import resolve_cycle

    try:
        return resolve_cycle(session, code)
    except LookupError as exc:
        fail(str(exc))
        raise  # unreachable; for the type checker


def cycle_questionnaire(cycle: Cycle) -> Questionnaire:
    """The questionnaire a cycle uses."""
    from . import questionnaire

    return questionnaire.get(surveys_dir(), cycle.questionnaire_id, cycle.questionnaire_version)


# --- database ---------------------------------------------------------------------------------------------------


@cli.group("db")
def db_group() -> None:
    """Database migrations (a release step, never run by the web app)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db_group.command("downgrade")
@click.option("--revision", required=True)
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (``base`` empties it)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


# --- seeding and demo data ----------------------------------------------------------------------------------------


@cli.command("seed")
@with_appcontext
def seed() -> None:
    """Load the 76 offices and open a cycle for the current Thai fiscal year (idempotent)."""
    from .services.seeding import ensure_open_cycle, load_offices

    questionnaire = load(surveys_dir() / DEFAULT_QUESTIONNAIRE)
    with unit_of_work() as session:
        inserted, updated = load_offices(session, surveys_dir() / "offices.csv")
        cycle, created = ensure_open_cycle(session, local_today(), questionnaire)
    click.echo(f"offices: {inserted} added, {updated} updated")
    click.echo(
        f"cycle {cycle.code}: {'opened' if created else 'already there'} ({cycle.opens_on} – {cycle.closes_on})"
    )


@cli.command("demo")
@cycle_option()
@click.option("--remove", is_flag=True, help="delete the demo responses instead")
@click.option("--if-empty", is_flag=True, help="only when the cycle has no responses at all")
@with_appcontext
def demo(cycle_code: str | None, remove: bool, if_empty: bool) -> None:
    """Add synthetic demo responses (marked as demo) to the cycle, once."""
    from .services import demo as demo_data

    with unit_of_work() as session:
        cycle = get_cycle(session, cycle_code)
        questionnaire = cycle_questionnaire(cycle)
        if remove:
            demo_data.remove(session, cycle, questionnaire)
            click.echo(f"demo responses removed from {cycle.code}")
            return
        if if_empty and demo_data.has_responses(session, cycle):
            click.echo(f"{cycle.code} already has responses: no demo data added")
            return
        if demo_data.has_demo(session, cycle):
            click.echo(f"demo responses already in {cycle.code}: nothing to do")
            return
        created = demo_data.generate(session, cycle, questionnaire, local_today())
    click.echo(f"{created} demo responses added to {cycle.code} (marked as demo data)")


# --- staff accounts -------------------------------------------------------------------------------------------------


@cli.group("staff")
def staff_group() -> None:
    """Staff accounts."""


@staff_group.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "office", "viewer"]))
@click.option("--office", "office_code", default=None, help="office code (required for the office role)")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_appcontext
def staff_create(email: str, role: str, office_code: str | None, password_stdin: bool) -> None:
    """Create a staff account, or update it if the email exists. Without --password-stdin a strong password is
    generated and printed once."""
    from .services import accounts

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else accounts.generate_password()
    try:
        with unit_of_work() as session:
            _user, created = accounts.create_staff(session, email, role, password, office_code)
            accounts.audit(
                session,
                None,
                "staff_created" if created else "staff_updated",
                email="cli",
                target=email.strip().lower(),
                role=role,
            )
    except accounts.AccountError as exc:
        fail(str(exc))
    click.echo(f"{'created' if created else 'updated'} {role} {email.strip().lower()}")
    if not password_stdin:
        click.echo(f"password (shown once): {password}")


@cli.command("prune")
@with_appcontext
def prune() -> None:
    """Delete spent form nonces past their day (run daily, e.g. from cron)."""
    from .services.submission import prune_spent_nonces

    with unit_of_work() as session:
        removed = prune_spent_nonces(session, local_today())
    click.echo(f"{removed} spent form nonce(s) removed")


# --- questionnaires ---------------------------------------------------------------------------------------------------


@cli.group("surveys")
def surveys_group() -> None:
    """Questionnaire files in surveys/."""


@surveys_group.command("validate")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def surveys_validate(directory: Path | None) -> None:
    """Check every questionnaire file against the schema; exit 1 naming the file, field and problem."""
    directory = directory or surveys_dir()
    files = questionnaire_files(directory)
    problems: list[QuestionnaireError] = validate_all(directory)
    for problem in problems:
        click.echo(f"invalid: {problem}", err=True)
    if not files:
        fail(f"no questionnaire files in {directory}")
    if problems:
        sys.exit(1)
    click.echo(f"{len(files)} questionnaire file(s) valid in {directory}")


# --- feature groups (each module adds its commands to ``cli``) -------------------------------------------------
from . import cli_links, cli_outreach, cli_stats  # noqa: E402,F401
