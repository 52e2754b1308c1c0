"""Opting out of invitation emails: ``GET /o/<token>`` asks, ``POST /o/<token>`` stops them.

Mail scanners open every link in a message, so a GET never opts anyone out: it shows a one-button form. The POST
is exempt from CSRF on purpose: the signed token in the URL is the credential (only the recipient has it), and
mail clients that honour ``List-Unsubscribe-Post`` (RFC 8058) post ``List-Unsubscribe=One-Click`` without any
cookie or form token. Both languages are shown at once, as in the email. Nothing is logged: the token is
redacted from access logs by :mod:`survey_app.web.logfilter`.
"""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import current_app, render_template, request

from ..db import db
from ..extensions import csrf, limiter
from ..models import Invitation, InvitationStatus, Office
from ..services.outreach import outbox
from ..tokens import TokenError, verify_optout_token
from ..web.errors import ErrorText, render_error
from . import bp

BAD_LINK = ErrorText(
    "ลิงก์ยกเลิกการรับอีเมลไม่ถูกต้อง",
    "ลิงก์นี้ไม่สมบูรณ์หรือถูกแก้ไข โปรดคัดลอกลิงก์จากอีเมลให้ครบทั้งบรรทัด แล้วลองอีกครั้ง",
    "This unsubscribe link is not valid",
    "The link is incomplete or was altered. Copy the whole link from the email and try again.",
)


def _submit_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def _invitation(token: str) -> Invitation | None:
    try:
        invitation_id = verify_optout_token(token)
    except TokenError:
        return None
    return db.session.get(Invitation, invitation_id)


@bp.route("/o/<token>", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
@csrf.exempt
def optout(token: str) -> str | tuple[str, int]:
    """The confirmation form (GET) or the opt-out itself (POST) for the invitation ``token`` names."""
    invitation = _invitation(token)
    if invitation is None:
        return render_error(404, BAD_LINK)
    office = db.session.get(Office, invitation.office_code)
    already = invitation.status == InvitationStatus.OPTED_OUT
    if request.method == "POST" and not already:
        outbox.opt_out(db.session, invitation.id)
        db.session.commit()
        return render_template("public/optout.html", office=office, done=True)
    return render_template("public/optout.html", office=office, done=already)


@bp.after_request
def _no_store(response: FlaskResponse) -> FlaskResponse:
    """Opt-out pages carry a personal token: never cache them."""
    if request.path.startswith("/o/"):
        response.headers["Cache-Control"] = "no-store"
    return response
