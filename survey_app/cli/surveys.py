"""``survey-app surveys validate``: check the questionnaire files against their schema."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..questionnaire import QuestionnaireError, questionnaire_files, validate_all
from .common import fail, surveys_dir


@click.group("surveys")
def surveys_group() -> None:
    """Questionnaire files in surveys/."""


@surveys_group.command("validate")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def surveys_validate(directory: Path | None) -> None:
    """Check every questionnaire file against the schema; exit 1 naming the file, field and problem."""
    directory = directory or surveys_dir()
    files = questionnaire_files(directory)
    problems: list[QuestionnaireError] = validate_all(directory)
    for problem in problems:
        click.echo(f"invalid: {problem}", err=True)
    if not files:
        fail(f"no questionnaire files in {directory}")
    if problems:
        sys.exit(1)
    click.echo(f"{len(files)} questionnaire file(s) valid in {directory}")


COMMANDS = (surveys_group,)
