"""The survey respondents answer: ``GET``/``POST /s/<token>``, the thank-you page and the pages of bad links.

Views stay thin: :mod:`..services.intake.link_targets` says what a token opens, :mod:`..services.intake.submission`
stores the answers, :mod:`.forms` reads the posted form and holds its nonce, :mod:`.questions` and :mod:`.fresh_page`
keep the rendered parts of the page. The GET is the busiest page: it reads the link with one query on a bare connection
and fills a cached page with the visitor's CSRF token and nonce. For half an hour after answering through a poster, the
same device gets a short "you have answered" page instead of a new form. The POST

- re-renders the posted answers without saving when it carries ``lang`` (the language switch is a submit
  button, so answers survive it without JavaScript; such POSTs are not rate-limited since they store nothing);
- checks its own CSRF token (a signed double-submit cookie, :mod:`.forms`) rather than Flask-WTF's session-bound
  one (hence ``csrf.exempt``), so that an expired token or form nonce shows the form again with the answers and asks
  for one more press instead of a bare 400, and a new visitor's form needs no signed session cookie;
- on success commits first and only then redirects (303) to the thank-you page, setting a soft cookie that makes
  later visits from this device show a notice (it never blocks: people come back to an office) and a short one
  that shows the "you have answered" page.
"""

from __future__ import annotations

import time

from flask import Response as FlaskResponse
from flask import abort, current_app, g, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from .. import questionnaire as questionnaires
from ..clock import local_today as today
from ..db import db
from ..extensions import csrf, limiter
from ..models import Channel
from ..monitoring import counters
from ..questionnaire import Questionnaire
from ..services.intake import bursts, link_targets, submission
from ..templating import current_lang
from ..tokens import InvitationRef, PosterRef
from ..web import ratelimit
from ..web.static_files import InlineStyle, allow_inline_style, inline_style
from . import bp, fresh_page, questions
from .forms import (
    CSRF_COOKIE,
    Nonce,
    NonceError,
    SurveyPost,
    issue_csrf,
    issue_nonce,
    read_nonce,
    set_csrf_cookie,
)
from .link_pages import answered_page, link_problem_page

ANSWERED_COOKIE_DAYS = 400
JUST_ANSWERED_SECONDS = 30 * 60
THANKS_OFFICE_SECONDS = 60.0
_PLACEHOLDER = "placeholder"  # url_for would percent-encode a cache marker, so it goes in afterwards


def _submit_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def _is_language_switch() -> bool:
    return "lang" in request.form


def answered_cookie(cycle: link_targets.CycleView, office_code: str) -> str:
    """The name of the soft "already answered from this device" cookie of one office and cycle."""
    return f"answered_{cycle.id}_{office_code}"


def just_answered_cookie(cycle: link_targets.CycleView, office_code: str) -> str:
    """The cookie that, for a short while after sending, makes the link show "you have answered" instead of a
    form, so that Back or a re-opened tab does not offer the same person a second, empty form."""
    return f"sent_{cycle.id}_{office_code}"


@bp.errorhandler(link_targets.LinkProblemError)
def _link_problem(error: link_targets.LinkProblemError) -> tuple[str, int]:
    return link_problem_page(error, today())


@bp.after_request
def _no_store(response: FlaskResponse) -> FlaskResponse:
    """Survey pages carry a token and a per-visitor CSRF token: never cache them anywhere. A form made for a browser
    without a CSRF cookie gives it one. A page with its stylesheet inline lists that stylesheet's hash in its CSP."""
    if request.path.startswith("/s/"):
        response.headers["Cache-Control"] = "no-store"
        set_csrf_cookie(response)
    style = g.pop("survey_inline_style", None)
    if style is not None:
        allow_inline_style(response, style)
    return response


def _first_visit_style() -> InlineStyle | None:
    """``site.css`` to inline when this browser carries none of the survey's cookies (a first visit: its cache is
    most likely empty, and the stylesheet would cost a second connection before anything is painted); None for a
    browser that has been here and has the fingerprinted file cached."""
    if request.cookies.get(CSRF_COOKIE):
        return None
    style = inline_style("site.css")
    if style is not None:
        g.survey_inline_style = style
    return style


@bp.get("/s/<token>")
@limiter.exempt
def survey(token: str) -> str | tuple[str, int] | Response:
    """The questionnaire of the office and cycle ``token`` opens (the busiest page: no ORM session, and the rate
    limiter, which counts only POSTs, is not consulted). A counter kiosk's link opens the kiosk page."""
    with db.reader() as conn:
        target = link_targets.resolve(conn, _read(token), today())
    if target.channel == Channel.KIOSK:
        return redirect(url_for(".kiosk_page", token=token), code=303)
    if target.answered:
        return answered_page("answered", 200)
    if _just_answered(target) and "new" not in request.args:
        return render_template("public/just_answered.html", office=target.office, token=token), 200
    return _fresh_page(token, target)


