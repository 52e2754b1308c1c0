"""The staff forms' date field: a text input that takes and shows Buddhist-era dates (``31/03/2570``) in Thai and in
English, with a hint, and says in the page's language why a year one era off was refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

from ..clock import BE_INPUT_PATTERN, EraError, be_input, local_today, parse_be

HINT = _l("Day/month/year in the Buddhist era, e.g. 31/03/2570")


_SENTENCES = {
    "christian_era": _l("%(year)d is a year of the Christian era: type the Buddhist-era year %(suggest)d."),
    "twice_converted": _l("%(year)d is too far ahead: 543 seems to have been added twice. Type %(suggest)d."),
    "out_of_range": _l("%(year)d is not a year this form can take: type a Buddhist-era year such as 2570."),
    "no_such_day": _l("That day does not exist in that month."),
    "format": _l("Type the date as day/month/Buddhist-era year, e.g. 31/03/2570."),
}


def problem_text(problem: EraError) -> str:
    """A sentence for people about a refused date, in the page's language."""
    sentence = str(_SENTENCES.get(problem.reason, _SENTENCES["format"]))
    return sentence % {"year": problem.year, "suggest": problem.suggest} if "%(" in sentence else sentence


class BuddhistDateField(Field):  # type: ignore[misc]  # WTForms ships no types
    """A date typed with a Buddhist-era year; ``data`` is a :class:`datetime.date` (Christian era, as stored)."""

    widget = TextInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("description", HINT)
        render_kw = {
            "inputmode": "numeric", "autocomplete": "off", "class": "date-input",
            "pattern": BE_INPUT_PATTERN, "size": 12,
        }  # fmt: skip
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return be_input(self.data) if isinstance(self.data, dt.date) else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_be(str(valuelist[0]), local_today())
        except EraError as problem:
            self.data = None
            raise ValidationError(problem_text(problem)) from None
