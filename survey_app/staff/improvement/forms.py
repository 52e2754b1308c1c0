"""Forms of the improvement pages: a measure of the improvement plan, its status, the official-results import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ...models import MeasureStatus
from ..dates import BuddhistDateField
from ..forms import choice

STATUS_LABELS = {
    MeasureStatus.PLANNED.value: _l("planned"),
    MeasureStatus.IN_PROGRESS.value: _l("in progress"),
    MeasureStatus.DONE.value: _l("done"),
    MeasureStatus.DROPPED.value: _l("dropped"),
}


class MeasureForm(FlaskForm):
    """A new measure against one item."""

    item = SelectField(_l("Item"), choices=[], validators=[DataRequired()])
    action = TextAreaField(_l("What will be done"), validators=[DataRequired(), Length(max=1000)])
    owner = StringField(_l("Who is responsible"), validators=[DataRequired(), Length(max=200)])
    due_on = BuddhistDateField(_l("Due by"), validators=[InputRequired()])


class StatusForm(FlaskForm):
    """The status of one measure."""

    status = SelectField(_l("Status"), choices=[choice(k, v) for k, v in STATUS_LABELS.items()])


class OfficialImportForm(FlaskForm):
    """A CSV file of official ITA results."""

    file = FileField(
        _l("CSV file (columns fiscal_year, office_code, eit, iit, oit, total)"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Choose a .csv file.")),
        ],
    )
    valid_only = BooleanField(_l("Import the valid rows and skip the others"))


class ThemeForm(FlaskForm):
    """A named theme and its keywords."""

    name = StringField(_l("Theme name"), validators=[DataRequired(), Length(max=100)])
    keywords = TextAreaField(_l("Keywords"), validators=[DataRequired(), Length(max=1000)])


class OfficialValidRowsForm(FlaskForm):
    """The valid rows of the file just reported on (a signed preview), to import without choosing it again."""

    preview = HiddenField(validators=[DataRequired()])
