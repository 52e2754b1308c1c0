"""The score cells written in Python (``staff/results/cells.py``) give the HTML of the Jinja macros they replaced,
including the edge cases the office pages of the benchmark do not show (NaN means and intervals, hidden months,
no band)."""

from __future__ import annotations

import math

import pytest
from flask import Flask, render_template_string

from survey_app.services.improvement.trends import Point
from survey_app.stats.bands import eit_band
from survey_app.stats.scoring import Estimate

# The macros as they were (survey_app/templates/staff/_charts.html and _trends.html before the change).
MACROS = """\
{% macro old_score_cell(est, band) %}{% if est is none or est.mean != est.mean %}–{% else %}<span class="score">{{ "%.2f"|format(est.mean) }}</span>{% if est.low == est.low %} <span class="ci">({{ "%.1f"|format(est.low) }}–{{ "%.1f"|format(est.high) }})</span>{% endif %}{% endif %}{% endmacro %}
{% macro old_band_badge(band) %}{% if band %}<span class="band band-{{ band.code }}">{{ band.label_th if current_lang() == 'th' else band.label_en }}</span>{% endif %}{% endmacro %}
{% macro old_point_cell(p) %}{% if p is none %}–{% elif p.mean is none %}<span class="suppressed">{{ _("hidden") }}</span>{% else %}{{ "%.2f"|format(p.mean) }}{% if p.low is not none %} <span class="ci">({{ "%.1f"|format(p.low) }}–{{ "%.1f"|format(p.high) }})</span>{% endif %}{% endif %}{% endmacro %}
"""  # noqa: E501

NAN = math.nan
ESTIMATES = [
    None,
    Estimate(87.456, 1.2, 85.04, 89.95, 40),
    Estimate(NAN, NAN, NAN, NAN, 0),
    Estimate(72.0, NAN, NAN, NAN, 3),
    Estimate(100.0, 0.0, 100.0, 100.0, 12),
    {"mean": 91.005, "low": 88.25, "high": 93.75},
]
POINTS = [
    None,
    Point("2026-11", 12, 88.123, 85.55, 90.45),
    Point("2026-11", 3, None, None, None),
    Point("2026-10", 7, 79.5, None, None),
]


def _both(app: Flask, lang: str, old: str, new: str, value: object) -> tuple[str, str]:
    with app.test_request_context(f"/?lang={lang}"):
        before = render_template_string(MACROS + "{{ " + old + "(v) }}", v=value)
        after = render_template_string("{{ " + new + "(v) }}", v=value)
    return before.split("\n")[-1], after


@pytest.mark.parametrize("lang", ["th", "en"])
def test_score_cells_are_the_macros_html(app: Flask, lang: str) -> None:
    for est in ESTIMATES:
        before, after = _both(app, lang, "old_score_cell", "score_cell", est)
        assert after == before
    assert _both(app, lang, "old_score_cell", "score_cell", ESTIMATES[1])[1] == (
        '<span class="score">87.46</span> <span class="ci">(85.0–90.0)</span>'
    )


@pytest.mark.parametrize("lang", ["th", "en"])
def test_band_badges_are_the_macros_html(app: Flask, lang: str) -> None:
    for band in (None, eit_band(96.0), eit_band(80.0), eit_band(40.0)):
        before, after = _both(app, lang, "old_band_badge", "band_badge", band)
        assert after == before
    assert _both(app, lang, "old_band_badge", "band_badge", None)[1] == ""


@pytest.mark.parametrize("lang", ["th", "en"])
def test_point_cells_are_the_macros_html(app: Flask, lang: str) -> None:
    for point in POINTS:
        before, after = _both(app, lang, "old_point_cell", "point_cell", point)
        assert after == before
    hidden = _both(app, lang, "old_point_cell", "point_cell", POINTS[2])[1]
    assert hidden.startswith('<span class="suppressed">') and (
        hidden == '<span class="suppressed">hidden</span>'
    ) == (lang == "en")
