"""``survey-app links``: poster links until the staff pages for links exist."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .cli import cli, cycle_option, fail, get_cycle, unit_of_work
from .links import poster_url
from .models import Audience


@cli.group("links")
def links_group() -> None:
    """Survey links for posters."""


@links_group.command("create")
@cycle_option()
@click.option("--office", "office_code", required=True, help="office code, e.g. 50")
@click.option("--audience", required=True, type=click.Choice([a.value for a in Audience]))
@with_appcontext
def links_create(cycle_code: str | None, office_code: str, audience: str) -> None:
    """Mint the poster link of an office for a cycle and audience (or reuse it) and print its survey URL."""
    from .services.links import LinkError, create_poster_link

    with unit_of_work() as session:
        cycle = get_cycle(session, cycle_code)
        try:
            link, created = create_poster_link(session, cycle, office_code.strip(), audience)
        except LinkError as exc:
            fail(str(exc))
            raise  # unreachable
        url = poster_url(link)
    click.echo(url)
    click.echo(
        f"{'created' if created else 'existing'} {audience} link of office {link.office_code} in "
        f"{cycle.code} (version {link.version})",
        err=True,
    )
