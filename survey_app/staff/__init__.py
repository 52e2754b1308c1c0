"""Staff pages behind a login: accounts, dashboards, links and posters, invitations, results, exports."""

from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

bp = Blueprint("staff", __name__)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    from .cookies import install

    install(cast(Flask, state.app))


from . import (  # noqa: E402,F401  (registers the views on bp)
    accounts,
    api,
    audit,
    auth,
    cycles,
    dashboard,
    frames,
    glossary,
    invitations,
    links,
    two_step,
    views,
)
from .context import demo_notice  # noqa: E402

bp.context_processor(demo_notice)
