"""The admins' account forms (create, change role or office) and the role names people read."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Length

from ...models import Role
from ..forms import choice

ROLE_LABELS = {
    Role.ADMIN.value: _l("administrator"),
    Role.OFFICE.value: _l("office staff"),
    Role.VIEWER.value: _l("viewer (reads every office)"),
}


def role_choices() -> list[object]:
    """The roles as select options, in the page's language."""
    return [choice(value, label) for value, label in ROLE_LABELS.items()]


class RoleForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no types
    """An account's role and, for office staff, its office (the choices are set by the view)."""

    role = SelectField(_l("Role"), choices=[])
    office = SelectField(_l("Office (office staff only)"), choices=[])


class AccountForm(RoleForm):
    """A new account: its email, role and office; the password is generated and shown once."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=320)])
