"""``/staff/glossary``: the statistical terms of the staff pages, in Thai with the English term beside each."""

from __future__ import annotations

from flask import render_template

from . import bp
from .access import staff_required


@bp.get("/glossary")
@staff_required
def glossary() -> str:
    """Every term the dashboards use, in plain words."""
    return render_template("staff/glossary.html")
