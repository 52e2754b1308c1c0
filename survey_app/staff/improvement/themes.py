"""``/staff/themes``: suggestion themes named once and reused everywhere, with the national words, phrases and theme
counts for admins and viewers. Only admins name themes: a theme counts suggestions in every office, so an office
that could word one could also aim it at a few suggestions of another; office staff and viewers read them, and
offices see their own counts on the office page."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from ...db import db
from ...models import Role
from ...services.improvement import themes
from .. import bp
from ..access import admin_required, staff_required
from ..context import k_threshold, required_cycle
from .forms import ThemeForm
from .sections import suggestion_themes

REASONS = {
    "name": lambda: _("Give the theme a name of at most 100 characters."),
    "keywords": lambda: _("Give at least one keyword (at most 1,000 characters in all)."),
    "duplicate": lambda: _("A theme with this name already exists."),
}


def _page(form: ThemeForm | None = None, problem: str | None = None, status: int = 200) -> tuple[str, int]:
    cycle = required_cycle()
    national = None if current_user.role == Role.OFFICE else suggestion_themes(cycle, None)
    html = render_template(
        "staff/themes.html", cycle=cycle, form=form or ThemeForm(), problem=problem, national=national,
        all_themes=themes.all_themes(db.session), k=k_threshold(),
    )  # fmt: skip
    return html, status


@bp.get("/themes")
@staff_required
def suggestion_themes_page() -> tuple[str, int]:
    """The named themes and (for admins and viewers) the national words, phrases and theme counts."""
    return _page()


@bp.post("/themes")
@admin_required
def suggestion_theme_add() -> WerkzeugResponse | tuple[str, int]:
    """Name a new theme; a bad form says why and stores nothing."""
    form = ThemeForm()
    if not form.validate_on_submit():
        return _page(form, _("Check the fields marked below: nothing was saved."), 400)
    try:
        themes.add_theme(db.session, current_user, form.name.data, form.keywords.data)
    except themes.ThemeError as error:
        db.session.rollback()
        return _page(form, REASONS[error.reason](), 409 if error.reason == "duplicate" else 400)
    db.session.commit()
    flash(_("The theme was saved."), "info")
    return redirect(url_for("staff.suggestion_themes_page", cycle=required_cycle().code))
