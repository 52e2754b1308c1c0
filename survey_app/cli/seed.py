"""``survey-app seed`` (the 76 offices and an open cycle) and ``survey-app demo`` (synthetic responses)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..clock import local_today
from ..questionnaire import load
from .common import (
    DEFAULT_QUESTIONNAIRE,
    cycle_option,
    cycle_questionnaire,
    get_cycle,
    surveys_dir,
    unit_of_work,
)


@click.command("seed")
@with_appcontext
def seed() -> None:
    """Load the 76 offices and open a cycle for the current Thai fiscal year (idempotent)."""
    from ..services.cycles.seeding import ensure_open_cycle, load_offices

    questionnaire = load(surveys_dir() / DEFAULT_QUESTIONNAIRE)
    with unit_of_work() as session:
        inserted, updated = load_offices(session, surveys_dir() / "offices.csv")
        cycle, created = ensure_open_cycle(session, local_today(), questionnaire)
    click.echo(f"offices: {inserted} added, {updated} updated")
    click.echo(
        f"cycle {cycle.code}: {'opened' if created else 'already there'} ({cycle.opens_on} – {cycle.closes_on})"
    )


@click.command("demo")
@cycle_option()
@click.option("--remove", is_flag=True, help="delete the demo responses instead")
@click.option("--if-empty", is_flag=True, help="only when the cycle has no responses at all")
@with_appcontext
def demo(cycle_code: str | None, remove: bool, if_empty: bool) -> None:
    """Add synthetic demo responses (marked as demo) to the cycle, once."""
    from ..services.cycles import demo as demo_data

    with unit_of_work() as session:
        cycle = get_cycle(session, cycle_code)
        questionnaire = cycle_questionnaire(cycle)
        if remove:
            demo_data.remove(session, cycle, questionnaire)
            click.echo(f"demo responses removed from {cycle.code}")
            return
        if if_empty and demo_data.has_responses(session, cycle):
            click.echo(f"{cycle.code} already has responses: no demo data added")
            return
        if demo_data.has_demo(session, cycle):
            click.echo(f"demo responses already in {cycle.code}: nothing to do")
            return
        created = demo_data.generate(session, cycle, questionnaire, local_today())
    click.echo(f"{created} demo responses added to {cycle.code} (marked as demo data)")


COMMANDS = (seed, demo)
