"""Staff forms (labels are translated lazily so the page's language applies)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DecimalField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Regexp,
    ValidationError,
)

from ..models import SamplingMethod
from .dates import BuddhistDateField

try:
    from wtforms import SelectChoice
except ImportError:  # WTForms before 3.3
    SelectChoice = None


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class CodeForm(FlaskForm):
    """The second step of sign-in, and enrolment: a 6-digit authenticator code (or, at sign-in, a recovery code)."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(
        _l("New password (at least 12 characters)"), validators=[DataRequired(), Length(12, 200)]
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords differ."))],
    )


# --- dashboards, frames, cycles (issue 5) -------------------------------------------------------------------------


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token (open, close, save grid)."""


class FrameImportForm(FlaskForm):
    file = FileField(
        _l(
            "CSV file with the columns respondent_type (type of respondent), service and served (people served)"
        ),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Choose a .csv file.")),
        ],
    )


def choice(value: str, label: object) -> Any:
    """A select option: ``SelectChoice`` where WTForms has it (3.3+, where tuples are deprecated), else a tuple."""
    return SelectChoice(value, label) if SelectChoice is not None else (value, label)


_SAMPLING_CHOICES = [
    choice(SamplingMethod.KREJCIE_MORGAN.value, _l("Krejcie & Morgan (1970)")),
    choice(SamplingMethod.COCHRAN.value, _l("Cochran with finite population correction")),
    choice(SamplingMethod.YAMANE.value, _l("Yamane (1967)")),
]
_CONFIDENCE_CHOICES = [choice("0.9", "90 %"), choice("0.95", "95 %"), choice("0.99", "99 %")]


class CycleSettingsForm(FlaskForm):
    """Dates and sampling policy of a cycle (create and edit)."""

    opens_on = BuddhistDateField(_l("Opens on"), validators=[InputRequired()])
    closes_on = BuddhistDateField(_l("Closes on"), validators=[InputRequired()])
    min_sample = IntegerField(
        _l("Fixed minimum of responses per office"), validators=[InputRequired(), NumberRange(1, 100_000)]
    )
    type_floor = IntegerField(
        _l("Minimum responses of each respondent type"), default=10,
        validators=[InputRequired(), NumberRange(0, 100_000)],
    )  # fmt: skip
    sampling_method = SelectField(_l("Statistical requirement"), choices=_SAMPLING_CHOICES)
    confidence = SelectField(_l("Confidence level"), choices=_CONFIDENCE_CHOICES, default="0.95")
    margin_percent = DecimalField(
        _l("Margin of error (%)"), places=1, default=5, validators=[DataRequired(), NumberRange(1, 20)]
    )

    def validate_closes_on(self, field: BuddhistDateField) -> None:
        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The closing date must not be before the opening date."))


class CycleCreateForm(CycleSettingsForm):
    code = StringField(
        _l("Code (e.g. EIT-2570)"),
        validators=[
            DataRequired(),
            Length(3, 40),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                message=_l("Letters, digits, dots, dashes and underscores only."),
            ),
        ],
    )
    fiscal_year = IntegerField(
        _l("Fiscal year (Buddhist era)"), validators=[InputRequired(), NumberRange(2500, 2700)]
    )
    questionnaire = SelectField(_l("Questionnaire"), choices=[])
