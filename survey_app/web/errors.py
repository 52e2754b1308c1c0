"""Error pages for people: what happened and what to do next, in Thai first, then English.

Every handler rolls the request's database session back first and renders without touching the database (the
staff pages' context processors look at ``g.error_page``), so the page of a failed request cannot fail again. A
database that does not answer is a 503 ("try again in a few minutes"), a value the database cannot hold a 400.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from flask import Flask, g, render_template
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from ..monitoring import counters
from .ratelimit import LimitExceeded

log = logging.getLogger(__name__)

# The database is down, unreachable, out of connections or locked: temporary, so 503.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    sa_exc.DisconnectionError,
)
# A value the database cannot hold (out of range, NUL in text) that slipped past the input guards: the request's fault.
UNSTORABLE_VALUE: tuple[type[Exception], ...] = (sa_exc.DataError, OverflowError)


@dataclass(frozen=True)
class ErrorText:
    title_th: str
    advice_th: str
    title_en: str
    advice_en: str


ERRORS: dict[int, ErrorText] = {
    400: ErrorText(
        "คำขอไม่ถูกต้อง",
        "ข้อมูลที่ส่งมาไม่สมบูรณ์หรือถูกแก้ไข โปรดกลับไปหน้าก่อนหน้าแล้วลองใหม่อีกครั้ง",
        "Bad request",
        "What was sent was incomplete or altered. Go back to the previous page and try again.",
    ),
    403: ErrorText(
        "ไม่มีสิทธิ์เข้าถึง",
        "บัญชีของท่านไม่มีสิทธิ์ดูหน้านี้ หากคิดว่าไม่ถูกต้อง โปรดติดต่อผู้ดูแลระบบ",
        "Access denied",
        "Your account may not see this page. If you think it should, ask your administrator.",
    ),
    404: ErrorText(
        "ไม่พบหน้าที่ต้องการ",
        "ลิงก์อาจพิมพ์ผิดหรือถูกยกเลิกแล้ว โปรดตรวจสอบที่อยู่อีกครั้ง",
        "Page not found",
        "The address may be mistyped or no longer in use. Check it and try again.",
    ),
    410: ErrorText(
        "ลิงก์นี้ใช้ไม่ได้แล้ว",
        "ลิงก์นี้ถูกยกเลิกหรือหมดอายุแล้ว โปรดขอลิงก์ใหม่จากสำนักงาน",
        "This link is no longer valid",
        "The link was withdrawn or has expired. Ask the office for a new one.",
    ),
    413: ErrorText(
        "ไฟล์หรือข้อมูลใหญ่เกินไป",
        "โปรดส่งไฟล์ที่เล็กลง",
        "Too large",
        "Please send a smaller file.",
    ),
    429: ErrorText(
        "ส่งคำขอบ่อยเกินไป",
        "โปรดรอสักครู่แล้วลองใหม่อีกครั้ง",
        "Too many requests",
        "Please wait a minute and try again.",
    ),
    500: ErrorText(
        "ระบบขัดข้อง",
        "เกิดข้อผิดพลาดภายในระบบ ข้อมูลของท่านไม่ได้ถูกบันทึก โปรดลองใหม่ภายหลัง",
        "Something went wrong",
        "An internal error occurred and nothing was saved. Please try again later.",
    ),
    503: ErrorText(
        "ระบบไม่พร้อมให้บริการชั่วคราว",
        "ระบบกำลังปรับปรุงหรือมีผู้ใช้งานมาก โปรดลองใหม่ในอีกสักครู่",
        "Service temporarily unavailable",
        "The system is under maintenance or busy. Please try again in a few minutes.",
    ),
}


def render_error(code: int, text: ErrorText | None = None) -> tuple[str, int]:
    """Render the bilingual error page for ``code`` (or a custom text) with that status, after rolling back the
    request's session; the page itself reads nothing from the database."""
    _rollback()
    g.error_page = True
    text = text or ERRORS.get(code) or ERRORS[500 if code >= 500 else 400]
    return render_template("error.html", code=code, text=text), code


def _rollback() -> None:
    """Roll the request's session (and Core connection) back; a database that is gone cannot even do that, which is
    fine here."""
    from ..db import db

    try:
        db.rollback()
    except Exception:
        log.warning("rollback failed while rendering an error page", exc_info=True)


def retry_after(error: RateLimitExceeded) -> int:
    """Seconds until the exceeded limit's window lets a request through again. Rate-limit headers are off (each
    would cost the store two more round trips on every limited request), so only a refused request asks the store,
    and a store that does not answer gives the window's length, an upper bound."""
    from ..extensions import limiter

    window = int(error.limit.limit.get_expiry())
    try:
        current = limiter.current_limit
        if current is not None:
            return min(window, max(1, math.ceil(current.reset_at - time.time())))
    except Exception:
        log.warning("rate-limit store unavailable while answering 429")
    return window


def init_app(app: Flask) -> None:
    """Register a handler for every HTTP error and for database failures; Flask turns any other uncaught exception
    into a 500 first."""

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str, int]:
        return render_error(400)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int]:
        return render_error(error.code or 500)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded) -> tuple[str, int, dict[str, str]]:
        html, code = render_error(429)
        return html, code, {"Retry-After": str(retry_after(error))}

    @app.errorhandler(LimitExceeded)
    def _over_limit(error: LimitExceeded) -> tuple[str, int, dict[str, str]]:
        html, code = render_error(429)
        return html, code, {"Retry-After": str(error.retry_after)}

    def _database_down(error: Exception) -> tuple[str, int]:
        log.error("database unavailable: %s", type(error).__name__)
        counters.database_error()
        return render_error(503)

    def _unstorable(error: Exception) -> tuple[str, int]:
        log.info("request refused: a value the database cannot hold (%s)", type(error).__name__)
        return render_error(400)

    for kind in DATABASE_UNAVAILABLE:
        app.register_error_handler(kind, _database_down)
    for value_error in UNSTORABLE_VALUE:
        app.register_error_handler(value_error, _unstorable)
