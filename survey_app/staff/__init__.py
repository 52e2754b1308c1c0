"""Staff pages behind a login: accounts, dashboards, links and posters, invitations, results, exports."""

from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

bp = Blueprint("staff", __name__)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    from . import cookies, nocache

    cookies.install(cast(Flask, state.app))
    nocache.install(cast(Flask, state.app))


from . import (  # noqa: E402,F401
    accounts,
    api,
    audit,
    auth,
    cycles,
    dashboard,
    frames,
    glossary,
    improve,
    integrity,
    invitations,
    links,
    two_step,
    views,
)
from .context import demo_notice  # noqa: E402
from .outreach import channels  # noqa: E402,F401

bp.context_processor(demo_notice)
