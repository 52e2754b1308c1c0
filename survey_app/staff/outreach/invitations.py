"""Business invitations of an office: upload a contact CSV, read its per-row report, queue the emails.

Admins and the office's own users manage the contacts and see the list; viewers see the counts only (contacts
are personal data that a national read-only role does not need). Nobody sees which contact answered: the page
shows how many did, never who, so an answer can never be tied to a business. Per contact it shows only the
invitation's delivery (and opt-out or failure, which the contact or the mail server caused); reminders, which skip
those who answered, appear only as the office's number of reminder rounds.

A file with errors imports nothing; its report offers "import the valid rows", which posts the same file back
(in a hidden field) with that choice: the server keeps no upload between the two steps, and checks it again.
"""

from __future__ import annotations

import base64
import binascii

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ...clock import utc_now
from ...db import db
from ...models import Cycle, Invitation, Office
from ...services.accounts.staff import audit
from ...services.outreach import contacts, invitations, outbox
from ...web.inputs import int_arg
from .. import bp
from ..access import staff_required, writer_required
from ..context import cycle_questionnaire, required_cycle, visible_office

PAGE_SIZE = 100


def _may_see_contacts(office_code: str) -> bool:
    return bool(current_user.can_write and current_user.can_see_office(office_code))


def _contacts(cycle: Cycle, office_code: str, page: int) -> tuple[list[Invitation], int]:
    return invitations.contacts_page(db.session, cycle.id, office_code, page, PAGE_SIZE)


def _page(office: Office, cycle: Cycle, status: int = 200, **extra: object) -> tuple[str, int]:
    page = max(1, int_arg("page", 1) or 1)
    shown, total = _contacts(cycle, office.code, page) if _may_see_contacts(office.code) else ([], 0)
    html = render_template(
        "staff/invitations.html",
        office=office,
        cycle=cycle,
        counts=invitations.counts(db.session, cycle.id, office.code),
        reminder_rounds=invitations.reminder_rounds(db.session, cycle.id, office.code),
        contacts=shown,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        can_manage=_may_see_contacts(office.code),
        max_kb=contacts.MAX_BYTES // 1024,
        max_rows=contacts.MAX_ROWS,
        **extra,
    )
    return html, status


@bp.get("/offices/<code>/invitations")
@staff_required
def office_invitations(code: str) -> tuple[str, int]:
    """Counts, the upload form, and (for those who manage them) the contacts."""
    return _page(visible_office(code), required_cycle())


@bp.post("/offices/<code>/invitations/import")
@writer_required
def office_invitations_import(code: str) -> tuple[str, int] | Response:
    """Check an uploaded CSV; import it when clean or when the user chose its valid rows."""
    office = visible_office(code)
    cycle = required_cycle()
    data = _uploaded()
    if data is None:
        flash(_("Choose a CSV file to upload."), "error")
        return _page(office, cycle, 400)
    valid_rows_only = request.form.get("valid_rows_only") == "1"
    try:
        parsed = contacts.parse(data, contacts.service_spellings(cycle_questionnaire(cycle)))
        result = invitations.import_contacts(db.session, cycle, office.code, parsed, valid_rows_only)
    except contacts.FileRefusedError as exc:
        db.session.rollback()
        return _page(office, cycle, 400, refused=exc.code)
    except invitations.ImportRefusedError:
        db.session.rollback()
        return _page(office, cycle, 409, refused="closed")
    if result.blocked:
        db.session.rollback()
        return _page(office, cycle, 422, result=result, retry_file=base64.b64encode(data).decode("ascii"))
    audit(db.session, current_user, "contacts_imported", office.code, cycle=cycle.code, created=result.created,
          skipped=len(result.skipped), errors=len(result.errors))  # fmt: skip
    db.session.commit()
    return _page(office, cycle, 200, result=result)


def _uploaded() -> bytes | None:
    """The uploaded file, or the file posted back by "import the valid rows"; None when neither is there."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return upload.stream.read(contacts.MAX_BYTES + 1)
    posted = request.form.get("file_b64")
    if posted:
        try:
            return base64.b64decode(posted, validate=True)
        except (binascii.Error, ValueError):
            abort(400)
    return None


@bp.post("/offices/<code>/invitations/queue")
@writer_required
def office_invitations_queue(code: str) -> Response:
    """Queue the invitation email of every contact not emailed yet; the mail worker sends them."""
    office = visible_office(code)
    cycle = required_cycle()
    try:
        queued = outbox.queue_invitations(db.session, cycle, office.code, utc_now())
    except outbox.QueueRefusedError:
        db.session.rollback()
        flash(_("Emails can be sent only while the cycle is open."), "error")
        return redirect(url_for("staff.office_invitations", code=office.code, cycle=cycle.code))
    audit(db.session, current_user, "invitations_queued", office.code, cycle=cycle.code, queued=queued)
    db.session.commit()
    flash(_("%(n)s invitation email(s) queued for sending.", n=queued), "info")
    return redirect(url_for("staff.office_invitations", code=office.code, cycle=cycle.code))
