"""Public results pages: what each office's answers showed and what it did about them, for anyone, no sign-in.

``/r`` lists every office; ``/r/<code>`` is one office's page (Thai first, English with ``?lang=en``);
``/r/<code>/embed`` the same in a compact view an office may put in an ``<iframe>`` on its own website (the only
pages allowed in a frame, from any site); ``/r/<code>/feed.json`` the same as JSON. What is shown, and why it is safe,
is in :mod:`survey_app.services.outreach.public_results`: released results of a closed cycle only, through the
disclosure rule, nothing below K. The pages only read, and their figures are final, so shared caches may keep
them for a while (``Cache-Control: public``; ``Vary: Cookie`` because a chosen language is kept in the session).
"""

from __future__ import annotations

from typing import Any

from flask import Response as FlaskResponse
from flask import abort, current_app, jsonify, render_template, request

from .. import questionnaire as questionnaires
from ..db import db
from ..extensions import limiter
from ..models import Cycle, Office
from ..questionnaire import Questionnaire
from ..services.outreach import public_results
from . import bp

MAX_AGE = 600
EMBED_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
    "frame-ancestors *; base-uri 'none'; form-action 'none'"
)


def _k() -> int:
    return int(current_app.config["SUPPRESS_BELOW"])


def _cached(body: str | FlaskResponse, *, embed: bool = False) -> FlaskResponse:
    response = body if isinstance(body, FlaskResponse) else FlaskResponse(body)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Vary"] = "Cookie"
    if embed:
        response.headers["Content-Security-Policy"] = EMBED_POLICY  # no X-Frame-Options then (security.py)
    return response


def _questionnaire(cycle: Cycle) -> Questionnaire:
    return questionnaires.get(
        current_app.config["SURVEYS_DIR"], cycle.questionnaire_id, cycle.questionnaire_version
    )


def _page(code: str) -> public_results.PublicOffice | tuple[Office, None]:
    office = db.session.get(Office, code) if len(code) == 2 and code.isdigit() else None
    if office is None:
        abort(404)
    cycle = public_results.shown_cycle(db.session, request.args.get("cycle"))
    if cycle is None:
        return office, None
    return public_results.office_page(db.session, cycle, office, _questionnaire(cycle), k=_k())


@bp.get("/r")
@limiter.exempt
def results_national() -> FlaskResponse:
    """Every office's published EIT of the newest closed cycle (or ``?cycle=`` another closed one)."""
    cycle = public_results.shown_cycle(db.session, request.args.get("cycle"))
    rows = public_results.national_list(db.session, cycle, k=_k()) if cycle else []
    cycles = public_results.closed_cycles(db.session)
    return _cached(
        render_template("public/results_national.html", cycle=cycle, rows=rows, cycles=cycles, k=_k())
    )


@bp.get("/r/<code>")
@limiter.exempt
def results_office(code: str) -> FlaskResponse:
    """One office's published results and improvement measures."""
    page = _page(code)
    if isinstance(page, tuple):
        return _cached(render_template("public/results_office.html", page=None, office=page[0], embed=False))
    return _cached(render_template("public/results_office.html", page=page, office=page.office, embed=False))


@bp.get("/r/<code>/embed")
@limiter.exempt
def results_embed(code: str) -> FlaskResponse:
    """The office's results in a compact view for an ``<iframe>`` on the office's website."""
    page = _page(code)
    if isinstance(page, tuple):
        html = render_template("public/results_embed.html", page=None, office=page[0])
    else:
        html = render_template("public/results_embed.html", page=page, office=page.office)
    return _cached(html, embed=True)


@bp.get("/r/<code>/feed.json")
@limiter.exempt
def results_feed(code: str) -> FlaskResponse:
    """The office's published results as JSON (the same figures as the page)."""
    page = _page(code)
    if isinstance(page, tuple):
        return _cached(jsonify({"office": code, "cycle": None, "published": False}))
    return _cached(jsonify(_feed(page)))


def _feed(page: public_results.PublicOffice) -> dict[str, Any]:
    def score(s: public_results.PublicScore | None) -> dict[str, Any] | None:
        if s is None:
            return None
        band = {"code": s.band.code, "th": s.band.label_th, "en": s.band.label_en} if s.band else None
        return {"measure": s.measure, "name_th": s.name_th, "name_en": s.name_en, "score": round(s.score, 2),
                "band": band}  # fmt: skip

    data: dict[str, Any] = {
        "office": page.office.code,
        "office_th": page.office.name_th,
        "office_en": page.office.name_en,
        "cycle": page.cycle.code,
        "published": page.published,
        "suppress_below": _k(),
    }
    if not page.published:
        return data
    data.update(
        answers=page.answers,
        eit=score(page.eit),
        indicators=[score(s) for s in page.indicators],
        themes=[{"theme": name, "suggestions": n} for name, n in page.themes],
        measures=[
            {
                "item": m.item,
                "item_th": m.item_th,
                "item_en": m.item_en,
                "action": m.action,
                "status": m.status,
                "due_on": m.due_on.isoformat(),
            }
            for m in page.measures
        ],
        official=(
            {
                "fiscal_year": page.official.fiscal_year,
                "eit": page.official.eit,
                "iit": page.official.iit,
                "oit": page.official.oit,
                "total": page.official.total,
            }
            if page.official
            else None
        ),
    )
    return data
