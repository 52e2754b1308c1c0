"""The score cells the staff templates write many times (about 150 on an office page): a score with its interval, a
band's badge, a month's point. Template globals written in Python rather than Jinja macros, whose every call builds
a frame and escapes piece by piece (a macro call cost about as much as ten of these); the HTML is the macros'."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from .. import bp

DASH = Markup("–")


def _field(value: Any, name: str) -> Any:
    """``value.name`` as a template reads it: the attribute, else the item."""
    try:
        return getattr(value, name)
    except AttributeError:
        return value[name]


def _interval(low: float, high: float) -> str:
    return f' <span class="ci">({low:.1f}–{high:.1f})</span>'


@bp.app_template_global()
def score_cell(est: Any) -> Markup:
    """A mean with two decimals and its interval with one (``–`` for no estimate or NaN; no interval when NaN)."""
    if est is None or _field(est, "mean") != _field(est, "mean"):
        return DASH
    low = _field(est, "low")
    interval = _interval(low, _field(est, "high")) if low == low else ""
    mean = _field(est, "mean")
    return Markup(f'<span class="score">{mean:.2f}</span>{interval}')  # noqa: S704 - numbers only


@bp.app_template_global()
@pass_context
def band_badge(context: Context, band: Any) -> Markup:
    """The band's label in the page's language (the render's ``current_lang``: ``templating``), classed by its code
    (nothing without a band)."""
    if not band:
        return Markup("")
    label = _field(band, "label_th") if context["current_lang"]() == "th" else _field(band, "label_en")
    return Markup('<span class="band band-{}">{}</span>').format(_field(band, "code"), label)


@bp.app_template_global()
def point_cell(point: Any) -> Markup:
    """A month's (or cycle's) mean and interval, "hidden" when withheld, ``–`` when there is none."""
    if point is None:
        return DASH
    mean = _field(point, "mean")
    if mean is None:
        return Markup('<span class="suppressed">{}</span>').format(Markup(gettext("hidden")))  # noqa: S704
    low = _field(point, "low")
    interval = _interval(low, _field(point, "high")) if low is not None else ""
    return Markup(f"{mean:.2f}{interval}")  # noqa: S704 - numbers only
