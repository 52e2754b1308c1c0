"""``survey-app staff create|sign-out|reset-two-step``: staff accounts from the command line (audited as done by
``cli``)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import StaffUser
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
    from ..services.accounts import staff as accounts

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


def _account(session: Session, email: str) -> StaffUser:
    """The account of ``email``; stops the command with a message when there is none."""
    user: StaffUser | None = session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None:
        fail(f"no staff account {email.strip().lower()!r}")
    assert user is not None  # fail() exits
    return user


@staff_group.command("sign-out")
@click.option("--email", required=True)
@with_appcontext
def staff_sign_out(email: str) -> None:
    """End every session of the account ("sign out everywhere"), e.g. after a lost laptop. Audited."""
    from ..services.accounts import sessions as staff_sessions
    from ..services.accounts import staff as accounts

    with unit_of_work() as session:
        user = _account(session, email)
        ended = staff_sessions.end_all(session, user.id)
        accounts.audit(session, None, "sessions_ended", email="cli", target=user.email, sessions=ended)
    click.echo(f"{ended} session(s) ended for {user.email}")


@staff_group.command("reset-two-step")
@click.option("--email", required=True)
@with_appcontext
def staff_reset_two_step(email: str) -> None:
    """Turn two-step sign-in off for the account (a lost phone and no recovery code left); its sessions end and it
    enrols again at the next sign-in if its role requires it. Audited."""
    from ..services.accounts import two_step

    with unit_of_work() as session:
        user = _account(session, email)
        two_step.reset(session, user, None, actor_name="cli")
    click.echo(f"two-step sign-in reset for {user.email}")


COMMANDS = (staff_group,)
