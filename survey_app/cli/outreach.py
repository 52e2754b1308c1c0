"""``survey-app posters``, ``survey-app invitations ...`` and ``survey-app mail ...``: reaching respondents.

Every command prints what it did; none prints an email address or a survey token except ``posters``' file names.
Actions are written to the audit trail as done by ``cli``.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import sessionmaker

from ..clock import utc_now
from ..db import db
from ..services.accounts.staff import audit
from .common import cycle_option, cycle_questionnaire, fail, get_cycle, unit_of_work


def _now() -> dt.datetime:
    return utc_now()


# --- posters ----------------------------------------------------------------------------------------------------


@click.command("posters")
@cycle_option()
@click.option(
    "--office", "office_codes", multiple=True, help="office code (repeat for several; default: all 76)"
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="folder to write the PDF into",
)
@with_appcontext
def posters_command(cycle_code: str | None, office_codes: tuple[str, ...], out_dir: Path) -> None:
    """Write the A4 posters (citizens and businesses) of the offices as one PDF, creating missing links."""
    from ..documents.posters import render
    from ..services.outreach.posters import cycle_posters

    with unit_of_work() as session:
        cycle = get_cycle(session, cycle_code)
        try:
            pages = cycle_posters(session, cycle, list(office_codes) or None)
        except LookupError as exc:
            fail(str(exc))
            raise  # unreachable
        if not pages:
            fail("no poster to print: every link of these offices is revoked")
        audit(
            session,
            None,
            "posters_printed",
            email="cli",
            cycle=cycle.code,
            offices=len({p.office_code for p in pages}),
        )
    suffix = "-".join(office_codes) if office_codes and len(office_codes) <= 3 else "all"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"posters-{cycle.code}-{suffix}.pdf"
    path.write_bytes(render(pages, title=f"EIT posters {cycle.code}"))
    click.echo(f"{len(pages)} posters ({len({p.office_code for p in pages})} offices) written to {path}")


# --- invitations ------------------------------------------------------------------------------------------------


@click.group("invitations")
def invitations_group() -> None:
    """Business contacts invited by email."""


@invitations_group.command("import")
@cycle_option()
@click.option("--office", "office_code", required=True, help="office code, e.g. 50")
@click.option(
    "--valid-rows-only", is_flag=True, help="import the valid rows even when other rows have errors"
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def invitations_import(cycle_code: str | None, office_code: str, valid_rows_only: bool, file: Path) -> None:
    """Import contacts from a CSV FILE (UTF-8; columns email, name, service) and print the per-row report."""
    from ..services.outreach import contacts
    from ..services.outreach.invitations import ImportRefusedError, import_contacts

    with unit_of_work() as session:
        cycle = get_cycle(session, cycle_code)
        spellings = contacts.service_spellings(cycle_questionnaire(cycle))
        try:
            parsed = contacts.parse(_read_limited(file), spellings)
            result = import_contacts(session, cycle, office_code.strip(), parsed, valid_rows_only)
        except (contacts.FileRefusedError, ImportRefusedError) as exc:
            fail(f"{file.name}: {exc}; nothing imported")
            raise  # unreachable
        for problem in result.problems:
            click.echo(f"row {problem.row}: {_describe(problem)}")
        if not result.blocked:
            audit(session, None, "contacts_imported", office_code.strip(), email="cli", cycle=cycle.code,
                  created=result.created, skipped=len(result.skipped), errors=len(result.errors))  # fmt: skip
    if result.blocked:
        fail(
            f"{len(result.errors)} row(s) with errors: nothing imported. Fix the file, or run again with "
            f"--valid-rows-only to import the {result.valid} valid new contact(s)."
        )
    click.echo(
        f"{result.created} invitation(s) created, {len(result.skipped)} skipped, {len(result.errors)} error(s)"
    )


def _read_limited(file: Path) -> bytes:
    from ..services.outreach.contacts import MAX_BYTES

    with file.open("rb") as handle:
        return handle.read(MAX_BYTES + 1)  # parse() refuses anything longer


def _describe(problem) -> str:  # type: ignore[no-untyped-def]
    """One line of the per-row report."""
    from ..services.outreach.contacts import Reason

    if problem.reason == Reason.DUPLICATE:
        return f"skipped: duplicate of row {problem.detail}"
    if problem.reason == Reason.ALREADY_INVITED:
        return "skipped: already invited in this cycle and office"
    text = {
        Reason.BAD_EMAIL: "bad email address",
        Reason.UNKNOWN_SERVICE: "unknown service",
        Reason.FORMULA: "refused: a cell looks like a spreadsheet formula or has control characters",
        Reason.TOO_LONG: "a cell is too long",
    }[problem.reason]
    return f"{text}: {problem.detail!r}" if problem.detail else text


@invitations_group.command("queue")
@cycle_option()
@click.option("--office", "office_code", default=None, help="office code (default: every office)")
@with_appcontext
def invitations_queue(cycle_code: str | None, office_code: str | None) -> None:
    """Queue the invitation email of every contact not emailed yet (``survey-app mail send`` delivers them)."""
    from ..services.outreach.outbox import QueueRefusedError, queue_invitations

    with unit_of_work() as session:
        cycle = get_cycle(session, cycle_code)
        try:
            queued = queue_invitations(session, cycle, office_code, _now())
        except QueueRefusedError as exc:
            fail(str(exc))
            raise  # unreachable
        audit(session, None, "invitations_queued", office_code, email="cli", cycle=cycle.code, queued=queued)
    click.echo(f"{queued} invitation email(s) queued")


# --- mail ------------------------------------------------------------------------------------------------------


@click.group("mail")
def mail_group() -> None:
    """The outbox: sending invitations and reminders."""


@mail_group.command("send")
@click.option("--loop", is_flag=True, help="keep running, sending new messages as they are queued")
@click.option("--idle", default=10.0, show_default=True, help="seconds to wait when nothing is due (--loop)")
@with_appcontext
def mail_send(loop: bool, idle: float) -> None:
    """Deliver due outbox messages over SMTP (SURVEY_MAIL_* settings), once or until stopped."""
    from ..services.outreach.mailer import MailConfigError, MailSettings, Worker

    try:
        worker = Worker(
            MailSettings.from_config(current_app.config), sessionmaker(db.engine, expire_on_commit=False)
        )
        if not loop:
            click.echo(str(worker.run_once()))
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        click.echo(f"mail worker {worker.name} running; stop with Ctrl-C or SIGTERM", err=True)
        worker.run_forever(stop, idle_seconds=idle)
    except MailConfigError as exc:
        fail(str(exc))


@mail_group.command("remind")
@cycle_option()
@click.option("--after-days", type=click.IntRange(min=0), required=True, help="days since the last email")
@click.option(
    "--max", "max_reminders", type=click.IntRange(min=0), required=True, help="reminders per contact"
)
@with_appcontext
def mail_remind(cycle_code: str | None, after_days: int, max_reminders: int) -> None:
    """Queue reminders to invitations neither answered nor opted out nor failed (open cycles only)."""
    from ..services.outreach.outbox import remind

    with unit_of_work() as session:
        cycle_id = get_cycle(session, cycle_code).id if cycle_code else None
        queued = remind(session, _now(), after_days, max_reminders, cycle_id)
        audit(session, None, "reminders_queued", email="cli", queued=queued, after_days=after_days,
              max=max_reminders)  # fmt: skip
    click.echo(f"{queued} reminder(s) queued")


COMMANDS = (posters_command, invitations_group, mail_group)
