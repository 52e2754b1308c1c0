"""Improvement plans: measures an office records against its items (what, who, by when, status), audited.

Office staff write their own office's plan and admins any office's; viewers read. Every change is an audit event
(staff actions are not anonymous). The caller commits.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from ...clock import local_today, plausible_date, utc_now
from ...models import Cycle, CycleState, ImprovementMeasure, MeasureStatus, StaffUser
from ..accounts.staff import audit

MAX_ACTION = 1000
MAX_OWNER = 200


class PlanError(ValueError):
    """A measure was refused; ``reason`` is a key the page turns into a sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _check_open(cycle: Cycle) -> None:
    if cycle.state == CycleState.CLOSED:
        raise PlanError("closed")


def add_measure(
    session: Session, actor: StaffUser, cycle: Cycle, office_code: str, *, item: str, action: str, owner: str,
    due_on: dt.date | None, items: Collection[str],
) -> ImprovementMeasure:  # fmt: skip
    """Record a new measure; raises ``PlanError`` for an unknown item, empty or overlong text, no date or a date
    a century or more away (an era slip)."""
    _check_open(cycle)
    action, owner = action.strip(), owner.strip()
    if item not in items:
        raise PlanError("item")
    if not action or len(action) > MAX_ACTION:
        raise PlanError("action")
    if not owner or len(owner) > MAX_OWNER:
        raise PlanError("owner")
    if due_on is None or not plausible_date(due_on, local_today()):
        raise PlanError("due")
    measure = ImprovementMeasure(
        cycle_id=cycle.id, office_code=office_code, item=item, action=action, owner=owner, due_on=due_on,
        status=MeasureStatus.PLANNED.value,
    )  # fmt: skip
    session.add(measure)
    session.flush()
    audit(session, actor, "plan_add", office_code, cycle=cycle.code, measure=measure.id, item=item)
    return measure


def set_status(
    session: Session, actor: StaffUser, cycle: Cycle, measure: ImprovementMeasure, status: str
) -> bool:
    """Move a measure to ``status``; False when it already was. Raises ``PlanError`` for an unknown status."""
    _check_open(cycle)
    if status not in {s.value for s in MeasureStatus}:
        raise PlanError("status")
    if measure.status == status:
        return False
    before = measure.status
    measure.status = status
    measure.updated_at = utc_now()
    audit(session, actor, "plan_status", measure.office_code, cycle=cycle.code, measure=measure.id,
          before=before, after=status)  # fmt: skip
    return True


def office_plan(session: Session, cycle_id: int, office_code: str) -> list[ImprovementMeasure]:
    """The office's measures in the cycle, soonest due first."""
    return list(session.scalars(_office_plan_query(), {"cycle_id": cycle_id, "office_code": office_code}))


@functools.cache
def _office_plan_query() -> Select[ImprovementMeasure]:
    """:func:`office_plan`'s statement, built once (the office page asks on every request)."""
    return (
        select(ImprovementMeasure)
        .where(
            ImprovementMeasure.cycle_id == bindparam("cycle_id"),
            ImprovementMeasure.office_code == bindparam("office_code"),
        )
        .order_by(ImprovementMeasure.due_on, ImprovementMeasure.id)
    )


def measure(session: Session, cycle_id: int, office_code: str, measure_id: int) -> ImprovementMeasure | None:
    """One measure of the office in the cycle (None when the id belongs to another office or cycle)."""
    found = session.get(ImprovementMeasure, measure_id)
    if found is None or found.cycle_id != cycle_id or found.office_code != office_code:
        return None
    return found


@dataclass(frozen=True)
class Progress:
    """How far one office's plan has got: measures per status, and how many are overdue."""

    office_code: str
    by_status: dict[str, int]
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def done_percent(self) -> float:
        active = self.total - self.by_status.get(MeasureStatus.DROPPED.value, 0)
        return 100.0 * self.by_status.get(MeasureStatus.DONE.value, 0) / active if active else 0.0


def progress(session: Session, cycle_id: int, today: dt.date) -> dict[str, Progress]:
    """Every office's plan progress in the cycle (offices without a measure are absent)."""
    m = ImprovementMeasure
    open_states = (MeasureStatus.PLANNED.value, MeasureStatus.IN_PROGRESS.value)
    counts: dict[str, dict[str, int]] = {}
    for code, status, n in session.execute(
        select(m.office_code, m.status, func.count())
        .where(m.cycle_id == cycle_id)
        .group_by(m.office_code, m.status)
    ):
        counts.setdefault(code, {})[status] = int(n)
    overdue = dict(
        session.execute(
            select(m.office_code, func.count())
            .where(m.cycle_id == cycle_id, m.due_on < today, m.status.in_(open_states))
            .group_by(m.office_code)
        ).all()
    )
    return {code: Progress(code, by, int(overdue.get(code, 0))) for code, by in counts.items()}
