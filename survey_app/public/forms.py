"""The survey form and its one-time nonce.

The form is built once per questionnaire version: a radio group for each profile question and for each answer
key (item × sub-item, field name ``E1_2``), a suggestion box and a hidden nonce. Validation messages are translated
lazily, so they come out in the page's language.

The nonce is a signed ``[random, started, issued]`` triple (itsdangerous, ``SECRET_KEY``, its own salt):
``random`` is what is spent on submission (its SHA-256 goes into ``spent_nonce``, so a replayed POST fails);
``started`` is when the form was first shown, kept across re-renders, and decides the ``too_fast`` flag; it is never
stored. A nonce is valid for :data:`NONCE_MAX_AGE` after it was issued; an older one is re-issued with the same
``started`` and the respondent is asked to send the form again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import Field, HiddenField, RadioField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from ..questionnaire import Choice, Option, Questionnaire
from ..services.submission import SUGGESTION_MAX

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


def _choice(values: list[str], message: Any) -> RadioField:
    return RadioField(
        validate_choice=False, validators=[InputRequired(message), AnyOf(values, message=message)]
    )


class SurveyForm(FlaskForm):
    """Base of the per-questionnaire form classes; fields for the questions are added by :func:`form_class`."""

    nonce = HiddenField()
    suggestion = TextAreaField(
        filters=[_clean_text],
        validators=[
            Optional(),
            Length(
                max=SUGGESTION_MAX, message=_l("Please shorten your suggestion to 1,000 characters or fewer.")
            ),
        ],
    )

    def answers(self, questionnaire: Questionnaire) -> dict[tuple[str, int], int]:
        """The validated answers keyed by (item, sub), as raw option values."""
        return {key: int(self[field_name(*key)].data) for key in questionnaire.answer_keys}

    def answer_field(self, item: str, sub: int) -> Field:
        """The radio group of one answer key."""
        return self[field_name(item, sub)]

    def chosen(self) -> dict[str, str]:
        """Field name → the posted value of every radio group that has one (to show the answers again)."""
        return {f.name: str(f.data) for f in self if isinstance(f, RadioField) and f.data not in (None, "")}

    def question_errors(self) -> dict[str, str]:
        """Field name → the first error of every radio group that failed validation."""
        return {f.name: str(f.errors[0]) for f in self if isinstance(f, RadioField) and f.errors}


_classes: dict[tuple[str, str], type[SurveyForm]] = {}


def form_class(questionnaire: Questionnaire) -> type[SurveyForm]:
    """The form class for ``questionnaire`` (built once per id and version)."""
    key = (questionnaire.id, questionnaire.version)
    if key not in _classes:
        fields: dict[str, Any] = {
            "respondent_type": _choice(
                list(questionnaire.respondent_type.codes), _l("Choose how you dealt with the office.")
            ),
            "service": _choice(list(questionnaire.service.codes), _l("Choose the service you used.")),
        }
        for item in questionnaire.items:
            values = [str(option.value) for option in item.answer_type.options]
            for item_code, sub in item.keys:
                fields[field_name(item_code, sub)] = _choice(values, _l("Choose an answer to this question."))
        _classes[key] = type(f"SurveyForm_{questionnaire.id}_{questionnaire.version}", (SurveyForm,), fields)
    return _classes[key]


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
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=NONCE_SALT)


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
