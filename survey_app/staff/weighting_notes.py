"""The weighting notes of a result in words: respondent types and services by their names, in the page's language.

The results service writes its notes as short English lines with internal codes (``business/mining (n=0,
population 3, no respondents) merged into business/other``). Staff read them here as sentences. A line of a shape
this module does not know is shown as it is, marked as English, so a new kind of note is never lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from ..questionnaire import Questionnaire

_CODE = r"[A-Za-z0-9_-]+"
_NUMBER = r"[0-9][0-9.e+]*"
MERGE = re.compile(
    rf"^(?P<t>{_CODE})/(?P<s>{_CODE}) \(n=(?P<n>\d+), population (?P<p>{_NUMBER}), (?P<r>[^)]+)\) "
    rf"merged into (?P=t)/(?P<into>{_CODE})$"
)
NO_TYPE = re.compile(
    rf"^no respondents of type (?P<t>{_CODE}): its population of (?P<p>{_NUMBER}) is left out of the weights$"
)
OUTSIDE = re.compile(rf"^respondents of type (?P<t>{_CODE}) are outside the frame and carry no weight$")
TRIMMED = re.compile(
    rf"^weights trimmed at (?P<k>{_NUMBER}) x the mean, type and service margins re-matched$"
)
NOT_TRIMMED = re.compile(
    rf"^weights could not be trimmed at (?P<k>{_NUMBER}) x the mean without losing the margins$"
)


@dataclass(frozen=True)
class Note:
    """One note as shown: its text and, when it could not be put in words, ``lang`` "en"."""

    text: str
    lang: str | None = None


def _count(value: str) -> str:
    number = float(value)
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"


def _reason(code: str) -> str:
    reasons: dict[str, str] = {
        "no respondents": _("nobody who used it answered"),
        "too few respondents": _("too few who used it answered"),
        "outside the population frame": _("the population frame says nobody of this type used it"),
    }
    return reasons.get(code, code)


def in_words(lines: Iterable[str], questionnaire: Questionnaire, lang: str) -> list[Note]:
    """Each of ``lines`` as a sentence with the questionnaire's names for types and services."""
    types = {c.code: c.label(lang) for c in questionnaire.respondent_type.choices}
    services = {c.code: c.label(lang) for c in questionnaire.service.choices}
    return [_one(line, types, services) for line in lines]


def _one(line: str, types: Mapping[str, str], services: Mapping[str, str]) -> Note:
    if m := MERGE.match(line):
        text = _(
            "%(type)s who used “%(service)s” (%(n)s answers, %(p)s people served; %(why)s) are counted with "
            "“%(into)s”.",
            type=types.get(m["t"], m["t"]), service=services.get(m["s"], m["s"]), n=m["n"], p=_count(m["p"]),
            why=_reason(m["r"]), into=services.get(m["into"], m["into"]),
        )  # fmt: skip
    elif m := NO_TYPE.match(line):
        text = _(
            "No %(type)s answered, so the %(p)s of them served are left out of the weights.",
            type=types.get(m["t"], m["t"]), p=_count(m["p"]),
        )  # fmt: skip
    elif m := OUTSIDE.match(line):
        text = _(
            "The population frame has no %(type)s, so their answers carry no weight.",
            type=types.get(m["t"], m["t"]),
        )
    elif m := TRIMMED.match(line):
        text = _(
            "No answer counts more than %(k)s times the average; the totals by type and service still match.",
            k=m["k"],
        )
    elif m := NOT_TRIMMED.match(line):
        text = _(
            "Weights could not be capped at %(k)s times the average without losing the totals, "
            "so they were left as they are.",
            k=m["k"],
        )
    else:
        return Note(line, "en")
    return Note(str(text))
