"""What every ``survey-app`` area shares: the unit of work, the ``--cycle`` option, failing with a message.

Area modules import from here and never from the package's ``__init__``, so the command line has no import circle.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import current_app
from sqlalchemy.orm import Session

from ..db import db
from ..models import Cycle
from ..questionnaire import Questionnaire

DEFAULT_QUESTIONNAIRE = "eit-2568.yaml"
F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A session committed when the command finishes without error, rolled back otherwise."""
    with db.begin() as session:
        yield session


def surveys_dir() -> Path:
    return Path(current_app.config["SURVEYS_DIR"])


def fail(message: str) -> None:
    """Print ``message`` to standard error and exit with status 1."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def cycle_option() -> Callable[[F], F]:
    """The ``--cycle CODE`` option, defaulting to the only open cycle."""
    return click.option(
        "--cycle", "cycle_code", default=None, help="cycle code (default: the only open cycle)"
    )


def get_cycle(session: Session, code: str | None) -> Cycle:
    """The cycle ``code`` or the only open one; exits with a message when there is none or several."""
    from ..services.cycles.seeding import resolve_cycle

    try:
        return resolve_cycle(session, code)
    except LookupError as exc:
        fail(str(exc))
        raise  # unreachable; for the type checker


def cycle_questionnaire(cycle: Cycle) -> Questionnaire:
    """The questionnaire a cycle uses."""
    from .. import questionnaire

    return questionnaire.get(surveys_dir(), cycle.questionnaire_id, cycle.questionnaire_version)


def renew_snapshots(session: Session, cycle: Cycle) -> int:
    """Compute every missing release snapshot of ``cycle`` (``snapshots.renew``), echoing a progress line per
    group of offices, so that no page request computes them; returns how many were computed."""
    from ..services.results import snapshots

    def progress(done: int, missing: int) -> None:
        click.echo(f"cycle {cycle.code}: {done} of {missing} missing release snapshots computed")

    k = int(current_app.config["SUPPRESS_BELOW"])
    return snapshots.renew(session, cycle, cycle_questionnaire(cycle), k=k, progress=progress)
