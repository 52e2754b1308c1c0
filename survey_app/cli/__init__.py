"""The ``survey-app`` command: this module builds the group and adds each area's commands to it.

One module per area: ``database`` (migrations, pruning), ``seed`` (offices, cycle, demo data), ``staff`` (accounts),
``surveys`` (questionnaire checks), ``links`` (poster links), ``outreach`` (posters, invitations, mail), ``stats``
(scores, rollup), ``release`` (the daily release of waiting responses), ``reports`` (the offices'
analysis-and-improvement reports) and ``operations`` (``verify`` and ``backup``). Areas share
:mod:`survey_app.cli.common` and never import this module, so there is no import circle. Every command that takes
``--cycle CODE`` defaults to the open cycle when exactly one is open.
"""

from __future__ import annotations

import click
from flask import Flask

from . import database, links, operations, outreach, release, reports, seed, staff, stats, surveys


@click.group()
def cli() -> None:
    """EIT survey system for the provincial industry offices."""


for _area in (database, seed, staff, surveys, links, outreach, stats, reports, release, operations):
    for _command in _area.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    """Console entry point: run ``cli`` inside an app context of ``create_app()``."""
    from .. import create_app

    app: Flask = create_app()
    with app.app_context():
        cli.main(prog_name="survey-app")
