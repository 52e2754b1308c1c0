"""Answers from the counter kiosk: stored once each, however many times the tablet sends them.

The kiosk page (``/k/<token>``) is cached on the office's tablet and keeps working offline, so it cannot carry a
nonce issued by the server for each person. Each answer gets a random nonce made on the device instead; what the
server spends is a hash of the link's id and that nonce (:func:`nonce_hash`), in ``spent_nonce`` as for every form,
in the transaction that stores the response. A queued answer sent again after a lost reply, or by two tabs, finds
its nonce spent and is reported as already stored, so the device can forget it: each answer is stored exactly once.

Kiosk answers are exempt from the per-device burst rule (one tablet serves everyone at the counter); instead each
stored answer adds one to its office's count of the Bangkok hour (:class:`survey_app.models.KioskHour`), which the
kiosk's own integrity signal reads. The duration the device reports (from the first answer to sending) decides the
``too_fast`` flag; a device could lie about it, which is why the hourly counts watch the kiosk too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from ...db import dialect_insert
from ...models import Channel, KioskHour
from ...questionnaire import Questionnaire
from . import submission

NONCE_DAYS = 30  # a spent kiosk nonce is kept this long; the device forgets an answer as soon as it is stored
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")


class KioskNonceError(ValueError):
    """The device's nonce is missing or not 16 to 64 URL-safe characters."""


def nonce_hash(link_id: int, nonce: str) -> str:
    """What ``spent_nonce`` records for a kiosk answer: SHA-256 of the link's id and the device's nonce (kiosk
    nonces cannot collide with form nonces, which are hashed without the prefix)."""
    if not _NONCE.fullmatch(nonce or ""):
        raise KioskNonceError("a kiosk nonce is 16 to 64 URL-safe characters")
    return hashlib.sha256(f"kiosk\0{link_id}\0{nonce}".encode()).hexdigest()


def entry(
    *,
    cycle_id: int,
    office_code: str,
    link_id: int,
    nonce: str,
    respondent_type: str,
    service: str,
    answers: dict[tuple[str, int], int],
    suggestion: str | None,
    too_fast: bool,
    today: dt.date,
) -> submission.Submission:
    """The submission of one kiosk answer: channel ``kiosk``, never a burst, its nonce spent for NONCE_DAYS."""
    return submission.Submission(
        cycle_id=cycle_id,
        office_code=office_code,
        channel=Channel.KIOSK,
        invitation_id=None,
        respondent_type=respondent_type,
        service=service,
        answers=answers,
        suggestion=suggestion,
        too_fast=too_fast,
        nonce_hash=nonce_hash(link_id, nonce),
        nonce_expires_on=today + dt.timedelta(days=NONCE_DAYS),
        burst=False,
    )


def store(
    session: Session,
    questionnaire: Questionnaire,
    answer: submission.Submission,
    now: dt.datetime,
    *,
    batch_size: int,
) -> submission.Outcome:
    """Store one kiosk answer in the session's transaction (:func:`survey_app.services.submission.submit`) and,
    when stored, count it in its office's hour of ``now`` (a Bangkok time). The caller commits on STORED."""
    outcome = submission.submit(session, questionnaire, answer, now.date(), batch_size=batch_size)
    if outcome is submission.Outcome.STORED:
        _count_hour(session, answer.cycle_id, answer.office_code, now.date(), now.hour)
    return outcome


def _count_hour(session: Session, cycle_id: int, office_code: str, day: dt.date, hour: int) -> None:
    conn = session.connection()
    insert_ = dialect_insert(conn.dialect.name)
    table = cast(Table, KioskHour.__table__)
    statement = insert_(table).values(
        cycle_id=cycle_id, office_code=office_code, day=day, hour=hour, answers=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=["cycle_id", "office_code", "day", "hour"], set_={"answers": table.c.answers + 1}
    )
    conn.execute(statement)


def hourly(session: Session, cycle_id: int) -> dict[str, dict[tuple[dt.date, int], int]]:
    """Kiosk answers of every office of the cycle per (Bangkok day, hour), for the kiosk's integrity signal."""
    rows = session.execute(
        select(KioskHour.office_code, KioskHour.day, KioskHour.hour, KioskHour.answers).where(
            KioskHour.cycle_id == cycle_id
        )
    )
    out: dict[str, dict[tuple[dt.date, int], int]] = {}
    for office, day, hour, answers in rows:
        out.setdefault(office, {})[(day, hour)] = int(answers)
    return out
