"""What most staff views start from: the cycle asked for, the office asked for (if the user may see it), K."""

from __future__ import annotations

from flask import abort, current_app, g, request
from flask_login import current_user

from ..db import db
from ..models import Cycle, Office
from ..questionnaire import Questionnaire
from ..questionnaire import get as get_questionnaire
from ..services.cycles import demo
from ..services.cycles import manage as cycles
from .access import check_office


def k_threshold() -> int:
    """K: breakdowns, results and suggestion lists covering fewer responses are hidden."""
    return int(current_app.config["SUPPRESS_BELOW"])


def request_cycles() -> list[Cycle]:
    """Every cycle, newest first, read once per transaction (``cycles.cycles_read_once``): the page's cycle, the
    demo notice and the office page's trends all start from them (a handful of rows, one a year)."""
    return cycles.cycles_read_once(db.session)


def requested_cycle() -> Cycle | None:
    """The cycle of ``?cycle=CODE``, else the open (or newest) one; 404 for a code that names no cycle."""
    code = (request.args.get("cycle") or "").strip()
    cycle = cycles.pick_cycle(request_cycles(), code or None)
    if code and cycle is None:
        abort(404)
    return cycle


def required_cycle() -> Cycle:
    """As :func:`requested_cycle`, with 404 when there is no cycle at all."""
    cycle = requested_cycle()
    if cycle is None:
        abort(404)
    return cycle


def visible_office(code: str) -> Office:
    """The office ``code`` if the current user may see it; 404 otherwise (another office is not confirmed)."""
    check_office(code)
    office = db.session.get(Office, code)
    if office is None:
        abort(404)
    return office


def cycle_questionnaire(cycle: Cycle) -> Questionnaire:
    """The questionnaire the cycle uses."""
    return get_questionnaire(
        current_app.config["SURVEYS_DIR"], cycle.questionnaire_id, cycle.questionnaire_version
    )


def demo_notice() -> dict[str, int]:
    """``demo_responses``: how many synthetic responses the page's cycle holds, so every staff page can say so
    (nothing on an error page, which must render without the database)."""
    if g.get("error_page") or not current_user.is_authenticated:
        return {"demo_responses": 0}
    cycle = cycles.pick_cycle(request_cycles(), (request.args.get("cycle") or "").strip() or None)
    return {"demo_responses": demo.count(db.session, cycle.id) if cycle is not None else 0}
