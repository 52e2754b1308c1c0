"""The questions part of the survey page, rendered once and reused, plus what the page says about it.

A fresh form differs between visitors only in its CSRF token and nonce (outside this part) and in the pre-selected
profile answers, which depend on the link (audience, an invitation's service). So :func:`fresh` renders the
questions through Jinja (escaping included) once per questionnaire × language × pre-selection and keeps the
markup. The cache is keyed on the :class:`~survey_app.questionnaire.Questionnaire` object itself:
``questionnaire.get`` returns a new object when the file changes, so an edited file is rendered anew and the old
entry is dropped. A form coming back with answers or errors is rendered by :func:`filled`, never cached.

:func:`error_lines` gives the error summary (one line per question, in its own words) and :func:`minutes` the
time the page says answering takes.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from ..questionnaire import Questionnaire
from .forms import field_name, pairs

TEMPLATE = "public/_questions.html"

# Reading speed of the questionnaire's text, in characters a minute. No published rate for Thai was found. The
# International Reading Speed Texts study (Trauzettel-Klosinski & Dietz 2012, IOVS 53:5452) measured young adults
# reading equivalent texts in 17 languages at 863 ± 234 characters a minute; 600 (about one standard deviation
# below, and Thai counts its vowel and tone marks as characters) is a careful reader of any age on a small screen,
# often standing. English: 200 words a minute of about 6 characters (with the space), also below IReST's 228.
READING_CHARS_PER_MINUTE = {"th": 600, "en": 1200}
SECONDS_PER_ANSWER = 3  # finding and tapping an option, scrolling to the next question

_lock = threading.Lock()
_fresh: dict[tuple[int, str, str | None, str | None], tuple[Questionnaire, Markup]] = {}


def _render(
    questionnaire: Questionnaire,
    lang: str,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    first_type: str | None = None,
    focus: str | None = None,
) -> Markup:
    html = render_template(
        TEMPLATE,
        questionnaire=questionnaire,
        lang=lang,
        values=values,
        errors=errors,
        focus=focus,
        pairs=pairs,
        type_pairs=type_pairs(questionnaire, lang, first_type),
        field_name=field_name,
    )
    return Markup(html)  # noqa: S704 - rendered by Jinja with autoescaping on


def type_pairs(questionnaire: Questionnaire, lang: str, first_type: str | None) -> list[tuple[str, str]]:
    """The respondent-type choices with the link's audience (a poster's, an invitation's) shown first. It is never
    chosen for the respondent: a business owner who scans the citizens' poster says so."""
    choices = pairs(questionnaire.respondent_type.choices, lang)
    return sorted(choices, key=lambda pair: pair[0] != first_type)


def fresh(questionnaire: Questionnaire, lang: str, first_type: str | None, service: str | None) -> Markup:
    """The questions of a new form (rendered once, then reused): the respondent type unselected, the link's
    audience ``first_type`` shown first; an invitation's known ``service`` pre-selected."""
    key = (id(questionnaire), lang, first_type, service)
    entry = _fresh.get(key)
    if entry is not None and entry[0] is questionnaire:
        return entry[1]
    values = {"service": service} if service else {}
    html = _render(questionnaire, lang, values, {}, first_type)
    with _lock:
        stale = [
            k for k, (q, _m) in _fresh.items() if q is not questionnaire and _same_version(q, questionnaire)
        ]
        for k in stale:
            del _fresh[k]  # the file changed: forget what was rendered from its previous content
        _fresh[key] = (questionnaire, html)
    return html


def _same_version(a: Questionnaire, b: Questionnaire) -> bool:
    return a.id == b.id and a.version == b.version


def filled(
    questionnaire: Questionnaire,
    lang: str,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    first_type: str | None = None,
    focus: str | None = None,
) -> Markup:
    """The questions with the posted answers chosen and each unanswered question's error (not cached);
    ``focus`` names the question whose first option the page opens at (``resume_at``)."""
    return _render(questionnaire, lang, values, errors, first_type, focus)


