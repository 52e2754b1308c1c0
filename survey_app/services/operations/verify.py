"""``survey-app verify``: is this database whole? Run it after a restore, an upgrade, or on a schedule.

Each check returns the problems it finds, each naming what is wrong in words an operator can act on:

- ``migrations``: the database's Alembic revision is the code's head;
- ``rollup``: every answer's stored score is the one the questionnaire's current score map gives, and every
  cycle's ``cell_stat`` equals a rebuild from its released responses' scores (the same SQL as
  ``survey-app stats rebuild``, compared without writing);
- ``counts``: every stored response has answers, and no office has more answered invitations than emailed
  responses;
- ``batches``: no office holds K or more responses waiting for their batch (the K-th submission releases them);
- ``orphans``: no row points at a row that is not there (every foreign key of the schema, checked in SQL, since a
  partial restore or a SQLite file written without foreign keys can leave such rows).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import and_, false, func, select
from sqlalchemy.orm import Session

from ... import migrate
from ...db import Base
from ...models import Answer, CellStat, Cycle, Invitation, Response
from ...models.enums import Channel
from ...questionnaire import Questionnaire
from ..results.rollup import released_sums, stale_scores

QuestionnaireOf = Callable[[Cycle], Questionnaire]
CELL_KEY = ("office_code", "respondent_type", "service", "flagged", "measure")
SUMS = ("total", "total_sq", "low", "high")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the database: the check that found it and what it found."""

    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.check}: {self.message}"


def check_migrations(session: Session) -> list[Problem]:
    """The database's Alembic revision against the head of ``migrations/``."""
    heads = set(ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_heads())
    current = set(MigrationContext.configure(session.connection()).get_current_heads())
    if current == heads:
        return []
    have = ", ".join(sorted(current)) or "none (not migrated)"
    return [
        Problem(
            "migrations", f"database at {have}, code at {', '.join(sorted(heads))}: run survey-app db upgrade"
        )
    ]


def _same(stored: float, rebuilt: float) -> bool:
    return math.isclose(stored, rebuilt, rel_tol=1e-9, abs_tol=1e-6)


def check_rollup(session: Session, questionnaire_of: QuestionnaireOf) -> list[Problem]:
    """Every cycle's stored scores against its score map and its rollup against a rebuild (nothing is written)."""
    problems: list[Problem] = []
    for cycle in session.scalars(select(Cycle).order_by(Cycle.id)):
        try:
            questionnaire = questionnaire_of(cycle)
        except (LookupError, OSError, ValueError) as exc:
            problems.append(
                Problem("rollup", f"cycle {cycle.code}: its questionnaire cannot be read ({exc})")
            )
            continue
        stale = stale_scores(session, cycle.id, questionnaire)
        if stale:
            problems.append(
                Problem(
                    "rollup",
                    f"cycle {cycle.code}: {stale} answer score(s) differ from the questionnaire's score map: "
                    f"run survey-app stats rebuild --cycle {cycle.code}",
                )
            )
            continue
        rebuilt = {
            tuple(row[k] for k in CELL_KEY): row for row in released_sums(session, cycle.id, questionnaire)
        }
        stored = {
            tuple(getattr(cell, k) for k in CELL_KEY): cell
            for cell in session.scalars(select(CellStat).where(CellStat.cycle_id == cycle.id))
        }
        wrong = [
            key
            for key in rebuilt.keys() | stored.keys()
            if key not in rebuilt
            or key not in stored
            or stored[key].n != rebuilt[key]["n"]
            or not all(_same(getattr(stored[key], s), float(rebuilt[key][s])) for s in SUMS)  # type: ignore[arg-type]
        ]
        if wrong:
            offices = sorted({str(key[0]) for key in wrong})
            problems.append(
                Problem(
                    "rollup",
                    f"cycle {cycle.code}: {len(wrong)} cell(s) differ from a rebuild from the released answers "
                    f"(offices {', '.join(offices[:10])}{' ...' if len(offices) > 10 else ''}): "
                    f"run survey-app stats rebuild --cycle {cycle.code}",
                )
            )
    return problems


def check_counts(session: Session) -> list[Problem]:
    """Responses without answers; offices with more answered invitations than emailed responses."""
    problems: list[Problem] = []
    empty = session.scalar(
        select(func.count())
        .select_from(Response)
        .where(~select(Answer.response_id).where(Answer.response_id == Response.id).exists())
    )
    if empty:
        problems.append(Problem("counts", f"{empty} response(s) have no answers"))
    emailed = {
        (cycle_id, office): n
        for cycle_id, office, n in session.execute(
            select(Response.cycle_id, Response.office_code, func.count())
            .where(Response.channel == Channel.EMAIL.value)
            .group_by(Response.cycle_id, Response.office_code)
        )
    }
    answered = session.execute(
        select(Cycle.code, Invitation.cycle_id, Invitation.office_code, func.count())
        .join(Cycle, Cycle.id == Invitation.cycle_id)
        .where(Invitation.responded)
        .group_by(Cycle.code, Invitation.cycle_id, Invitation.office_code)
    )
    for code, cycle_id, office, count in answered:
        stored = emailed.get((cycle_id, office), 0)
        if count > stored:
            problems.append(
                Problem(
                    "counts",
                    f"cycle {code}, office {office}: {count} invitations answered "
                    f"but {stored} emailed responses stored",
                )
            )
    return problems


def check_batches(session: Session, k: int) -> list[Problem]:
    """Offices holding at least K responses that were not released (a batch of K left waiting)."""
    rows = session.execute(
        select(Cycle.code, Response.office_code, func.count())
        .join(Cycle, Cycle.id == Response.cycle_id)
        .where(Response.released == false())
        .group_by(Cycle.code, Response.office_code)
        .having(func.count() >= max(1, k))
    )
    return [
        Problem("batches", f"cycle {code}, office {office}: {n} responses wait for release (K = {k})")
        for code, office, n in rows
    ]


def check_orphans(session: Session) -> list[Problem]:
    """Rows whose foreign key names a row that does not exist, for every foreign key of the schema."""
    problems: list[Problem] = []
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_key_constraints:
            parent = fk.referred_table
            pairs = list(zip(fk.column_keys, [e.column.name for e in fk.elements], strict=True))
            c, p = child.alias("c"), parent.alias("p")
            match = and_(*(c.c[a] == p.c[b] for a, b in pairs))
            present = and_(*(c.c[a].is_not(None) for a, _ in pairs))
            count = session.scalar(
                select(func.count()).select_from(c).where(present, ~select(p).where(match).exists())
            )
            if count:
                columns = ", ".join(a for a, _ in pairs)
                problems.append(
                    Problem(
                        "orphans",
                        f"{count} {child.name} row(s) point by {columns} at a missing {parent.name}",
                    )
                )
    return problems


def verify(session: Session, questionnaire_of: QuestionnaireOf, k: int) -> list[Problem]:
    """Every check, in order; an empty list means the database is consistent.

    A database not at the code's head is checked no further: the other checks read the head's schema.
    """
    problems = check_migrations(session)
    if problems:
        return problems
    checks: Iterable[Callable[[], list[Problem]]] = (
        lambda: check_rollup(session, questionnaire_of),
        lambda: check_counts(session),
        lambda: check_batches(session, k),
        lambda: check_orphans(session),
    )
    return [problem for check in checks for problem in check()]
