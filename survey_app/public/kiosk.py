"""The counter kiosk: ``/k/<token>`` opens a kiosk link's survey on the office's shared tablet.

- ``GET /k/<token>`` is the kiosk page: the questionnaire with nothing pre-selected, no CSRF token and no nonce in
  it (both would be stale in a page the tablet keeps for offline use), and :file:`static/js/kiosk.js`, which sends
  each person's answers as JSON with a nonce of its own, shows a thank-you, then a fresh, empty form. Answers in
  progress live only in the page (never in storage): sending, "start again" and a few idle minutes clear them.
  A send that finds no network is queued on the device (``localStorage``, answers only) and delivered when the
  network returns; the page says how many are waiting.
- ``POST /k/<token>/answers`` stores one answer (:mod:`survey_app.services.intake.kiosk`): 201 stored, 200 when
  its nonce was already spent (stored before: the device forgets it), 400 with the problems of an incomplete
  answer, the link's 4xx when the link opens nothing. It takes only JSON, which a form on another site cannot send
  without the browser asking this server first, so it needs no CSRF token; the submission rate limit applies.
- ``GET /k/sw.js`` is the service worker that keeps the kiosk page and its assets for a reload while offline.

A poster or other channel's link opens no kiosk (404); a kiosk link opened at ``/s/`` comes here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response as FlaskResponse
from flask import abort, current_app, render_template, request, url_for

from .. import questionnaire as questionnaires
from ..clock import BANGKOK, local_today, utc_now
from ..db import db
from ..extensions import csrf, limiter
from ..models import Channel
from ..services.intake import kiosk, link_targets, submission
from ..templating import current_lang
from ..tokens import PosterRef
from . import bp, questions
from .forms import SurveyPost

IDLE_SECONDS = 180  # a form left alone this long is cleared for the next person
THANKS_SECONDS = 5
_WORKER = Path(__file__).resolve().parent.parent / "static" / "js" / "kiosk-sw.js"


def _target(token: str) -> tuple[PosterRef, link_targets.SurveyTarget]:
    """The kiosk link ``token`` names and the survey it opens (LinkProblemError when none; 404 for another kind)."""
    ref = link_targets.read(token, current_app.config["LINK_KEYS"])
    if not isinstance(ref, PosterRef):
        raise link_targets.LinkProblemError(link_targets.Problem.UNKNOWN)
    with db.reader() as conn:
        target = link_targets.resolve(conn, ref, local_today())
    if target.channel != Channel.KIOSK:
        raise link_targets.LinkProblemError(link_targets.Problem.UNKNOWN)
    return ref, target


def _submit_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


@bp.get("/k/<token>")
@limiter.exempt
def kiosk_page(token: str) -> FlaskResponse:
    """The kiosk page (the same for every person: the tablet keeps it for offline use)."""
    _ref, target = _target(token)
    questionnaire = questionnaires.get(
        current_app.config["SURVEYS_DIR"], target.cycle.questionnaire_id, target.cycle.questionnaire_version
    )
    lang = current_lang()
    html = render_template(
        "public/kiosk.html",
        questionnaire=questionnaire,
        office=target.office,
        lang=lang,
        body=questions.fresh(questionnaire, lang, None, None),
        minutes=questions.minutes(questionnaire),
        question_total=questions.question_count(questionnaire),
        post_url=url_for(".kiosk_answers", token=token),
        worker_url=url_for(".kiosk_worker"),
        idle_seconds=IDLE_SECONDS,
        thanks_seconds=THANKS_SECONDS,
        min_seconds=current_app.config["MIN_SECONDS"],
    )
    return FlaskResponse(html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@bp.post("/k/<token>/answers")
@limiter.limit(_submit_limit)
@csrf.exempt
def kiosk_answers(token: str) -> tuple[dict[str, Any], int]:
    """Store one answer sent (or sent again) by the kiosk page."""
    payload = request.get_json(silent=True) if request.is_json else None
    if not isinstance(payload, dict) or not isinstance(payload.get("answers"), dict):
        return {"status": "malformed"}, 400
    try:
        ref, target = _target(token)
    except link_targets.LinkProblemError as error:
        return {"status": error.problem.value}, error.status
    questionnaire = questionnaires.get(
        current_app.config["SURVEYS_DIR"], target.cycle.questionnaire_id, target.cycle.questionnaire_version
    )
    form = SurveyPost(questionnaire, {str(k): str(v) for k, v in payload["answers"].items() if v is not None})
    if not form.validate():
        return {"status": "invalid", "errors": form.errors}, 400
    seconds = payload.get("seconds")
    try:
        answer = kiosk.entry(
            cycle_id=target.cycle.id, office_code=target.office.code, link_id=ref.link_id,
            nonce=str(payload.get("nonce") or ""), respondent_type=form.values["respondent_type"],
            service=form.values["service"], answers=form.answers(), suggestion=form.suggestion,
            too_fast=not isinstance(seconds, int | float) or seconds < current_app.config["MIN_SECONDS"],
            today=local_today(),
        )  # fmt: skip
        now = utc_now().astimezone(BANGKOK)
        outcome = kiosk.store(db.session, questionnaire, answer, now, batch_size=_batch())
    except (kiosk.KioskNonceError, submission.SubmissionError):
        db.session.rollback()
        return {"status": "malformed"}, 400
    if outcome is not submission.Outcome.STORED:
        db.session.rollback()
        return {"status": "duplicate"}, 200
    db.session.commit()
    return {"status": "stored"}, 201


def _batch() -> int:
    return int(current_app.config["SUPPRESS_BELOW"])


@bp.get("/k/sw.js")
@limiter.exempt
def kiosk_worker() -> FlaskResponse:
    """The kiosk's service worker (served from ``/k/`` so that its scope covers the kiosk pages only)."""
    if not _WORKER.is_file():
        abort(404)
    return FlaskResponse(
        _WORKER.read_bytes(),
        mimetype="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/k/"},
    )
