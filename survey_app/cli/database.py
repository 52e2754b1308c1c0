"""``survey-app db upgrade|downgrade`` (a release step) and ``survey-app prune`` (daily housekeeping)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import migrate
from ..clock import local_today, utc_now
from .common import unit_of_work


@click.group("db")
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


@click.command("prune")
@with_appcontext
def prune() -> None:
    """Delete spent form nonces past their day and staff sessions past their limits (run daily, e.g. from cron)."""
    from ..services.accounts import sessions as staff_sessions
    from ..services.intake.submission import prune_spent_nonces

    limits = staff_sessions.Limits.from_config(current_app.config)
    with unit_of_work() as session:
        removed = prune_spent_nonces(session, local_today())
        ended = staff_sessions.prune(session, utc_now(), limits)
    click.echo(f"{removed} spent form nonce(s) removed")
    click.echo(f"{ended} expired staff session(s) removed")


COMMANDS = (db_group, prune)
