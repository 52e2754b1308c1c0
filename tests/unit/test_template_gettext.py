"""``_()`` in templates (``templating.template_gettext``) gives what Jinja's i18n extension gave with Flask-Babel's
callables: the request's language, a locale forced for a while, escaping only where the template autoescapes."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale, gettext
from jinja2.nodes import EvalContext
from markupsafe import Markup

from survey_app.templating import template_gettext

# Messages the staff catalogue translates (one with a placeholder, one with a literal percent sign).
PLAIN = "Whole cycle"
FILLED = "of %(n)s required"
PERCENT = "Scores with 95 %% confidence intervals"


def test_templates_use_the_fast_gettext(app: Flask) -> None:
    assert app.jinja_env.globals["_"] is template_gettext
    assert app.jinja_env.globals["gettext"] is template_gettext


@pytest.mark.parametrize("lang", ["th", "en"])
def test_a_template_message_is_in_the_request_language(app: Flask, lang: str) -> None:
    with app.test_request_context(f"/?lang={lang}"):
        shown = render_template_string(
            "{{ _(m) }}|{{ _(f, n='1,200') }}|{{ _(p) }}", m=PLAIN, f=FILLED, p=PERCENT
        )
        # Flask-Babel's gettext fills in only when given values; a template always does (``%%`` becomes ``%``).
        expected = f"{gettext(PLAIN)}|{gettext(FILLED, n='1,200')}|{gettext(PERCENT) % {}}"
    assert shown == expected
    assert "95 %" in shown and "%%" not in shown
    assert (shown.split("|")[0] == PLAIN) == (lang == "en")  # Thai differs from the English message


def test_a_forced_locale_is_honoured_and_the_request_language_comes_back(app: Flask) -> None:
    template = "{{ _(m) }}"
    with app.test_request_context("/?lang=th"):
        thai = render_template_string(template, m=PLAIN)
        with force_locale("en"):
            english = render_template_string(template, m=PLAIN)
        again = render_template_string(template, m=PLAIN)
    assert english == PLAIN
    assert thai != PLAIN
    assert again == thai


def test_values_are_escaped_where_the_template_autoescapes_only(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        html = render_template_string("{{ _(f, n=v) }}", f=FILLED, v="<b>")
        plain = app.jinja_env.from_string("{% autoescape false %}{{ _(f, n=v) }}{% endautoescape %}").render(
            f=FILLED, v="<b>"
        )
        text_only = EvalContext(app.jinja_env)
        text_only.autoescape = False  # as in a .txt template
        direct = template_gettext(text_only, FILLED, n="<b>")
    assert html == "of &lt;b&gt; required"
    assert plain == "of <b> required"
    assert direct == "of <b> required"
    assert not isinstance(direct, Markup)
