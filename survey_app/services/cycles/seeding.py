"""The offices and the open cycle: loading the office list, reading it, and opening the cycle of the current Thai
fiscal year. Loading and opening are idempotent."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Cycle, CycleState, Office, Region
from ...questionnaire import Questionnaire
from ..results import snapshots

BUDDHIST_ERA_OFFSET = 543
OFFICE_FIELDS = ("code", "name_th", "name_en", "province_th", "province_en", "region")


def offices(session: Session) -> list[Office]:
    """Every office, by code."""
    return list(session.scalars(select(Office).order_by(Office.code)))


def office_codes(session: Session) -> set[str]:
    """The codes of every office."""
    return set(session.scalars(select(Office.code)))


def load_offices(session: Session, path: str | Path) -> tuple[int, int]:
    """Insert or update the offices listed in ``path``; returns (inserted, updated). An office moved to another
    region starts a new snapshot generation of every cycle.

    Raises ``ValueError`` naming the row when a field is missing or the region is unknown.
    """
    inserted = updated = 0
    moved = False
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            values = {field: (row.get(field) or "").strip() for field in OFFICE_FIELDS}
            missing = [f for f, v in values.items() if not v]
            if missing or values["region"] not in set(Region):
                raise ValueError(f"{path}:{line}: bad office row (missing {missing} or unknown region)")
            office = session.get(Office, values["code"])
            if office is None:
                session.add(Office(**values))
                inserted += 1
            elif any(getattr(office, f) != v for f, v in values.items()):
                moved = moved or office.region != values["region"]
                for field, value in values.items():
                    setattr(office, field, value)
                updated += 1
    # The peers' regional ranks are kept by the snapshots' state (``improvement.peers``): a move makes a new one.
    if moved:
        snapshots.invalidate_all(session)
    return inserted, updated


def fiscal_year(today: dt.date) -> int:
    """The Thai fiscal year (Buddhist era) containing ``today``: it starts on 1 October."""
    return today.year + (1 if today.month >= 10 else 0) + BUDDHIST_ERA_OFFSET


def ensure_open_cycle(session: Session, today: dt.date, questionnaire: Questionnaire) -> tuple[Cycle, bool]:
    """The cycle of the current fiscal year, created open if missing; returns (cycle, created)."""
    year = fiscal_year(today)
    code = f"EIT-{year}"
    cycle = session.scalar(select(Cycle).where(Cycle.code == code))
    if cycle is not None:
        return cycle, False
    ce_year = year - BUDDHIST_ERA_OFFSET
    cycle = Cycle(
        code=code,
        fiscal_year=year,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        opens_on=dt.date(ce_year - 1, 10, 1),
        closes_on=dt.date(ce_year, 9, 30),
        state=CycleState.OPEN.value,
        min_sample=100,
    )
    session.add(cycle)
    session.flush()
    return cycle, True


def resolve_cycle(session: Session, code: str | None) -> Cycle:
    """The cycle named ``code``, or the only open cycle when ``code`` is None.

    Raises ``LookupError`` with a message for people when there is no such cycle or the choice is ambiguous.
    """
    if code:
        cycle = session.scalar(select(Cycle).where(Cycle.code == code))
        if cycle is None:
            raise LookupError(f"no cycle {code!r}")
        return cycle
    open_cycles = session.scalars(select(Cycle).where(Cycle.state == CycleState.OPEN)).all()
    if len(open_cycles) != 1:
        names = ", ".join(c.code for c in open_cycles) or "none"
        raise LookupError(f"give --cycle CODE: {len(open_cycles)} cycles are open ({names})")
    return open_cycles[0]
