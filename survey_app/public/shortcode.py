"""``/t``: the typed way onto a poster's survey for people who cannot scan its QR code.

The poster prints ``BASE_URL/t`` and a six-character code (:func:`survey_app.tokens.poster_short_code`). This page
asks for the code and redirects to the same signed survey link the QR code holds; ``/t/<code>`` does the same for a
code typed into the address bar. It only reads. Lookups are rate limited per client (a daily-keyed hash of the
address), so the code space (31**6) cannot be walked; a wrong code answers 400 (cannot be a code) or 404 (no such
poster), in Thai and English, with the form again.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, redirect, render_template, request
from werkzeug.wrappers import Response

from ..db import db
from ..extensions import limiter
from ..services.intake.shortcode import find_link
from ..tokens import SHORT_CODE_LENGTH, link_url, normalise_short_code
from . import bp

DEFAULT_LIMIT = "20 per minute"


@dataclass(frozen=True)
class CodeProblem:
    """Why a typed code opens nothing, in both languages (shown together, Thai first)."""

    status: int
    th: str
    en: str


MALFORMED = CodeProblem(
    400,
    "รหัสต้องมี 6 ตัว เป็นตัวเลข 2–9 และตัวอักษรภาษาอังกฤษ (ไม่มีเลขศูนย์ เลขหนึ่ง และตัว O, I, L) โปรดตรวจดูรหัสบนโปสเตอร์อีกครั้ง",
    "A code has 6 characters: digits 2–9 and letters (never zero, one, O, I or L). Check the code on the poster.",
)
UNKNOWN = CodeProblem(
    404,
    "ไม่พบโปสเตอร์ที่มีรหัสนี้ โปรดตรวจดูรหัสบนโปสเตอร์อีกครั้ง หรือสแกนคิวอาร์โค้ด",
    "No poster has this code. Check the code on the poster, or scan its QR code.",
)


def _limit() -> str:
    return str(current_app.config.get("SHORTCODE_RATE_LIMIT") or DEFAULT_LIMIT)


def _no_code() -> bool:
    """The empty form is not a lookup, so showing it is not counted."""
    return not (request.view_args or {}).get("code") and "code" not in request.args


def _open(typed: str) -> Response | tuple[str, int]:
    try:
        code = normalise_short_code(typed)
    except ValueError:
        return _page(typed, MALFORMED)
    link = find_link(db.session, code, current_app.config["LINK_KEYS"])
    if link is None:
        return _page(code, UNKNOWN)
    return redirect(link_url(link), code=303)


def _page(typed: str, problem: CodeProblem | None) -> tuple[str, int]:
    return render_template(
        "public/shortcode.html", typed=typed[:20], problem=problem, length=SHORT_CODE_LENGTH
    ), (problem.status if problem else 200)


@bp.get("/t")
@limiter.shared_limit(_limit, scope="shortcode", exempt_when=_no_code)
def shortcode_form() -> Response | tuple[str, int]:
    """The form asking for the poster's code; with ``?code=`` it opens the poster's survey."""
    if "code" in request.args:
        return _open(request.args.get("code", ""))
    return _page("", None)


@bp.get("/t/<code>")
@limiter.shared_limit(_limit, scope="shortcode")
def shortcode_open(code: str) -> Response | tuple[str, int]:
    """A code typed after the address (``/t/K7MQ4R``) opens the poster's survey."""
    return _open(code)