def resume_at(questionnaire: Questionnaire, values: Mapping[str, str]) -> str | None:
    """Where a reader who switched language was: the question after the furthest one answered (``suggestion``
    after the last), or None when nothing is answered yet (the page opens at its top). Without JavaScript the
    page cannot know how far the reader scrolled; how far they answered is the next best thing, and the page
    opens there by focusing that question's first option (``autofocus``, which also scrolls it into view)."""
    order = [
        "respondent_type",
        "service",
        *(field_name(code, sub) for code, sub in questionnaire.answer_keys),
    ]
    answered = [i for i, name in enumerate(order) if values.get(name)]
    if not answered:
        return None
    after = answered[-1] + 1
    return order[after] if after < len(order) else "suggestion"


@dataclass(frozen=True)
class ErrorLine:
    """One line of the error summary: the first control it leads to and what it says."""

    anchor: str
    text: str


def _short(text: str, limit: int = 70) -> str:
    """``text`` cut to about ``limit`` characters at a space (Thai separates phrases with spaces, not words)."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def error_lines(
    questionnaire: Questionnaire, lang: str, errors: Mapping[str, str], suggestion_error: str | None = None
) -> list[ErrorLine]:
    """One line per question with a problem, in page order: its number, the start of its wording, and which of
    its parts are unanswered (``errors`` maps field names to messages); then the suggestion's problem."""
    lines = []
    for name, profile in (
        ("respondent_type", questionnaire.respondent_type),
        ("service", questionnaire.service),
    ):
        if name in errors:
            lines.append(ErrorLine(f"{name}-0", f"{profile.question(lang)}: {errors[name]}"))
    for number, item in enumerate(questionnaire.items, start=1):
        missing = [sub for code, sub in item.keys if field_name(code, sub) in errors]
        if not missing:
            continue
        anchor = f"{field_name(item.code, missing[0])}-0"
        if item.sub_items:
            parts = ", ".join(f"{number}.{sub}" for sub in missing)
            problem = _("not answered: %(parts)s", parts=parts)
        else:
            problem = _("not answered")
        lines.append(ErrorLine(anchor, f"{number}. {_short(item.text(lang))} ({problem})"))
    if suggestion_error:
        lines.append(ErrorLine("suggestion", f"{_('Suggestion')}: {suggestion_error}"))
    return lines


def _characters(questionnaire: Questionnaire, lang: str) -> int:
    """Characters a respondent reads: profile questions and choices, items and sub-items, and the options of each
    answer scale once (the same four options under every question are read the first time and then recognised:
    finding and tapping one is :data:`SECONDS_PER_ANSWER`)."""
    total = 0
    for profile in (questionnaire.respondent_type, questionnaire.service):
        total += len(profile.question(lang)) + sum(len(c.label(lang)) for c in profile.choices)
    scales: dict[tuple[str, ...], int] = {}
    for item in questionnaire.items:
        labels = tuple(o.label(lang) for o in item.answer_type.options)
        scales[labels] = sum(len(label) for label in labels)
        total += len(item.text(lang)) + sum(len(s(lang)) for s in item.sub_items)
    return total + sum(scales.values())


def question_count(questionnaire: Questionnaire) -> int:
    """Questions on the page as the page counts them everywhere (intro, progress): the two about the visit and
    one per item (an item's sub-questions are parts of one question)."""
    return 2 + len(questionnaire.items)


def minutes(questionnaire: Questionnaire, lang: str | None = None) -> int:
    """Whole minutes (rounded up) to read every question at :data:`READING_CHARS_PER_MINUTE` and answer it, in
    ``lang``; without it, the longest of the languages: the one time the page promises in either language (most
    readers of the English page read it as a second language, so the faster English rate would flatter it)."""
    if lang is None:
        return max(minutes(questionnaire, code) for code in READING_CHARS_PER_MINUTE)
    answers = len(questionnaire.answer_keys) + 2
    seconds = _characters(questionnaire, lang) * 60 / READING_CHARS_PER_MINUTE.get(lang, 600)
    return math.ceil((seconds + answers * SECONDS_PER_ANSWER) / 60)
