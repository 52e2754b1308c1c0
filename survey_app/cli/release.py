"""``survey-app release``: the daily release of waiting responses (run it from a timer, e.g. every 10 minutes).

On the default schedule (``SURVEY_RELEASE_SCHEDULE=daily``) a submission never releases anything: once a day, at a
time drawn from the secret key, every office with at least K responses waiting releases them all
(``services/intake/batches.py``). The command does that for every open cycle when the day's time has passed, and does
nothing otherwise; running it again, or on two hosts at once, releases nothing twice. It then computes every
missing release snapshot of every cycle: those of the offices it released, and all those a new snapshot generation
made stale since it last ran (a frame import, a theme, an official-results import, a cycle closing: the web actions
that start a generation leave their offices' snapshots to this command), so no page waits for them. The first
staff request after the day's time releases too, so a missed timer delays nothing.

Registered on the ``survey-app`` group by :mod:`survey_app.cli`.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..clock import utc_now
from ..models import Cycle
from ..services.intake import batches as release
from .common import cycle_questionnaire, renew_snapshots, unit_of_work


@click.command("release")
@with_appcontext
def release_command() -> None:
    """Release the responses waiting in every office that has at least K, once the day's release time has passed."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    k = int(current_app.config["SUPPRESS_BELOW"])
    with unit_of_work() as session:
        done = release.release_open_cycles(session, cycle_questionnaire, k, key, utc_now())
    for code, offices in done.items():
        click.echo(f"cycle {code}: {sum(offices.values())} responses released in {len(offices)} offices")
    with unit_of_work() as session:  # every missing snapshot, of every cycle, so no page waits for them
        for cycle in session.scalars(select(Cycle).order_by(Cycle.id)):
            renew_snapshots(session, cycle)


COMMANDS = (release_command,)
