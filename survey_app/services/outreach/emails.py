"""Composing invitation and reminder emails: Thai then English, plain text and HTML, personal and opt-out links.

The templates are ``templates/email/message.txt`` and ``message.html``; rendering needs an app context (the
worker runs in one). The recipient's address appears only in the ``To`` header, never with a display name, so a
name from a CSV file can never inject a header. The Message-ID is derived from the outbox message's id under the
secret key, so every retry of one message carries the same Message-ID and mail systems can drop a duplicate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from ... import tokens
from ...models import Cycle, Invitation, Office, OutboxKind, OutboxMessage
from ...templating import format_date, render

SENDER_NAME = "กระทรวงอุตสาหกรรม (EIT) / Ministry of Industry"


@dataclass(frozen=True)
class Envelope:
    """A composed email: the message and its single recipient."""

    message: EmailMessage
    recipient: str


def compose(
    outbox: OutboxMessage, invitation: Invitation, office: Office, cycle: Cycle, sender: str, now: dt.datetime
) -> Envelope:
    """The email for ``outbox`` (an invitation or a reminder) to ``invitation``'s address."""
    if invitation.email is None:
        raise ValueError("the invitation has no address (erased)")
    reminder = outbox.kind == OutboxKind.REMINDER
    context = {
        "reminder": reminder,
        "name": invitation.name,
        "office": office,
        "closes_th": format_date(cycle.closes_on, "th"),
        "closes_en": format_date(cycle.closes_on, "en"),
        "survey_url": tokens.invitation_url(invitation.id),
        "optout_url": tokens.optout_url(invitation.id),
    }
    message = EmailMessage()
    message["Subject"] = _subject(office, reminder)
    message["From"] = formataddr((SENDER_NAME, sender))
    message["To"] = invitation.email
    message["Message-ID"] = tokens.mail_message_id(outbox.id, sender)
    message["Date"] = format_datetime(now)
    message["List-Unsubscribe"] = f"<{context['optout_url']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render("email/message.txt", **context))
    message.add_alternative(render("email/message.html", **context), subtype="html")
    return Envelope(message, invitation.email)


def _subject(office: Office, reminder: bool) -> str:
    prefix_th, prefix_en = ("เตือนความจำ: ", "Reminder: ") if reminder else ("", "")
    return (
        f"{prefix_th}ขอเชิญตอบแบบสำรวจความคิดเห็นต่อการให้บริการของ{office.name_th} / "
        f"{prefix_en}How did {office.name_en} serve you?"
    )
