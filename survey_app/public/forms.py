"""The survey form and its one-time nonce.

The form has a radio group for each profile question and for each answer key (item × sub-item, field name
``E1_2``), a suggestion box, the CSRF token and a hidden nonce. :class:`SurveyPost` reads and checks a posted form
(the allowed values are worked out once per questionnaire); its messages come out in the page's language.

The CSRF token is the signed double-submit kind, with no server-side session: the browser holds a random secret in
an HttpOnly, SameSite=Lax cookie (:data:`CSRF_COOKIE`, set with the first form it is shown), and the form carries
``issued.mac``, an HMAC-SHA256 under ``SECRET_KEY`` of that secret and the time of issue. A POST passes only with the
cookie, a MAC that matches it and a token younger than ``WTF_CSRF_TIME_LIMIT`` (an hour, as Flask-WTF's): another site
can neither read nor set the cookie, and a cross-site POST does not even carry it. It costs one HMAC, where Flask-WTF's
token costs a signed session cookie written on every new visitor's form and read back on every POST.

The nonce is a signed ``[random, started, issued]`` triple (itsdangerous, ``SECRET_KEY``, its own salt):
``random`` is what is spent on submission (its SHA-256 goes into ``spent_nonce``, so a replayed POST fails);
``started`` is when the form was first shown, kept across re-renders, and decides the ``too_fast`` flag; it is never
stored. A nonce is valid for :data:`NONCE_MAX_AGE` after it was issued; an older one is re-issued with the same
``started`` and the respondent is asked to send the form again.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, g, request
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from ..questionnaire import Choice, Option, Questionnaire
from ..services.intake.submission import SUGGESTION_MAX

NONCE_SALT = "survey-form-nonce"
NONCE_MAX_AGE = 2 * 24 * 3600  # seconds; spent nonces are kept a day longer than this


def field_name(item: str, sub: int) -> str:
    """The form field of one answer key, e.g. ``E1_2``."""
    return f"{item}_{sub}"


def pairs(entries: Sequence[Choice | Option], lang: str) -> list[tuple[str, str]]:
    """(submitted value, label in ``lang``) of each profile choice or answer option, for the template."""
    return [(str(e.value) if isinstance(e, Option) else e.code, e.label(lang)) for e in entries]


def _clean_text(value: str | None) -> str | None:
    """Browsers send CRLF (counted as two characters) and may send control characters PostgreSQL refuses."""
    if value is None:
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    return value or None


class SurveyPost:
    """A posted survey form, parsed and checked without a form library (this runs on every submission).

    ``values`` holds the chosen value of each radio group that was sent (to show the answers again), ``errors`` the
    message of each group that is missing or not one of its options (after :meth:`validate`), ``suggestion`` the
    cleaned suggestion and ``suggestion_error`` its problem. Messages are in the request's language.
    """

    def __init__(self, questionnaire: Questionnaire, posted: Mapping[str, str]) -> None:
        self._questionnaire = questionnaire
        self._choices = _choices(questionnaire)
        self.values = {name: posted[name] for name in self._choices if posted.get(name)}
        self.errors: dict[str, str] = {}
        self.nonce: str | None = posted.get("nonce")
        self.csrf_token: str | None = posted.get("csrf_token")
        self.suggestion = _clean_text(posted.get("suggestion"))
        self.suggestion_error: str | None = None

    def validate(self) -> bool:
        """Check every radio group and the suggestion's length; True when nothing is wrong."""
        for name, (allowed, message) in self._choices.items():
            if self.values.get(name) not in allowed:
                self.errors[name] = str(message)
        if self.suggestion is not None and len(self.suggestion) > SUGGESTION_MAX:
            self.suggestion_error = str(_SUGGESTION_TOO_LONG)
        return not self.errors and self.suggestion_error is None

    def csrf_valid(self) -> bool:
        """Whether the CSRF token matches this browser's cookie and is not expired (see :func:`csrf_valid`)."""
        return csrf_valid(self.csrf_token)

    def answers(self) -> dict[tuple[str, int], int]:
        """The validated answers keyed by (item, sub), as raw option values."""
        return {key: int(self.values[field_name(*key)]) for key in self._questionnaire.answer_keys}


# Messages: lazy, so str() gives them in the language of the request that shows them.
_RESPONDENT_TYPE = _l("Choose how you dealt with the office.")
_SERVICE = _l("Choose the service you used.")
_ANSWER = _l("Choose an answer to this question.")
_SUGGESTION_TOO_LONG = _l("Please shorten your suggestion to 1,000 characters or fewer.")

_CHOICES: dict[int, tuple[Questionnaire, dict[str, tuple[frozenset[str], Any]]]] = {}