@bp.post("/s/<token>")
@limiter.exempt
@csrf.exempt
def survey_post(token: str) -> Response | tuple[str, int]:
    """Store the answers once (or show the form again in the other language, or with what needs fixing). Every
    POST but a language switch counts against ``SUBMIT_RATE_LIMIT`` first (:mod:`..web.ratelimit`: the extension's
    counters without its per-request evaluation)."""
    if not _is_language_switch():
        ratelimit.hit(_submit_limit())
    ref = _read(token)
    # On the connection that stores the answers (Core, no ORM session), so the link is checked there.
    target = link_targets.resolve(db.connection(autocommit=_one_statement(ref)), ref, today())
    if target.channel == Channel.KIOSK:  # the kiosk page sends to /k/: its answers skip the device's cookies
        raise link_targets.LinkProblemError(link_targets.Problem.UNKNOWN)
    if target.answered:
        counters.submission_refused("already_answered")
        return answered_page("answered", 409)
    questionnaire = _questionnaire(target.cycle)
    form = SurveyPost(questionnaire, request.form)
    if _is_language_switch():  # opens where the reader was, also without JavaScript (questions.resume_at)
        return _page(
            token, form, questionnaire, target, focus=questions.resume_at(questionnaire, form.values)
        )
    return _submit(token, form, questionnaire, target)


@bp.get("/s/<token>/thanks")
def thanks(token: str) -> str:
    """Where a stored submission lands (post/redirect/get). It names the office, read at most once a minute per
    token and process: every respondent of a poster lands here, and an office's name changes rarely."""
    ref = _read(token)

    def office_of() -> link_targets.OfficeView:
        with db.reader() as conn:
            return link_targets.office_of(conn, ref)

    office = fresh_page.recent(("thanks-office", token), THANKS_OFFICE_SECONDS, office_of)
    lang = current_lang()
    return fresh_page.static(  # the page's language link holds the path, token included: so does the key
        ("thanks", token, lang, office.code, office.name(lang)),
        lambda: render_template("public/thanks.html", office=office),
    )


def _releases_at_submission() -> bool:
    """Whether a submission may release its office's batch itself: on the ``at_k`` schedule, or when K = 1 turns
    batches off (on the daily schedule the release job does it)."""
    return current_app.config["RELEASE_SCHEDULE"] == "at_k" or int(current_app.config["SUPPRESS_BELOW"]) <= 1


def _one_statement(ref: PosterRef | InvitationRef) -> bool:
    """Whether this POST writes with one statement: a poster or channel link's answers on PostgreSQL, when the
    submission does not release (services/intake/submission.py stores the nonce, the response and its answers in
    one statement, atomic by itself). Such a POST reads its link and stores its answers in autocommit, without the
    BEGIN and COMMIT round trips of a transaction; an emailed link's answers (the invitation is spent first), a
    release at submission (under the office's lock until the commit) and SQLite keep their transaction."""
    return (
        isinstance(ref, PosterRef)
        and db.engine.dialect.name == "postgresql"
        and not _releases_at_submission()
    )


def _read(token: str) -> PosterRef | InvitationRef:
    return link_targets.read(token, current_app.config["LINK_KEYS"])


def _questionnaire(cycle: link_targets.CycleView) -> Questionnaire:
    return questionnaires.get(
        current_app.config["SURVEYS_DIR"], cycle.questionnaire_id, cycle.questionnaire_version
    )


def _just_answered(target: link_targets.SurveyTarget) -> bool:
    """A poster link opened again on a device that sent answers through it a moment ago (an emailed link is spent
    by its answer and says so itself; it must still open for a business that answered a poster before)."""
    return (
        target.channel == Channel.POSTER
        and request.cookies.get(just_answered_cookie(target.cycle, target.office.code)) == "1"
    )


def _fresh_page(token: str, target: link_targets.SurveyTarget) -> str:
    """A new form: cached page parts and questions with the link's pre-selection, a CSRF token and a fresh nonce."""
    questionnaire = _questionnaire(target.cycle)
    lang = current_lang()
    body = questions.fresh(questionnaire, lang, target.respondent_type, target.service)
    answered_before = bool(request.cookies.get(answered_cookie(target.cycle, target.office.code)))
    style = _first_visit_style()
    marks = fresh_page.markers()

    def render() -> str:
        return _render(
            str(marks["token"]),
            questionnaire,
            target,
            marks["body"],
            csrf=marks["csrf"],
            nonce=marks["nonce"],
            style=style,
        )

    key = (lang, target.office.code, target.office.name(lang), answered_before, style and style.digest)
    return fresh_page.page(
        key, questionnaire, render, csrf=issue_csrf(), nonce=issue_nonce(), token=token, body=body
    )


