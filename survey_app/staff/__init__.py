"""Staff pages behind a login, in one blueprint, grouped by the product's parts (the same names as ``services``):

- ``accounts``: sign-in, two-step sign-in, the admins' account list, the audit log;
- ``cycles``: assessment cycles and population frames;
- ``outreach``: poster links and business invitations;
- ``results``: the national page, the office page, the results API, charts and downloads;
- ``improvement``: what holds an office back, plans, themes, official results, the changes page;
- ``integrity``: the integrity page for the anti-corruption centre.

The modules directly here serve every part: access rules, the request's cycle and office, cookies, caching, forms,
the glossary. The routes are registered below, explicitly: each module listed adds its pages to ``bp``.
"""

from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

bp = Blueprint("staff", __name__)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    from . import cookies, nocache

    cookies.install(cast(Flask, state.app))
    nocache.install(cast(Flask, state.app))


# Every module that adds routes to ``bp``, one level deep (no subpackage imports its children for their routes).
from . import glossary  # noqa: E402
from .accounts import admin, audit, auth, two_step  # noqa: E402
from .context import demo_notice  # noqa: E402
from .cycles import frames, manage  # noqa: E402
from .improvement import changes, official, plans, sections, themes  # noqa: E402
from .integrity import page  # noqa: E402
from .outreach import channels, invitations, links  # noqa: E402
from .results import api, downloads, national, office, schedule  # noqa: E402

ROUTE_MODULES = (
    glossary,
    *(admin, audit, auth, two_step),
    *(frames, manage),
    *(changes, official, plans, sections, themes),
    page,
    *(channels, invitations, links),
    *(api, downloads, national, office, schedule),
)

bp.context_processor(demo_notice)
