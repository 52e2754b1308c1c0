"""The survey respondents answer: ``GET``/``POST /s/<token>``, the thank-you page and the pages of bad links.

Views stay thin: :mod:`..services.link_targets` says what a token opens, :mod:`..services.submission` stores the
answers, :mod:`.forms` holds the form and its nonce. The POST

- re-renders the posted answers without saving when it carries ``lang`` (the language switch is a submit
  button, so answers survive it without JavaScript; such POSTs are not rate-limited since they store nothing);
- checks the CSRF token through the form rather than ``CSRFProtect`` (hence ``csrf.exempt``), so that an expired
  token or form nonce shows the form again with the answers and asks for one more press instead of a bare 400;
- on success commits first and only then redirects (303) to the thank-you page, setting a soft cookie that makes
  the next visit from this device show a notice (it never blocks: people come back to an office).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import Response as FlaskResponse
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import questionnaire as questionnaires
from ..clock import local_today as today
from ..db import db
from ..extensions import csrf, limiter
from ..models import Cycle
from ..questionnaire import Questionnaire
from ..services import bursts, link_targets, submission
from ..templating import current_lang
from ..tokens import InvitationRef, PosterRef
from . import bp
from .forms import Nonce, NonceError, SurveyForm, field_name, form_class, issue_nonce, pairs, read_nonce
from .link_pages import answered_page, link_problem_page

ANSWERED_COOKIE_DAYS = 400


def _submit_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def _is_language_switch() -> bool:
    return "lang" in request.form


def answered_cookie(cycle: Cycle, office_code: str) -> str:
    """The name of the soft "already answered from this device" cookie of one office and cycle."""
    return f"answered_{cycle.id}_{office_code}"


@bp.errorhandler(link_targets.LinkProblemError)
def _link_problem(error: link_targets.LinkProblemError) -> tuple[str, int]:
    return link_problem_page(error, today())


@bp.after_request
def _no_store(response: FlaskResponse) -> FlaskResponse:
    """Survey pages carry a token and a per-visitor CSRF token: never cache them anywhere."""
    if request.path.startswith("/s/"):
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/s/<token>", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"], exempt_when=_is_language_switch)
@csrf.exempt
def survey(token: str) -> str | Response | tuple[str, int]:
    """The questionnaire of the office and cycle ``token`` opens; POST stores the answers once."""
    target = link_targets.resolve(db.session, _read(token), today())
    if target.answered:
        return answered_page("answered", 200 if request.method == "GET" else 409)
    questionnaire = _questionnaire(target.cycle)
    form = _form(questionnaire, target)
    if request.method == "GET" or _is_language_switch():
        return _page(form, questionnaire, target)
    return _submit(token, form, questionnaire, target)


@bp.get("/s/<token>/thanks")
def thanks(token: str) -> str:
    """Where a stored submission lands (post/redirect/get)."""
    office = link_targets.office_of(db.session, _read(token))
    return render_template("public/thanks.html", office=office)


def _read(token: str) -> PosterRef | InvitationRef:
    return link_targets.read(token, current_app.config["LINK_KEYS"])


def _questionnaire(cycle: Cycle) -> Questionnaire:
    return questionnaires.get(
        current_app.config["SURVEYS_DIR"], cycle.questionnaire_id, cycle.questionnaire_version
    )


def _form(questionnaire: Questionnaire, target: link_targets.SurveyTarget) -> SurveyForm:
    """The form: pre-selected profile answers and a fresh nonce on GET, the posted values on POST."""
    cls = form_class(questionnaire)
    if request.method == "GET":
        form = cls(data={"respondent_type": target.respondent_type, "service": target.service})
        form.nonce.data = issue_nonce()
        return form
    return cls()


@dataclass(frozen=True)
class ErrorLink:
    """One line of the error summary: where it points and what it says."""

    anchor: str
    label: str
    message: str


def _error_links(form: SurveyForm, questionnaire: Questionnaire) -> list[ErrorLink]:
    """The summary of the form's errors in page order, each linking to the first control of its question."""
    lang = current_lang()
    links = []
    for name, question in (
        ("respondent_type", questionnaire.respondent_type),
        ("service", questionnaire.service),
    ):
        if form[name].errors:
            links.append(ErrorLink(f"{name}-0", question.question(lang), str(form[name].errors[0])))
    for number, item in enumerate(questionnaire.items, start=1):
        for item_code, sub in item.keys:
            field = form[field_name(item_code, sub)]
            if field.errors:
                label = _("Question %(n)s", n=f"{number}.{sub}" if item.sub_items else number)
                links.append(ErrorLink(f"{field.id}-0", label, str(field.errors[0])))
    if form.suggestion.errors:
        links.append(ErrorLink("suggestion", _("Suggestion"), str(form.suggestion.errors[0])))
    return links


