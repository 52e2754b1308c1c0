"""``survey-app links``: create, list, revoke and re-issue poster links (the staff pages do the same)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..models import Audience
from ..tokens import poster_url
from .common import cycle_option, fail, get_cycle, unit_of_work


@click.group("links")
def links_group() -> None:
    """Survey links for posters."""


@links_group.command("create")
@cycle_option()
@click.option("--office", "office_code", required=True, help="office code, e.g. 50")
@click.option("--audience", required=True, type=click.Choice([a.value for a in Audience]))
@with_appcontext
def links_create(cycle_code: str | None, office_code: str, audience: str) -> None:
    """Mint the poster link of an office for a cycle and audience (or reuse it) and print its survey URL."""
    from ..services.outreach.links import LinkError, create_poster_link

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


@links_group.command("list")
@cycle_option()
@click.option("--office", "office_code", default=None, help="office code (default: every office)")
@with_appcontext
def links_list(cycle_code: str | None, office_code: str | None) -> None:
    """Print the poster links of the cycle: office, audience, version, state and survey URL."""
    from ..services.outreach.links import list_links

    with unit_of_work() as session:
        cycle = get_cycle(session, cycle_code)
        rows = list_links(session, cycle.id, office_code.strip() if office_code else None)
        for link in rows:
            url = poster_url(link) if link.active else "-"
            state = "active" if link.active else "revoked"
            click.echo(f"{link.office_code}\t{link.audience}\tv{link.version}\t{state}\t{url}")
    click.echo(f"{len(rows)} link(s) in {cycle.code}", err=True)


def _change_link(cycle_code: str | None, office_code: str, audience: str, action: str) -> None:
    from ..services.accounts.staff import audit
    from ..services.outreach.links import LinkError, get_poster_link, reissue_link, revoke_link

    with unit_of_work() as session:
        cycle = get_cycle(session, cycle_code)
        link = get_poster_link(session, cycle.id, office_code.strip(), audience)
        if link is None:
            fail(
                f"office {office_code} has no {audience} link in {cycle.code}: create it with 'links create'"
            )
            raise AssertionError  # unreachable
        try:
            (revoke_link if action == "revoke" else reissue_link)(session, link)
        except LinkError as exc:
            fail(str(exc))
        audit(session, None, {"revoke": "link_revoked", "reissue": "link_reissued"}[action], link.office_code,
              email="cli", cycle=cycle.code, audience=audience, version=link.version)  # fmt: skip
        url = poster_url(link) if link.active else None
    if url:
        click.echo(url)
    verb = "revoked: printed posters of it now say it was withdrawn" if action == "revoke" else "re-issued"
    click.echo(f"{audience} link of office {link.office_code} {verb} (version {link.version})", err=True)


@links_group.command("revoke")
@cycle_option()
@click.option("--office", "office_code", required=True, help="office code, e.g. 50")
@click.option("--audience", required=True, type=click.Choice([a.value for a in Audience]))
@with_appcontext
def links_revoke(cycle_code: str | None, office_code: str, audience: str) -> None:
    """Withdraw a poster link: every poster printed with it stops working at once."""
    _change_link(cycle_code, office_code, audience, "revoke")


@links_group.command("reissue")
@cycle_option()
@click.option("--office", "office_code", required=True, help="office code, e.g. 50")
@click.option("--audience", required=True, type=click.Choice([a.value for a in Audience]))
@with_appcontext
def links_reissue(cycle_code: str | None, office_code: str, audience: str) -> None:
    """Give a poster link a new token (older posters stop working) and print the new survey URL."""
    _change_link(cycle_code, office_code, audience, "reissue")


COMMANDS = (links_group,)