def _choices(questionnaire: Questionnaire) -> dict[str, tuple[frozenset[str], Any]]:
    """Field name → (allowed values, message when missing) for every radio group, built once per questionnaire."""
    entry = _CHOICES.get(id(questionnaire))
    if entry is None or entry[0] is not questionnaire:
        fields: dict[str, tuple[frozenset[str], Any]] = {
            "respondent_type": (frozenset(questionnaire.respondent_type.codes), _RESPONDENT_TYPE),
            "service": (frozenset(questionnaire.service.codes), _SERVICE),
        }
        for item in questionnaire.items:
            values = frozenset(str(option.value) for option in item.answer_type.options)
            for item_code, sub in item.keys:
                fields[field_name(item_code, sub)] = (values, _ANSWER)
        entry = _CHOICES[id(questionnaire)] = (questionnaire, fields)
    return entry[1]


# --- the CSRF token ----------------------------------------------------------------------------------------------

CSRF_COOKIE = "survey_csrf"
_CSRF_SECRET = re.compile(r"[A-Za-z0-9_-]{24}")


def _browser_secret(create: bool) -> str | None:
    """The secret in this browser's CSRF cookie; with ``create``, a new one (set on the response by
    :func:`set_csrf_cookie`) when the browser has none or a malformed one."""
    value = request.cookies.get(CSRF_COOKIE)
    if value and _CSRF_SECRET.fullmatch(value):
        return value
    if not create:
        return None
    if "survey_csrf_new" not in g:
        g.survey_csrf_new = secrets.token_urlsafe(18)  # 24 characters
    return str(g.survey_csrf_new)


def _csrf_mac(secret: str, issued: int) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key if isinstance(key, bytes) else str(key).encode()
    digest = hmac.new(key, f"survey-csrf|{secret}|{issued}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def issue_csrf(now: float | None = None) -> str:
    """A CSRF token for this browser's form (``issued.mac``), creating the browser's secret if it has none."""
    secret = _browser_secret(create=True)
    assert secret is not None
    issued = int(time.time() if now is None else now)
    return f"{issued}.{_csrf_mac(secret, issued)}"


def csrf_valid(token: str | None, now: float | None = None) -> bool:
    """Whether ``token`` was issued for this browser's cookie within ``WTF_CSRF_TIME_LIMIT`` seconds (always true
    when ``WTF_CSRF_ENABLED`` is off, as for every other form)."""
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True):
        return True
    secret = _browser_secret(create=False)
    if secret is None or not token or len(token) > 64 or not token.isascii():
        return False  # compare_digest refuses non-ASCII text: a hostile token must be a refusal, not an error
    issued_text, _, mac = token.partition(".")
    if not issued_text.isdigit():
        return False
    issued = int(issued_text)
    limit = config.get("WTF_CSRF_TIME_LIMIT", 3600)
    now = time.time() if now is None else now
    if limit is not None and not -60 <= now - issued <= limit:
        return False
    return hmac.compare_digest(mac, _csrf_mac(secret, issued))


def set_csrf_cookie(response: Response) -> None:
    """Give the browser the secret its form's token was made with, when the request created one."""
    secret = g.pop("survey_csrf_new", None)
    if secret:
        response.set_cookie(
            CSRF_COOKIE,
            secret,
            path="/s/",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            httponly=True,
            samesite="Lax",
        )


# --- the one-time nonce -------------------------------------------------------------------------------------------


class NonceError(ValueError):
    """The nonce is missing, forged or too old. ``started`` is the first render time when it was authentic."""

    def __init__(self, message: str, started: float | None = None) -> None:
        super().__init__(message)
        self.started = started


@dataclass(frozen=True)
class Nonce:
    """A verified form nonce."""

    hash: str  # SHA-256 of the random part: what ``spent_nonce`` records
    started: float  # when the form was first shown (seconds since the epoch)
    expires_on: dt.date  # after this day the nonce can no longer be submitted, so its record may go


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=8)
def _serializer_for(secret_key: str | bytes) -> URLSafeSerializer:
    """One serializer per secret key: making one serialises a test value to learn whether JSON gives text, and the
    form's GET and POST each need it."""
    return URLSafeSerializer(secret_key, salt=NONCE_SALT)


def issue_nonce(started: float | None = None, now: float | None = None) -> str:
    """A new signed nonce; ``started`` carries over the first render time of an expired one."""
    now = time.time() if now is None else now
    return str(_serializer().dumps([secrets.token_urlsafe(16), int(started or now), int(now)]))


def read_nonce(value: str | None, now: float | None = None) -> Nonce:
    """Verify ``value``; raises :class:`NonceError` when it is missing, forged or older than the maximum age."""
    now = time.time() if now is None else now
    if not value or len(value) > 200:
        raise NonceError("missing nonce")
    try:
        payload = _serializer().loads(value)
    except BadSignature as exc:
        raise NonceError("forged nonce") from exc
    if not (
        isinstance(payload, list) and len(payload) == 3 and all(isinstance(p, str | int) for p in payload)
    ):
        raise NonceError("malformed nonce")
    random_part, started, issued = str(payload[0]), int(payload[1]), int(payload[2])
    if now - issued > NONCE_MAX_AGE:
        raise NonceError("expired nonce", started=started)
    expires = dt.datetime.fromtimestamp(issued + NONCE_MAX_AGE, dt.UTC).date() + dt.timedelta(days=1)
    return Nonce(hashlib.sha256(random_part.encode()).hexdigest(), float(started), expires)