def _page(
    form: SurveyForm,
    questionnaire: Questionnaire,
    target: link_targets.SurveyTarget,
    status: int = 200,
    resend: bool = False,
) -> tuple[str, int]:
    html = render_template(
        "public/survey.html",
        form=form,
        questionnaire=questionnaire,
        office=target.office,
        lang=current_lang(),
        field_name=field_name,
        pairs=pairs,
        errors=_error_links(form, questionnaire),
        resend=resend,
        answered_before=bool(request.cookies.get(answered_cookie(target.cycle, target.office.code))),
    )
    return html, status


def _submit(
    token: str, form: SurveyForm, questionnaire: Questionnaire, target: link_targets.SurveyTarget
) -> Response | tuple[str, int]:
    """Validate, store once, commit, then redirect; otherwise show the form again with the answers."""
    valid = form.validate()
    try:
        nonce = read_nonce(form.nonce.data)
    except NonceError as exc:
        form.nonce.data = issue_nonce(started=exc.started)
        return _page(form, questionnaire, target, status=400, resend=True)
    if form.csrf_token.errors:
        return _page(form, questionnaire, target, status=400, resend=True)
    if not valid:
        return _page(form, questionnaire, target, status=400)
    cookie = answered_cookie(target.cycle, target.office.code)
    device = request.cookies.get(cookie) or bursts.new_device_id()  # the device's random id counts its bursts
    outcome = _store(form, questionnaire, target, nonce, device)
    if outcome is not submission.Outcome.STORED:
        db.session.rollback()
        return answered_page(
            "answered" if outcome is submission.Outcome.ALREADY_ANSWERED else "replayed", 409
        )
    db.session.commit()
    response = redirect(url_for(".thanks", token=token), code=303)
    response.set_cookie(
        cookie,
        device,
        max_age=ANSWERED_COOKIE_DAYS * 86400,
        path="/s/",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
    return response


def _store(
    form: SurveyForm,
    questionnaire: Questionnaire,
    target: link_targets.SurveyTarget,
    nonce: Nonce,
    device: str,
) -> submission.Outcome:
    entry = submission.Submission(
        cycle_id=target.cycle.id,
        office_code=target.office.code,
        channel=target.channel,
        invitation_id=target.invitation_id,
        respondent_type=str(form.respondent_type.data),
        service=str(form.service.data),
        answers=form.answers(questionnaire),
        suggestion=form.suggestion.data,
        too_fast=time.time() - nonce.started < current_app.config["MIN_SECONDS"],
        nonce_hash=nonce.hash,
        nonce_expires_on=nonce.expires_on,
        burst=bursts.observe(limiter.storage, current_app.config["BURST_LIMIT"], target.office.code, device),
    )
    try:
        batch = int(current_app.config["SUPPRESS_BELOW"])
        return submission.submit(db.session, questionnaire, entry, today(), batch_size=batch)
    except submission.SubmissionError:
        db.session.rollback()
        abort(400)
