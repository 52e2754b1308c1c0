"""``survey-app staff create``: staff accounts from the command line (audited as done by ``cli``)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from .common import fail, unit_of_work


@click.group("staff")
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
    from ..services import accounts

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


COMMANDS = (staff_group,)