def _render(
    token: str,
    questionnaire: Questionnaire,
    target: link_targets.SurveyTarget,
    body: Markup,
    *,
    csrf: str,
    nonce: str | None,
    errors: list[questions.ErrorLine] | None = None,
    suggestion: str | None = None,
    suggestion_error: str | None = None,
    resend: bool = False,
    focus: str | None = None,
    style: InlineStyle | None = None,
) -> str:
    lang = current_lang()
    return render_template(
        "public/survey.html",
        questionnaire=questionnaire,
        office=target.office,
        lang=lang,
        body=body,
        csrf=csrf,
        nonce=nonce or "",
        errors=errors or [],
        suggestion=suggestion,
        suggestion_error=suggestion_error,
        resend=resend,
        focus=focus,
        minutes=questions.minutes(questionnaire),
        question_total=questions.question_count(questionnaire),
        thanks_url=url_for(".thanks", token=_PLACEHOLDER).replace(
            _PLACEHOLDER, token
        ),  # token may be a marker
        answered_before=bool(request.cookies.get(answered_cookie(target.cycle, target.office.code))),
        inline_style=style,
    )


def _page(
    token: str,
    form: SurveyPost,
    questionnaire: Questionnaire,
    target: link_targets.SurveyTarget,
    status: int = 200,
    resend: bool = False,
    focus: str | None = None,
) -> tuple[str, int]:
    """The form again with the posted answers (after a language switch, opening at ``focus``, or with what needs
    fixing)."""
    lang = current_lang()
    body = questions.filled(questionnaire, lang, form.values, form.errors, target.respondent_type, focus)
    html = _render(
        token,
        questionnaire,
        target,
        body,
        csrf=issue_csrf(),
        nonce=form.nonce,
        errors=questions.error_lines(questionnaire, lang, form.errors, form.suggestion_error),
        suggestion=form.suggestion,
        suggestion_error=form.suggestion_error,
        resend=resend,
        focus=focus,
    )
    return html, status


def _submit(
    token: str, form: SurveyPost, questionnaire: Questionnaire, target: link_targets.SurveyTarget
) -> Response | tuple[str, int]:
    """Validate, store once, commit, then redirect; otherwise show the form again with the answers."""
    valid = form.validate()
    try:
        nonce = read_nonce(form.nonce)
    except NonceError as exc:
        form.nonce = issue_nonce(started=exc.started)
        counters.submission_refused("expired_form")
        return _page(token, form, questionnaire, target, status=400, resend=True)
    if not form.csrf_valid():
        counters.submission_refused("csrf")
        return _page(token, form, questionnaire, target, status=400, resend=True)
    if not valid:
        counters.submission_refused("invalid_answers")
        return _page(token, form, questionnaire, target, status=400)
    cookie = answered_cookie(target.cycle, target.office.code)
    device = request.cookies.get(cookie) or bursts.new_device_id()  # the device's random id counts its bursts
    outcome = _store(form, questionnaire, target, nonce, device)
    if outcome is not submission.Outcome.STORED:
        db.connection().rollback()
        counters.submission_refused(outcome.value)
        return answered_page(
            "answered" if outcome is submission.Outcome.ALREADY_ANSWERED else "replayed", 409
        )
    db.connection().commit()
    counters.submission_stored()
    response = redirect(url_for(".thanks", token=token), code=303)
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    for name, value, seconds in (
        (cookie, device, ANSWERED_COOKIE_DAYS * 86400),
        (just_answered_cookie(target.cycle, target.office.code), "1", JUST_ANSWERED_SECONDS),
    ):
        response.set_cookie(
            name, value, max_age=seconds, path="/s/", secure=secure, httponly=True, samesite="Lax"
        )
    return response


def _store(
    form: SurveyPost,
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
        respondent_type=form.values["respondent_type"],
        service=form.values["service"],
        answers=form.answers(),
        suggestion=form.suggestion,
        too_fast=time.time() - nonce.started < current_app.config["MIN_SECONDS"],
        nonce_hash=nonce.hash,
        nonce_expires_on=nonce.expires_on,
        burst=bursts.observe(limiter.storage, current_app.config["BURST_LIMIT"], target.office.code, device),
    )
    try:
        batch = int(current_app.config["SUPPRESS_BELOW"])
        # On the daily schedule the submission never releases (the job does), unless K = 1 turns batches off.
        return submission.submit(
            db.connection(),
            questionnaire,
            entry,
            today(),
            batch_size=batch if _releases_at_submission() else None,
        )
    except submission.SubmissionError:
        db.connection().rollback()
        counters.submission_refused("malformed")
        abort(400)
